//! Closures per sweep run over time (the sweep-load picture), mean over replications with a
//! 95% band, and the per-run limit (`max_closures_per_run`, from the folder's scenario.toml)
//! as a dashed line. A run's parks (`action = "park"`) count with its closures here, as they
//! do against the limit. A run: one series per scheduler; a grid: one per sweep interval, other
//! axes at the baseline's values.

use super::states::Band;
use super::{build, colour, draw_legend, frame, mesh, scenario_line, DrawResult, LegendEntry, Mark, Scale, GREY};
use crate::output::load::{LoadedResults, SweepRow};
use crate::policy::SchedulerKind;
use chrono::NaiveDate;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::collections::BTreeMap;

/// One series: per run index, its start (seconds) and the band over replications of the
/// conversations it acted on (closures and parks).
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSeries {
    pub label: String,
    pub config: String,
    pub scheduler: String,
    pub runs: Vec<(f64, Band)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SweepLoadData {
    pub title: String,
    pub subtitle: String,
    pub start_date: Option<NaiveDate>,
    pub warmup_end_s: Option<f64>,
    pub series: Vec<SweepSeries>,
    /// (scheduler, max closures per run) for every limited scheduler shown.
    pub limits: Vec<(String, f64)>,
    /// Some run parked conversations: the series count them with the closures.
    pub parks: bool,
}

fn series_of(rows: &[&SweepRow], label: String, config: &str, scheduler: &str) -> SweepSeries {
    let mut by_run: BTreeMap<u64, (f64, Vec<f64>)> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.config == config && r.scheduler == scheduler) {
        let e = by_run.entry(r.run).or_insert((r.started_s, Vec::new()));
        e.0 = e.0.min(r.started_s);
        e.1.push(r.closed + r.parked.unwrap_or(0.0));
    }
    let runs = by_run
        .into_values()
        .map(|(t, v)| (t, Band::of(&v).expect("a run index should have at least one replication")))
        .collect();
    SweepSeries { label, config: config.into(), scheduler: scheduler.into(), runs }
}

pub fn prepare(r: &LoadedResults) -> Option<SweepLoadData> {
    if r.sweeps.is_empty() {
        return None;
    }
    let rows: Vec<&SweepRow> = r.sweeps.iter().collect();
    let mut schedulers: Vec<String> = Vec::new();
    for s in &r.sweeps {
        if !schedulers.contains(&s.scheduler) {
            schedulers.push(s.scheduler.clone());
        }
    }
    let mut extra = String::new();
    let series: Vec<SweepSeries> = match (&r.grid, r.is_grid()) {
        (Some(g), true) => {
            let xi = g.interval_axis()?;
            let base = r.baseline_index();
            let mut along: Vec<usize> = (0..g.configs.len())
                .filter(|&c| g.axes.iter().enumerate().all(|(i, a)| i == xi || a.values[c] == a.values[base]))
                .collect();
            along.sort_by(|&a, &b| g.axes[xi].values[a].sort_key().total_cmp(&g.axes[xi].values[b].sort_key()));
            let fixed: Vec<String> = g
                .axes
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != xi)
                .map(|(_, a)| format!("{}={}", a.short(), a.values[base].label))
                .collect();
            if !fixed.is_empty() {
                extra = format!("at {}, ", fixed.join(", "));
            }
            let mut out = Vec::new();
            for c in along {
                for s in &schedulers {
                    let mut label = format!("{}={}", g.axes[xi].short(), g.axes[xi].values[c].label);
                    if schedulers.len() > 1 {
                        label = format!("{s}, {label}");
                    }
                    out.push(series_of(&rows, label, &g.configs[c], s));
                }
            }
            out
        }
        _ => {
            let config = r.configs().into_iter().next()?;
            let interval = |name: &str| {
                r.scenario.as_ref().and_then(|sc| sc.policy.schedulers.iter().find(|s| s.name == name)).and_then(|s| {
                    match &s.kind {
                        SchedulerKind::Sweep(w) => Some(format!("{name}: every {}", w.interval)),
                        SchedulerKind::Exact => None,
                    }
                })
            };
            schedulers.iter().map(|s| series_of(&rows, interval(s).unwrap_or_else(|| s.clone()), &config, s)).collect()
        }
    };
    let series: Vec<SweepSeries> = series.into_iter().filter(|s| !s.runs.is_empty()).collect();
    if series.is_empty() {
        return None;
    }
    let mut limits = Vec::new();
    if let Some(sc) = &r.scenario {
        for s in &sc.policy.schedulers {
            if let SchedulerKind::Sweep(w) = &s.kind {
                if let (Some(m), true) = (w.max_closures_per_run, series.iter().any(|x| x.scheduler == s.name)) {
                    limits.push((s.name.clone(), m as f64));
                }
            }
        }
    }
    // A t-interval over few replications can pass the bounds a count obeys: keep the band
    // within [0, the run limit].
    let mut series = series;
    for s in &mut series {
        let cap = limits.iter().find(|(n, _)| *n == s.scheduler).map_or(f64::INFINITY, |l| l.1);
        for (_, b) in &mut s.runs {
            b.low = b.low.max(0.0);
            b.high = b.high.min(cap);
        }
    }
    let parks = r.sweeps.iter().any(|s| s.parked.is_some_and(|p| p > 0.0));
    let title = if parks {
        "Closures and parks per sweep run over time (sweep load)"
    } else {
        "Closures per sweep run over time (sweep load)"
    };
    Some(SweepLoadData {
        title: title.into(),
        subtitle: scenario_line(r, &format!("{extra}mean over replications, 95% bands")),
        start_date: r.scenario.as_ref().map(|s| s.start_date),
        warmup_end_s: r.scenario.as_ref().map(|s| s.warmup.as_secs_f64()),
        series,
        limits,
        parks,
    })
}

pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &SweepLoadData) -> DrawResult<DB> {
    let (plot, legend) = frame(root, &d.title, &d.subtitle)?;
    let all = || d.series.iter().flat_map(|s| &s.runs);
    let t0 = all().map(|r| r.0).fold(f64::INFINITY, f64::min);
    let t1 = all().map(|r| r.0).fold(f64::NEG_INFINITY, f64::max).max(t0 + 3600.0);
    let top = all().map(|r| r.1.high).chain(d.limits.iter().map(|l| l.1)).fold(0.0, f64::max);
    let xs = Scale::time(t0, t1, d.start_date);
    let ys = Scale::from_zero(top.max(1.0), 1.0);
    let mut chart = build(&plot, "", &xs, &ys)?;
    let x_desc = match d.start_date {
        Some(s) => format!("sweep run start (scenario start {s}, UTC)"),
        None => "sweep run start".into(),
    };
    if let Some(w) = d.warmup_end_s.filter(|&w| w > t0) {
        chart.draw_series(std::iter::once(Rectangle::new(
            [(t0, ys.lo), (w.min(t1), ys.hi)],
            super::WARMUP_GREY.filled(),
        )))?;
    }
    let y_desc = if d.parks { "conversations closed or parked in the run" } else { "conversations closed in the run" };
    mesh(&mut chart, &xs, &ys, &x_desc, y_desc)?;
    // Longest interval first, so the sparse series with the largest batches sit underneath.
    for (i, s) in d.series.iter().enumerate().rev() {
        let c = colour(i);
        if s.runs.iter().any(|r| r.1.high > r.1.low) {
            let poly: Vec<(f64, f64)> = s
                .runs
                .iter()
                .map(|r| (r.0, r.1.high))
                .chain(s.runs.iter().rev().map(|r| (r.0, r.1.low.max(0.0))))
                .collect();
            chart.draw_series(std::iter::once(Polygon::new(poly, c.mix(0.2).filled())))?;
        }
        chart.draw_series(LineSeries::new(s.runs.iter().map(|r| (r.0, r.1.mean)), c.stroke_width(2)))?;
        if s.runs.len() <= 200 {
            chart.draw_series(s.runs.iter().map(|r| Circle::new((r.0, r.1.mean), 4, c.filled())))?;
        }
    }
    for (_, m) in &d.limits {
        chart.draw_series(DashedLineSeries::new(vec![(t0, *m), (t1, *m)], 12, 8, BLACK.stroke_width(2)))?;
    }
    let mut entries: Vec<LegendEntry> =
        d.series.iter().enumerate().map(|(i, s)| LegendEntry::new(s.label.clone(), colour(i), Mark::Line)).collect();
    for (name, m) in &d.limits {
        let what = if d.parks { "closures and parks" } else { "closures" };
        entries.push(LegendEntry::new(format!("{name}: limit {m} {what} per run"), BLACK, Mark::Dashed));
    }
    entries.push(LegendEntry::new("bands: 95% interval over replications", GREY, Mark::Band));
    if d.warmup_end_s.is_some() {
        entries.push(LegendEntry::new("grey area: warm-up (not in statistics)", super::WARMUP_GREY, Mark::Filled));
    }
    draw_legend(&legend, "", &entries)
}
