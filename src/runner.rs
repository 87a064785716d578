//! Replications in parallel: each is a pure function of (scenario, replication), so rayon
//! needs no locks and the results do not depend on the thread count.

use crate::engine::{self, Both, ConvMeta, SimError};
use crate::metrics::{aggregate, AggregateRow, HourKind, Metrics, RepReport};
use crate::output::{ConversationWriter, MessageWriter};
use crate::scenario::Scenario;
use crate::time::SimTime;
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
    replicate_with(s, replication, sink, progress, max_events_per_instant, None)
}

fn replicate_with<W: Write>(
    s: &Scenario,
    replication: u32,
    sink: Option<W>,
    progress: Option<&AtomicU64>,
    max_events_per_instant: u64,
    hours: Option<HourKind>,
) -> Result<RepReport, RunError> {
    let sinks = Sinks { conversations: sink, messages: None };
    replicate_export(s, replication, sinks, progress, max_events_per_instant, hours)
}

/// Where one replication streams its exports: `conversations.csv` and `messages.csv` rows.
pub struct Sinks<W: Write> {
    pub conversations: Option<W>,
    pub messages: Option<W>,
}

/// The export writers of one replication, as one observer.
struct Exports<'a, W: Write> {
    conversations: Option<ConversationWriter<'a, W>>,
    messages: Option<MessageWriter<W>>,
}

impl<W: Write> Exports<'_, W> {
    fn finish(self) -> io::Result<()> {
        if let Some(c) = self.conversations {
            c.finish()?.flush()?;
        }
        if let Some(m) = self.messages {
            m.finish()?.flush()?;
        }
        Ok(())
    }
}

impl<W: Write> engine::Observer for Exports<'_, W> {
    fn arrival(&mut self, t: SimTime, c: &ConvMeta, r: bool) {
        if let Some(m) = &mut self.messages {
            m.arrival(t, c, r);
        }
    }
    fn assigned(&mut self, t: SimTime, c: &ConvMeta, a: u32) {
        if let Some(m) = &mut self.messages {
            m.assigned(t, c, a);
        }
    }
    fn parked(&mut self, t: SimTime, c: &ConvMeta) {
        if let Some(m) = &mut self.messages {
            m.parked(t, c);
        }
    }
    fn reader_joined(&mut self, t: SimTime, c: &ConvMeta) {
        if let Some(m) = &mut self.messages {
            m.reader_joined(t, c);
        }
    }
    fn transferred(&mut self, t: SimTime, old: &ConvMeta, new: &ConvMeta) {
        if let Some(m) = &mut self.messages {
            m.transferred(t, old, new);
        }
    }
    fn message(&mut self, t: SimTime, c: &ConvMeta, s: engine::Sender) {
        if let Some(m) = &mut self.messages {
            m.message(t, c, s);
        }
    }
    fn conversation(&mut self, rec: &engine::ConversationRecord) {
        if let Some(c) = &mut self.conversations {
            c.conversation(rec);
        }
    }
}

fn replicate_export<W: Write>(
    s: &Scenario,
    replication: u32,
    sinks: Sinks<W>,
    progress: Option<&AtomicU64>,
    max_events_per_instant: u64,
    hours: Option<HourKind>,
) -> Result<RepReport, RunError> {
    let mut metrics = Metrics::new(s, replication);
    if let Some(kind) = hours {
        metrics = metrics.with_hours(s, kind);
    }
    let limit = max_events_per_instant;
    let stats = if sinks.conversations.is_none() && sinks.messages.is_none() {
        engine::run_limited(s, replication, &mut metrics, progress, limit)
    } else {
        let header = replication == 0;
        let mut ex = Exports {
            conversations: sinks.conversations.map(|w| ConversationWriter::new(w, s, replication, header)),
            messages: sinks.messages.map(|w| MessageWriter::new(w, s, replication, header)),
        };
        let stats = engine::run_limited(s, replication, &mut Both(&mut metrics, &mut ex), progress, limit);
        ex.finish().map_err(|error| RunError::Io { replication, error })?;
        stats
    }
    .map_err(|error| match error {
        SimError::Stalled { .. } | SimError::Overloaded { .. } => RunError::Stalled { replication, error },
        _ => RunError::Sim { replication, error },
    })?;
    Ok(metrics.finish(stats))
}

/// Runs every replication of `s` in parallel; `sinks(r)` gives replication r's export
/// outputs (conversations, messages), either or both.
pub fn run_all_export<W, F>(s: &Scenario, sinks: F, progress: Option<&AtomicU64>) -> Result<Outcome, RunError>
where
    W: Write,
    F: Fn(u32) -> io::Result<Sinks<W>> + Sync,
{
    let reports: Vec<RepReport> = (0..s.replications)
        .into_par_iter()
        .map(|r| {
            let sk = sinks(r).map_err(|error| RunError::Io { replication: r, error })?;
            replicate_export(s, r, sk, progress, engine::MAX_EVENTS_PER_INSTANT, None)
        })
        .collect::<Result<_, _>>()?;
    let aggregate = aggregate(&reports, 0.95);
    Ok(Outcome { reports, aggregate })
}

/// Runs every replication of `s` in parallel. `sink(r)` gives replication r's conversation
/// output, if conversations are wanted.
pub fn run_all<W, F>(s: &Scenario, sink: Option<F>, progress: Option<&AtomicU64>) -> Result<Outcome, RunError>
where
    W: Write,
    F: Fn(u32) -> io::Result<W> + Sync,
{
    let reports: Vec<RepReport> = (0..s.replications)
        .into_par_iter()
        .map(|r| {
            let w = match &sink {
                Some(f) => Some(f(r).map_err(|error| RunError::Io { replication: r, error })?),
                None => None,
            };
            replicate(s, r, w, progress)
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
        .map(|r| replicate_with(s, r, None::<io::Sink>, None, engine::MAX_EVENTS_PER_INSTANT, Some(kind)))
        .collect::<Result<_, _>>()?;
    let aggregate = aggregate(&reports, 0.95);
    Ok(Outcome { reports, aggregate })
}
