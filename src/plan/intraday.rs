//! The intraday search of `plan --by hour|week-hour`: a staffing profile (agents per hour
//! bucket) for one group meeting every target in every bucket. Pure: an oracle simulates a
//! whole profile at once and says, per bucket, whether every target holds there, so the
//! search is tested on closed-form oracles.
//!
//! Hours are not independent: a conversation assigned in one hour may hold its agent for
//! hours (messaging), and a queue left at the end of an hour is the next hour's. So every
//! step simulates the whole horizon with the whole profile, never one interval alone.

use std::collections::BTreeMap;

/// What the oracle says of one profile, bucket by bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct HourJudged {
    /// Per bucket: every target holds there.
    pub holds: Vec<bool>,
    /// Per bucket: the worst target's relative slack (>= 0 when it holds; infinite where no
    /// target has a figure there).
    pub slack: Vec<f64>,
}

impl HourJudged {
    fn all_hold(&self) -> bool {
        self.holds.iter().all(|&h| h)
    }

    fn failing(&self) -> Vec<usize> {
        (0..self.holds.len()).filter(|&h| !self.holds[h]).collect()
    }
}

/// The answer of an intraday search.
#[derive(Debug, Clone, PartialEq)]
pub enum Profile {
    /// Agents per bucket: every bucket meets every target, and no bucket can lose an agent
    /// (each was tried one fewer alone, and missed somewhere, or has none).
    Found(Vec<u32>),
    /// Some buckets miss a target even at the most agents allowed: the profile reached and
    /// the buckets still failing.
    Unreachable { best: Vec<u32>, failing: Vec<usize> },
}

/// A search's answer and every profile it simulated, in order.
#[derive(Debug, Clone)]
pub struct IntradaySearch {
    pub found: Profile,
    pub evaluated: Vec<(Vec<u32>, HourJudged)>,
}

struct Memo<'a, E> {
    oracle: &'a mut dyn FnMut(&[u32]) -> Result<HourJudged, E>,
    seen: BTreeMap<Vec<u32>, HourJudged>,
    order: Vec<Vec<u32>>,
}

impl<E> Memo<'_, E> {
    fn eval(&mut self, p: &[u32]) -> Result<HourJudged, E> {
        if let Some(j) = self.seen.get(p) {
            return Ok(j.clone());
        }
        let j = (self.oracle)(p)?;
        self.seen.insert(p.to_vec(), j.clone());
        self.order.push(p.to_vec());
        Ok(j)
    }

    fn finish(self, found: Profile) -> IntradaySearch {
        let evaluated = self.order.iter().map(|p| (p.clone(), self.seen[p].clone())).collect();
        IntradaySearch { found, evaluated }
    }
}

fn lowered(p: &[u32], hours: &[usize]) -> Vec<u32> {
    let mut q = p.to_vec();
    for &h in hours {
        q[h] -= 1;
    }
    q
}

/// From the flat answer `flat` in each of `buckets` buckets: while some bucket fails, raise
/// every failing bucket by one (one simulation per round); then lower: every bucket that may
/// still lose an agent loses one at once; if that misses somewhere, the same batch without the
/// buckets at or just before a failing one is tried, then those suspects one at a time
/// (largest slack first); a bucket whose lone removal misses is kept as it is. Ends when no
/// bucket fails and none can lose an agent. Buckets stay between 0 and `max` agents.
pub fn fewest_by_hour<E>(
    flat: u32,
    buckets: usize,
    max: u32,
    oracle: &mut dyn FnMut(&[u32]) -> Result<HourJudged, E>,
) -> Result<IntradaySearch, E> {
    let mut memo = Memo { oracle, seen: BTreeMap::new(), order: Vec::new() };
    let mut p = vec![flat.min(max); buckets];
    loop {
        let j = memo.eval(&p)?;
        let failing = j.failing();
        if failing.is_empty() {
            break;
        }
        let raisable: Vec<usize> = failing.iter().copied().filter(|&h| p[h] < max).collect();
        if raisable.is_empty() {
            return Ok(memo.finish(Profile::Unreachable { best: p, failing }));
        }
        for h in raisable {
            p[h] += 1;
        }
    }
    let mut kept = vec![false; buckets];
    loop {
        let batch: Vec<usize> = (0..buckets).filter(|&h| !kept[h] && p[h] > 0).collect();
        if batch.is_empty() {
            break;
        }
        let trial = lowered(&p, &batch);
        let j = memo.eval(&trial)?;
        if j.all_hold() {
            p = trial;
            continue;
        }
        // Suspects: a bucket that fails, or the one before it (its conversations and queue
        // carry over).
        let failing = j.failing();
        let suspect = |h: usize| failing.iter().any(|&f| f == h || f == (h + 1) % buckets);
        let rest: Vec<usize> = batch.iter().copied().filter(|&h| !suspect(h)).collect();
        let mut singles = batch.clone();
        if !rest.is_empty() && rest.len() < batch.len() {
            let t2 = lowered(&p, &rest);
            if memo.eval(&t2)?.all_hold() {
                p = t2;
                singles = batch.iter().copied().filter(|&h| suspect(h)).collect();
            }
        }
        let now = memo.eval(&p)?;
        singles.sort_by(|&a, &b| now.slack[b].total_cmp(&now.slack[a]).then(a.cmp(&b)));
        for h in singles {
            if p[h] == 0 {
                continue;
            }
            let t = lowered(&p, &[h]);
            if memo.eval(&t)?.all_hold() {
                p = t;
            } else {
                kept[h] = true;
            }
        }
    }
    Ok(memo.finish(Profile::Found(p)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;

    /// Bucket h holds when p[h] + p[h-1] / 2 >= need[h] (half the previous hour's agents help:
    /// a closed-form stand-in for load carried across hours).
    fn carried(need: Vec<f64>) -> impl FnMut(&[u32]) -> Result<HourJudged, Infallible> {
        move |p| {
            let n = p.len();
            let slack: Vec<f64> =
                (0..n).map(|h| f64::from(p[h]) + f64::from(p[(h + n - 1) % n]) / 2.0 - need[h]).collect();
            Ok(HourJudged { holds: slack.iter().map(|&s| s >= 0.0).collect(), slack })
        }
    }

    #[test]
    fn independent_hours_reach_each_hours_own_need() {
        let need = [0u32, 1, 5, 9, 9, 4];
        let mut o = |p: &[u32]| -> Result<HourJudged, Infallible> {
            let slack: Vec<f64> = p.iter().zip(need).map(|(&a, n)| f64::from(a) - f64::from(n)).collect();
            Ok(HourJudged { holds: slack.iter().map(|&s| s >= 0.0).collect(), slack })
        };
        let s = fewest_by_hour(7, 6, 100, &mut o).expect("no error");
        assert_eq!(s.found, Profile::Found(need.to_vec()));
        // Raise once (hours 3 and 4), then lower in batches: a handful of runs, not one per
        // agent-hour removed.
        assert!(s.evaluated.len() <= 30, "{} runs", s.evaluated.len());
    }

    #[test]
    fn carried_load_ends_where_no_hour_fails_and_none_can_lose_an_agent() {
        let need = vec![0.0, 2.0, 6.0, 10.0, 10.0, 3.0, 0.0, 0.0];
        let mut o = carried(need.clone());
        let s = fewest_by_hour(6, 8, 100, &mut o).expect("no error");
        let Profile::Found(p) = s.found.clone() else { panic!("reachable: {:?}", s.found) };
        let mut check = carried(need);
        assert!(check(&p).expect("no error").all_hold(), "{p:?}");
        for h in 0..8 {
            if p[h] > 0 {
                assert!(!check(&lowered(&p, &[h])).expect("no error").all_hold(), "hour {h} of {p:?} can lose one");
            }
        }
    }

    #[test]
    fn a_bucket_that_cannot_be_met_is_reported() {
        let mut o = |p: &[u32]| -> Result<HourJudged, Infallible> {
            let slack: Vec<f64> = p.iter().enumerate().map(|(h, &a)| f64::from(a) - [1.0, 50.0][h]).collect();
            Ok(HourJudged { holds: slack.iter().map(|&s| s >= 0.0).collect(), slack })
        };
        let s = fewest_by_hour(3, 2, 20, &mut o).expect("no error");
        assert_eq!(s.found, Profile::Unreachable { best: vec![3, 20], failing: vec![1] });
    }
}
