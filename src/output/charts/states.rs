//! Conversations per state over time (stacked layers, means over replications), and below it
//! the capacity in use and the zombie capacity with 95% bands, from timeseries.csv. A grid
//! shows its baseline configuration.

use super::{build, colour, draw_legend, frame, mesh, scenario_line, DrawResult, LegendEntry, Mark, Scale, GREY};
use crate::metrics::stats;
use crate::output::load::{LoadedResults, TimeseriesRow};
use chrono::NaiveDate;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::collections::BTreeMap;

/// A mean over replications with its 95% interval (bounds equal the mean with one).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub mean: f64,
    pub low: f64,
    pub high: f64,
}

impl Band {
    /// The Student-t 95% band of `values` (empty: `None`).
    pub fn of(values: &[f64]) -> Option<Band> {
        let n = values.len();
        let mean = stats::mean(values)?;
        if n < 2 {
            return Some(Band { mean, low: mean, high: mean });
        }
        let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64;
        let hw = t95(n as u64 - 1) * var.sqrt() / (n as f64).sqrt();
        Some(Band { mean, low: mean - hw, high: mean + hw })
    }
}

/// The two-sided 95% Student-t critical value, tabulated once for up to 200 degrees of
/// freedom: a chart asks for it once per bucket, and the inverse CDF is costly.
fn t95(df: u64) -> f64 {
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| (1..=200).map(|d| stats::t_critical(0.95, d)).collect());
    table.get(df as usize - 1).copied().unwrap_or_else(|| stats::t_critical(0.95, df))
}

/// Line colours of the capacity panel, apart from the four state colours above them.
const IN_USE: RGBColor = super::PALETTE[6];
const ZOMBIE: RGBColor = super::PALETTE[4];

/// State names in stacking order (bottom first) and their timeseries columns.
pub const STATES: [&str; 4] = ["Active", "Wrap-up", "Waiting", "Open"];

#[derive(Debug, Clone, PartialEq)]
pub struct StatesData {
    pub title: String,
    pub subtitle: String,
    pub config: String,
    pub start_date: Option<NaiveDate>,
    /// End of the warm-up in seconds (shaded), when known.
    pub warmup_end_s: Option<f64>,
    /// Bucket starts in seconds since the scenario start.
    pub t_s: Vec<f64>,
    /// Mean conversations per state per bucket, in `STATES` order (missing columns are 0).
    pub states: [Vec<f64>; 4],
    pub capacity_in_use: Vec<Band>,
    pub zombie_capacity: Vec<Band>,
    /// Capacity of on-shift agents (mean), when the column exists.
    pub capacity_available: Vec<f64>,
}

fn state_value(r: &TimeseriesRow, i: usize) -> Option<f64> {
    match i {
        0 => r.active_mean,
        1 => r.wrap_up_mean,
        2 => r.waiting_mean,
        _ => r.open_mean,
    }
}

/// Means per bucket over replications of the baseline configuration.
pub fn prepare(r: &LoadedResults) -> Option<StatesData> {
    let config = r.baseline()?;
    let mut buckets: BTreeMap<i64, Vec<&TimeseriesRow>> = BTreeMap::new();
    for row in r.timeseries.iter().filter(|t| t.config == config) {
        buckets.entry((row.bucket_start_s * 1000.0).round() as i64).or_default().push(row);
    }
    if buckets.is_empty() {
        return None;
    }
    let has_state = (0..4).any(|i| buckets.values().flatten().any(|row| state_value(row, i).is_some()));
    if !has_state {
        return None;
    }
    let mean_of = |rows: &[&TimeseriesRow], f: &dyn Fn(&TimeseriesRow) -> Option<f64>| {
        let v: Vec<f64> = rows.iter().filter_map(|r| f(r)).collect();
        stats::mean(&v)
    };
    let mut d = StatesData {
        title: "Conversations per state over time, with capacity in use and zombie capacity".into(),
        subtitle: scenario_line(
            r,
            &format!(
                "{}means over replications, 95% bands",
                if r.is_grid() { format!("configuration {config}, ") } else { String::new() }
            ),
        ),
        config: config.clone(),
        start_date: r.scenario.as_ref().map(|s| s.start_date),
        warmup_end_s: r.scenario.as_ref().map(|s| s.warmup.as_secs_f64()).or_else(|| {
            r.timeseries
                .iter()
                .filter(|t| t.config == config && !t.in_warmup)
                .map(|t| t.bucket_start_s)
                .reduce(f64::min)
        }),
        t_s: Vec::new(),
        states: Default::default(),
        capacity_in_use: Vec::new(),
        zombie_capacity: Vec::new(),
        capacity_available: Vec::new(),
    };
    for (t_ms, rows) in &buckets {
        d.t_s.push(*t_ms as f64 / 1000.0);
        for (i, s) in d.states.iter_mut().enumerate() {
            s.push(mean_of(rows, &|r| state_value(r, i)).unwrap_or(0.0));
        }
        let band = |f: &dyn Fn(&TimeseriesRow) -> Option<f64>| {
            Band::of(&rows.iter().filter_map(|r| f(r)).collect::<Vec<_>>()).unwrap_or(Band {
                mean: 0.0,
                low: 0.0,
                high: 0.0,
            })
        };
        d.capacity_in_use.push(band(&|r| r.capacity_in_use_units));
        d.zombie_capacity.push(band(&|r| r.zombie_capacity_units));
        if let Some(a) = mean_of(rows, &|r| r.capacity_available_units) {
            d.capacity_available.push(a);
        }
    }
    if d.capacity_available.len() != d.t_s.len() {
        d.capacity_available.clear();
    }
    Some(d)
}

fn warmup<DB: DrawingBackend>(chart: &mut super::ScaledChart<'_, DB>, d: &StatesData, ys: &Scale) -> DrawResult<DB> {
    if let Some(w) = d.warmup_end_s.filter(|&w| w > d.t_s[0]) {
        chart.draw_series(std::iter::once(Rectangle::new(
            [(d.t_s[0], ys.lo), (w, ys.hi)],
            super::WARMUP_GREY.filled(),
        )))?;
    }
    Ok(())
}

fn band_polygon(t: &[f64], b: &[Band]) -> Vec<(f64, f64)> {
    t.iter().zip(b).map(|(&x, b)| (x, b.high)).chain(t.iter().zip(b).rev().map(|(&x, b)| (x, b.low))).collect()
}

pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &StatesData) -> DrawResult<DB> {
    let (plot, legend) = frame(root, &d.title, &d.subtitle)?;
    let (_, h) = plot.dim_in_pixel();
    let (top, bottom) = plot.split_vertically(h * 55 / 100);
    let (t0, t1) = (d.t_s[0], *d.t_s.last().expect("prepare should keep at least one bucket"));
    let xs = Scale::time(t0, t1, d.start_date);
    let x_desc = match d.start_date {
        Some(s) => format!("time (scenario start {s}, UTC)"),
        None => "time since the scenario start".into(),
    };
    // Top: stacked areas, drawn from the top layer down so each lower one covers the rest.
    let mut cum: Vec<Vec<f64>> = Vec::with_capacity(4);
    for layer in &d.states {
        let below = cum.last().cloned().unwrap_or_else(|| vec![0.0; layer.len()]);
        cum.push(layer.iter().zip(&below).map(|(v, b)| v + b).collect());
    }
    let ys = Scale::from_zero(cum[3].iter().copied().fold(0.0, f64::max), 1.0);
    let mut chart = build(&top, "Conversations per state", &xs, &ys)?;
    warmup(&mut chart, d, &ys)?;
    mesh(&mut chart, &xs, &ys, "", "conversations (mean)")?;
    // Each layer is the polygon between its top and the layer below, so each pixel is filled
    // once.
    let zero = vec![0.0; d.t_s.len()];
    for i in 0..4 {
        let below = if i == 0 { &zero } else { &cum[i - 1] };
        let poly: Vec<(f64, f64)> = d
            .t_s
            .iter()
            .copied()
            .zip(cum[i].iter().copied())
            .chain(d.t_s.iter().copied().zip(below.iter().copied()).rev())
            .collect();
        chart.draw_series(std::iter::once(Polygon::new(poly, super::tint(colour(i), 0.85).filled())))?;
    }
    // Bottom: capacity in use and zombie capacity with bands, on-shift capacity dashed.
    let top_v =
        d.capacity_in_use.iter().map(|b| b.high).chain(d.capacity_available.iter().copied()).fold(0.0, f64::max);
    let ys2 = Scale::from_zero(top_v, 1.0);
    let mut chart = build(&bottom, "Capacity", &xs, &ys2)?;
    warmup(&mut chart, d, &ys2)?;
    mesh(&mut chart, &xs, &ys2, &x_desc, "capacity units")?;
    if !d.capacity_available.is_empty() {
        let pts: Vec<(f64, f64)> = d.t_s.iter().copied().zip(d.capacity_available.iter().copied()).collect();
        chart.draw_series(DashedLineSeries::new(pts, 10, 6, GREY.stroke_width(2)))?;
    }
    for (b, c) in [(&d.capacity_in_use, IN_USE), (&d.zombie_capacity, ZOMBIE)] {
        chart.draw_series(std::iter::once(Polygon::new(band_polygon(&d.t_s, b), c.mix(0.25).filled())))?;
        chart.draw_series(LineSeries::new(d.t_s.iter().copied().zip(b.iter().map(|b| b.mean)), c.stroke_width(3)))?;
    }
    let mut entries: Vec<LegendEntry> =
        (0..4).rev().map(|i| LegendEntry::new(STATES[i], colour(i), Mark::Filled)).collect();
    entries.push(LegendEntry::new("capacity in use", IN_USE, Mark::Line));
    entries.push(LegendEntry::new("zombie capacity (past eligibility)", ZOMBIE, Mark::Line));
    if !d.capacity_available.is_empty() {
        entries.push(LegendEntry::new("capacity of on-shift agents", GREY, Mark::Dashed));
    }
    entries.push(LegendEntry::new("bands: 95% interval over replications", GREY, Mark::Band));
    if d.warmup_end_s.is_some() {
        entries.push(LegendEntry::new("grey area: warm-up (not in statistics)", super::WARMUP_GREY, Mark::Filled));
    }
    draw_legend(&legend, "", &entries)
}
