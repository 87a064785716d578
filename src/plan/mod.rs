//! `plan`: the fewest agents that meet service targets under a configuration. The targets
//! and the searches are pure (`target`, `search`); this module turns a staffing into a
//! simulated verdict: the scenario with those head counts, every replication, the targets
//! judged at the conservative end of their 95% intervals.

pub mod intraday;
pub mod search;
pub mod target;

use crate::metrics::{aggregate_by_hour, AggregateRow, Estimate, HourKind};
use crate::runner::{run_all, run_all_by_hour, RunError};
use crate::scenario::{Scenario, Staffing};
use intraday::{HourJudged, IntradaySearch, Profile};
use search::{Found, Judged, Search};
use std::io;
use target::{Target, Verdict};

/// Why a plan could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{0}")]
    Targets(String),
    #[error("--groups: no agent group {name:?}; the scenario has {known}")]
    UnknownGroup { name: String, known: String },
    #[error("--groups: {0:?} is named twice; name each planned group once")]
    DuplicateGroup(String),
    #[error("a plan judges targets on 95% intervals: it needs at least 2 replications, got {0}")]
    TooFewReplications(u32),
    #[error("--by plans the profile of one agent group, got {0}: name it with --groups")]
    ByHourGroups(usize),
    #[error(transparent)]
    Run(#[from] RunError),
}

/// One evaluated staffing: head counts of the planned groups, the verdict per target and
/// the aggregate rows they were read from.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub counts: Vec<u32>,
    pub verdicts: Vec<Verdict>,
    pub rows: Vec<AggregateRow>,
}

/// The plan of one configuration.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Indices of the planned agent groups in the scenario.
    pub groups: Vec<usize>,
    pub found: Found,
    /// Every staffing simulated, in order.
    pub evaluations: Vec<Evaluation>,
    /// With `--by`: the profile by hour found from the flat answer.
    pub intraday: Option<IntradayPlan>,
}

/// One simulated profile of an intraday plan: agents per bucket, and per bucket the verdict
/// and the estimate of each target; and each target's estimate over the whole run. Only the
/// targets' figures are kept, not the aggregate rows they were read from: a week's 168
/// buckets of every row and metric took 2.7 MB an evaluation (2.4 GB for a plan of 840).
#[derive(Debug, Clone)]
pub struct HourEvaluation {
    pub profile: Vec<u32>,
    pub verdicts: Vec<Vec<Verdict>>,
    /// Per bucket, per target.
    pub hour_figures: Vec<Vec<Option<Estimate>>>,
    /// Per target, over the whole run.
    pub run_figures: Vec<Option<Estimate>>,
}

/// Each target's estimate in `rows` (its scope's row, its metric).
pub fn target_figures(targets: &[Target], rows: &[AggregateRow]) -> Vec<Option<Estimate>> {
    targets.iter().map(|t| t.row(rows).and_then(|r| r.estimates[t.metric.metric() as usize])).collect()
}

/// The intraday plan of one group.
#[derive(Debug, Clone)]
pub struct IntradayPlan {
    pub kind: HourKind,
    pub found: Profile,
    /// Every profile simulated, in order.
    pub evaluations: Vec<HourEvaluation>,
}

impl IntradayPlan {
    /// The evaluation of a profile, if it was simulated.
    pub fn at(&self, profile: &[u32]) -> Option<&HourEvaluation> {
        self.evaluations.iter().find(|e| e.profile == profile)
    }

    /// The profile of the answer (the best reached where unreachable), and whether it meets
    /// every target in every bucket.
    pub fn answer(&self) -> (&[u32], bool) {
        match &self.found {
            Profile::Found(p) => (p, true),
            Profile::Unreachable { best, .. } => (best, false),
        }
    }
}

/// The staffing table of a profile: 24 values repeated every weekday, or 168 (weekday x 24).
pub fn profile_staffing(kind: HourKind, profile: &[u32]) -> Staffing {
    let mut week = [[0u32; 24]; 7];
    for (d, day) in week.iter_mut().enumerate() {
        for (h, x) in day.iter_mut().enumerate() {
            *x = match kind {
                HourKind::Day => profile[h],
                HourKind::Week => profile[d * 24 + h],
            };
        }
    }
    Staffing::Weekly(Box::new(week))
}

/// Judges a target in one hour bucket. An hour where no replication has the figure (no queue
/// entry then) holds: there is nothing to serve. An hour where only one has it is judged on
/// that value (no interval can be drawn from one).
pub fn judge_hour(t: &Target, rows: &[AggregateRow]) -> Verdict {
    let est = t.row(rows).and_then(|r| r.estimates[t.metric.metric() as usize]);
    match est {
        None => Verdict { mean: None, conservative: None, holds: true, slack: f64::INFINITY },
        Some(e) if e.half_width.is_none() => {
            let mut single = rows.to_vec();
            for r in &mut single {
                for x in r.estimates.iter_mut().flatten() {
                    x.half_width = Some(0.0);
                }
            }
            t.judge(&single)
        }
        Some(_) => t.judge(rows),
    }
}

impl Plan {
    /// The evaluation of a staffing, if it was simulated.
    pub fn at(&self, counts: &[u32]) -> Option<&Evaluation> {
        self.evaluations.iter().find(|e| e.counts == counts)
    }
}

/// The scenario with the planned groups at `counts` (constant head counts) and service level
/// measured at the targets' threshold.
pub fn staffed(s: &Scenario, groups: &[usize], counts: &[u32], targets: &[Target]) -> Result<Scenario, PlanError> {
    let mut s = s.clone();
    for (&g, &c) in groups.iter().zip(counts) {
        s.agent_groups[g].staffing = Staffing::Constant(c);
    }
    if let Some(d) = target::service_level_threshold(targets).map_err(PlanError::Targets)? {
        s.service_level_target = d;
    }
    Ok(s)
}

/// Resolves `--groups` names (none: every group) to indices.
pub fn group_indices(s: &Scenario, names: &[String]) -> Result<Vec<usize>, PlanError> {
    if names.is_empty() {
        return Ok((0..s.agent_groups.len()).collect());
    }
    if let Some((_, n)) = names.iter().enumerate().find(|(k, n)| names[..*k].contains(n)) {
        return Err(PlanError::DuplicateGroup(n.clone()));
    }
    names
        .iter()
        .map(|n| {
            s.agent_groups.iter().position(|g| &g.name == n).ok_or_else(|| PlanError::UnknownGroup {
                name: n.clone(),
                known: s.agent_groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>().join(", "),
            })
        })
        .collect()
}

/// Plans one configuration: the fewest agents (in total over `groups`) meeting every target,
/// each group between 1 and `max_agents`. Replications run in parallel; the same seed gives
/// the same customers at every staffing (common random numbers).
pub fn plan(s: &Scenario, groups: &[usize], targets: &[Target], max_agents: u32) -> Result<Plan, PlanError> {
    if s.replications < 2 {
        return Err(PlanError::TooFewReplications(s.replications));
    }
    target::service_level_threshold(targets).map_err(PlanError::Targets)?;
    let mut evaluations: Vec<Evaluation> = Vec::new();
    let mut oracle = |counts: &[u32]| -> Result<Judged, PlanError> {
        let sc = staffed(s, groups, counts, targets)?;
        type NoSink = fn(u32) -> io::Result<io::Sink>;
        let out = run_all::<io::Sink, NoSink, NoSink>(&sc, None, None, None)?;
        let verdicts: Vec<Verdict> = targets.iter().map(|t| t.judge(&out.aggregate)).collect();
        let worst = verdicts.iter().map(|v| v.slack).fold(f64::INFINITY, f64::min);
        let judged = Judged { holds: verdicts.iter().all(|v| v.holds), worst_slack: worst };
        evaluations.push(Evaluation { counts: counts.to_vec(), verdicts, rows: out.aggregate });
        Ok(judged)
    };
    let start: Vec<u32> = groups.iter().map(|&g| s.agent_groups[g].staffing.head_count()).collect();
    let Search { found, .. } = if groups.len() == 1 {
        search::fewest_one(start[0], max_agents, &mut oracle)?
    } else {
        search::fewest_total(&start, max_agents, &mut oracle)?
    };
    Ok(Plan { groups: groups.to_vec(), found, evaluations, intraday: None })
}

/// Plans one group's staffing by hour of day (or of week): the flat answer first, then the
/// intraday search from it (`intraday::fewest_by_hour`), each profile simulated whole with
/// every replication. The other groups keep the scenario's staffing.
pub fn plan_by_hour(
    s: &Scenario,
    groups: &[usize],
    targets: &[Target],
    max_agents: u32,
    kind: HourKind,
) -> Result<Plan, PlanError> {
    let &[g] = groups else { return Err(PlanError::ByHourGroups(groups.len())) };
    let mut flat = plan(s, groups, targets, max_agents)?;
    let Found::Counts(c) = &flat.found else { return Ok(flat) };
    let start = c[0];
    let mut evaluations: Vec<HourEvaluation> = Vec::new();
    let mut oracle = |profile: &[u32]| -> Result<HourJudged, PlanError> {
        let mut sc = staffed(s, groups, &[start], targets)?;
        sc.agent_groups[g].staffing = profile_staffing(kind, profile);
        let out = run_all_by_hour(&sc, kind)?;
        let hour_rows = aggregate_by_hour(&out.reports, 0.95);
        let verdicts: Vec<Vec<Verdict>> =
            hour_rows.iter().map(|rows| targets.iter().map(|t| judge_hour(t, rows)).collect()).collect();
        let judged = HourJudged {
            holds: verdicts.iter().map(|v| v.iter().all(|x| x.holds)).collect(),
            slack: verdicts.iter().map(|v| v.iter().map(|x| x.slack).fold(f64::INFINITY, f64::min)).collect(),
        };
        evaluations.push(HourEvaluation {
            profile: profile.to_vec(),
            verdicts,
            hour_figures: hour_rows.iter().map(|rows| target_figures(targets, rows)).collect(),
            run_figures: target_figures(targets, &out.aggregate),
        });
        Ok(judged)
    };
    let IntradaySearch { found, .. } = intraday::fewest_by_hour(start, kind.buckets(), max_agents, &mut oracle)?;
    flat.intraday = Some(IntradayPlan { kind, found, evaluations });
    Ok(flat)
}
