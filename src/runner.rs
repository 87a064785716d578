//! Replications in parallel: each is a pure function of (scenario, replication), so rayon
//! needs no locks and the results do not depend on the thread count.

use crate::engine::{self, Both, SimError};
use crate::metrics::{aggregate, AggregateRow, HourKind, Metrics, RepReport};
use crate::output::{ConversationWriter, SweepWriter};
use crate::scenario::Scenario;
use rayon::prelude::*;
use std::io::{self, Write};
use std::sync::atomic::AtomicU64;

/// Why a run failed. The cause is a plain field, not a `source`, and is written into the
/// message: `Error: {:#}` would otherwise print it twice.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("simulator bug in replication {replication}: {error}")]
    Sim { replication: u32, error: SimError },
    /// The scenario drove simulated time to a standstill or overloaded the run
    /// (`SimError::Stalled`, `SimError::Overloaded`): a problem of the input, not a bug.
    #[error("replication {replication}: {error}")]
    Stalled { replication: u32, error: SimError },
    #[error("writing conversations of replication {replication}: {error}")]
    Io { replication: u32, error: io::Error },
    #[error("writing sweep runs of replication {replication}: {error}")]
    SweepsIo { replication: u32, error: io::Error },
}

/// All replications of one configuration.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub reports: Vec<RepReport>,
    pub aggregate: Vec<AggregateRow>,
}

/// Runs one replication, streaming its conversation records into `sink` if given.
pub fn replicate<W: Write>(
    s: &Scenario,
    replication: u32,
    sink: Option<W>,
    progress: Option<&AtomicU64>,
) -> Result<RepReport, RunError> {
    replicate_limited(s, replication, sink, progress, engine::MAX_EVENTS_PER_INSTANT)
}

/// `replicate` with another bound on the events at one instant (see `engine::run_limited`).
pub fn replicate_limited<W: Write>(
    s: &Scenario,
    replication: u32,
    sink: Option<W>,
    progress: Option<&AtomicU64>,
    max_events_per_instant: u64,
) -> Result<RepReport, RunError> {
    replicate_with(s, replication, sink, None::<io::Sink>, progress, max_events_per_instant, None)
}

/// Runs one replication with the given observers beside the metrics: the conversation rows
/// into `sink` and, if `sweeps` is given, the sweep rows into it (then the report keeps none).
fn replicate_with<W: Write, V: Write>(
    s: &Scenario,
    replication: u32,
    sink: Option<W>,
    sweeps: Option<V>,
    progress: Option<&AtomicU64>,
    max_events_per_instant: u64,
    hours: Option<HourKind>,
) -> Result<RepReport, RunError> {
    let mut metrics = Metrics::new(s, replication);
    if let Some(kind) = hours {
        metrics = metrics.with_hours(s, kind);
    }
    if sweeps.is_some() {
        metrics = metrics.streaming_sweeps();
    }
    let header = replication == 0;
    let mut conv = sink.map(|w| ConversationWriter::new(w, s, replication, header));
    let mut runs = sweeps.map(|w| SweepWriter::new(w, s, "base", replication, header));
    let (r, limit) = (replication, max_events_per_instant);
    let stats = match (conv.as_mut(), runs.as_mut()) {
        (None, None) => engine::run_limited(s, r, &mut metrics, progress, limit),
        (Some(c), None) => engine::run_limited(s, r, &mut Both(&mut metrics, c), progress, limit),
        (None, Some(w)) => engine::run_limited(s, r, &mut Both(&mut metrics, w), progress, limit),
        (Some(c), Some(w)) => engine::run_limited(s, r, &mut Both(&mut Both(&mut metrics, c), w), progress, limit),
    }
    .map_err(|error| match error {
        SimError::Stalled { .. } | SimError::Overloaded { .. } => RunError::Stalled { replication, error },
        _ => RunError::Sim { replication, error },
    })?;
    if let Some(c) = conv {
        c.finish().and_then(|mut w| w.flush()).map_err(|error| RunError::Io { replication, error })?;
    }
    if let Some(w) = runs {
        w.finish().and_then(|mut w| w.flush()).map_err(|error| RunError::SweepsIo { replication, error })?;
    }
    Ok(metrics.finish(stats))
}

/// Runs every replication of `s` in parallel. `sink(r)` gives replication r's conversation
/// output, if conversations are wanted; `sweeps(r)`, if given, its `sweeps.csv` rows (the
/// header in replication 0's), which the reports then do not keep.
pub fn run_all<W, F, V, G>(
    s: &Scenario,
    sink: Option<F>,
    sweeps: Option<G>,
    progress: Option<&AtomicU64>,
) -> Result<Outcome, RunError>
where
    W: Write,
    F: Fn(u32) -> io::Result<W> + Sync,
    V: Write,
    G: Fn(u32) -> io::Result<V> + Sync,
{
    let limit = engine::MAX_EVENTS_PER_INSTANT;
    let reports: Vec<RepReport> = (0..s.replications)
        .into_par_iter()
        .map(|r| {
            let w = match &sink {
                Some(f) => Some(f(r).map_err(|error| RunError::Io { replication: r, error })?),
                None => None,
            };
            let v = match &sweeps {
                Some(f) => Some(f(r).map_err(|error| RunError::SweepsIo { replication: r, error })?),
                None => None,
            };
            replicate_with(s, r, w, v, progress, limit, None)
        })
        .collect::<Result<_, _>>()?;
    let aggregate = aggregate(&reports, 0.95);
    Ok(Outcome { reports, aggregate })
}

/// Runs every replication of `s` in parallel without conversation output, collecting the
/// figures by hour of day or of week as well (`RepReport::by_hour`), for intraday plans.
pub fn run_all_by_hour(s: &Scenario, kind: HourKind) -> Result<Outcome, RunError> {
    let reports: Vec<RepReport> = (0..s.replications)
        .into_par_iter()
        .map(|r| {
            replicate_with(s, r, None::<io::Sink>, None::<io::Sink>, None, engine::MAX_EVENTS_PER_INSTANT, Some(kind))
        })
        .collect::<Result<_, _>>()?;
    let aggregate = aggregate(&reports, 0.95);
    Ok(Outcome { reports, aggregate })
}
