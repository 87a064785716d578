//! What `run` and `sweep` print about results: figures with their 95% intervals, durations in
//! a unit a person reads at a glance, and the saturation warning. Formats strings only; the
//! callers print them.

use autoclose::metrics::{AggregateRow, Estimate, Metric};

/// The unit a duration of `secs` seconds reads best in, and the seconds in one of it:
/// seconds under a minute, minutes under an hour, hours under a day, else days.
pub fn duration_unit(secs: f64) -> (&'static str, f64) {
    match secs.abs() {
        s if s < 60.0 => ("s", 1.0),
        s if s < 3_600.0 => ("min", 60.0),
        s if s < 86_400.0 => ("h", 3_600.0),
        _ => ("d", 86_400.0),
    }
}

/// A duration in seconds as `13.1 s`, `4.2 min`, `3.5 h` or `2.1 d`.
pub fn human_duration(secs: f64) -> String {
    let (unit, per) = duration_unit(secs);
    format!("{:.1} {unit}", secs / per)
}

/// A duration figure's mean and 95% half-width, both in the unit the mean reads best in:
/// `4.2 ± 0.3 min`.
pub fn show_duration(row: &AggregateRow, m: Metric) -> String {
    match row.estimates[m as usize] {
        None => "n/a".into(),
        Some(Estimate { mean, half_width: Some(h), .. }) => {
            let (unit, per) = duration_unit(mean);
            format!("{:.1} ± {:.1} {unit}", mean / per, h / per)
        }
        Some(e) => human_duration(e.mean),
    }
}

/// How many of the replications behind `row` were saturated, and how many there were.
pub fn saturated_count(row: &AggregateRow) -> (usize, usize) {
    match row.estimates[Metric::Saturated as usize] {
        None => (0, 0),
        Some(e) => ((e.mean * e.n as f64).round() as usize, e.n),
    }
}

/// What to change when a run is saturated.
pub const SATURATION_ADVICE: &str = "add agents (agents.<group>.count), shorten the timeouts or \
sweep more often (conversations past their timeout hold capacity), or lengthen scenario.warmup \
if the backlog is only the start-up";

/// The warning printed after `run`'s summary when any replication is saturated (SPEC section
/// 5, "Validity of the run"), with the figures behind it; `None` when none is.
pub fn saturation_warning(overall: &AggregateRow) -> Option<String> {
    let (saturated, n) = saturated_count(overall);
    if saturated == 0 {
        return None;
    }
    let mean = |m: Metric| overall.estimates[m as usize].map(|e| e.mean);
    let mut why = Vec::new();
    if let Some(o) = mean(Metric::Occupancy) {
        why.push(format!("occupancy {:.1} %", o * 100.0));
    }
    if let Some(g) = mean(Metric::QueueGrowthPerHour) {
        why.push(format!("queue growing by {g:.2} conversations per hour"));
    }
    if let Some(s) = mean(Metric::OpenAtHorizonShare) {
        why.push(format!("{:.1} % still open at the horizon", s * 100.0));
    }
    Some(format!(
        "warning: {saturated} of {n} replication(s) saturated ({}, means over all replications): \
         the figures describe a backlog, not a steady state; {SATURATION_ADVICE}",
        why.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use autoclose::metrics::{Breakdown, METRICS};

    fn row(m: Metric, values: &[f64]) -> AggregateRow {
        let mut estimates = vec![None; METRICS.len()];
        estimates[m as usize] = Estimate::of(values, 0.95);
        AggregateRow { breakdown: Breakdown::Overall, group: "all".into(), estimates }
    }

    #[test]
    fn durations_read_in_seconds_minutes_hours_or_days() {
        assert_eq!(human_duration(13.14), "13.1 s");
        assert_eq!(human_duration(252.0), "4.2 min");
        assert_eq!(human_duration(12_600.0), "3.5 h");
        assert_eq!(human_duration(181_440.0), "2.1 d");
        assert_eq!(human_duration(59.9), "59.9 s");
        assert_eq!(human_duration(60.0), "1.0 min");
        assert_eq!(human_duration(0.0), "0.0 s");
    }

    #[test]
    fn the_interval_is_in_the_unit_of_the_mean() {
        // Mean 3000 s (50 min), sd 600 s over 3 values: half-width t(0.975, 2) * 600 / sqrt(3).
        let r = row(Metric::QueueWaitMeanS, &[2_400.0, 3_000.0, 3_600.0]);
        let hw_min = 4.302_653 * 600.0 / 3f64.sqrt() / 60.0;
        assert_eq!(show_duration(&r, Metric::QueueWaitMeanS), format!("50.0 ± {hw_min:.1} min"));
        assert_eq!(show_duration(&r, Metric::QueueWaitMeanS), "50.0 ± 24.8 min");
        assert_eq!(show_duration(&row(Metric::QueueWaitMeanS, &[7_200.0]), Metric::QueueWaitMeanS), "2.0 h");
        assert_eq!(show_duration(&row(Metric::Arrived, &[1.0]), Metric::QueueWaitMeanS), "n/a");
    }

    #[test]
    fn the_warning_counts_saturated_replications_and_says_what_to_change() {
        assert_eq!(saturation_warning(&row(Metric::Saturated, &[0.0, 0.0])), None);
        let mut r = row(Metric::Saturated, &[1.0, 0.0, 1.0, 1.0]);
        r.estimates[Metric::Occupancy as usize] = Estimate::of(&[0.99], 0.95);
        let w = saturation_warning(&r).expect("3 of 4 are saturated");
        assert_eq!(saturated_count(&r), (3, 4));
        assert!(w.starts_with("warning: 3 of 4 replication(s) saturated (occupancy 99.0 %, means"), "{w}");
        assert!(w.contains("add agents (agents.<group>.count)"), "{w}");
        assert!(w.contains("lengthen scenario.warmup"), "{w}");
    }
}
