//! The two charts of `loadtest`: the job's run duration against the open conversations in the
//! table, one colour per (index choice, sweep interval); and race closures per run against the
//! sweep interval, the store's beside the simulator's, one line per index choice. Data come
//! prepared from the load test's measures (`loadtest::summary`), never from files.

use super::{build, colour, draw_legend, frame, mesh, DrawResult, LegendEntry, Mark, Scale, TimeUnit, GREY};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One configuration's runs: (open rows at the run's start, wall duration in seconds).
#[derive(Debug, Clone, PartialEq)]
pub struct DurationSeries {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DurationData {
    pub title: String,
    pub subtitle: String,
    pub series: Vec<DurationSeries>,
}

/// Per sweep interval (seconds): race closures per run, mean over the runs.
#[derive(Debug, Clone, PartialEq)]
pub struct RaceSeries {
    pub label: String,
    pub dashed: bool,
    pub points: Vec<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RaceData {
    pub title: String,
    pub subtitle: String,
    pub series: Vec<RaceSeries>,
}

pub fn draw_duration<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &DurationData) -> DrawResult<DB> {
    let (plot, legend) = frame(root, &d.title, &d.subtitle)?;
    let all = || d.series.iter().flat_map(|s| s.points.iter());
    let max_x = all().map(|p| p.0).fold(0.0, f64::max);
    let max_ms = all().map(|p| p.1 * 1000.0).fold(0.0, f64::max);
    let xs = Scale::from_zero(max_x.max(1.0), 1.0);
    let ys = Scale::from_zero(max_ms.max(0.001), 1.0);
    let mut chart = build(&plot, "", &xs, &ys)?;
    mesh(&mut chart, &xs, &ys, "open conversations in the table at the run's start", "run duration (ms, wall clock)")?;
    for (i, s) in d.series.iter().enumerate() {
        let c = colour(i);
        let pts = s.points.iter().map(|&(x, y)| Circle::new((xs.pos(x), ys.pos(y * 1000.0)), 4, c.mix(0.6).filled()));
        chart.draw_series(pts)?;
    }
    let entries: Vec<LegendEntry> =
        d.series.iter().enumerate().map(|(i, s)| LegendEntry::new(s.label.clone(), colour(i), Mark::Point)).collect();
    // In the order of the labels (`loadtest::ConfigResult::label`: `5m / state_clock`).
    draw_legend(&legend, "sweep interval / index", &entries)
}

/// The races chart's sweep-interval axis over intervals `lo_s` to `hi_s`: log, ticked at human
/// durations, where they span more than a factor 30 (as every chart's duration axis), else
/// linear from zero in minutes, hours or days; with its description.
pub fn interval_axis(lo_s: f64, hi_s: f64) -> (Scale, String) {
    let (lo, hi) = (lo_s.max(1.0), hi_s.max(1.0));
    if hi / lo > 30.0 {
        (Scale::log_duration(lo / 1.6, hi * 1.6), "sweep interval".to_string())
    } else {
        let unit = TimeUnit::for_max(hi * 1.1);
        (Scale::from_zero(hi * 1.1, unit.seconds), format!("sweep interval ({})", unit.name))
    }
}

pub fn draw_races<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &RaceData) -> DrawResult<DB> {
    let (plot, legend) = frame(root, &d.title, &d.subtitle)?;
    let all = || d.series.iter().flat_map(|s| s.points.iter());
    let (lo, hi) = all().fold((f64::INFINITY, 0.0f64), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (xs, x_desc) = interval_axis(lo, hi);
    let max_y = all().map(|p| p.1).fold(0.0, f64::max);
    // Room below zero, so that rings on the zero line (no races, the common case) stay clear
    // of the interval labels under the axis; the ticks still start at zero.
    let mut ys = Scale::from_zero(max_y.max(0.1), 1.0);
    ys.lo = -0.05 * ys.hi;
    let mut chart = build(&plot, "", &xs, &ys)?;
    mesh(&mut chart, &xs, &ys, &x_desc, "race closures per run (mean over runs)")?;
    let mut entries = Vec::new();
    // The simulator's line first and wide, as rings, so that the store's lines and dots on top
    // of it stay visible where they agree.
    let order = d
        .series
        .iter()
        .enumerate()
        .filter(|(_, s)| s.dashed)
        .chain(d.series.iter().enumerate().filter(|(_, s)| !s.dashed));
    for (i, s) in order {
        let c = if s.dashed { GREY } else { colour(i) };
        let xy: Vec<(f64, f64)> = s.points.iter().map(|&(x, y)| (xs.pos(x), ys.pos(y))).collect();
        if s.dashed {
            chart.draw_series(DashedLineSeries::new(xy.clone(), 12, 8, c.stroke_width(6)))?;
            chart.draw_series(xy.iter().map(|&p| Circle::new(p, 16, c.stroke_width(3))))?;
        } else {
            chart.draw_series(LineSeries::new(xy.clone(), c.stroke_width(2)))?;
            chart.draw_series(xy.iter().map(|&p| Circle::new(p, 7, c.filled())))?;
        }
        entries.push(LegendEntry::new(s.label.clone(), c, if s.dashed { Mark::Dashed } else { Mark::Line }));
    }
    draw_legend(&legend, "", &entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_axis_is_logarithmic_only_beyond_a_factor_30() {
        // 25 minutes to 6 hours (x14.4): linear, in hours; 5 minutes to 12 hours (x144): log.
        let (s, desc) = interval_axis(1500.0, 21600.0);
        assert!(!s.log && s.lo == 0.0 && desc == "sweep interval (hours)", "{desc}");
        let (s, desc) = interval_axis(300.0, 43200.0);
        assert!(s.log && desc == "sweep interval", "{desc}");
        assert!(s.ticks.iter().any(|(_, l)| l == "1h"), "{:?}", s.ticks);
    }
}
