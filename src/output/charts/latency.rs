//! Closure latency by sweep interval: a box per configuration (or per scheduler in a run)
//! drawn from summary.csv's percentiles p50, p90, p95, p99 and max of the overall row.

use super::{build, colour, draw_legend, frame, mesh, scenario_line, DrawResult, LegendEntry, Mark, Scale};
use super::{FONT, GREY};
use crate::output::load::{AxisRole, LoadedResults};
use crate::policy::SchedulerKind;
use plotters::coord::Shift;
use plotters::prelude::*;

/// The summary columns a box is drawn from, in order.
pub const COLUMNS: [&str; 5] = ["latency_p50_s", "latency_p90_s", "latency_p95_s", "latency_p99_s", "latency_max_s"];

/// One box: means over replications of each percentile, in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyBox {
    /// Index into `LatencyData::categories` (the x position).
    pub category: usize,
    /// Index into `LatencyData::series` (the colour).
    pub series: usize,
    /// The configuration (or `overall` / channel) the box comes from.
    pub source: String,
    pub p50_s: f64,
    pub p90_s: f64,
    pub p95_s: f64,
    pub p99_s: f64,
    pub max_s: f64,
}

/// Prepared data of the latency chart.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyData {
    pub title: String,
    pub subtitle: String,
    pub x_desc: String,
    /// x categories (sweep interval values, or schedulers).
    pub categories: Vec<String>,
    /// Each category's sweep interval in seconds, when known: without limits or jitter the
    /// latency lies below it.
    pub intervals_s: Vec<Option<f64>>,
    /// Legend heading for the series.
    pub series_heading: String,
    /// Series labels (other axes' values); one empty label when there is one series.
    pub series: Vec<String>,
    pub boxes: Vec<LatencyBox>,
}

fn percentiles(r: &LoadedResults, config: &str, breakdown: &str, group: &str) -> Option<[f64; 5]> {
    let mut out = [0.0; 5];
    for (o, c) in out.iter_mut().zip(COLUMNS) {
        *o = r.summary.estimate(config, breakdown, group, c)?.mean;
    }
    Some(out)
}

fn make_box(category: usize, series: usize, source: String, p: [f64; 5]) -> LatencyBox {
    LatencyBox { category, series, source, p50_s: p[0], p90_s: p[1], p95_s: p[2], p99_s: p[3], max_s: p[4] }
}

/// The boxes of a grid (one per configuration, x = sweep interval, colour = the other axes)
/// or of a run (the overall row under one scheduler; with several, a box per channel, labelled
/// with the schedulers its rules use, the dashed interval that of its only sweep if it has
/// one). `None` without latency figures.
pub fn prepare(r: &LoadedResults) -> Option<LatencyData> {
    if !COLUMNS.iter().all(|c| r.summary.has_column(c)) {
        return None;
    }
    let data = match (&r.grid, r.is_grid()) {
        (Some(g), true) => {
            let xi = g.interval_axis()?;
            let distinct = g.axes[xi].distinct();
            let categories: Vec<String> = distinct.iter().map(|v| v.label.clone()).collect();
            let is_interval = g.axes[xi].role == AxisRole::SweepInterval;
            let intervals_s = distinct.iter().map(|v| v.number.filter(|_| is_interval)).collect();
            let base = r.baseline_index();
            let (coloured, held) = g.split_along(xi);
            let shown: Vec<usize> = (0..g.configs.len()).filter(|&c| g.at_baseline(c, base, &held)).collect();
            let series_of = |c: usize| {
                (coloured.iter())
                    .map(|&i| format!("{}={}", g.axes[i].short(), g.axes[i].values[c].label))
                    .collect::<Vec<_>>()
                    .join(",")
            };
            let mut series: Vec<String> = Vec::new();
            let mut order: Vec<(f64, String)> = Vec::new();
            for &c in &shown {
                let key = coloured.first().map_or(0.0, |&i| g.axes[i].values[c].sort_key());
                let s = series_of(c);
                if !order.iter().any(|(_, l)| *l == s) {
                    order.push((key, s));
                }
            }
            order.sort_by(|a, b| a.0.total_cmp(&b.0));
            series.extend(order.into_iter().map(|(_, s)| s));
            let mut boxes = Vec::new();
            for &c in &shown {
                let config = &g.configs[c];
                let Some(p) = percentiles(r, config, "overall", "all") else { continue };
                let cat = categories.iter().position(|l| *l == g.axes[xi].values[c].label)?;
                let ser = series.iter().position(|s| *s == series_of(c))?;
                boxes.push(make_box(cat, ser, config.clone(), p));
            }
            let heading = coloured.iter().map(|&i| g.axes[i].key.clone());
            let what = g.held_note(base, &held, "overall, means over replications");
            LatencyData {
                title: "Closure latency by sweep interval".into(),
                subtitle: scenario_line(r, &what),
                x_desc: format!("sweep interval ({})", g.axes[xi].key),
                categories,
                intervals_s,
                series_heading: heading.collect::<Vec<_>>().join(", "),
                series,
                boxes,
            }
        }
        _ => {
            let config = r.configs().into_iter().next()?;
            let (categories, intervals_s, boxes) = run_boxes(r, &config);
            LatencyData {
                title: "Closure latency of auto-closed conversations".into(),
                subtitle: scenario_line(r, "means over replications"),
                x_desc: "scheduler".into(),
                categories,
                intervals_s,
                series_heading: String::new(),
                series: vec![String::new()],
                boxes,
            }
        }
    };
    (!data.boxes.is_empty()).then_some(data)
}

/// A run's boxes: one per scheduler, with each scheduler's interval.
fn run_boxes(r: &LoadedResults, config: &str) -> (Vec<String>, Vec<Option<f64>>, Vec<LatencyBox>) {
    let overall = |label: String, interval: Option<f64>| {
        let b = percentiles(r, config, "overall", "all").map(|p| make_box(0, 0, "overall".into(), p));
        (vec![label], vec![interval], b.into_iter().collect())
    };
    let Some(sc) = &r.scenario else { return overall("as run".into(), None) };
    let interval_of = |i: usize| match &sc.policy.schedulers[i].kind {
        SchedulerKind::Exact => None,
        SchedulerKind::Sweep(w) => Some(w.interval.as_secs_f64()),
    };
    let describe = |i: usize| {
        let s = &sc.policy.schedulers[i];
        match &s.kind {
            SchedulerKind::Exact => format!("{}: exact timer", s.name),
            SchedulerKind::Sweep(w) => format!("{}: every {}", s.name, w.interval),
        }
    };
    // Schedulers each channel's rules use (rules with a timeout only).
    let per_channel: Vec<Vec<usize>> = (0..sc.channels.len())
        .map(|ch| {
            let mut used: Vec<usize> = Vec::new();
            for sk in 0..sc.skills.len() {
                for st in crate::model::state::State::OPEN_STATES {
                    let rule = sc.policy.rule(ch, sk, st);
                    if rule.timeout.is_some() && !used.contains(&rule.scheduler) {
                        used.push(rule.scheduler);
                    }
                }
            }
            used
        })
        .collect();
    let mut all: Vec<usize> = per_channel.iter().flatten().copied().collect();
    all.sort_unstable();
    all.dedup();
    if all.len() <= 1 {
        return overall(
            all.first().map_or("as run".into(), |&i| describe(i)),
            all.first().and_then(|&i| interval_of(i)),
        );
    }
    // The interval a set of schedulers is drawn against: that of its only sweep, if one.
    let sweep_interval = |used: &[usize]| match used.iter().filter_map(|&i| interval_of(i)).collect::<Vec<_>>()[..] {
        [only] => Some(only),
        _ => None,
    };
    let label = |used: &[usize]| used.iter().map(|&i| describe(i)).collect::<Vec<_>>().join(" + ");
    let mut cats = Vec::new();
    let mut intervals = Vec::new();
    let mut boxes = Vec::new();
    for (ch, used) in per_channel.iter().enumerate() {
        let name = &sc.channels[ch].name;
        if used.is_empty() {
            continue;
        }
        if let Some(p) = percentiles(r, config, "channel", name) {
            boxes.push(make_box(cats.len(), 0, format!("channel {name}"), p));
            cats.push(format!("{name} ({})", label(used)));
            intervals.push(sweep_interval(used));
        }
    }
    if boxes.is_empty() {
        // No channel row with closures: the overall row, under every scheduler in use.
        return overall(label(&all), sweep_interval(&all));
    }
    (cats, intervals, boxes)
}

/// Draws the boxes: box p50 to p90 with a bold median line, whisker to p99, tick at p95,
/// dot at the maximum.
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &LatencyData) -> DrawResult<DB> {
    let (plot, legend) = frame(root, &d.title, &d.subtitle)?;
    let values = d.boxes.iter().flat_map(|b| [b.p50_s, b.max_s]).chain(d.intervals_s.iter().flatten().copied());
    let (ys, unit) = Scale::auto_duration(values);
    let xs = Scale::categories(&d.categories);
    let mut chart = build(&plot, "", &xs, &ys)?;
    let y_desc = format!("closure latency ({unit})");
    mesh(&mut chart, &xs, &ys, &d.x_desc, &y_desc)?;
    let n = d.series.len().max(1) as f64;
    // One series: a box no wider than a third of its slot.
    let w = (0.7 / n).min(0.35);
    for (k, t) in d.intervals_s.iter().enumerate() {
        if let Some(t) = t {
            let (x0, x1) = (k as f64 - 0.45, k as f64 + 0.45);
            chart.draw_series(DashedLineSeries::new(
                vec![(x0, ys.pos(*t)), (x1, ys.pos(*t))],
                10,
                6,
                GREY.stroke_width(2),
            ))?;
        }
    }
    for b in &d.boxes {
        let x = b.category as f64 - w * n / 2.0 + w * (b.series as f64 + 0.5);
        let c = colour(b.series);
        let y = |v: f64| ys.pos(v.max(if ys.log { ys.divisor * 10f64.powf(ys.lo) } else { 0.0 }));
        let (l, r) = (x - w * 0.4, x + w * 0.4);
        chart.draw_series(std::iter::once(Rectangle::new(
            [(l, y(b.p50_s)), (r, y(b.p90_s))],
            super::tint(c, 0.35).filled(),
        )))?;
        chart.draw_series(std::iter::once(Rectangle::new([(l, y(b.p50_s)), (r, y(b.p90_s))], c.stroke_width(2))))?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(l, y(b.p50_s)), (r, y(b.p50_s))],
            c.stroke_width(5),
        )))?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, y(b.p90_s)), (x, y(b.p99_s))],
            c.stroke_width(2),
        )))?;
        let cap = w * 0.2;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x - cap, y(b.p99_s)), (x + cap, y(b.p99_s))],
            c.stroke_width(2),
        )))?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x - cap * 1.6, y(b.p95_s)), (x + cap * 1.6, y(b.p95_s))],
            c.stroke_width(3),
        )))?;
        chart.draw_series(std::iter::once(Circle::new((x, y(b.max_s)), 6, c.filled())))?;
    }
    let mut entries: Vec<LegendEntry> = if d.series.len() > 1 || !d.series[0].is_empty() {
        d.series.iter().enumerate().map(|(i, s)| LegendEntry::new(s.clone(), colour(i), Mark::Filled)).collect()
    } else {
        Vec::new()
    };
    entries.push(LegendEntry::new("box: median (bold) to p90", GREY, Mark::Band));
    entries.push(LegendEntry::new("wide tick: p95, whisker to p99", GREY, Mark::Line));
    entries.push(LegendEntry::new("dot: maximum", GREY, Mark::Point));
    if d.intervals_s.iter().any(Option::is_some) {
        entries.push(LegendEntry::new(
            "dashed: the sweep interval (latency stays below it without limits)",
            GREY,
            Mark::Dashed,
        ));
    }
    draw_legend(&legend, &d.series_heading, &entries)?;
    if d.boxes.is_empty() {
        plot.draw_text("no auto-closures", &(FONT, 30).into_font().color(&GREY), (500, 400))?;
    }
    Ok(())
}
