//! Zombie capacity (equivalent agents) and mean queue wait over timeout x sweep interval: two
//! panels, x = sweep interval, one line per timeout, 95% intervals as error bars. Drawn only
//! for a grid of several configurations.

use super::{build, colour, draw_legend, error_bar_v, frame, mesh, scenario_line, DrawResult, LegendEntry, Mark};
use super::{Scale, GREY};
use crate::output::load::{Estimate, Grid, LoadedResults};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One configuration's figure: x category, series, and the estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct GridPoint {
    pub category: usize,
    pub series: usize,
    pub config: String,
    pub estimate: Estimate,
}

/// Prepared data: the categories and series shared by both panels.
#[derive(Debug, Clone, PartialEq)]
pub struct GridData {
    pub title: String,
    pub subtitle: String,
    pub x_desc: String,
    pub categories: Vec<String>,
    pub series_heading: String,
    pub series: Vec<String>,
    /// `zombie_capacity_agents`, overall.
    pub zombie: Vec<GridPoint>,
    /// `queue_wait_mean_s`, overall.
    pub wait: Vec<GridPoint>,
}

/// Categories from the interval axis, series from the timeout axes (sorted by them), other
/// axes held at the baseline (`Grid::split_along`).
pub struct Layout {
    pub x_axis: usize,
    pub categories: Vec<String>,
    pub series: Vec<String>,
    pub heading: String,
    /// Per configuration: (category, series), `None` for one off the baseline's held values.
    pub position: Vec<Option<(usize, usize)>>,
    /// The chart's description after the held axes' baseline values (`Grid::held_note`).
    pub subtitle: String,
}

impl Layout {
    pub fn of(g: &Grid, base: usize) -> Option<Layout> {
        let xi = g.interval_axis()?;
        let categories: Vec<String> = g.axes[xi].distinct().into_iter().map(|v| v.label).collect();
        let (others, held) = g.split_along(xi);
        let shown = |c: usize| g.at_baseline(c, base, &held);
        let label = |c: usize| {
            others
                .iter()
                .map(|&i| format!("{}={}", g.axes[i].short(), g.axes[i].values[c].label))
                .collect::<Vec<_>>()
                .join(",")
        };
        let mut keyed: Vec<(Vec<f64>, String)> = Vec::new();
        for c in (0..g.configs.len()).filter(|&c| shown(c)) {
            let l = label(c);
            if !keyed.iter().any(|(_, s)| *s == l) {
                keyed.push((others.iter().map(|&i| g.axes[i].values[c].sort_key()).collect(), l));
            }
        }
        keyed.sort_by(|a, b| {
            a.0.iter().zip(&b.0).map(|(x, y)| x.total_cmp(y)).find(|o| o.is_ne()).unwrap_or(std::cmp::Ordering::Equal)
        });
        let series: Vec<String> = keyed.into_iter().map(|(_, s)| s).collect();
        let position = (0..g.configs.len())
            .map(|c| {
                let cat = categories
                    .iter()
                    .position(|l| *l == g.axes[xi].values[c].label)
                    .expect("a config's value should be among the axis values");
                let ser = series.iter().position(|s| *s == label(c));
                ser.filter(|_| shown(c)).map(|ser| (cat, ser))
            })
            .collect();
        let heading = others.iter().map(|&i| g.axes[i].key.clone()).collect::<Vec<_>>().join(", ");
        Some(Layout {
            x_axis: xi,
            categories,
            series,
            heading,
            position,
            subtitle: g.held_note(base, &held, "overall, mean and 95% interval over replications"),
        })
    }
}

/// The two panels' points, or `None` when the folder is not a grid or lacks both figures.
pub fn prepare(r: &LoadedResults) -> Option<GridData> {
    if !r.is_grid() {
        return None;
    }
    let g = r.grid.as_ref()?;
    let base = r.baseline_index();
    let lay = Layout::of(g, base)?;
    let points = |column: &str| -> Vec<GridPoint> {
        g.configs
            .iter()
            .enumerate()
            .filter_map(|(c, config)| {
                let (category, series) = lay.position[c]?;
                let estimate = r.summary.estimate(config, "overall", "all", column)?;
                Some(GridPoint { category, series, config: config.clone(), estimate })
            })
            .collect()
    };
    let (zombie, wait) = (points("zombie_capacity_agents"), points("queue_wait_mean_s"));
    if zombie.is_empty() && wait.is_empty() {
        return None;
    }
    Some(GridData {
        title: "Zombie capacity and queue wait by sweep interval and timeout".into(),
        subtitle: scenario_line(r, &lay.subtitle),
        x_desc: format!("sweep interval ({})", g.axes[lay.x_axis].key),
        categories: lay.categories,
        series_heading: lay.heading,
        series: lay.series,
        zombie,
        wait,
    })
}

/// Draws one panel of lines with error bars (values divided by `divisor`).
fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    d: &GridData,
    points: &[GridPoint],
    caption: &str,
    y_desc: &str,
    duration: bool,
) -> DrawResult<DB> {
    let xs = Scale::categories(&d.categories);
    let values = points.iter().flat_map(|p| [p.estimate.mean, p.estimate.ci95_high.unwrap_or(p.estimate.mean)]);
    let (ys, desc) = if duration {
        let (s, unit) = Scale::auto_duration(values);
        (s, format!("{y_desc} ({unit})"))
    } else {
        let s = Scale::auto(values, 1.0);
        let desc = format!("{y_desc}{}", if s.log { " (log scale)" } else { "" });
        (s, desc)
    };
    let mut chart = build(area, caption, &xs, &ys)?;
    mesh(&mut chart, &xs, &ys, &d.x_desc, &desc)?;
    let floor = if ys.log { ys.lo } else { f64::NEG_INFINITY };
    let n = d.series.len().max(1) as f64;
    for s in 0..d.series.len() {
        let c = colour(s);
        // A small offset per series keeps overlapping error bars apart.
        let dx = (s as f64 - (n - 1.0) / 2.0) * 0.04_f64.min(0.3 / n);
        let mut pts: Vec<&GridPoint> = points.iter().filter(|p| p.series == s).collect();
        pts.sort_by_key(|p| p.category);
        let line: Vec<(f64, f64)> = pts.iter().map(|p| (p.category as f64 + dx, ys.pos(p.estimate.mean))).collect();
        chart.draw_series(LineSeries::new(line.clone(), c.stroke_width(3)))?;
        chart.draw_series(line.iter().map(|&pt| Circle::new(pt, 6, c.filled())))?;
        for p in &pts {
            if let (Some(lo), Some(hi)) = (p.estimate.ci95_low, p.estimate.ci95_high) {
                let (lo, hi) = (ys.pos(lo.max(1e-12)).max(floor), ys.pos(hi));
                chart.draw_series(error_bar_v(p.category as f64 + dx, lo, hi, 0.03, c.stroke_width(2)))?;
            }
        }
    }
    Ok(())
}

pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &GridData) -> DrawResult<DB> {
    let (plot, legend) = frame(root, &d.title, &d.subtitle)?;
    let (w, _) = plot.dim_in_pixel();
    let (left, right) = plot.split_horizontally(w / 2);
    panel(
        &left,
        d,
        &d.zombie,
        "Zombie capacity (past eligibility, not yet closed)",
        "zombie capacity (equivalent agents)",
        false,
    )?;
    panel(&right, d, &d.wait, "Mean queue wait (Open to Active)", "mean queue wait", true)?;
    // A grid along the interval alone has one unnamed line: no legend entry for it.
    let mut entries: Vec<LegendEntry> = (d.series.iter().enumerate())
        .filter(|(_, s)| !s.is_empty())
        .map(|(i, s)| LegendEntry::new(s.clone(), colour(i), Mark::Line))
        .collect();
    entries.push(LegendEntry::new("bars: 95% interval over replications", GREY, Mark::Line));
    draw_legend(&legend, &d.series_heading, &entries)
}
