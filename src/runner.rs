//! Replications in parallel: each is a pure function of (scenario, replication), so rayon
//! needs no locks and the results do not depend on the thread count.

use crate::engine::{self, Both, ConvMeta, SimError};
use crate::metrics::{aggregate, AggregateRow, HourKind, Metrics, RepReport};
use crate::output::{ConversationWriter, MessageWriter, SweepWriter};
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
    replicate_limited(s, replication, Sinks::conversations(sink), progress, engine::MAX_EVENTS_PER_INSTANT)
}

/// `replicate` with another bound on the events at one instant (see `engine::run_limited`).
pub fn replicate_limited<W: Write>(
    s: &Scenario,
    replication: u32,
    sinks: Sinks<W>,
    progress: Option<&AtomicU64>,
    max_events_per_instant: u64,
) -> Result<RepReport, RunError> {
    replicate_export(s, replication, sinks, progress, max_events_per_instant, None)
}

/// Where one replication streams its exports: `conversations.csv`, `messages.csv` and
/// `sweeps.csv` rows. With `sweeps` the report keeps no sweep runs of its own.
pub struct Sinks<W: Write> {
    pub conversations: Option<W>,
    pub messages: Option<W>,
    pub sweeps: Option<W>,
}

impl<W: Write> Sinks<W> {
    /// Conversation rows only, if any.
    pub fn conversations(conversations: Option<W>) -> Self {
        Sinks { conversations, messages: None, sweeps: None }
    }
}

/// The export writers of one replication, as one observer.
struct Exports<'a, W: Write> {
    conversations: Option<ConversationWriter<'a, W>>,
    messages: Option<MessageWriter<W>>,
    sweeps: Option<SweepWriter<'a, W>>,
}

impl<W: Write> Exports<'_, W> {
    fn finish(self, replication: u32) -> Result<(), RunError> {
        let io = |error| RunError::Io { replication, error };
        if let Some(c) = self.conversations {
            c.finish().and_then(|mut w| w.flush()).map_err(io)?;
        }
        if let Some(m) = self.messages {
            m.finish().and_then(|mut w| w.flush()).map_err(io)?;
        }
        if let Some(w) = self.sweeps {
            finish_sweeps(w, replication)?;
        }
        Ok(())
    }
}

/// Writes out what the sweep-run writer still holds.
fn finish_sweeps<W: Write>(w: SweepWriter<'_, W>, replication: u32) -> Result<(), RunError> {
    w.finish().and_then(|mut w| w.flush()).map_err(|error| RunError::SweepsIo { replication, error })
}

impl<W: Write> engine::Observer for Exports<'_, W> {
    /// `messages.csv` is written in time order; the other files are not.
    fn needs_time_order(&self) -> bool {
        self.messages.is_some()
    }

    /// `conversations.csv` is written in the order of the closures.
    fn closes_in_time_order(&self) -> bool {
        self.conversations.is_some() || self.messages.is_some()
    }

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
    fn sweep_run(&mut self, rec: &engine::SweepRecord) {
        if let Some(w) = &mut self.sweeps {
            w.sweep_run(rec);
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
    if sinks.sweeps.is_some() {
        metrics = metrics.streaming_sweeps();
    }
    let limit = max_events_per_instant;
    let header = replication == 0;
    let stats = match sinks {
        Sinks { conversations: None, messages: None, sweeps: None } => {
            engine::run_limited(s, replication, &mut metrics, progress, limit)
        }
        // `run`'s common case, the sweep runs streamed and nothing else: the writer is the
        // second observer itself, so that every other report goes to the metrics alone
        // (through `Exports`, its checks cost 0.5% of the small benchmark's instructions).
        Sinks { conversations: None, messages: None, sweeps: Some(w) } => {
            let mut sweeps = SweepWriter::new(w, s, "base", replication, header);
            let stats = engine::run_limited(s, replication, &mut Both(&mut metrics, &mut sweeps), progress, limit);
            if stats.is_ok() {
                finish_sweeps(sweeps, replication)?;
            }
            stats
        }
        sinks => {
            let mut ex = Exports {
                conversations: sinks.conversations.map(|w| ConversationWriter::new(w, s, replication, header)),
                messages: sinks.messages.map(|w| MessageWriter::new(w, s, replication, header)),
                sweeps: sinks.sweeps.map(|w| SweepWriter::new(w, s, "base", replication, header)),
            };
            let stats = engine::run_limited(s, replication, &mut Both(&mut metrics, &mut ex), progress, limit);
            if stats.is_ok() {
                ex.finish(replication)?;
            }
            stats
        }
    }
    .map_err(|error| match error {
        SimError::Stalled { .. } | SimError::Overloaded { .. } => RunError::Stalled { replication, error },
        _ => RunError::Sim { replication, error },
    })?;
    Ok(metrics.finish(stats))
}

/// Runs every replication of `s` in parallel; `sinks(r)` gives replication r's export
/// outputs (conversations, messages, sweep runs), any or none.
pub fn run_all_export<W, F>(s: &Scenario, sinks: F, progress: Option<&AtomicU64>) -> Result<Outcome, RunError>
where
    W: Write,
    F: Fn(u32) -> io::Result<Sinks<W>> + Sync,
{
    run_each(s, |r| {
        let sk = sinks(r).map_err(|error| RunError::Io { replication: r, error })?;
        replicate_export(s, r, sk, progress, engine::MAX_EVENTS_PER_INSTANT, None)
    })
}

/// Runs every replication of `s` in parallel. `sink(r)` gives replication r's conversation
/// output, if conversations are wanted; `sweeps(r)`, if given, its `sweeps.csv` rows (the
/// header in replication 0's), which the reports then do not keep.
pub fn run_all<W, F, G>(
    s: &Scenario,
    sink: Option<F>,
    sweeps: Option<G>,
    progress: Option<&AtomicU64>,
) -> Result<Outcome, RunError>
where
    W: Write,
    F: Fn(u32) -> io::Result<W> + Sync,
    G: Fn(u32) -> io::Result<W> + Sync,
{
    run_each(s, |r| {
        let conversations =
            sink.as_ref().map(|f| f(r)).transpose().map_err(|error| RunError::Io { replication: r, error })?;
        let sweeps =
            sweeps.as_ref().map(|f| f(r)).transpose().map_err(|error| RunError::SweepsIo { replication: r, error })?;
        let sk = Sinks { conversations, messages: None, sweeps };
        replicate_export(s, r, sk, progress, engine::MAX_EVENTS_PER_INSTANT, None)
    })
}

/// Runs every replication of `s` in parallel without conversation output, collecting the
/// figures by hour of day or of week as well (`RepReport::by_hour`), for intraday plans.
pub fn run_all_by_hour(s: &Scenario, kind: HourKind) -> Result<Outcome, RunError> {
    run_each(s, |r| {
        let none = Sinks::<io::Sink>::conversations(None);
        replicate_export(s, r, none, None, engine::MAX_EVENTS_PER_INSTANT, Some(kind))
    })
}

/// Every replication of `s` through `one`, in parallel, then their aggregate.
/// A single replication runs on the calling thread: starting the pool would cost more CPU time
/// than it saves (its idle workers spin looking for work before they sleep).
fn run_each(s: &Scenario, one: impl Fn(u32) -> Result<RepReport, RunError> + Sync + Send) -> Result<Outcome, RunError> {
    let reports: Vec<RepReport> = if s.replications == 1 {
        vec![one(0)?]
    } else {
        (0..s.replications).into_par_iter().map(&one).collect::<Result<_, _>>()?
    };
    let aggregate = aggregate(&reports, 0.95);
    Ok(Outcome { reports, aggregate })
}
