//! A sweep's eligibility index: lower bounds of eligibility filed by the first nominal run
//! that will look at them, so that a run takes what is due in one pass over what it looks at
//! (no heap: pushes are appends, and a run's cost is what it takes, not a logarithm of what
//! is open). Bounds beyond `NEAR_RUNS` runs ahead wait in a heap until they come near.
//!
//! The order entries come out in is not part of any result: a run sorts what it finds
//! eligible by (eligibility, conversation id), and entries not yet due go back.

use crate::engine::conversation::ConvKey;
use crate::policy::SweepSpec;
use crate::time::SimTime;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// (lower bound of eligibility, conversation id, key stamped with the state epoch).
pub(crate) type IndexEntry = (SimTime, u64, ConvKey);

/// Runs ahead kept in buckets; later bounds wait in `far`.
const NEAR_RUNS: u64 = 4096;

pub(crate) struct SweepIndex {
    phase_ms: u64,
    interval_ms: u64,
    /// Run number of `near[0]`.
    base: u64,
    /// `near[i]`: the entries whose first nominal run at or after their bound is `base + i`.
    near: VecDeque<Vec<IndexEntry>>,
    /// Entries `NEAR_RUNS` or more runs ahead, by run number.
    far: BinaryHeap<Reverse<(u64, IndexEntry)>>,
    /// Emptied buckets, kept for reuse.
    spare: Vec<Vec<IndexEntry>>,
}

impl SweepIndex {
    pub(crate) fn new(spec: &SweepSpec) -> Self {
        SweepIndex {
            phase_ms: spec.phase.ms(),
            interval_ms: spec.interval.ms().max(1),
            base: 0,
            near: VecDeque::new(),
            far: BinaryHeap::new(),
            spare: Vec::new(),
        }
    }

    /// The number of the first nominal run at or after `t`.
    fn run_of(&self, t: SimTime) -> u64 {
        t.ms().saturating_sub(self.phase_ms).div_ceil(self.interval_ms)
    }

    pub(crate) fn push(&mut self, entry: IndexEntry) {
        // A bound already passed is looked at by the next run.
        let run = self.run_of(entry.0).max(self.base);
        if run - self.base >= NEAR_RUNS {
            self.far.push(Reverse((run, entry)));
            return;
        }
        let i = (run - self.base) as usize;
        while self.near.len() <= i {
            self.near.push_back(self.spare.pop().unwrap_or_default());
        }
        self.near[i].push(entry);
    }

    /// Moves every entry a run at `t` must look at (all those filed under runs up to the one
    /// `t` falls in) into `out`; some may have bounds after `t` (a run that started late by
    /// its jitter): the caller pushes those back.
    pub(crate) fn take_due(&mut self, t: SimTime, out: &mut Vec<IndexEntry>) {
        let cur = self.run_of(t);
        while self.base < cur {
            match self.near.pop_front() {
                Some(mut b) => {
                    out.append(&mut b);
                    self.spare.push(b);
                }
                None => {
                    // Nothing near: jump to the next far entry's run, or to `cur`.
                    let next_far = self.far.peek().map_or(cur, |Reverse((r, _))| *r);
                    self.base = self.base.max(next_far.min(cur));
                    self.bring_near();
                    if self.near.is_empty() && self.base < cur {
                        self.base = cur;
                    }
                    continue;
                }
            }
            self.base += 1;
            self.bring_near();
        }
        if let Some(b) = self.near.front_mut() {
            out.append(b);
        }
    }

    /// Files the far entries that have come within `NEAR_RUNS` runs.
    fn bring_near(&mut self) {
        while let Some(&Reverse((run, _))) = self.far.peek() {
            if run >= self.base + NEAR_RUNS {
                break;
            }
            let Reverse((_, entry)) = self.far.pop().expect("peeked");
            self.push(entry);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SimDuration;
    use proptest::prelude::*;

    fn spec(phase_ms: u64, interval_ms: u64) -> SweepSpec {
        SweepSpec {
            interval: SimDuration(interval_ms),
            phase: SimDuration(phase_ms),
            jitter: None,
            max_closures_per_run: None,
            closures_per_second: None,
            recheck: true,
        }
    }

    proptest! {
        /// Whatever the bounds (near, far, already passed) and the run times (late by any
        /// jitter), a run at `t` gets every entry with a bound at or before `t` exactly once,
        /// once pushed-back entries are counted.
        #[test]
        fn every_due_entry_comes_out_once(
            phase in 0u64..50,
            interval in 1u64..40,
            bounds in proptest::collection::vec(0u64..300_000, 1..200),
            late in proptest::collection::vec(0u64..60, 1..60),
        ) {
            let mut idx = SweepIndex::new(&spec(phase, interval));
            let mut pending: Vec<(u64, u64)> = Vec::new();
            for (i, &b) in bounds.iter().enumerate() {
                idx.push((SimTime(b), i as u64, ConvKey::for_test(i as u32)));
                pending.push((b, i as u64));
            }
            let mut t = 0u64;
            let mut step = 0u64;
            let mut out = Vec::new();
            while !pending.is_empty() {
                t = (phase + step * interval + late[step as usize % late.len()]).max(t);
                step += 1 + step / 8; // runs spread ever wider: far entries come near
                idx.take_due(SimTime(t), &mut out);
                let mut got: Vec<(u64, u64)> = Vec::new();
                for e in out.drain(..) {
                    if e.0.ms() > t {
                        idx.push(e);
                    } else {
                        got.push((e.0.ms(), e.1));
                    }
                }
                got.sort();
                let mut want: Vec<(u64, u64)> = pending.iter().copied().filter(|&(b, _)| b <= t).collect();
                want.sort();
                pending.retain(|&(b, _)| b > t);
                prop_assert_eq!(got, want);
            }
        }
    }
}
