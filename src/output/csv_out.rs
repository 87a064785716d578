//! CSV writers. Each turns results into bytes on any `impl Write`; none opens a file.
//! Tidy layout: one observation per row, one column per variable, units in column names.

use super::numbers::{push_f64, push_u64};
use super::sweeps_csv::SweepRowFormat;
use super::timeseries_csv::{TsRowFormat, TIMESERIES_HEADER};
use crate::engine::{ConversationRecord, Observer, SweepRecord};
use crate::metrics::{AggregateRow, RepReport, METRICS};
use crate::scenario::Scenario;
use crate::time::SimTime;
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use std::io::{self, Write};
use std::marker::PhantomData;

/// Formats simulated instants as calendar timestamps from the scenario's start date.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    start: NaiveDate,
}

impl Clock {
    pub fn new(start: NaiveDate) -> Self {
        Clock { start }
    }

    /// ISO 8601 in UTC with milliseconds, e.g. `2026-01-05T13:00:00.000Z`. Never panics: an
    /// instant past the last representable date saturates at it (the reader bounds the start
    /// date and horizon so that no run gets there).
    pub fn iso(&self, t: SimTime) -> String {
        // The common case written by hand (chrono's formatter cost a few percent of a small
        // run, writing `sweeps.csv`): a date of years 0 to 9999, where chrono writes the same.
        const MS_PER_DAY: u64 = 86_400_000;
        let (days, ms) = (t.ms() / MS_PER_DAY, t.ms() % MS_PER_DAY);
        if let Some(d) = self.start.checked_add_days(chrono::Days::new(days)).filter(|d| (0..=9999).contains(&d.year()))
        {
            let mut out = String::with_capacity(24);
            let mut digits = |v: u64, n: u32, after: char| {
                (0..n).rev().for_each(|i| out.push(char::from(b'0' + (v / 10u64.pow(i) % 10) as u8)));
                out.push(after);
            };
            digits(d.year() as u64, 4, '-');
            digits(d.month() as u64, 2, '-');
            digits(d.day() as u64, 2, 'T');
            digits(ms / 3_600_000, 2, ':');
            digits(ms / 60_000 % 60, 2, ':');
            digits(ms / 1000 % 60, 2, '.');
            digits(ms % 1000, 3, 'Z');
            return out;
        }
        let start = self.start.and_time(NaiveTime::MIN);
        let dt = i64::try_from(t.ms())
            .ok()
            .and_then(TimeDelta::try_milliseconds)
            .and_then(|d| start.checked_add_signed(d))
            .unwrap_or(NaiveDateTime::MAX);
        dt.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }
}

fn csv_err(e: csv::Error) -> io::Error {
    io::Error::other(e)
}

/// Writes `summary.csv`: a row per (configuration, replication, group), then the mean and 95%
/// interval rows per (configuration, group). Each field goes to the csv crate as it is
/// formatted, into one reused buffer (the bytes of a record of strings, without them).
pub struct SummaryWriter<W: Write> {
    w: csv::Writer<W>,
    field: Vec<u8>,
}

/// Writes `v` as `f64`'s `Display` writes it (`push_f64`; an empty field for `None`), through
/// the reused buffer `field`.
fn opt_field<W: Write>(w: &mut csv::Writer<W>, field: &mut Vec<u8>, v: Option<f64>) -> csv::Result<()> {
    field.clear();
    if let Some(x) = v {
        push_f64(field, x);
    }
    w.write_field(&field)
}

impl<W: Write> SummaryWriter<W> {
    pub fn new(out: W) -> io::Result<Self> {
        let mut w = csv::Writer::from_writer(out);
        let mut header = vec!["scenario", "config", "replication", "stat", "breakdown", "group"];
        header.extend(METRICS);
        w.write_record(&header).map_err(csv_err)?;
        Ok(SummaryWriter { w, field: Vec::new() })
    }

    pub fn replications(&mut self, scenario: &str, config: &str, reports: &[RepReport]) -> io::Result<()> {
        for r in reports {
            let rep = r.replication.to_string();
            for g in &r.rows {
                for text in [scenario, config, &rep, "value", g.breakdown.key(), &g.group] {
                    self.w.write_field(text).map_err(csv_err)?;
                }
                for v in &g.values {
                    opt_field(&mut self.w, &mut self.field, *v).map_err(csv_err)?;
                }
                self.w.write_record(None::<&[u8]>).map_err(csv_err)?;
            }
        }
        Ok(())
    }

    pub fn aggregates(&mut self, scenario: &str, config: &str, rows: &[AggregateRow]) -> io::Result<()> {
        for g in rows {
            // `replication` is empty on aggregate rows, so the column holds integers only.
            // `n`: the replications a figure's mean is over (a figure undefined in a replication,
            // such as latency without auto-closures, leaves it out).
            for stat in ["mean", "ci95_low", "ci95_high", "n"] {
                for text in [scenario, config, "", stat, g.breakdown.key(), &g.group] {
                    self.w.write_field(text).map_err(csv_err)?;
                }
                for e in &g.estimates {
                    let written = match (stat, e) {
                        ("n", e) => {
                            self.field.clear();
                            push_u64(&mut self.field, e.map_or(0, |e| e.n) as u64);
                            self.w.write_field(&self.field)
                        }
                        ("mean", e) => opt_field(&mut self.w, &mut self.field, e.map(|e| e.mean)),
                        ("ci95_low", e) => opt_field(&mut self.w, &mut self.field, e.and_then(|e| e.low())),
                        (_, e) => opt_field(&mut self.w, &mut self.field, e.and_then(|e| e.high())),
                    };
                    written.map_err(csv_err)?;
                }
                self.w.write_record(None::<&[u8]>).map_err(csv_err)?;
            }
        }
        Ok(())
    }

    pub fn finish(self) -> io::Result<W> {
        self.w.into_inner().map_err(|e| io::Error::other(e.to_string()))
    }
}

/// What `write_timeseries` buffers before writing (the csv crate's own buffer size).
const TIMESERIES_BUFFER_BYTES: usize = 8 * 1024;

/// Writes `timeseries.csv`: a row per (configuration, replication, bucket). The rows are
/// formatted into a buffer by `TsRowFormat` (the csv crate's bytes for a string per field,
/// without the strings), written out every 8 KiB.
pub fn write_timeseries<W: Write>(mut out: W, clock: Clock, rows: &[(&str, &str, &RepReport)]) -> io::Result<W> {
    let mut buf = Vec::with_capacity(2 * TIMESERIES_BUFFER_BYTES);
    let mut w = csv::Writer::from_writer(&mut buf);
    w.write_record(TIMESERIES_HEADER).map_err(csv_err)?;
    w.flush()?;
    drop(w);
    for (scenario, config, r) in rows {
        let mut f = TsRowFormat::new(scenario, config, &r.replication.to_string(), clock);
        for b in &r.timeseries {
            f.push(&mut buf, b);
            if buf.len() >= TIMESERIES_BUFFER_BYTES {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
    }
    out.write_all(&buf)?;
    out.flush()?;
    Ok(out)
}

/// Header of `sweeps.csv`.
pub const SWEEP_HEADER: [&str; 15] = [
    "scenario",
    "config",
    "replication",
    "scheduler",
    "run",
    "started_at",
    "started_s",
    "in_scope",
    "eligible",
    "closed",
    "parked",
    "deferred",
    "race_closures",
    "rescued",
    "duration_s",
];

/// One row of `sweeps.csv`.
pub(super) fn sweep_row(
    scenario: &str,
    config: &str,
    replication: &str,
    scheduler: &str,
    clock: Clock,
    s: &SweepRecord,
) -> [String; 15] {
    [
        scenario.to_string(),
        config.to_string(),
        replication.to_string(),
        scheduler.to_string(),
        s.run.to_string(),
        clock.iso(s.started),
        s.started.as_secs_f64().to_string(),
        s.in_scope.to_string(),
        s.eligible.to_string(),
        s.closed.to_string(),
        s.parked.to_string(),
        s.deferred.to_string(),
        s.race_closures.to_string(),
        s.rescued.to_string(),
        s.duration.as_secs_f64().to_string(),
    ]
}

/// Writes `sweeps.csv` from reports that kept their runs (`sweep` and `plan`; `run` streams
/// them with `SweepWriter`): a row per run of each sweep scheduler.
pub fn write_sweeps<W: Write>(out: W, clock: Clock, rows: &[(&str, &str, &RepReport)]) -> io::Result<W> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(SWEEP_HEADER).map_err(csv_err)?;
    for (scenario, config, r) in rows {
        let rep = r.replication.to_string();
        for s in &r.sweeps {
            let rec = sweep_row(scenario, config, &rep, &r.scheduler_names[s.scheduler], clock, s);
            w.write_record(&rec).map_err(csv_err)?;
        }
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// Streams `sweeps.csv` rows as sweep runs end: an `Observer`, so that a replication's runs
/// are never held in memory (a 1-second sweep over 20 days makes 1.7 million). The rows are
/// formatted into a buffer by `SweepRowFormat` (the bytes `write_sweeps` writes, without a
/// string per field), written out every 8 KiB. I/O errors are kept and returned by `finish`.
pub struct SweepWriter<'a, W: Write> {
    out: W,
    buf: Vec<u8>,
    rows: SweepRowFormat,
    error: Option<io::Error>,
    scenario: PhantomData<&'a Scenario>,
}

/// What `SweepWriter` buffers before writing (the csv crate's own buffer size).
const SWEEP_BUFFER_BYTES: usize = 8 * 1024;

impl<'a, W: Write> SweepWriter<'a, W> {
    /// A writer of configuration `config`'s rows that writes the header only if `header` is
    /// true (parts are concatenated).
    pub fn new(out: W, s: &'a Scenario, config: &str, replication: u32, header: bool) -> Self {
        let mut buf = Vec::with_capacity(2 * SWEEP_BUFFER_BYTES);
        if header {
            let mut w = csv::Writer::from_writer(&mut buf);
            w.write_record(SWEEP_HEADER).expect("writing to memory should not fail");
            w.flush().expect("flushing to memory should not fail");
        }
        let names = s.policy.schedulers.iter().map(|x| x.name.as_str());
        let rows = SweepRowFormat::new(&s.name, config, &replication.to_string(), names, Clock::new(s.start_date));
        SweepWriter { out, buf, rows, error: None, scenario: PhantomData }
    }

    pub fn finish(mut self) -> io::Result<W> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.out.write_all(&self.buf)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Observer for SweepWriter<'_, W> {
    /// Takes a conversation's reports ahead of the others' (nothing here is kept in time order).
    fn needs_time_order(&self) -> bool {
        false
    }

    fn sweep_run(&mut self, rec: &SweepRecord) {
        if self.error.is_none() {
            self.rows.push(&mut self.buf, rec);
            if self.buf.len() >= SWEEP_BUFFER_BYTES {
                self.error = self.out.write_all(&self.buf).err();
                self.buf.clear();
            }
        }
    }
}

/// Header of `conversations.csv`: the `msdyn_liveconversation` fields of seed 004, then the
/// simulator's own columns.
pub const CONVERSATION_HEADER: [&str; 22] = [
    "replication",
    "msdyn_liveconversationid",
    "msdyn_createdon",
    "msdyn_activeagentassignedon",
    "msdyn_wrapupinitiatedon",
    "msdyn_closedon",
    "msdyn_channel",
    "msdyn_statecode",
    "msdyn_statuscode",
    "msdyn_queueid",
    "msdyn_transfercount",
    "channel",
    "first_assigned_on",
    "last_customer_message_on",
    "close_reason",
    "eligible_at",
    "latency_s",
    "premature",
    "race_closure",
    "recontact_of",
    "auto_moved_to_wrap_up",
    "auto_parks",
];

/// Streams `conversations.csv` rows as conversations close: an `Observer`. I/O errors are kept
/// and returned by `finish`, since observers cannot fail mid-run.
pub struct ConversationWriter<'a, W: Write> {
    w: csv::Writer<W>,
    s: &'a Scenario,
    clock: Clock,
    replication: String,
    error: Option<io::Error>,
}

impl<'a, W: Write> ConversationWriter<'a, W> {
    /// A writer that writes the header only if `header` is true (parts are concatenated).
    pub fn new(out: W, s: &'a Scenario, replication: u32, header: bool) -> Self {
        let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(out);
        let mut error = None;
        if header {
            error = w.write_record(CONVERSATION_HEADER).err().map(csv_err);
        }
        ConversationWriter { w, s, clock: Clock::new(s.start_date), replication: replication.to_string(), error }
    }

    pub fn finish(self) -> io::Result<W> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.w.into_inner().map_err(|e| io::Error::other(e.to_string()))
    }

    fn row(&mut self, r: &ConversationRecord) -> csv::Result<()> {
        let ts = |t: Option<SimTime>| t.map(|t| self.clock.iso(t)).unwrap_or_default();
        let ch = &self.s.channels[r.meta.channel as usize];
        let state = if r.closed.is_some() { crate::model::state::State::Closed } else { r.last_state };
        // Latency of the auto-close action: the closure, or the move to Wrap-up.
        let acted = if r.auto_wrap_up { r.wrap_up_initiated } else { r.closed };
        let latency = match (acted, r.eligible_at) {
            (Some(c), Some(e)) => c.saturating_since(e).as_secs_f64().to_string(),
            _ => String::new(),
        };
        let rec: [String; 22] = [
            self.replication.clone(),
            r.meta.id.to_string(),
            ts(Some(r.meta.created)),
            ts(r.last_assigned),
            ts(r.wrap_up_initiated),
            ts(r.closed),
            ch.msdyn_channel.map(|v| v.to_string()).unwrap_or_default(),
            state.msdyn_statecode().to_string(),
            state.msdyn_statuscode().to_string(),
            self.s.skills[r.meta.skill as usize].name.clone(),
            r.transfers.to_string(),
            ch.name.clone(),
            ts(r.first_assigned),
            ts(Some(r.last_customer_message)),
            r.reason.map(|x| x.key().to_string()).unwrap_or_default(),
            ts(r.eligible_at),
            latency,
            r.premature.to_string(),
            r.race.to_string(),
            r.recontact_of.map(|v| v.to_string()).unwrap_or_default(),
            r.auto_wrap_up.to_string(),
            r.auto_parks.to_string(),
        ];
        self.w.write_record(&rec)
    }
}

impl<W: Write> Observer for ConversationWriter<'_, W> {
    /// Takes a conversation's reports ahead of the others' (nothing here is kept in time order).
    fn needs_time_order(&self) -> bool {
        false
    }

    /// Its rows come in the order of the closures.
    fn closes_in_time_order(&self) -> bool {
        true
    }

    fn conversation(&mut self, rec: &ConversationRecord) {
        if self.error.is_none() {
            if let Err(e) = self.row(rec) {
                self.error = Some(csv_err(e));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_timestamps_count_from_the_start_date() {
        let c = Clock::new(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap());
        assert_eq!(c.iso(SimTime(0)), "2026-01-05T00:00:00.000Z");
        assert_eq!(c.iso(SimTime(86_400_000 + 13 * 3_600_000 + 1)), "2026-01-06T13:00:00.001Z");
    }

    proptest::proptest! {
        /// The hand-written timestamps are chrono's, to the byte.
        #[test]
        fn iso_timestamps_are_chronos(start_day in 0i64..3_700_000, ms in 0u64..40_000_000_000_000) {
            let start = NaiveDate::from_ymd_opt(0, 1, 1).expect("year 0") + TimeDelta::days(start_day);
            let c = Clock::new(start);
            let chrono = start
                .and_time(NaiveTime::MIN)
                .checked_add_signed(TimeDelta::milliseconds(ms as i64))
                .unwrap_or(NaiveDateTime::MAX)
                .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string();
            proptest::prop_assert_eq!(c.iso(SimTime(ms)), chrono);
        }
    }

    /// `summary.csv` as `SummaryWriter` wrote it before writing field by field: a record of
    /// strings per row, through the csv crate (the reference its bytes must equal).
    fn summary_through_records(scenario: &str, config: &str, reports: &[RepReport], rows: &[AggregateRow]) -> Vec<u8> {
        let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["scenario", "config", "replication", "stat", "breakdown", "group"];
        header.extend(METRICS);
        w.write_record(&header).expect("in memory");
        for r in reports {
            for g in &r.rows {
                let mut rec = vec![scenario.to_string(), config.to_string(), r.replication.to_string(), "value".into()];
                rec.extend([g.breakdown.key().to_string(), g.group.clone()]);
                rec.extend(g.values.iter().map(|v| opt(*v)));
                w.write_record(&rec).expect("in memory");
            }
        }
        for g in rows {
            for stat in ["mean", "ci95_low", "ci95_high", "n"] {
                let mut rec = vec![scenario.to_string(), config.to_string(), String::new(), stat.into()];
                rec.extend([g.breakdown.key().to_string(), g.group.clone()]);
                rec.extend(g.estimates.iter().map(|e| match (stat, e) {
                    ("n", None) => "0".to_string(),
                    ("n", Some(e)) => e.n.to_string(),
                    ("mean", e) => opt(e.map(|e| e.mean)),
                    ("ci95_low", e) => opt(e.and_then(|e| e.low())),
                    (_, e) => opt(e.and_then(|e| e.high())),
                }));
                w.write_record(&rec).expect("in memory");
            }
        }
        w.into_inner().expect("in memory")
    }

    fn figure() -> impl proptest::strategy::Strategy<Value = Option<f64>> {
        use proptest::prelude::*;
        prop_oneof![
            Just(None),
            (0u64..1000).prop_map(|v| Some(v as f64)),
            any::<f64>().prop_map(Some),
            Just(Some(-0.0))
        ]
    }

    proptest::proptest! {
        /// Field by field, `summary.csv` is the csv crate's bytes for records of strings, with
        /// names and groups that need quoting and figures of every kind, missing ones included.
        #[test]
        fn summary_rows_are_the_csv_crates_bytes(
            names in proptest::array::uniform3("[a-z ,\"\n0-9]{0,6}"),
            values in proptest::collection::vec(proptest::collection::vec(figure(), METRICS.len()), 1..4),
            estimates in proptest::collection::vec(
                (0usize..30, figure(), proptest::option::of(0.0f64..100.0)),
                METRICS.len(),
            ),
        ) {
            use crate::metrics::{Breakdown, Estimate, GroupRow};
            let reports: Vec<RepReport> = values
                .into_iter()
                .enumerate()
                .map(|(i, values)| RepReport {
                    replication: i as u32,
                    rows: vec![GroupRow { breakdown: Breakdown::Skill, group: names[2].clone(), values }],
                    timeseries: Vec::new(),
                    by_hour: Vec::new(),
                    sweeps: Vec::new(),
                    scheduler_names: Vec::new(),
                    stats: Default::default(),
                })
                .collect();
            let estimates = estimates
                .into_iter()
                .map(|(n, mean, half_width)| mean.map(|mean| Estimate { n, mean, std_dev: None, half_width }))
                .collect();
            let rows = [AggregateRow { breakdown: Breakdown::Channel, group: names[2].clone(), estimates }];
            let mut w = SummaryWriter::new(Vec::new()).expect("in memory");
            w.replications(&names[0], &names[1], &reports).expect("in memory");
            w.aggregates(&names[0], &names[1], &rows).expect("in memory");
            let got = String::from_utf8(w.finish().expect("in memory")).expect("utf-8");
            let want = String::from_utf8(summary_through_records(&names[0], &names[1], &reports, &rows)).expect("utf-8");
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn iso_timestamps_saturate_instead_of_panicking() {
        let last = Clock::new(NaiveDate::from_ymd_opt(262_142, 12, 31).unwrap());
        assert_eq!(last.iso(SimTime(86_400_000)), "+262142-12-31T23:59:59.999Z");
        let c = Clock::new(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap());
        assert_eq!(c.iso(SimTime::MAX), "+262142-12-31T23:59:59.999Z");
    }
}
