//! `sweeps.csv` rows written straight into bytes for the streaming writer (`SweepWriter`): the
//! same bytes as the csv crate writes for `csv_out::sweep_row`'s fields, without a string per
//! field. The text fields (scenario, configuration, replication, scheduler names) are quoted
//! once, by the csv crate itself; numbers and timestamps never need quoting; a timestamp's date
//! is formatted once a day. Turns records into bytes; never opens a file.

use super::csv_out::Clock;
use super::numbers::push_u64;
use crate::engine::SweepRecord;
use crate::time::{SimTime, MS_PER_DAY, MS_PER_S};
use std::io::Write;

/// `fields` as the csv crate writes them in a record (quoted where needed), each followed by
/// a comma.
pub(super) fn quoted_with_commas(fields: &[&str]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    // A trailing empty field: the record's commas are then exactly one after each field (and a
    // record of one empty field, which the csv crate quotes, cannot arise).
    let mut record = fields.to_vec();
    record.push("");
    w.write_record(&record).expect("writing to memory should not fail");
    let mut bytes = w.into_inner().expect("flushing to memory should not fail");
    assert_eq!(bytes.pop(), Some(b'\n'), "the csv crate should end a record with a newline");
    bytes
}

/// `n` decimal digits of `v`, zero-padded (v < 10^n).
fn push_padded(out: &mut Vec<u8>, v: u64, n: u32) {
    (0..n).rev().for_each(|i| out.push(b'0' + (v / 10u64.pow(i) % 10) as u8));
}

/// `ms` in seconds as `f64`'s `Display` writes `ms as f64 / 1000.0` (`as_secs_f64`). Whole
/// seconds under 2^53 ms by hand: the float is then that integer exactly, which `Display`
/// writes as its digits, without a point.
fn push_secs(out: &mut Vec<u8>, ms: u64) {
    if ms % MS_PER_S == 0 && ms < 1 << 53 {
        push_u64(out, ms / MS_PER_S);
    } else {
        write!(out, "{}", ms as f64 / MS_PER_S as f64).expect("writing to memory should not fail");
    }
}

/// The row format of one replication's `sweeps.csv` part.
pub(super) struct SweepRowFormat {
    /// `scenario,config,replication,`, quoted as the csv crate quotes them.
    prefix: Vec<u8>,
    /// Each scheduler's name and a comma, quoted the same way.
    schedulers: Vec<Vec<u8>>,
    days: IsoDays,
}

/// `Clock::iso` into bytes, the date formatted once a day.
pub(super) struct IsoDays {
    clock: Clock,
    /// The day of the last timestamp and its midnight, formatted.
    day: Option<(u64, String)>,
}

impl IsoDays {
    pub fn new(clock: Clock) -> Self {
        IsoDays { clock, day: None }
    }

    /// `Clock::iso(t)`: the date from the day's midnight, formatted once a day, and the time of
    /// day by hand, when the date is the common `YYYY-MM-DD` (the midnight's 24 bytes); the
    /// clock's own text otherwise.
    pub fn push(&mut self, out: &mut Vec<u8>, t: SimTime) {
        let (day, ms) = (t.ms() / MS_PER_DAY, t.ms() % MS_PER_DAY);
        if self.day.as_ref().is_none_or(|d| d.0 != day) {
            self.day = Some((day, self.clock.iso(SimTime(day * MS_PER_DAY))));
        }
        let midnight = &self.day.as_ref().expect("set above").1;
        if midnight.len() != 24 {
            out.extend_from_slice(self.clock.iso(t).as_bytes());
            return;
        }
        out.extend_from_slice(&midnight.as_bytes()[..11]);
        push_padded(out, ms / 3_600_000, 2);
        out.push(b':');
        push_padded(out, ms / 60_000 % 60, 2);
        out.push(b':');
        push_padded(out, ms / 1000 % 60, 2);
        out.push(b'.');
        push_padded(out, ms % 1000, 3);
        out.push(b'Z');
    }
}

impl SweepRowFormat {
    pub fn new<'n>(
        scenario: &str,
        config: &str,
        replication: &str,
        schedulers: impl Iterator<Item = &'n str>,
        clock: Clock,
    ) -> Self {
        SweepRowFormat {
            prefix: quoted_with_commas(&[scenario, config, replication]),
            schedulers: schedulers.map(|name| quoted_with_commas(&[name])).collect(),
            days: IsoDays::new(clock),
        }
    }

    /// Appends the row of `rec`, newline included.
    pub fn push(&mut self, out: &mut Vec<u8>, rec: &SweepRecord) {
        out.extend_from_slice(&self.prefix);
        out.extend_from_slice(&self.schedulers[rec.scheduler]);
        push_u64(out, rec.run);
        out.push(b',');
        self.days.push(out, rec.started);
        out.push(b',');
        push_secs(out, rec.started.ms());
        for v in [rec.in_scope, rec.eligible, rec.closed, rec.parked, rec.deferred, rec.race_closures, rec.rescued] {
            out.push(b',');
            push_u64(out, v);
        }
        out.push(b',');
        push_secs(out, rec.duration.ms());
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SimDuration;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    /// The row as `csv_out::sweep_row` and the csv crate write it.
    fn through_csv(names: [&str; 4], clock: Clock, rec: &SweepRecord) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
        w.write_record(super::super::csv_out::sweep_row(names[0], names[1], names[2], names[3], clock, rec))
            .expect("in memory");
        w.into_inner().expect("in memory")
    }

    fn record(scheduler: usize, started_ms: u64, counts: [u64; 8], duration_ms: u64) -> SweepRecord {
        SweepRecord {
            scheduler,
            run: counts[0],
            started: SimTime(started_ms),
            in_scope: counts[1],
            eligible: counts[2],
            closed: counts[3],
            parked: counts[4],
            deferred: counts[5],
            race_closures: counts[6],
            rescued: counts[7],
            duration: SimDuration(duration_ms),
        }
    }

    #[test]
    fn a_row_with_names_that_need_quoting() {
        let clock = Clock::new(NaiveDate::from_ymd_opt(2026, 1, 5).expect("a date"));
        let names = ["a,b", "say \"hi\"", "0", "night\nshift"];
        let mut f = SweepRowFormat::new(names[0], names[1], names[2], ["day", names[3]].into_iter(), clock);
        let rec = record(1, 86_400_000 + 900_500, [7, 11, 3, 2, 0, 1, 0, 1], 1_250);
        let mut out = Vec::new();
        f.push(&mut out, &rec);
        let want =
            "\"a,b\",\"say \"\"hi\"\"\",0,\"night\nshift\",7,2026-01-06T00:15:00.500Z,87300.5,11,3,2,0,1,0,1,1.25\n";
        assert_eq!(String::from_utf8(out).expect("utf-8"), want);
    }

    proptest! {
        /// Rows are the csv crate's bytes for `sweep_row`'s fields, across days, fractional and
        /// whole seconds, and names with commas, quotes, spaces and newlines.
        #[test]
        fn rows_are_the_csv_crates_bytes(
            names in prop::array::uniform4("[a-z ,\"\n0-9]{0,6}"),
            start_day in 0i64..3_700_000,
            runs in prop::collection::vec((0u64..1 << 45, prop::array::uniform8(0u64..1 << 40), 0u64..1 << 54, any::<bool>()), 1..20),
        ) {
            let start = NaiveDate::from_ymd_opt(0, 1, 1).expect("year 0") + chrono::TimeDelta::days(start_day);
            let clock = Clock::new(start);
            let names: [&str; 4] = std::array::from_fn(|i| names[i].as_str());
            let mut f = SweepRowFormat::new(names[0], names[1], names[2], ["main", names[3]].into_iter(), clock);
            let (mut got, mut want) = (Vec::new(), Vec::new());
            for (started, counts, duration, whole) in runs {
                let (started, duration) = if whole { (started / 1000 * 1000, duration / 1000 * 1000) } else { (started, duration) };
                let rec = record(1, started, counts, duration);
                f.push(&mut got, &rec);
                want.extend(through_csv(names, clock, &rec));
            }
            prop_assert_eq!(String::from_utf8(got).expect("utf-8"), String::from_utf8(want).expect("utf-8"));
        }
    }
}
