//! `loadtest`: the sweep job against a real database. One replication of a scenario becomes
//! the store's writes (`trace`), replayed in simulated time order by a pool of writer
//! connections while the job of each sweep scheduler lists and closes on its own connection
//! (`replay`), with the policy's eligibility query and closing updates (`query`), against
//! SQLite or PostgreSQL (`store`, `pg`). The measures per run go to `loadtest.csv` (`csv`).

pub mod csv;
pub mod pg;
pub mod query;
pub mod replay;
pub mod store;
pub mod summary;
pub mod trace;

pub use query::{Dialect, IndexChoice};
pub use replay::{ReplayOptions, RunMeasure};
pub use store::{SqliteStore, Store};

use crate::scenario::Scenario;
use chrono::NaiveTime;

/// Why a load test could not run.
#[derive(Debug, thiserror::Error)]
pub enum LoadtestError {
    #[error("the policy cannot run as the store's SQL: {0}")]
    Unsupported(String),
    #[error("the store failed while {what}: {message}")]
    Store { what: String, message: String },
    #[error("--store {url}: {message} (give sqlite:PATH or postgres://USER@HOST:PORT/DB, or leave --store out for SQLite in the results folder)")]
    Url { url: String, message: String },
    #[error("the simulation failed: {0}")]
    Sim(#[from] crate::engine::SimError),
}

/// What to measure.
#[derive(Debug, Clone)]
pub struct LoadtestOptions {
    /// Closed conversations written before the replay.
    pub history: u64,
    pub replication: u32,
    pub replay: ReplayOptions,
}

/// One configuration's measures: a scenario (its sweep interval) against one index choice.
#[derive(Debug, Clone)]
pub struct ConfigResult {
    /// The first job's sweep interval.
    pub interval_ms: u64,
    pub recheck: bool,
    pub index: IndexChoice,
    pub history: u64,
    /// The store's plan of each job's eligibility query, with the query.
    pub plans: Vec<(String, String, String)>,
    pub runs: Vec<RunMeasure>,
    /// Conversations the simulator's sweeps closed in the replication (its sweeps.csv).
    pub sim_closures: u64,
    /// Rows written by the traffic.
    pub writes: u64,
    pub replay_s: f64,
}

impl ConfigResult {
    pub fn label(&self) -> String {
        format!("{} / {}", crate::time::SimDuration(self.interval_ms), self.index.key())
    }

    pub fn kept_up(&self) -> bool {
        self.runs.iter().all(RunMeasure::kept_up)
    }
}

/// The epoch milliseconds of simulated time zero (00:00 UTC of the start date).
pub fn epoch_ms(s: &Scenario) -> i64 {
    s.start_date.and_time(NaiveTime::MIN).and_utc().timestamp_millis()
}

/// Simulates replication `opts.replication` of `s`, prepares the store (table, history,
/// index) and replays the traffic with the job running at every sweep run.
pub fn run_config(
    s: &Scenario,
    store: &dyn Store,
    index: IndexChoice,
    opts: &LoadtestOptions,
) -> Result<ConfigResult, LoadtestError> {
    let jobs = query::jobs(s)?;
    let mut rec = trace::TraceRecorder::new();
    crate::engine::run(s, opts.replication, &mut rec, None)?;
    let trace = rec.finish();
    let ctx = store::RowContext {
        epoch_ms: epoch_ms(s),
        channel_codes: (0..s.channels.len()).map(|c| query::channel_code(s, c)).collect(),
    };
    let mut conn = store.connect()?;
    conn.batch(&[format!("DROP TABLE IF EXISTS {}", query::TABLE), query::create_table()])?;
    if opts.history > 0 {
        conn.history(opts.history, &ctx, s.skills.len())?;
    }
    let mut ddl = query::create_indexes(&jobs, index);
    ddl.push("ANALYZE".into());
    conn.batch(&ddl)?;
    let d = store.dialect();
    let probe = ctx.ms(crate::time::SimTime(s.horizon.ms() / 2));
    let mut plans = Vec::new();
    for j in &jobs {
        let page = j.max_closures_per_run.map_or(opts.replay.page_size, u64::from).min(opts.replay.page_size);
        let sql = j.select(d, probe, page, &[]);
        plans.push((j.name.clone(), sql.clone(), conn.plan(&sql)?));
    }
    drop(conn);
    let t0 = std::time::Instant::now();
    let runs = replay::replay(store, &trace, &jobs, &ctx, &opts.replay)?;
    Ok(ConfigResult {
        interval_ms: jobs[0].interval_ms,
        recheck: jobs[0].recheck,
        index,
        history: opts.history,
        plans,
        runs,
        sim_closures: trace.sim_closures,
        writes: trace.writes.len() as u64,
        replay_s: t0.elapsed().as_secs_f64(),
    })
}

/// Opens the store a `--store` URL names: `postgres://...` or `postgresql://...`, or
/// `sqlite:PATH`.
pub fn open_store(url: &str) -> Result<Box<dyn Store>, LoadtestError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Box::new(pg::PgStore::new(url)?));
    }
    if let Some(path) = url.strip_prefix("sqlite:") {
        if path.is_empty() {
            return Err(LoadtestError::Url { url: url.into(), message: "the SQLite path is empty".into() });
        }
        return Ok(Box::new(SqliteStore { path: path.into() }));
    }
    Err(LoadtestError::Url { url: url.into(), message: "unknown kind of store".into() })
}
