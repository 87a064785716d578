//! Integrals of piecewise-constant levels (state counts, capacity in use, queue length) over the
//! measurement window and over time buckets, kept so that a change costs a few additions and
//! never a walk over the time since the last one. A level that changes by `delta` at `t` adds
//! `delta` to every instant after `t`: over the window that is `delta` times what is left of
//! the window after `t`; over a bucket, `delta` times the bucket's length less `t`'s offset in
//! it. The sums are exact integers (unit-milliseconds), so they are equal, to the bit, to
//! summing the level times each interval's length, in whatever order the changes come.
//! No I/O, no engine types.

/// What is left of the window `[start, end)` after `t_ms` (0 at or past its end): the
/// weight of a change at `t_ms` in the window's integral.
#[inline]
pub(super) fn rest_of_window_ms(t_ms: u64, window: (u64, u64)) -> u64 {
    window.1.saturating_sub(t_ms.max(window.0))
}

/// A level change of `delta` times a length of time `ms`, in unit-milliseconds. `ms` is at
/// most the horizon, which a run's dates keep under 2^48 ms: both are i64s, so this is one
/// widening multiplication (a `u64` length would take three), and the product fits an i128.
#[inline]
pub(super) fn weighted(delta: i64, ms: u64) -> i128 {
    delta as i128 * ms as i64 as i128
}

/// Which bucket of `bucket_ms` (from instant 0, `n_buckets` of them) an instant is in,
/// remembering the last bucket found: reports come mostly in time order, so most lookups are
/// a subtraction and a comparison rather than a division. Any order gives the same answers.
#[derive(Debug, Clone, Copy)]
pub(super) struct BucketClock {
    bucket_ms: u64,
    n_buckets: usize,
    /// The last bucket found, its start and its length (0 before there is one).
    index: usize,
    start_ms: u64,
    len_ms: u64,
}

impl BucketClock {
    pub fn new(bucket_ms: u64, n_buckets: usize) -> Self {
        BucketClock { bucket_ms, n_buckets, index: 0, start_ms: 0, len_ms: 0 }
    }

    /// The bucket of `t_ms` and `t_ms`'s offset in it; `None` past the last bucket.
    #[inline]
    pub fn locate(&mut self, t_ms: u64) -> Option<(usize, u64)> {
        let offset = t_ms.wrapping_sub(self.start_ms);
        if offset < self.len_ms {
            return Some((self.index, offset));
        }
        let b = t_ms / self.bucket_ms;
        if b >= self.n_buckets as u64 {
            return None;
        }
        (self.index, self.start_ms, self.len_ms) = (b as usize, b * self.bucket_ms, self.bucket_ms);
        Some((self.index, t_ms - self.start_ms))
    }
}

/// What `N` levels changed by inside one bucket: the net change, and the sum of each change
/// times its offset from the bucket's start (ms).
#[derive(Debug, Clone, Copy)]
struct Slot<const N: usize> {
    net: [i64; N],
    offset_ms: [i128; N],
}

/// `N` levels, each starting at 0, integrated over consecutive buckets of `bucket_ms` from
/// instant 0. A change at or past the last bucket is not counted.
#[derive(Debug, Clone)]
pub(super) struct BucketIntegral<const N: usize> {
    bucket_ms: u64,
    slots: Vec<Slot<N>>,
}

impl<const N: usize> BucketIntegral<N> {
    pub fn new(bucket_ms: u64, n_buckets: usize) -> Self {
        BucketIntegral { bucket_ms, slots: vec![Slot { net: [0; N], offset_ms: [0; N] }; n_buckets] }
    }

    /// Level `k` changes by `delta` at the instant a `BucketClock` of the same buckets placed
    /// at `at` (bucket, offset).
    #[inline]
    pub fn add_at(&mut self, at: (usize, u64), k: usize, delta: i64) {
        let slot = &mut self.slots[at.0];
        slot.net[k] += delta;
        slot.offset_ms[k] += weighted(delta, at.1);
    }

    /// Each level's integral over each bucket, the last one cut at `end_ms` (the horizon: no
    /// change may come at or after it). A bucket's integral is its length times the level at
    /// its end, less each change inside it times its offset.
    pub fn areas(&self, end_ms: u64) -> Vec<[i128; N]> {
        let mut level = [0i128; N];
        let bucket_ms = self.bucket_ms;
        (self.slots.iter().enumerate())
            .map(|(b, slot)| {
                let start = b as u64 * bucket_ms;
                let len = end_ms.min(start + bucket_ms).saturating_sub(start) as i128;
                std::array::from_fn(|k| {
                    level[k] += slot.net[k] as i128;
                    level[k] * len - slot.offset_ms[k]
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The integral the direct way: the level times each interval's overlap with each bucket,
    /// the changes applied in time order.
    fn walked(bucket_ms: u64, n: usize, end_ms: u64, changes: &[(u64, i64)]) -> Vec<i128> {
        let mut sorted = changes.to_vec();
        sorted.sort_by_key(|c| c.0);
        let mut areas = vec![0i128; n];
        let (mut level, mut last) = (0i64, 0u64);
        for &(t, delta) in sorted.iter().chain([(end_ms, 0)].iter()) {
            for (b, area) in areas.iter_mut().enumerate() {
                let (start, stop) = (b as u64 * bucket_ms, (b as u64 + 1) * bucket_ms);
                let (from, to) = (last.max(start), t.min(stop));
                if to > from {
                    *area += level as i128 * (to - from) as i128;
                }
            }
            level += delta;
            last = t;
        }
        areas
    }

    #[test]
    fn a_worked_example_over_three_buckets_of_ten_cut_at_25() {
        // +2 at 5, +1 at 12, -3 at 18, +4 at 21: bucket 0 holds 2 for 5 ms (10); bucket 1
        // holds 2 for 2, 3 for 6, 0 for 2 (22); bucket 2 holds 0 for 1, 4 for 4 (16).
        let (mut l, mut clock) = (BucketIntegral::<1>::new(10, 3), BucketClock::new(10, 3));
        for (t, d) in [(5, 2), (12, 1), (18, -3), (21, 4)] {
            l.add_at(clock.locate(t).expect("inside"), 0, d);
        }
        assert_eq!(l.areas(25), vec![[10], [22], [16]]);
    }

    #[test]
    fn the_rest_of_the_window_after_an_instant() {
        assert_eq!(rest_of_window_ms(5, (10, 30)), 20, "before the window: all of it");
        assert_eq!(rest_of_window_ms(12, (10, 30)), 18);
        assert_eq!(rest_of_window_ms(30, (10, 30)), 0);
        assert_eq!(rest_of_window_ms(31, (10, 30)), 0);
    }

    proptest! {
        #[test]
        fn bucket_integrals_equal_the_walk_over_intervals_in_any_order(
            bucket_ms in 1u64..50,
            n in 1usize..8,
            cut in 0u64..50,
            changes in prop::collection::vec((0u64..400, -5i64..6), 0..40),
        ) {
            // The horizon lies in the last bucket; every change comes before it.
            let end_ms = (n as u64 - 1) * bucket_ms + 1 + cut % bucket_ms;
            let changes: Vec<(u64, i64)> = changes.into_iter().map(|(t, d)| (t % end_ms, d)).collect();
            let (mut l, mut clock) = (BucketIntegral::<2>::new(bucket_ms, n), BucketClock::new(bucket_ms, n));
            for &(t, d) in &changes {
                let at = clock.locate(t).expect("before the horizon");
                prop_assert_eq!(at, ((t / bucket_ms) as usize, t % bucket_ms));
                l.add_at(at, 0, d);
                l.add_at(at, 1, -2 * d);
            }
            prop_assert_eq!(clock.locate(n as u64 * bucket_ms), None);
            let areas = l.areas(end_ms);
            let want = walked(bucket_ms, n, end_ms, &changes);
            prop_assert_eq!(areas.iter().map(|a| a[0]).collect::<Vec<_>>(), want.clone());
            prop_assert_eq!(areas.iter().map(|a| a[1]).collect::<Vec<_>>(), want.iter().map(|a| -2 * a).collect::<Vec<_>>());
            // Over the window [w0, end): the sum of each change times the rest of the window.
            let w0 = end_ms / 3;
            let window: i128 = changes.iter().map(|&(t, d)| d as i128 * rest_of_window_ms(t, (w0, end_ms)) as i128).sum();
            let mut sorted = changes.clone();
            sorted.sort_by_key(|c| c.0);
            let (mut level, mut last, mut direct) = (0i128, 0u64, 0i128);
            for &(t, d) in sorted.iter().chain([(end_ms, 0)].iter()) {
                let (from, to) = (last.max(w0), t.min(end_ms));
                if to > from {
                    direct += level * (to - from) as i128;
                }
                level += d as i128;
                last = t;
            }
            prop_assert_eq!(window, direct);
        }
    }
}
