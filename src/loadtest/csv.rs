//! `loadtest.csv`: one row per run of the job, per configuration (sweep interval, index
//! choice), over any `Write`; never opens a file.

use super::ConfigResult;
use crate::output::Clock;
use std::io::{self, Write};

pub const HEADER: [&str; 28] = [
    "interval_s",
    "index",
    "recheck",
    "history_rows",
    "scheduler",
    "run",
    "started",
    "open_rows",
    "listed",
    "closed",
    "rescued",
    "race_closures",
    "pages",
    "query_s",
    "update_s",
    "duration_s",
    "platform_duration_s",
    "rows_scanned",
    "vm_steps",
    "writes_during_run",
    "next_due_s",
    "kept_up",
    "sim_eligible",
    "sim_closed",
    "sim_deferred",
    "sim_race_closures",
    "closed_minus_sim",
    "store",
];

fn opt(v: Option<u64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// Writes every configuration's runs.
pub fn write<W: Write>(w: W, clock: Clock, store: &str, results: &[ConfigResult]) -> io::Result<W> {
    let mut c = ::csv::Writer::from_writer(w);
    c.write_record(HEADER).map_err(io::Error::other)?;
    for r in results {
        for m in &r.runs {
            let row = [
                (r.interval_ms as f64 / 1000.0).to_string(),
                r.index.key().to_string(),
                u8::from(r.recheck).to_string(),
                r.history.to_string(),
                m.scheduler.clone(),
                m.run.to_string(),
                clock.iso(m.started),
                m.open_rows.to_string(),
                m.listed.to_string(),
                m.closed.to_string(),
                m.rescued.to_string(),
                m.race_closures.to_string(),
                m.pages.to_string(),
                format!("{:.6}", m.query_s),
                format!("{:.6}", m.update_s),
                format!("{:.6}", m.duration_s),
                format!("{:.6}", m.platform_s),
                opt(m.rows_scanned),
                opt(m.vm_steps),
                m.writes_during.to_string(),
                m.next_due_s.to_string(),
                u8::from(m.kept_up()).to_string(),
                m.sim_eligible.to_string(),
                m.sim_closed.to_string(),
                m.sim_deferred.to_string(),
                m.sim_race_closures.to_string(),
                (m.closed as i64 - m.sim_closed as i64).to_string(),
                store.to_string(),
            ];
            c.write_record(&row).map_err(io::Error::other)?;
        }
    }
    c.into_inner().map_err(|e| io::Error::other(e.to_string()))
}
