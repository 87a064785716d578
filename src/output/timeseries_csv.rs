//! `timeseries.csv` rows written straight into bytes for `csv_out::write_timeseries`: the same
//! bytes as the csv crate writes for one string per field, without the strings. The text fields
//! (scenario, configuration, replication) are quoted once, by the csv crate itself; numbers,
//! booleans and timestamps never need quoting; a timestamp's date is formatted once a day; the
//! levels are `f64`'s `Display`, whole non-negative ones by hand. Never opens a file.

use super::csv_out::Clock;
use super::numbers::{push_f64, push_u64};
use super::sweeps_csv::{quoted_with_commas, IsoDays};
use crate::metrics::TsRow;
use crate::time::MS_PER_S;

/// Header of `timeseries.csv`.
pub const TIMESERIES_HEADER: [&str; 19] = [
    "scenario",
    "config",
    "replication",
    "bucket_start",
    "bucket_start_s",
    "in_warmup",
    "open_mean",
    "active_mean",
    "waiting_mean",
    "wrap_up_mean",
    "capacity_in_use_units",
    "capacity_available_units",
    "zombie_capacity_units",
    "queue_length_mean",
    "arrivals",
    "auto_closed",
    "agent_end",
    "queue_abandon",
    "auto_parked",
];

pub(super) struct TsRowFormat {
    /// `scenario,config,replication,`, quoted as the csv crate quotes them.
    prefix: Vec<u8>,
    days: IsoDays,
}

impl TsRowFormat {
    pub fn new(scenario: &str, config: &str, replication: &str, clock: Clock) -> Self {
        TsRowFormat { prefix: quoted_with_commas(&[scenario, config, replication]), days: IsoDays::new(clock) }
    }

    /// Appends the row of bucket `b`, newline included.
    pub fn push(&mut self, out: &mut Vec<u8>, b: &TsRow) {
        out.extend_from_slice(&self.prefix);
        self.days.push(out, b.start);
        out.push(b',');
        push_u64(out, b.start.ms() / MS_PER_S);
        out.extend_from_slice(if b.in_warmup { b",true" } else { b",false" });
        let levels = [
            b.open,
            b.active,
            b.waiting,
            b.wrap_up,
            b.capacity_in_use,
            b.capacity_available,
            b.zombie_capacity,
            b.queue_length,
        ];
        for x in levels {
            out.push(b',');
            push_f64(out, x);
        }
        for v in [b.arrivals, b.auto_closed, b.agent_end, b.queue_abandon, b.auto_parked] {
            out.push(b',');
            push_u64(out, v);
        }
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::super::numbers::EXACT_INTEGERS_BELOW;
    use super::*;
    use crate::time::SimTime;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    /// The row as `write_timeseries` wrote it before `TsRowFormat`: a string per field, through
    /// the csv crate (the reference the rows must equal to the byte).
    fn through_csv(names: [&str; 3], clock: Clock, b: &TsRow) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
        w.write_record([
            names[0].to_string(),
            names[1].to_string(),
            names[2].to_string(),
            clock.iso(b.start),
            (b.start.ms() / 1000).to_string(),
            b.in_warmup.to_string(),
            b.open.to_string(),
            b.active.to_string(),
            b.waiting.to_string(),
            b.wrap_up.to_string(),
            b.capacity_in_use.to_string(),
            b.capacity_available.to_string(),
            b.zombie_capacity.to_string(),
            b.queue_length.to_string(),
            b.arrivals.to_string(),
            b.auto_closed.to_string(),
            b.agent_end.to_string(),
            b.queue_abandon.to_string(),
            b.auto_parked.to_string(),
        ])
        .expect("in memory");
        w.into_inner().expect("in memory")
    }

    fn bucket(start_ms: u64, in_warmup: bool, levels: [f64; 8], counts: [u64; 5]) -> TsRow {
        TsRow {
            start: SimTime(start_ms),
            in_warmup,
            open: levels[0],
            active: levels[1],
            waiting: levels[2],
            wrap_up: levels[3],
            capacity_in_use: levels[4],
            capacity_available: levels[5],
            zombie_capacity: levels[6],
            queue_length: levels[7],
            arrivals: counts[0],
            auto_closed: counts[1],
            agent_end: counts[2],
            queue_abandon: counts[3],
            auto_parked: counts[4],
        }
    }

    #[test]
    fn a_row_with_names_that_need_quoting() {
        let clock = Clock::new(NaiveDate::from_ymd_opt(2026, 1, 5).expect("a date"));
        let mut f = TsRowFormat::new("a,b", "say \"hi\"", "0", clock);
        let levels = [12.5, 3.0, 0.0, -0.0, 1e-7, 60.0, 2.25, 9_007_199_254_740_992.0];
        let b = bucket(86_400_000 + 900_000, true, levels, [7, 0, 11, 1, 0]);
        let mut out = Vec::new();
        f.push(&mut out, &b);
        let want = "\"a,b\",\"say \"\"hi\"\"\",0,2026-01-06T00:15:00.000Z,87300,true,\
                    12.5,3,0,-0,0.0000001,60,2.25,9007199254740992,7,0,11,1,0\n";
        assert_eq!(String::from_utf8(out).expect("utf-8"), want);
    }

    /// Levels of every kind: whole and fractional, small and huge, zero of either sign, and
    /// the values that are not numbers.
    fn level() -> impl Strategy<Value = f64> {
        prop_oneof![
            (0u64..200).prop_map(|v| v as f64),
            (0u64..1 << 60).prop_map(|v| v as f64),
            (-(1i64 << 54)..1 << 54).prop_map(|v| v as f64 / 4.0),
            any::<f64>(),
            Just(0.0),
            Just(-0.0),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(EXACT_INTEGERS_BELOW),
            Just(EXACT_INTEGERS_BELOW - 1.0),
        ]
    }

    proptest! {
        /// Rows are the csv crate's bytes for a string per field, across days and years
        /// (chrono's path past 9999), levels of every kind, and names with commas, quotes,
        /// spaces and newlines.
        #[test]
        fn rows_are_the_csv_crates_bytes(
            names in prop::array::uniform3("[a-z ,\"\n0-9]{0,6}"),
            start_day in 0i64..3_700_000,
            buckets in prop::collection::vec(
                (0u64..1 << 45, any::<bool>(), prop::array::uniform8(level()), prop::array::uniform5(0u64..1 << 40)),
                1..20,
            ),
        ) {
            let start = NaiveDate::from_ymd_opt(0, 1, 1).expect("year 0") + chrono::TimeDelta::days(start_day);
            let clock = Clock::new(start);
            let names: [&str; 3] = std::array::from_fn(|i| names[i].as_str());
            let mut f = TsRowFormat::new(names[0], names[1], names[2], clock);
            let (mut got, mut want) = (Vec::new(), Vec::new());
            for (start_ms, in_warmup, levels, counts) in buckets {
                let b = bucket(start_ms, in_warmup, levels, counts);
                f.push(&mut got, &b);
                want.extend(through_csv(names, clock, &b));
            }
            prop_assert_eq!(String::from_utf8(got).expect("utf-8"), String::from_utf8(want).expect("utf-8"));
        }
    }
}
