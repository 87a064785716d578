//! The searches of `plan` over agent counts, against an oracle that says whether a staffing
//! meets every target and by how much the worst one is met or missed. Pure: the oracle is
//! the only thing that simulates, so the searches are tested on closed-form oracles.
//!
//! The targets are assumed to improve with more agents (service level rises, waits fall).
//! With common random numbers neighbouring counts see the same customers, so a simulated
//! oracle is monotone up to the noise of its confidence interval; every count a search
//! reports was evaluated, never extrapolated.

use std::collections::BTreeMap;

/// What the oracle says of one staffing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judged {
    pub holds: bool,
    /// The worst target's relative slack: >= 0 when every target holds.
    pub worst_slack: f64,
}

/// The answer of a search.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// The fewest agents found, per group, meeting every target.
    Counts(Vec<u32>),
    /// No staffing within the bounds meets the targets: the best staffing tried and its
    /// worst slack.
    Unreachable { best: Vec<u32>, worst_slack: f64 },
}

/// A search's answer and every staffing it evaluated (in order of first evaluation).
#[derive(Debug, Clone)]
pub struct Search {
    pub found: Found,
    pub evaluated: Vec<(Vec<u32>, Judged)>,
}

/// Memoises the oracle: a staffing is simulated once.
struct Memo<'a, E> {
    oracle: &'a mut dyn FnMut(&[u32]) -> Result<Judged, E>,
    seen: BTreeMap<Vec<u32>, Judged>,
    order: Vec<Vec<u32>>,
}

impl<E> Memo<'_, E> {
    fn eval(&mut self, counts: &[u32]) -> Result<Judged, E> {
        if let Some(j) = self.seen.get(counts) {
            return Ok(*j);
        }
        let j = (self.oracle)(counts)?;
        self.seen.insert(counts.to_vec(), j);
        self.order.push(counts.to_vec());
        Ok(j)
    }

    fn finish(self, found: Found) -> Search {
        let evaluated = self.order.iter().map(|c| (c.clone(), self.seen[c])).collect();
        Search { found, evaluated }
    }
}

/// Smallest `i` in `1..=max` with `holds(i)`, by galloping from `start` then bisection;
/// `Err(best)` when even `max` fails.
fn gallop<E>(start: u32, max: u32, mut at: impl FnMut(u32) -> Result<Judged, E>) -> Result<Result<u32, u32>, E> {
    let start = start.clamp(1, max);
    let mut pass = None::<u32>;
    let mut fail;
    if at(start)?.holds {
        pass = Some(start);
        let mut step = 1;
        loop {
            let p = pass.expect("a passing count while galloping down");
            if p == 1 {
                return Ok(Ok(1));
            }
            let m = p.saturating_sub(step).max(1);
            if at(m)?.holds {
                pass = Some(m);
                step = step.saturating_mul(2);
            } else {
                fail = m;
                break;
            }
        }
    } else {
        fail = start;
        let mut step = 1u32;
        while pass.is_none() {
            if fail == max {
                return Ok(Err(max));
            }
            let m = fail.saturating_add(step).min(max);
            if at(m)?.holds {
                pass = Some(m);
            } else {
                fail = m;
                step = step.saturating_mul(2);
            }
        }
    }
    let mut hi = pass.expect("a passing count before bisection");
    while hi - fail > 1 {
        let mid = fail + (hi - fail) / 2;
        if at(mid)?.holds {
            hi = mid;
        } else {
            fail = mid;
        }
    }
    Ok(Ok(hi))
}

/// One group: galloping from `start`, then bisection, between 1 and `max` agents. The count
/// found and, where it is above 1, one fewer have both been evaluated.
pub fn fewest_one<E>(start: u32, max: u32, oracle: &mut dyn FnMut(&[u32]) -> Result<Judged, E>) -> Result<Search, E> {
    let mut memo = Memo { oracle, seen: BTreeMap::new(), order: Vec::new() };
    let r = gallop(start, max.max(1), |n| memo.eval(&[n]))?;
    let found = match r {
        Ok(n) => Found::Counts(vec![n]),
        Err(best) => {
            let j = memo.eval(&[best])?;
            Found::Unreachable { best: vec![best], worst_slack: j.worst_slack }
        }
    };
    Ok(memo.finish(found))
}

/// Several groups, fewest agents in total: scale the starting staffing by a common factor
/// (galloping and bisection over sixteenths) to the largest scaled staffing that misses;
/// then marginal allocation: add the agent that most improves the worst target until every
/// target holds; then remove agents, the removal that keeps the most slack first, while every
/// target still holds, moving an agent between groups where no removal holds but a move
/// widens the worst slack. Each group has between 1 and `max` agents.
pub fn fewest_total<E>(
    start: &[u32],
    max: u32,
    oracle: &mut dyn FnMut(&[u32]) -> Result<Judged, E>,
) -> Result<Search, E> {
    let max = max.max(1);
    let mut memo = Memo { oracle, seen: BTreeMap::new(), order: Vec::new() };
    let base: Vec<u32> = start.iter().map(|&c| c.clamp(1, max)).collect();
    let scaled = |i: u32| -> Vec<u32> {
        base.iter().map(|&c| ((u64::from(c) * u64::from(i)).div_ceil(16)).clamp(1, u64::from(max)) as u32).collect()
    };
    // The factor at which every group reaches `max` bounds the scaling.
    let top = base.iter().map(|&c| (u64::from(max) * 16).div_ceil(u64::from(c))).max().unwrap_or(16) as u32;
    let factor = gallop(16, top, |i| memo.eval(&scaled(i)))?;
    let mut counts = match factor {
        Err(_) => {
            let best = scaled(top);
            let j = memo.eval(&best)?;
            return Ok(memo.finish(Found::Unreachable { best, worst_slack: j.worst_slack }));
        }
        Ok(i) => scaled(i.saturating_sub(1).max(1)),
    };
    // Add: the agent that most improves the worst target.
    let mut now = memo.eval(&counts)?;
    while !now.holds {
        let mut best: Option<(usize, Judged)> = None;
        for g in 0..counts.len() {
            if counts[g] >= max {
                continue;
            }
            let mut c = counts.clone();
            c[g] += 1;
            let j = memo.eval(&c)?;
            if best.is_none_or(|(_, b)| j.worst_slack > b.worst_slack) {
                best = Some((g, j));
            }
        }
        let Some((g, j)) = best else {
            return Ok(memo.finish(Found::Unreachable { best: counts, worst_slack: now.worst_slack }));
        };
        counts[g] += 1;
        now = j;
    }
    // Remove while every target holds, keeping the most slack.
    loop {
        let mut best: Option<(usize, Judged)> = None;
        for g in 0..counts.len() {
            if counts[g] <= 1 {
                continue;
            }
            let mut c = counts.clone();
            c[g] -= 1;
            let j = memo.eval(&c)?;
            if j.holds && best.is_none_or(|(_, b)| j.worst_slack > b.worst_slack) {
                best = Some((g, j));
            }
        }
        if let Some((g, j)) = best {
            counts[g] -= 1;
            now = j;
            continue;
        }
        // No single removal holds: move one agent between groups where that widens the
        // worst slack (strictly, so this ends), then try removing again.
        let mut moved: Option<(Vec<u32>, Judged)> = None;
        for from in 0..counts.len() {
            for to in 0..counts.len() {
                if from == to || counts[from] <= 1 || counts[to] >= max {
                    continue;
                }
                let mut c = counts.clone();
                c[from] -= 1;
                c[to] += 1;
                let j = memo.eval(&c)?;
                let bar = moved.as_ref().map_or(now.worst_slack, |(_, b)| b.worst_slack);
                if j.holds && j.worst_slack > bar {
                    moved = Some((c, j));
                }
            }
        }
        match moved {
            Some((c, j)) => {
                counts = c;
                now = j;
            }
            None => break,
        }
    }
    Ok(memo.finish(Found::Counts(counts)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;

    /// A closed-form oracle: holds when `need(counts)` is met.
    fn oracle(need: impl Fn(&[u32]) -> f64) -> impl FnMut(&[u32]) -> Result<Judged, Infallible> {
        move |c| {
            let s = need(c);
            Ok(Judged { holds: s >= 0.0, worst_slack: s })
        }
    }

    #[test]
    fn one_group_finds_the_threshold_from_above_and_below_with_few_runs() {
        for start in [1, 5, 37, 38, 39, 200] {
            let mut o = oracle(|c| f64::from(c[0]) - 38.0);
            let s = fewest_one(start, 1000, &mut o).expect("no error");
            assert_eq!(s.found, Found::Counts(vec![38]), "from {start}");
            let tried: Vec<u32> = s.evaluated.iter().map(|(c, _)| c[0]).collect();
            assert!(tried.contains(&37), "one fewer was evaluated from {start}: {tried:?}");
            assert!(s.evaluated.len() <= 16, "from {start}: {} runs", s.evaluated.len());
        }
    }

    #[test]
    fn an_unreachable_target_is_reported_with_the_best_tried() {
        let mut o = oracle(|c| f64::from(c[0]) / 100.0 - 2.0);
        let s = fewest_one(10, 50, &mut o).expect("no error");
        assert_eq!(s.found, Found::Unreachable { best: vec![50], worst_slack: 0.5 - 2.0 });
        let mut o = oracle(|c| -1.0 + 0.0 * f64::from(c[0] + c[1]));
        let s = fewest_total(&[3, 4], 20, &mut o).expect("no error");
        assert!(matches!(s.found, Found::Unreachable { .. }));
    }

    #[test]
    fn several_groups_reach_the_fewest_total() {
        // Group 0 is worth twice group 1: need 2 a + b >= 40, with at least 3 of group 1.
        let need = |c: &[u32]| (f64::from(2 * c[0] + c[1]) - 40.0).min(f64::from(c[1]) - 3.0);
        let mut o = oracle(need);
        let s = fewest_total(&[10, 10], 500, &mut o).expect("no error");
        let Found::Counts(c) = s.found else { panic!("reachable") };
        assert!(need(&c) >= 0.0);
        // The optimum is a = 19, b = 3 (22 agents) or a = 18, b = 4 (22).
        assert_eq!(c[0] + c[1], 22, "{c:?}");
        for g in 0..2 {
            let mut fewer = c.clone();
            fewer[g] -= 1;
            assert!(need(&fewer) < 0.0, "removing one of group {g} from {c:?} still holds");
        }
    }
}
