//! Capacity episodes (SPEC section 5): what a conversation's held capacity costs over a period
//! in which its state, eligibility and held capacity stay constant. Zombie capacity is what it
//! holds past its eligibility; silent capacity what it holds while the customer is silent,
//! before eligibility, summed over the silence and reported when the silence ends. The engine
//! describes each episode as it ends (`Episode`) and keeps a `SilenceTally` with each
//! conversation; the rules of what an episode costs live here, apart from the engine. They run
//! at every episode's end and are `#[inline]`, so that the engine's code inlines them (2 to 3%
//! of a run's instructions when it did not).

use crate::model::state::State;
use crate::time::SimTime;

/// A period of constant state, eligibility and held capacity of one conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Episode {
    pub state: State,
    /// Capacity units held throughout.
    pub held: u32,
    pub start: SimTime,
    pub end: SimTime,
    /// When its rule (or the hard cap) makes it eligible, if ever, as things stood.
    pub eligible: Option<SimTime>,
    /// Since when the customer has been silent (the agent wrote last), if they are.
    pub silent_since: Option<SimTime>,
}

impl Episode {
    /// The part of the episode held past eligibility (zombie capacity), if any.
    #[inline]
    pub fn zombie(&self) -> Option<(SimTime, SimTime)> {
        let from = self.eligible?.max(self.start);
        (self.held > 0 && from < self.end).then_some((from, self.end))
    }

    /// Unit-milliseconds held during the customer's silence before eligibility.
    #[inline]
    pub fn silent_unit_ms(&self) -> u64 {
        let Some(since) = self.silent_since else { return 0 };
        let from = self.start.max(since);
        let to = self.eligible.map_or(self.end, |e| e.min(self.end));
        if from < to {
            self.held as u64 * (to - from).ms()
        } else {
            0
        }
    }
}

/// The silent capacity of a customer silence so far, and the state it was last held in (what
/// it is reported under).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SilenceTally {
    unit_ms: u64,
    state: State,
}

impl Default for SilenceTally {
    fn default() -> Self {
        SilenceTally { unit_ms: 0, state: State::Active }
    }
}

impl SilenceTally {
    /// Adds what `ep` held during the silence.
    #[inline]
    pub fn add(&mut self, ep: &Episode) {
        let unit_ms = ep.silent_unit_ms();
        if unit_ms > 0 {
            self.unit_ms += unit_ms;
            self.state = ep.state;
        }
    }

    /// The silence ended: its (state, unit-milliseconds) if it held any capacity, and the
    /// count starts afresh.
    #[inline]
    pub fn take(&mut self) -> Option<(State, u64)> {
        let unit_ms = std::mem::take(&mut self.unit_ms);
        (unit_ms > 0).then_some((self.state, unit_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: u64 = 60_000;

    fn ep(start_min: u64, end_min: u64, eligible_min: Option<u64>, silent_since_min: Option<u64>) -> Episode {
        Episode {
            state: State::Active,
            held: 2,
            start: SimTime(start_min * MIN),
            end: SimTime(end_min * MIN),
            eligible: eligible_min.map(|m| SimTime(m * MIN)),
            silent_since: silent_since_min.map(|m| SimTime(m * MIN)),
        }
    }

    #[test]
    fn an_episode_past_eligibility_is_zombie_from_eligibility_to_its_end() {
        assert_eq!(ep(10, 50, Some(30), None).zombie(), Some((SimTime(30 * MIN), SimTime(50 * MIN))));
        // Eligible before the episode began: all of it.
        assert_eq!(ep(10, 50, Some(5), None).zombie(), Some((SimTime(10 * MIN), SimTime(50 * MIN))));
        assert_eq!(ep(10, 50, Some(50), None).zombie(), None);
        assert_eq!(ep(10, 50, None, None).zombie(), None);
        assert_eq!(Episode { held: 0, ..ep(10, 50, Some(30), None) }.zombie(), None);
    }

    #[test]
    fn silent_capacity_is_held_units_times_the_silence_before_eligibility() {
        // Silent from minute 20, eligible at 40: 20 minutes of 2 units.
        assert_eq!(ep(10, 50, Some(40), Some(20)).silent_unit_ms(), 2 * 20 * MIN);
        // Silent since before the episode: from its start.
        assert_eq!(ep(10, 30, None, Some(0)).silent_unit_ms(), 2 * 20 * MIN);
        assert_eq!(ep(10, 50, None, None).silent_unit_ms(), 0);
        assert_eq!(ep(10, 50, Some(5), Some(0)).silent_unit_ms(), 0);
    }

    #[test]
    fn a_tally_sums_a_silence_over_episodes_under_the_last_state_it_held_capacity_in() {
        let mut tally = SilenceTally::default();
        tally.add(&ep(0, 10, None, Some(0)));
        tally.add(&Episode { state: State::WrapUp, ..ep(10, 15, None, Some(0)) });
        tally.add(&Episode { state: State::Waiting, held: 0, ..ep(15, 30, None, Some(0)) });
        assert_eq!(tally.take(), Some((State::WrapUp, 2 * 15 * MIN)));
        assert_eq!(tally.take(), None);
    }
}
