//! The event kernel: simulated time, the event queue and the loop that pops events in
//! (time, sequence) order and hands each to the world (`Sim::handle`), with the stall and
//! overload bounds that stop a run that would never end. Knows nothing of conversations.

use super::observer::Observer;
use super::queue::ScheduledInPast;
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
pub const MAX_LIVE_CONVERSATIONS: u64 = 5_000_000;

/// Most events one instant of simulated time may hold before the run is stopped as stalled;
/// far above what any sweep or burst of a valid scenario brings (a sweep closes at most the
/// conversations open, and a conversation has at most 1000 exchanges).
pub const MAX_EVENTS_PER_INSTANT: u64 = 10_000_000;

/// Totals of one run, for invariants and throughput figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Events popped from the event queue.
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
    sim.start()?;
    let mut done_ms = 0u64;
    let (mut instant, mut at_instant) = (SimTime::ZERO, 0u64);
    while let Some((t, ev)) = sim.q.pop_until(SimTime(sim.horizon.0.saturating_sub(1))) {
        if t == instant {
            at_instant += 1;
            if at_instant > max_events_per_instant {
                return Err(SimError::Stalled { at: t, what: sim.describe(&ev), limit: max_events_per_instant });
            }
        } else {
            (instant, at_instant) = (t, 1);
        }
        sim.handle(t, ev)?;
        if let Some(p) = progress {
            if sim.q.popped() & 0xFFFF == 0 {
                p.fetch_add(t.0 - done_ms, Ordering::Relaxed);
                done_ms = t.0;
            }
        }
    }
    if let Some(p) = progress {
        p.fetch_add(sim.horizon.0 - done_ms, Ordering::Relaxed);
    }
    sim.finish();
    sim.stats.events = sim.q.popped();
    Ok(sim.stats)
}

impl<O: Observer> Sim<'_, O> {
    /// Schedules an event, unless it falls at or after the horizon (it would never run).
    pub(super) fn at(&mut self, t: SimTime, ev: Ev) -> Result<(), SimError> {
        if t < self.horizon {
            self.q.schedule(t, ev)?;
        }
        Ok(())
    }

    /// Schedules an event after every other event of its instant (sweep runs).
    pub(super) fn at_last(&mut self, t: SimTime, ev: Ev) -> Result<(), SimError> {
        if t < self.horizon {
            self.q.schedule_last(t, ev)?;
        }
        Ok(())
    }
}
