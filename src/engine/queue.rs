//! The future event list: events ordered by (time, class, tie-break, insertion order).
//!
//! Events of one instant pop by the tie-break the queue was made with (`with_tie`: a function
//! of the event itself, so that the order of an instant does not depend on when its events
//! were scheduled), then in the order they were scheduled; a seed replays the same run on any
//! machine and thread count. Events scheduled with `schedule_last` pop after every ordinary
//! event of their instant (the engine uses it for sweep runs, so that a run sees every change
//! made at its instant). An event scheduled at the instant being processed takes its tie-break
//! position among the events of that instant still to pop. Scheduling in the past is a bug and is refused. Events are never
//! removed: handlers check that an event still applies when it surfaces (lazy deletion, as in
//! NeXosim).
//!
//! The structure is a radix heap (Ahuja, Mehlhorn, Orlin and Tarjan), which works because
//! simulated time is an integer that never goes back. Keys are `time * 2 + class`. Bucket
//! `i > 0` holds the events whose key differs from the last popped key `last` first in bit
//! `i - 1`, bucket 0 those due at `last`. A push appends to one bucket; a pop that finds bucket 0 empty moves the first
//! non-empty bucket's events down, relative to its earliest time (each bucket's earliest key is kept
//! on push, so the move is the only pass over it). Every event of a given time
//! sits in one bucket (its bucket depends only on its time and `last`), buckets are appended to
//! and redistributed in order, and bucket 0 is drained from the front, so equal times keep
//! their insertion order; bucket 0 is sorted by tie-break (stably) when a bucket moves into it,
//! which happens only when it is empty, and a push into it goes after the equal tie-breaks. Profiling the large benchmark showed a binary heap's pops costing a
//! third of the run.

use crate::time::SimTime;
use std::collections::VecDeque;

/// Scheduling at an instant before the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("event scheduled at {at} while the clock reads {now}")]
pub struct ScheduledInPast {
    pub now: SimTime,
    pub at: SimTime,
}

/// A monotone priority queue of events keyed by time, first in first out on ties.
pub struct EventQueue<E> {
    /// Events due at `last`, in insertion order.
    due: VecDeque<E>,
    /// `buckets[i - 1]` is radix bucket `i` (1..=64).
    buckets: Vec<Vec<(u64, E)>>,
    /// Bit `i - 1` set when bucket `i` holds events: finding the first is one instruction.
    nonempty: u64,
    /// `mins[i - 1]`: the smallest key in bucket `i` (kept on push, so that a pop need not
    /// scan the bucket before moving it down); `u64::MAX` for an empty bucket, so that a push
    /// only takes the minimum.
    mins: [u64; 64],
    /// An empty vector swapped with the bucket being redistributed, so that no allocation is
    /// freed or made on the way.
    spare: Vec<(u64, E)>,
    last: u64,
    len: usize,
    popped: u64,
    /// The tie-break of an event among those of its instant.
    tie: fn(&E) -> u64,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

fn bucket(last: u64, t: u64) -> usize {
    (64 - (t ^ last).leading_zeros()) as usize
}

impl<E: Copy> EventQueue<E> {
    /// A queue whose events of one instant pop in the order they were scheduled.
    pub fn new() -> Self {
        Self::with_tie(|_| 0)
    }

    /// A queue whose events of one instant pop by `tie` (ascending), then in the order they
    /// were scheduled.
    pub fn with_tie(tie: fn(&E) -> u64) -> Self {
        EventQueue {
            due: VecDeque::new(),
            buckets: (0..64).map(|_| Vec::new()).collect(),
            nonempty: 0,
            mins: [u64::MAX; 64],
            spare: Vec::new(),
            last: 0,
            len: 0,
            popped: 0,
            tie,
        }
    }

    /// The time of the last popped event.
    pub fn now(&self) -> SimTime {
        SimTime(self.last >> 1)
    }

    /// How many events have been popped so far.
    pub fn popped(&self) -> u64 {
        self.popped
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Schedules `event` at `at`, after every event already scheduled for the same instant
    /// (and before every `schedule_last` event of that instant).
    pub fn schedule(&mut self, at: SimTime, event: E) -> Result<(), ScheduledInPast> {
        self.push(at, 0, event)
    }

    /// Schedules `event` at `at`, after every ordinary event of that instant, whenever scheduled.
    pub fn schedule_last(&mut self, at: SimTime, event: E) -> Result<(), ScheduledInPast> {
        self.push(at, 1, event)
    }

    fn push(&mut self, at: SimTime, class: u64, event: E) -> Result<(), ScheduledInPast> {
        if at < self.now() || at.0 > u64::MAX >> 1 {
            return Err(ScheduledInPast { now: self.now(), at });
        }
        // An ordinary event scheduled while the instant's late events run still happens at
        // that instant, after them.
        let key = ((at.0 << 1) | class).max(self.last);
        match bucket(self.last, key) {
            0 => {
                let (tie, k) = (self.tie, (self.tie)(&event));
                let at = self.due.partition_point(|e| tie(e) <= k);
                self.due.insert(at, event);
            }
            b => self.push_bucket(b - 1, key, event),
        }
        self.len += 1;
        Ok(())
    }

    /// Appends to radix bucket `i + 1`, keeping its minimum.
    #[inline]
    fn push_bucket(&mut self, i: usize, key: u64, event: E) {
        let bit = 1u64 << i;
        self.mins[i] = self.mins[i].min(key);
        self.buckets[i].push((key, event));
        self.nonempty |= bit;
    }

    /// Pops the earliest event if it is due no later than `until`, advancing the clock.
    pub fn pop_until(&mut self, until: SimTime) -> Option<(SimTime, E)> {
        if self.due.is_empty() {
            if self.nonempty == 0 {
                return None;
            }
            let b = self.nonempty.trailing_zeros() as usize;
            let min = self.mins[b];
            if min >> 1 > until.0 {
                return None;
            }
            self.mins[b] = u64::MAX;
            self.last = min;
            self.nonempty &= !(1 << b);
            if self.buckets[b].len() == 1 {
                // Alone at its instant (the common case where instants are sparse): popped
                // without the move through `due`.
                let (_, e) = self.buckets[b].pop().expect("a non-empty bucket");
                return Some(self.popped_now(e));
            }
            let mut moving = std::mem::replace(&mut self.buckets[b], std::mem::take(&mut self.spare));
            for &(t, e) in &moving {
                // Every moved event lands in a lower bucket than `b`, never in `b` itself.
                match bucket(min, t) {
                    0 => self.due.push_back(e),
                    nb => self.push_bucket(nb - 1, t, e),
                }
            }
            moving.clear();
            self.spare = moving;
            if self.due.len() > 1 {
                let tie = self.tie;
                self.due.make_contiguous().sort_by_key(tie);
            }
        } else if self.last >> 1 > until.0 {
            return None;
        }
        let e = self.due.pop_front().expect("events are due at `last`");
        Some(self.popped_now(e))
    }

    #[inline]
    fn popped_now(&mut self, e: E) -> (SimTime, E) {
        self.len -= 1;
        self.popped += 1;
        (self.now(), e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn equal_times_pop_in_scheduling_order() {
        let mut q = EventQueue::new();
        for i in 0..5 {
            q.schedule(SimTime(10), i).unwrap();
        }
        q.schedule(SimTime(5), 99).unwrap();
        let order: Vec<i32> = std::iter::from_fn(|| q.pop_until(SimTime::MAX).map(|(_, e)| e)).collect();
        assert_eq!(order, vec![99, 0, 1, 2, 3, 4]);
    }

    #[test]
    fn scheduling_in_the_past_is_an_error() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(10), ()).unwrap();
        q.pop_until(SimTime::MAX);
        assert_eq!(q.schedule(SimTime(9), ()), Err(ScheduledInPast { now: SimTime(10), at: SimTime(9) }));
        assert!(q.schedule(SimTime(10), ()).is_ok());
    }

    #[test]
    fn last_class_pops_after_every_ordinary_event_of_its_instant() {
        let mut q = EventQueue::new();
        q.schedule_last(SimTime(10), "sweep").unwrap();
        q.schedule(SimTime(10), "a").unwrap();
        assert_eq!(q.pop_until(SimTime::MAX), Some((SimTime(10), "a")));
        // An ordinary event scheduled at the same instant while it is being processed still
        // comes before the late one.
        q.schedule(SimTime(10), "b").unwrap();
        assert_eq!(q.pop_until(SimTime::MAX), Some((SimTime(10), "b")));
        assert_eq!(q.pop_until(SimTime::MAX), Some((SimTime(10), "sweep")));
        // Scheduled while the late events of the instant run, an event still happens at that
        // instant, after them and in order.
        q.schedule_last(SimTime(10), "sweep2").unwrap();
        q.schedule(SimTime(10), "c").unwrap();
        assert_eq!(q.pop_until(SimTime::MAX), Some((SimTime(10), "sweep2")));
        assert_eq!(q.pop_until(SimTime::MAX), Some((SimTime(10), "c")));
        assert!(q.schedule(SimTime(9), "d").is_err());
    }

    #[test]
    fn pop_until_stops_at_the_bound() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(10), 1).unwrap();
        q.schedule(SimTime(20), 2).unwrap();
        assert_eq!(q.pop_until(SimTime(15)), Some((SimTime(10), 1)));
        assert_eq!(q.pop_until(SimTime(15)), None);
        assert_eq!(q.len(), 1);
        assert_eq!(q.pop_until(SimTime(20)), Some((SimTime(20), 2)));
    }

    #[test]
    fn events_of_one_instant_pop_by_tie_then_scheduling_order() {
        let mut q = EventQueue::with_tie(|e: &(u64, &str)| e.0);
        for e in [(2, "a"), (1, "b"), (2, "c"), (0, "d")] {
            q.schedule(SimTime(10), e).unwrap();
        }
        q.schedule_last(SimTime(10), (0, "late")).unwrap();
        assert_eq!(q.pop_until(SimTime::MAX), Some((SimTime(10), (0, "d"))));
        // Scheduled at the instant being processed: its tie position among those pending.
        q.schedule(SimTime(10), (1, "e")).unwrap();
        q.schedule(SimTime(10), (0, "f")).unwrap();
        let order: Vec<&str> = std::iter::from_fn(|| q.pop_until(SimTime::MAX).map(|(_, e)| e.1)).collect();
        assert_eq!(order, vec!["f", "b", "e", "a", "c", "late"]);
    }

    proptest! {
        /// Interleaved pushes and pops, with ties, give exactly the order of a sort by (time,
        /// tie, insertion), whenever each was scheduled.
        #[test]
        fn pops_in_time_then_tie_then_insertion_order(
            ops in proptest::collection::vec((prop_oneof![Just(0u64), 0u64..50, 0u64..5_000], 0u64..4, 0usize..4), 1..400)
        ) {
            let mut q = EventQueue::with_tie(|e: &(u64, usize)| e.0);
            let mut reference: Vec<(u64, u64, usize)> = Vec::new();
            let mut got = Vec::new();
            let mut want = Vec::new();
            for (i, (dt, tie, pops)) in ops.iter().enumerate() {
                let t = q.now().0 + dt;
                q.schedule(SimTime(t), (*tie, i)).unwrap();
                reference.push((t, *tie, i));
                for _ in 0..*pops {
                    reference.sort();
                    if let Some((t, e)) = q.pop_until(SimTime::MAX) {
                        got.push((t.0, e.0, e.1));
                        want.push(reference.remove(0));
                    }
                }
            }
            while let Some((t, e)) = q.pop_until(SimTime::MAX) {
                got.push((t.0, e.0, e.1));
            }
            reference.sort();
            want.extend(reference);
            prop_assert_eq!(got, want);
        }

        /// Interleaved pushes and pops give exactly the order of a sort by (time, insertion).
        #[test]
        fn pops_in_time_then_insertion_order(ops in proptest::collection::vec((0u64..5_000, 0usize..4), 1..400)) {
            let mut q = EventQueue::new();
            let mut reference: Vec<(u64, usize)> = Vec::new();
            let mut got = Vec::new();
            let mut want = Vec::new();
            for (i, (dt, pops)) in ops.iter().enumerate() {
                let t = q.now().0 + dt;
                q.schedule(SimTime(t), i).unwrap();
                reference.push((t, i));
                for _ in 0..*pops {
                    reference.sort();
                    if let Some((t, e)) = q.pop_until(SimTime::MAX) {
                        let (rt, re) = reference.remove(0);
                        got.push((t.0, e));
                        want.push((rt, re));
                    }
                }
            }
            while let Some((t, e)) = q.pop_until(SimTime::MAX) {
                got.push((t.0, e));
            }
            reference.sort();
            want.extend(reference);
            prop_assert_eq!(got, want);
        }
    }
}
