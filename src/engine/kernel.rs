//! The event kernel: simulated time, the event queue and the loop (`drive`) that pops events in
//! (time, sequence) order and hands each to a `World` (the engine's is `Sim`), beside the
//! world's own events (processes known ahead, which need no queue), with the stall and
//! overload bounds that stop a run that would never end. Knows nothing of conversations.

use super::observer::Observer;
use super::queue::{EventQueue, ScheduledInPast};
use super::world::{Ev, Sim};
use crate::model::state::IllegalTransition;
use crate::scenario::Scenario;
use crate::time::SimTime;
use std::sync::atomic::{AtomicU64, Ordering};

/// Why a run stopped: a bug the engine detected in itself, or a run whose simulated time
/// stopped advancing.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error(transparent)]
    Illegal(#[from] IllegalTransition),
    #[error(transparent)]
    Past(#[from] ScheduledInPast),
    /// More than `MAX_EVENTS_PER_INSTANT` events at one instant: the run would never end. The
    /// reader's bounds should make this unreachable from a valid scenario; it is an error, not
    /// a hang, all the same.
    #[error(
        "simulated time stopped advancing at {at}: more than {limit} events at that instant, the last for {what}; look for zero-length loops (many exchanges with zero response times)"
    )]
    Stalled { at: SimTime, what: String, limit: u64 },
    /// More than `MAX_LIVE_CONVERSATIONS` open at once: the scenario's load far exceeds its
    /// agents and the run would exhaust memory before it ends.
    #[error(
        "more than {MAX_LIVE_CONVERSATIONS} conversations open at once at {at}: the arrivals far exceed what the agents serve; lower the rates or add agents"
    )]
    Overloaded { at: SimTime },
}

/// Most conversation records alive at once in one replication (a few gigabytes).
/// What the engine's steps return: the error boxed, so that a step's result is one word and
/// every `?` on the hot path is a test of a register.
pub(super) type Step<T = ()> = Result<T, Box<SimError>>;

impl From<IllegalTransition> for Box<SimError> {
    fn from(e: IllegalTransition) -> Self {
        Box::new(SimError::Illegal(e))
    }
}

impl From<ScheduledInPast> for Box<SimError> {
    fn from(e: ScheduledInPast) -> Self {
        Box::new(SimError::Past(e))
    }
}

pub const MAX_LIVE_CONVERSATIONS: u64 = 5_000_000;

/// Most events one instant of simulated time may hold before the run is stopped as stalled;
/// far above what any sweep or burst of a valid scenario brings (a sweep closes at most the
/// conversations open, and a conversation has at most 1000 exchanges).
pub const MAX_EVENTS_PER_INSTANT: u64 = 10_000_000;

/// Totals of one run, for invariants and throughput figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Events handled: popped from the event queue, and the arrivals and staffing changes
    /// played beside it.
    pub events: u64,
    pub arrived: u64,
    pub closed: u64,
    pub open_at_horizon: u64,
    /// Most conversation records alive at once.
    pub peak_live: u64,
}

/// Runs replication `replication` of `s`, reporting to `obs`; `progress`, if given, is kept
/// at the simulated milliseconds done.
pub fn run<O: Observer>(
    s: &Scenario,
    replication: u32,
    obs: &mut O,
    progress: Option<&AtomicU64>,
) -> Result<RunStats, SimError> {
    run_limited(s, replication, obs, progress, MAX_EVENTS_PER_INSTANT)
}

/// `run` with another bound on the events at one instant than `MAX_EVENTS_PER_INSTANT`, so
/// that tests reach the stall error without ten million events.
pub fn run_limited<O: Observer>(
    s: &Scenario,
    replication: u32,
    obs: &mut O,
    progress: Option<&AtomicU64>,
    max_events_per_instant: u64,
) -> Result<RunStats, SimError> {
    let mut sim = Sim::new(s, replication, obs);
    sim.start().map_err(|e| *e)?;
    drive(&mut sim, progress, max_events_per_instant).map_err(|e| *e)?;
    sim.finish();
    sim.stats.events += sim.q.popped();
    Ok(sim.stats)
}

/// What the kernel drives: a world that owns the queue its handlers schedule into and
/// handles each event popped from it, beside the events it plays itself: processes known
/// ahead (the engine's arrivals and its hourly staffing clock) need no queue, only the instant
/// of their next event. The kernel knows nothing else of it.
pub(super) trait World {
    /// A small value the queue copies as it moves its buckets down.
    type Event: Copy;
    fn queue(&mut self) -> &mut EventQueue<Self::Event>;
    /// Events at or after this instant never run.
    fn horizon(&self) -> SimTime;
    fn handle(&mut self, t: SimTime, ev: Self::Event) -> Step;
    /// What an event is about, for the stall error.
    fn describe(&self, ev: &Self::Event) -> String;
    /// The instant of the world's next own event (`SimTime::MAX` for none). Own events come
    /// before the queued events of their instant.
    fn next_own(&self) -> SimTime {
        SimTime::MAX
    }
    /// Runs the world's own event due at `t` (`next_own`): one of them, if several are due.
    fn run_own(&mut self, t: SimTime) -> Step {
        unreachable!("a world without own events was asked to run one at {t}")
    }
    /// What the own event due at `t` is about, for the stall error.
    fn describe_own(&self, t: SimTime) -> String {
        format!("an event of the world at {t}")
    }
}

/// Hands over every event before the horizon, the world's own first at each instant, then the
/// queued ones in (time, sequence) order; stops with `SimError::Stalled` when one instant holds
/// more than `max_events_per_instant` events. `progress`, if given, is kept at the simulated
/// milliseconds done.
pub(super) fn drive<W: World>(w: &mut W, progress: Option<&AtomicU64>, max_events_per_instant: u64) -> Step {
    let last = SimTime(w.horizon().0.saturating_sub(1));
    let (mut done_ms, mut handed) = (0u64, 0u64);
    let (mut instant, mut at_instant) = (SimTime::ZERO, 0u64);
    let mut stalls = |t: SimTime| {
        if t == instant {
            at_instant += 1;
            at_instant > max_events_per_instant
        } else {
            (instant, at_instant) = (t, 1);
            false
        }
    };
    loop {
        let own = w.next_own();
        // Only queued events strictly before the next own event: an own event goes first at
        // its instant.
        let queued = own.0.checked_sub(1).and_then(|before| w.queue().pop_until(SimTime(before.min(last.0))));
        let t = match queued {
            Some((t, ev)) => {
                if stalls(t) {
                    return Err(
                        SimError::Stalled { at: t, what: w.describe(&ev), limit: max_events_per_instant }.into()
                    );
                }
                w.handle(t, ev)?;
                t
            }
            None if own <= last => {
                if stalls(own) {
                    return Err(SimError::Stalled {
                        at: own,
                        what: w.describe_own(own),
                        limit: max_events_per_instant,
                    }
                    .into());
                }
                w.run_own(own)?;
                own
            }
            None => break,
        };
        handed += 1;
        if let Some(p) = progress {
            if handed & 0xFFFF == 0 {
                p.fetch_add(t.0 - done_ms, Ordering::Relaxed);
                done_ms = t.0;
            }
        }
    }
    if let Some(p) = progress {
        p.fetch_add(w.horizon().0 - done_ms, Ordering::Relaxed);
    }
    Ok(())
}

impl<O: Observer> World for Sim<'_, O> {
    type Event = Ev;
    fn queue(&mut self) -> &mut EventQueue<Ev> {
        &mut self.q
    }
    fn horizon(&self) -> SimTime {
        self.horizon
    }
    fn handle(&mut self, t: SimTime, ev: Ev) -> Step {
        Sim::handle(self, t, ev)
    }
    fn describe(&self, ev: &Ev) -> String {
        Sim::describe(self, ev)
    }
    fn next_own(&self) -> SimTime {
        self.next_own
    }
    fn run_own(&mut self, t: SimTime) -> Step {
        Sim::run_own(self, t)
    }
    fn describe_own(&self, t: SimTime) -> String {
        Sim::describe_own(self, t)
    }
}

impl<O: Observer> Sim<'_, O> {
    /// Schedules an event, unless it falls at or after the horizon (it would never run).
    /// The queue refuses an instant before its clock; the world's (`Sim::now`) can be ahead of
    /// it, since own events do not pass through the queue: every caller schedules from the
    /// instant it handles (checked in debug builds).
    pub(super) fn at(&mut self, t: SimTime, ev: Ev) -> Step {
        debug_assert!(t >= self.now, "scheduled at {t} while the world's clock reads {}", self.now);
        if t < self.horizon {
            self.q.schedule(t, ev)?;
        }
        Ok(())
    }

    /// Schedules an event after every other event of its instant (sweep runs).
    pub(super) fn at_last(&mut self, t: SimTime, ev: Ev) -> Step {
        debug_assert!(t >= self.now, "scheduled at {t} while the world's clock reads {}", self.now);
        if t < self.horizon {
            self.q.schedule_last(t, ev)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A world of numbered events: each event `n > 0` schedules `n - 1` after `step_ms`.
    struct Countdown {
        q: EventQueue<u32>,
        step_ms: u64,
        seen: Vec<(u64, u32)>,
    }

    impl World for Countdown {
        type Event = u32;
        fn queue(&mut self) -> &mut EventQueue<u32> {
            &mut self.q
        }
        fn horizon(&self) -> SimTime {
            SimTime(100)
        }
        fn handle(&mut self, t: SimTime, n: u32) -> Step {
            self.seen.push((t.0, n));
            if n > 0 {
                self.q.schedule(SimTime(t.0 + self.step_ms), n - 1)?;
            }
            Ok(())
        }
        fn describe(&self, n: &u32) -> String {
            format!("countdown {n}")
        }
    }

    fn countdown(step_ms: u64, from: u32) -> Countdown {
        let mut w = Countdown { q: EventQueue::new(), step_ms, seen: Vec::new() };
        w.q.schedule(SimTime(10), from).expect("the start is not in the past");
        w
    }

    #[test]
    fn drive_hands_over_events_in_time_order_until_the_horizon() {
        let mut w = countdown(40, 5);
        let progress = AtomicU64::new(0);
        drive(&mut w, Some(&progress), 10).expect("a countdown does not stall");
        // 10, 50, 90; the event due at 130 lies past the horizon (100) and never runs.
        assert_eq!(w.seen, vec![(10, 5), (50, 4), (90, 3)]);
        assert_eq!(progress.load(Ordering::Relaxed), 100);
    }

    /// A world whose own events (a list of instants) schedule a queued event at their instant.
    struct Ticks {
        q: EventQueue<u32>,
        own: Vec<u64>,
        seen: Vec<(u64, &'static str)>,
    }

    impl World for Ticks {
        type Event = u32;
        fn queue(&mut self) -> &mut EventQueue<u32> {
            &mut self.q
        }
        fn horizon(&self) -> SimTime {
            SimTime(100)
        }
        fn handle(&mut self, t: SimTime, _: u32) -> Step {
            self.seen.push((t.0, "queued"));
            Ok(())
        }
        fn describe(&self, n: &u32) -> String {
            format!("queued {n}")
        }
        fn next_own(&self) -> SimTime {
            self.own.first().map_or(SimTime::MAX, |&t| SimTime(t))
        }
        fn run_own(&mut self, t: SimTime) -> Step {
            self.seen.push((t.0, "own"));
            self.own.remove(0);
            self.q.schedule(t, 0)?;
            Ok(())
        }
        fn describe_own(&self, t: SimTime) -> String {
            format!("own at {}", t.0)
        }
    }

    #[test]
    fn own_events_come_before_the_queued_events_of_their_instant() {
        let mut w = Ticks { q: EventQueue::new(), own: vec![0, 20, 20, 150], seen: Vec::new() };
        w.q.schedule(SimTime(20), 7).expect("the start is not in the past");
        drive(&mut w, None, 10).expect("no instant holds ten events");
        // At 20: both own events, then the queued one scheduled before them and theirs; the own
        // event at 150 lies past the horizon.
        let want =
            [(0, "own"), (0, "queued"), (20, "own"), (20, "own"), (20, "queued"), (20, "queued"), (20, "queued")];
        assert_eq!(w.seen, want);
        let mut w = Ticks { q: EventQueue::new(), own: vec![5; 4], seen: Vec::new() };
        let err = drive(&mut w, None, 3).expect_err("four own events at one instant");
        assert!(err.to_string().contains("more than 3 events at that instant, the last for own at 5"), "{err}");
    }

    #[test]
    fn drive_stops_a_world_whose_time_stands_still() {
        let mut w = countdown(0, 1000);
        let err = drive(&mut w, None, 3).expect_err("zero steps stall at one instant");
        assert_eq!(
            err.to_string(),
            "simulated time stopped advancing at day 0 00:00:00.010: more than 3 events at that instant, the last \
             for countdown 997; look for zero-length loops (many exchanges with zero response times)"
        );
        assert_eq!(w.seen.len(), 3);
    }
}
