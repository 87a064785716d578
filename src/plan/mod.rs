//! `plan`: the fewest agents that meet service targets under a configuration. The targets
//! and the searches are pure (`target`, `search`); this module turns a staffing into a
//! simulated verdict: the scenario with those head counts, every replication, the targets
//! judged at the conservative end of their 95% intervals.

pub mod search;
pub mod target;

use crate::metrics::AggregateRow;
use crate::runner::{run_all, RunError};
use crate::scenario::{Scenario, Staffing};
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
    #[error("a plan judges targets on 95% intervals: it needs at least 2 replications, got {0}")]
    TooFewReplications(u32),
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
        let out = run_all::<io::Sink, fn(u32) -> io::Result<io::Sink>>(&sc, None, None)?;
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
    Ok(Plan { groups: groups.to_vec(), found, evaluations })
}
