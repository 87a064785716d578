//! The conversation slab: each open conversation's record (its clocks, draws and stamps) in a
//! reusable slot, freed when it closes, and its creation.

use super::dialogue::TurnFixed;
use super::kernel::{SimError, Step, MAX_LIVE_CONVERSATIONS};
use super::observer::CloseReason;
use super::observer::{ConvMeta, ConversationRecord, Observer};
use super::rng::StreamRng;
use super::world::Sim;
use crate::metrics::episodes::SilenceTally;
use crate::model::state::State;
use crate::policy::Readings;
use crate::scenario::Behaviour;
use crate::time::{SimDuration, SimTime};

pub(super) const NO_AGENT: u32 = u32::MAX;
/// Most exchanges of one conversation (`scenario::dists::MAX_COUNT`).
pub(super) const MAX_EXCHANGES: u32 = crate::scenario::dists::MAX_COUNT as u32;

/// Which of a conversation's counters a scheduled event was stamped with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stamp {
    /// The state epoch: bumped at every state change.
    Epoch,
    /// Agent messages sent so far.
    Turn,
    /// Bumped at every agent message and every state change.
    TurnEpoch,
}

/// The key of a scheduled conversation event (after NeXosim's cancellation keys): the slot,
/// the tag of the conversation that held it, and the stamp it had then. An event is never
/// removed from the queue; it is dropped when it surfaces with a key that is no longer
/// current (lazy deletion), checked in one place, `Sim::current`.
#[must_use = "a key is what tells a scheduled event apart from a stale one"]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConvKey {
    pub(super) slot: u32,
    tag: u32,
    stamp: u32,
}

impl ConvKey {
    /// A key for routing's own tests, which never resolve it.
    #[cfg(test)]
    pub(super) fn for_test(slot: u32) -> ConvKey {
        ConvKey { slot, tag: slot, stamp: 0 }
    }

    /// The tag of the conversation it names: its creation order (mod 2^32).
    #[inline]
    pub(super) fn tag(self) -> u32 {
        self.tag
    }

    /// Whether `c` is the conversation this key names, with the stamp `which` it had when the
    /// key was made: the one staleness check of a scheduled conversation event.
    #[inline]
    fn names(self, c: &Conv, which: Stamp) -> bool {
        c.tag == self.tag && c.stamp(which) == self.stamp
    }

    /// The conversation this key names in the slab, if the key is still current.
    #[inline]
    pub(super) fn resolve(self, convs: &[Option<Conv>], which: Stamp) -> Option<&Conv> {
        convs.get(self.slot as usize)?.as_ref().filter(|c| self.names(c, which))
    }

    /// `resolve`, for a change.
    #[inline]
    pub(super) fn resolve_mut(self, convs: &mut [Option<Conv>], which: Stamp) -> Option<&mut Conv> {
        convs.get_mut(self.slot as usize)?.as_mut().filter(|c| self.names(c, which))
    }
}

pub(super) struct Conv {
    pub(super) meta: ConvMeta,
    pub(super) tag: u32,
    pub(super) rng: StreamRng,
    /// The side-event stream (reader joins, manual response, transfers); a placeholder never
    /// drawn from where no (channel, skill) has side draws (`Sim::side_draws`).
    pub(super) side_rng: StreamRng,
    /// Its state and the clocks the auto-close rules read, kept as the rules take them so
    /// that judging its eligibility copies nothing.
    pub(super) r: Readings,
    /// Bumped at every state change; events scheduled in an earlier state are stale.
    pub(super) epoch: u32,
    pub(super) pending_reply_at: Option<SimTime>,
    pub(super) first_assigned: Option<SimTime>,
    pub(super) last_assigned: Option<SimTime>,
    pub(super) exchanges: u32,
    /// Agent messages sent so far.
    pub(super) turn: u32,
    /// Bumped at every agent message and every state change: a park or disconnect timer
    /// stands only while the silence it was set for lasts.
    pub(super) turn_epoch: u32,
    pub(super) agent: u32,
    pub(super) held: u32,
    /// Start of the current period of constant eligibility and held capacity.
    pub(super) episode_start: SimTime,
    /// The scheduler whose scope it is counted in (`Sim::scope_enter`), if any.
    pub(super) scope: Option<u32>,
    /// Where the rule that applies to it now is in the policy's rules (`Sim::scope_enter`, at
    /// each change of state or skill), `None` in no open state: looked up often, set rarely.
    pub(super) rule: Option<u32>,
    /// Key of this conversation's live entry in its scheduler's index (a lower bound of its
    /// eligibility), or `None` when it has none.
    pub(super) indexed_key: Option<SimTime>,
    /// When the agent will close a wrap-up whose capacity is released first (`wrap_up =
    /// "<duration>"` shorter than the wrap-up): set at its start, taken at the release.
    pub(super) wrap_up_done: Option<SimTime>,
    /// This turn's park delay, if the agent will park while the customer is silent.
    pub(super) silence_park: Option<SimDuration>,
    /// This turn's time from the agent's message to a live-chat disconnect, if any.
    pub(super) silence_disconnect: Option<SimDuration>,
    /// Capacity held during the current customer silence before eligibility: the cost of the
    /// timeout, reported when the silence ends (the customer writes, an auto-close, the
    /// dialogue's end or the horizon).
    pub(super) silence: SilenceTally,
    pub(super) recontact_of: Option<u64>,
    pub(super) transfers: u32,
    /// An auto-close rule moved it to Wrap-up: (eligible, premature, race) of that move.
    pub(super) auto_moved: Option<(SimTime, bool, bool)>,
    /// Times an auto-close rule parked it (Active to Waiting).
    pub(super) auto_parks: u32,
    /// (stream, generation, index): the seed of its random streams.
    pub(super) key: (u32, u32, u64),
}

impl Conv {
    /// Its key in `slot` now, stamped with `which`.
    #[inline]
    pub(super) fn key(&self, slot: u32, which: Stamp) -> ConvKey {
        ConvKey { slot, tag: self.tag, stamp: self.stamp(which) }
    }

    #[inline]
    pub(super) fn stamp(&self, which: Stamp) -> u32 {
        match which {
            Stamp::Epoch => self.epoch,
            Stamp::Turn => self.turn,
            Stamp::TurnEpoch => self.turn_epoch,
        }
    }

    /// Records a message or metadata change that is not a reader join.
    pub(super) fn touch(&mut self, t: SimTime) {
        self.r.last_activity = t;
        self.r.last_activity_excluding_reader = t;
    }
}

impl<'a, O: Observer> Sim<'a, O> {
    pub(super) fn create(
        &mut self,
        t: SimTime,
        channel: u16,
        skill: u16,
        key: (u32, u32, u64),
        recontact_of: Option<u64>,
    ) -> Step {
        let stream_word = ((key.1 as u64) << 32) | key.0 as u64;
        let mut rng = self.streams.dialogue.stream(stream_word, key.2);
        let side_rng = if self.side_draws { self.streams.side.stream(stream_word, key.2) } else { StreamRng::new(0) };
        let b = self.s.behaviour(channel as usize, skill as usize);
        // Capped like the reader caps the distribution's parameters: a long tail must not run
        // one conversation for millions of exchanges.
        let exchanges = b.exchanges.sample_count(&mut rng, 1).unwrap_or(1).min(MAX_EXCHANGES);
        let meta = ConvMeta { id: self.next_id, channel, skill, arrival_skill: skill, created: t };
        self.next_id += 1;
        let tag = self.next_tag;
        self.next_tag = self.next_tag.wrapping_add(1);
        // The slot first, so that the record is built where it lies rather than moved there.
        let slot = match self.free_slots.pop() {
            Some(s) => s,
            None => {
                self.convs.push(None);
                (self.convs.len() - 1) as u32
            }
        };
        self.convs[slot as usize] = Some(Conv {
            meta,
            tag,
            rng,
            side_rng,
            r: Readings {
                state: State::Open,
                created: t,
                state_entered: t,
                state_modified: t,
                wrap_up_initiated: None,
                last_activity: t,
                last_activity_excluding_reader: t,
                last_customer_message: t,
                pending_consumer_since: None,
                manual_response_time: false,
            },
            epoch: 0,
            pending_reply_at: None,
            first_assigned: None,
            last_assigned: None,
            exchanges,
            turn: 0,
            turn_epoch: 0,
            agent: NO_AGENT,
            held: 0,
            episode_start: t,
            scope: None,
            rule: None,
            indexed_key: None,
            wrap_up_done: None,
            silence_park: None,
            silence_disconnect: None,
            silence: SilenceTally::default(),
            recontact_of,
            transfers: 0,
            auto_moved: None,
            auto_parks: 0,
            key,
        });
        self.live += 1;
        if self.live > MAX_LIVE_CONVERSATIONS {
            return Err(SimError::Overloaded { at: t }.into());
        }
        self.stats.peak_live = self.stats.peak_live.max(self.live);
        self.stats.arrived += 1;
        self.obs.arrival(t, &meta, recontact_of.is_some());
        self.obs.state_change(t, &meta, None, State::Open);
        self.scope_enter(slot);
        self.enqueue(slot, t)
    }

    /// The side-event stream of the conversation in `slot` (only where `side_draws`).
    pub(super) fn side_rng(&mut self, slot: u32) -> &mut StreamRng {
        debug_assert!(self.side_draws, "the side stream should be drawn from only where it was made");
        &mut self.conv_mut(slot).side_rng
    }

    /// The behaviour of `c`'s (channel, skill), with its turns' fixed durations.
    #[inline]
    pub(super) fn behaviour_of(&self, c: &Conv) -> (&'a Behaviour, TurnFixed) {
        let i = c.meta.channel as usize * self.s.skills.len() + c.meta.skill as usize;
        (&self.s.behaviour[i], self.turn_fixed[i])
    }

    pub(super) fn conv(&self, slot: u32) -> &Conv {
        self.convs[slot as usize].as_ref().expect("a live slot should hold a conversation")
    }

    pub(super) fn conv_mut(&mut self, slot: u32) -> &mut Conv {
        self.convs[slot as usize].as_mut().expect("a live slot should hold a conversation")
    }

    /// The key of the conversation in `slot` as it is now, stamped with `which`.
    #[inline]
    pub(super) fn key(&self, slot: u32, which: Stamp) -> ConvKey {
        self.conv(slot).key(slot, which)
    }

    /// The conversation a key names if its slot still holds it, whatever changed since.
    #[inline]
    pub(super) fn holder(&self, key: ConvKey) -> Option<&Conv> {
        self.convs.get(key.slot as usize)?.as_ref().filter(|c| c.tag == key.tag)
    }

    /// The conversation a key names if it still has the stamp the key was made with.
    #[inline]
    pub(super) fn current(&self, key: ConvKey, which: Stamp) -> Option<&Conv> {
        key.resolve(&self.convs, which)
    }
}

pub(super) fn record(
    c: &Conv,
    closed: Option<SimTime>,
    last_state: State,
    reason: Option<CloseReason>,
    eligible: Option<SimTime>,
    premature: bool,
    race: bool,
) -> ConversationRecord {
    let (eligible, premature, race) = match c.auto_moved {
        Some((e, p, r)) if eligible.is_none() => (Some(e), p, r),
        _ => (eligible, premature, race),
    };
    ConversationRecord {
        meta: c.meta,
        first_assigned: c.first_assigned,
        last_assigned: c.last_assigned,
        wrap_up_initiated: c.r.wrap_up_initiated,
        closed,
        last_state,
        reason,
        eligible_at: eligible,
        last_customer_message: c.r.last_customer_message,
        last_activity: c.r.last_activity,
        state_entered: c.r.state_entered,
        premature,
        race,
        recontact_of: c.recontact_of,
        transfers: c.transfers,
        exchanges: c.turn,
        auto_wrap_up: c.auto_moved.is_some(),
        auto_parks: c.auto_parks,
    }
}
