//! The observer `check` runs the engine with: it records, for one replication, exactly the
//! raw figures the theory speaks of (first queue sojourn of each arrival, state counts and
//! sojourns for Little's law, closure latencies), over a measurement window it is given.
//! Computes no statistics across replications.

use crate::engine::{ConvMeta, ConversationRecord, Observer};
use crate::model::state::State;
use crate::time::SimTime;
use std::collections::HashMap;

/// The window a replication is measured over: `[start, end)`, with `end` at most the horizon.
/// What starts inside it is followed to the horizon, so that a drain period after `end` lets
/// it finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: SimTime,
    pub end: SimTime,
    pub horizon: SimTime,
}

impl Window {
    fn contains(&self, t: SimTime) -> bool {
        t >= self.start && t < self.end
    }
}

/// Little's law figures of one state over the window, in integer milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StateTally {
    /// Integral over the window of the number of conversations in the state (count x ms).
    pub area_ms: i128,
    /// Entries into the state inside the window.
    pub entries: u64,
    /// Sum over those entries of the whole time spent in the state (to the horizon for those
    /// still in it then).
    pub sojourn_ms: i128,
    /// Entries still in the state at the horizon (their sojourn is cut short).
    pub censored: u64,
}

/// What one replication measured.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Probe {
    window: Option<Window>,
    /// Conversations created in the window and not yet out of their first queue sojourn.
    queued: HashMap<u64, SimTime>,
    /// Arrivals created in the window.
    pub arrivals: u64,
    /// Of which: not assigned at the instant they arrived (they queued, then were assigned or
    /// left).
    pub waited: u64,
    /// Of which: left the queue before being assigned.
    pub abandoned: u64,
    /// Sum of first queue sojourns (zero for those assigned at once), ms.
    pub wait_sum_ms: u128,
    /// Arrivals still in their first queue sojourn at the horizon (counted as waiting up to it).
    pub wait_censored: u64,
    /// Per open state (Open, Active, Waiting, Wrap-up).
    pub states: [StateTally; 4],
    /// Closure latency (closed minus eligible, ms) of auto-closures eligible in the window.
    pub latencies_ms: Vec<u64>,
}

impl Probe {
    pub fn new(window: Window) -> Probe {
        Probe { window: Some(window), ..Probe::default() }
    }

    fn window(&self) -> Window {
        self.window.expect("a probe is built with `Probe::new`, which sets its window")
    }

    /// A state's count changes by `delta` at `t`: its window integral by `delta` times what is
    /// left of the window from `t`, so that the changes may come in any order (the engine
    /// plays some of a conversation's changes ahead of the others' events).
    fn change_level(&mut self, s: usize, t: SimTime, delta: i64) {
        let w = self.window();
        let rest = w.end.ms().saturating_sub(t.max(w.start).ms());
        self.states[s].area_ms += delta as i128 * rest as i128;
    }

    /// Closes the integrals and the sojourns still running at the horizon.
    pub fn finish(mut self) -> Probe {
        let w = self.window();
        for (_, entered) in self.queued.drain() {
            self.wait_sum_ms += w.horizon.ms().saturating_sub(entered.ms()) as u128;
            self.waited += 1;
            self.wait_censored += 1;
        }
        for st in &mut self.states {
            // Each open entry subtracted its entry instant; close it at the horizon.
            st.sojourn_ms += st.censored as i128 * w.horizon.ms() as i128;
        }
        self
    }
}

impl Observer for Probe {
    /// Takes a conversation's reports ahead of the others' (nothing here is kept in time order).
    fn needs_time_order(&self) -> bool {
        false
    }

    fn state_change(&mut self, t: SimTime, c: &ConvMeta, from: Option<(State, SimTime)>, to: State) {
        let w = self.window();
        match from {
            None => {
                if to == State::Open && w.contains(t) {
                    self.arrivals += 1;
                    self.queued.insert(c.id, t);
                }
            }
            Some((f, entered)) => {
                let fi = f.open_index().expect("only open states are left");
                self.change_level(fi, t, -1);
                if w.contains(entered) {
                    // Pairs with the `-entered` added at entry.
                    self.states[fi].sojourn_ms += t.ms() as i128;
                    self.states[fi].censored -= 1;
                }
                if f == State::Open {
                    if let Some(arrived) = self.queued.remove(&c.id) {
                        let wait = t.ms() - arrived.ms();
                        self.wait_sum_ms += wait as u128;
                        let left = to != State::Active;
                        if wait > 0 || left {
                            self.waited += 1;
                        }
                        if left {
                            self.abandoned += 1;
                        }
                    }
                }
            }
        }
        if let Some(ti) = to.open_index() {
            self.change_level(ti, t, 1);
            if w.contains(t) {
                let st = &mut self.states[ti];
                st.entries += 1;
                st.censored += 1;
                st.sojourn_ms -= t.ms() as i128;
            }
        }
    }

    fn conversation(&mut self, rec: &ConversationRecord) {
        let w = self.window();
        if let (Some(closed), Some(eligible), Some(reason)) = (rec.closed, rec.eligible_at, rec.reason) {
            if reason.is_auto() && w.contains(eligible) {
                self.latencies_ms.push(closed.saturating_since(eligible).ms());
            }
        }
    }
}
