//! The future event list: a binary heap ordered by (time, insertion sequence).
//!
//! Equal times pop in the order they were scheduled, so a seed replays the same run on any
//! machine and thread count. Scheduling in the past is a bug and is refused. Events are never
//! removed from the heap: handlers check that an event still applies when it surfaces (lazy
//! deletion, as in NeXosim).

use crate::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest (time, seq) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// Scheduling at an instant before the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("event scheduled at {at} while the clock reads {now}")]
pub struct ScheduledInPast {
    pub now: SimTime,
    pub at: SimTime,
}

/// A priority queue of events keyed by (time, sequence number).
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    now: SimTime,
    popped: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue { heap: BinaryHeap::with_capacity(1 << 12), next_seq: 0, now: SimTime::ZERO, popped: 0 }
    }

    /// The time of the last popped event.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// How many events have been popped so far.
    pub fn popped(&self) -> u64 {
        self.popped
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Schedules `event` at `at`, after every event already scheduled for the same instant.
    pub fn schedule(&mut self, at: SimTime, event: E) -> Result<(), ScheduledInPast> {
        if at < self.now {
            return Err(ScheduledInPast { now: self.now, at });
        }
        self.heap.push(Entry { time: at, seq: self.next_seq, event });
        self.next_seq += 1;
        Ok(())
    }

    /// Pops the earliest event if it is due no later than `until`, advancing the clock.
    pub fn pop_until(&mut self, until: SimTime) -> Option<(SimTime, E)> {
        if self.heap.peek()?.time > until {
            return None;
        }
        let e = self.heap.pop().expect("peek just saw an entry");
        self.now = e.time;
        self.popped += 1;
        Some((e.time, e.event))
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
    fn pop_until_stops_at_the_bound() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(10), 1).unwrap();
        q.schedule(SimTime(20), 2).unwrap();
        assert_eq!(q.pop_until(SimTime(15)), Some((SimTime(10), 1)));
        assert_eq!(q.pop_until(SimTime(15)), None);
        assert_eq!(q.len(), 1);
    }

    proptest! {
        #[test]
        fn time_never_goes_back(times in proptest::collection::vec(0u64..1_000, 1..200)) {
            let mut q = EventQueue::new();
            for (i, t) in times.iter().enumerate() {
                q.schedule(SimTime(*t), i).unwrap();
            }
            let mut last = (SimTime::ZERO, 0usize);
            let mut first = true;
            while let Some((t, i)) = q.pop_until(SimTime::MAX) {
                if !first {
                    prop_assert!(t > last.0 || (t == last.0 && i > last.1));
                }
                first = false;
                last = (t, i);
            }
        }
    }
}
