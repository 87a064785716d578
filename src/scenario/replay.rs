//! `replay = "file.csv"` of an arrival stream: its arrival instants read from a CSV column
//! (`time` or `msdyn_createdon`, ISO 8601 UTC) instead of drawn. Errors carry file:line:column.

use super::walk::{Ctx, Field};
use crate::time::SimTime;
use chrono::NaiveDate;

/// The columns a replay file may hold its instants in, tried in this order.
pub const REPLAY_COLUMNS: [&str; 2] = ["time", "msdyn_createdon"];

/// The arrival instants of `file` (relative to the scenario's folder) as simulated times from
/// `start`, sorted; instants at or after `horizon_ms` are left out (the horizon cuts the
/// replay), one before the start is an error.
pub fn read_replay(
    ctx: &mut Ctx,
    f: &Field<'_>,
    file: &str,
    start: NaiveDate,
    horizon_ms: u64,
) -> Option<Vec<SimTime>> {
    let (mut rdr, label) = super::dists::open_csv(ctx, f, file)?;
    let names: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
        Err(e) => {
            ctx.error(&f.span, &f.path, format!("cannot read the header of {label}: {e}"));
            return None;
        }
    };
    let Some(idx) = REPLAY_COLUMNS.iter().find_map(|c| names.iter().position(|n| n == c)) else {
        let msg = format!("{label} has no column `time` or `msdyn_createdon` (its columns: {})", names.join(", "));
        ctx.error(&f.span, &f.path, msg);
        return None;
    };
    let column = names[idx].clone();
    let start_ms = start.and_hms_opt(0, 0, 0).expect("midnight should exist").and_utc().timestamp_millis();
    let mut times = Vec::new();
    let mut good = true;
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                ctx.error_in(&label, line, 1, &column, format!("cannot read the record: {e}"));
                return None;
            }
        };
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let cell = rec.get(idx).unwrap_or("").trim();
        match crate::fit::export::parse_timestamp(cell) {
            Some(ms) if ms >= start_ms => {
                let t = (ms - start_ms) as u64;
                if t < horizon_ms {
                    times.push(SimTime(t));
                }
            }
            Some(_) => {
                let msg = format!("{cell} is before the scenario's start_date {start}: set start_date to the replayed day, or drop the row");
                ctx.error_in(&label, line, idx + 1, &column, msg);
                good = false;
            }
            None => {
                let msg = format!(
                    "expected an ISO 8601 timestamp such as 2026-01-05T13:00:00.000Z, got {}",
                    super::walk::quote_short(cell)
                );
                ctx.error_in(&label, line, idx + 1, &column, msg);
                good = false;
            }
        }
    }
    times.sort_unstable();
    good.then_some(times)
}
