//! The trade-off curve: premature-closure share against capacity-hours held by silent
//! conversations before eligibility, one point per timeout, one line per skill, with 95%
//! intervals as error bars in both directions.

use super::{build, colour, draw_legend, error_bar_h, error_bar_v, frame, mesh, scenario_line, DrawResult};
use super::{LegendEntry, Mark, Scale, FONT, GREY};
use crate::output::load::{Estimate, LoadedResults};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One timeout's point for one skill.
#[derive(Debug, Clone, PartialEq)]
pub struct TradeoffPoint {
    /// The timeout value (`30m`), or `as run`.
    pub label: String,
    pub config: String,
    /// `silent_capacity_hours`.
    pub silent_capacity_hours: Estimate,
    /// `premature_share` (0..1).
    pub premature_share: Estimate,
}

/// One skill's curve.
#[derive(Debug, Clone, PartialEq)]
pub struct TradeoffSeries {
    pub skill: String,
    pub points: Vec<TradeoffPoint>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TradeoffData {
    pub title: String,
    pub subtitle: String,
    /// What the point labels are values of (the timeout key).
    pub point_heading: String,
    pub series: Vec<TradeoffSeries>,
}

/// Per skill, the configurations along the timeout axis with every other axis at the
/// baseline's value (a run: one point per skill). `None` without the two figures.
pub fn prepare(r: &LoadedResults) -> Option<TradeoffData> {
    let s = &r.summary;
    if !s.has_column("premature_share") || !s.has_column("silent_capacity_hours") {
        return None;
    }
    let (configs, point_heading, extra): (Vec<(String, String)>, String, String) = match (&r.grid, r.is_grid()) {
        (Some(g), true) => {
            let ti = g.timeout_axis().or(g.interval_axis())?;
            let base = r.baseline_index();
            let mut along: Vec<usize> = (0..g.configs.len())
                .filter(|&c| g.axes.iter().enumerate().all(|(i, a)| i == ti || a.values[c] == a.values[base]))
                .collect();
            along.sort_by(|&a, &b| g.axes[ti].values[a].sort_key().total_cmp(&g.axes[ti].values[b].sort_key()));
            let fixed: Vec<String> = g
                .axes
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != ti)
                .map(|(_, a)| format!("{}={}", a.short(), a.values[base].label))
                .collect();
            let extra = if fixed.is_empty() { String::new() } else { format!("at {}", fixed.join(", ")) };
            let configs = along.iter().map(|&c| (g.configs[c].clone(), g.axes[ti].values[c].label.clone())).collect();
            (configs, g.axes[ti].key.clone(), extra)
        }
        _ => {
            (r.configs().into_iter().take(1).map(|c| (c, "as run".to_string())).collect(), String::new(), String::new())
        }
    };
    let series: Vec<TradeoffSeries> = s
        .groups("skill")
        .into_iter()
        .map(|skill| {
            let points = configs
                .iter()
                .filter_map(|(config, label)| {
                    Some(TradeoffPoint {
                        label: label.clone(),
                        config: config.clone(),
                        silent_capacity_hours: s.estimate(config, "skill", &skill, "silent_capacity_hours")?,
                        premature_share: s.estimate(config, "skill", &skill, "premature_share")?,
                    })
                })
                .collect();
            TradeoffSeries { skill, points }
        })
        .filter(|t: &TradeoffSeries| !t.points.is_empty())
        .collect();
    if series.is_empty() {
        return None;
    }
    let what = "mean and 95% interval over replications";
    Some(TradeoffData {
        title: "Trade-off: premature closures against capacity held by silent conversations".into(),
        subtitle: scenario_line(r, &if extra.is_empty() { what.to_string() } else { format!("{extra}, {what}") }),
        point_heading,
        series,
    })
}

pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &TradeoffData) -> DrawResult<DB> {
    let (plot, legend) = frame(root, &d.title, &d.subtitle)?;
    let pts = || d.series.iter().flat_map(|s| &s.points);
    let hi = |e: &Estimate| e.ci95_high.unwrap_or(e.mean).max(e.mean);
    let max_x = pts().map(|p| hi(&p.silent_capacity_hours)).fold(0.0, f64::max);
    let max_y = pts().map(|p| hi(&p.premature_share)).fold(0.0, f64::max);
    let xs = Scale::from_zero(max_x * 1.08, 1.0);
    let ys = Scale::from_zero(max_y.min(1.0) * 1.08, 0.01);
    let mut chart = build(&plot, "", &xs, &ys)?;
    mesh(
        &mut chart,
        &xs,
        &ys,
        "capacity held by silent conversations before eligibility (capacity-hours)",
        "premature closures (% of auto-closes)",
    )?;
    let (xcap, ycap) = ((xs.hi - xs.lo) * 0.006, (ys.hi - ys.lo) * 0.008);
    for (i, s) in d.series.iter().enumerate() {
        let c = colour(i);
        let xy: Vec<(f64, f64)> =
            s.points.iter().map(|p| (xs.pos(p.silent_capacity_hours.mean), ys.pos(p.premature_share.mean))).collect();
        chart.draw_series(LineSeries::new(xy.clone(), c.stroke_width(3)))?;
        for (p, &(x, y)) in s.points.iter().zip(&xy) {
            if let (Some(lo), Some(h)) = (p.premature_share.ci95_low, p.premature_share.ci95_high) {
                chart.draw_series(error_bar_v(x, ys.pos(lo.max(0.0)), ys.pos(h), xcap, c.stroke_width(2)))?;
            }
            if let (Some(lo), Some(h)) = (p.silent_capacity_hours.ci95_low, p.silent_capacity_hours.ci95_high) {
                chart.draw_series(error_bar_h(y, xs.pos(lo.max(0.0)), xs.pos(h), ycap, c.stroke_width(2)))?;
            }
            chart.draw_series(std::iter::once(Circle::new((x, y), 8, c.filled())))?;
            chart.draw_series(std::iter::once(
                EmptyElement::at((x, y)) + Text::new(p.label.clone(), (14, -34), (FONT, 21).into_font().color(&c)),
            ))?;
        }
    }
    let mut entries: Vec<LegendEntry> = d
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| LegendEntry::new(format!("skill {}", s.skill), colour(i), Mark::Line))
        .collect();
    if !d.point_heading.is_empty() {
        entries.push(LegendEntry::new(format!("point labels: {}", d.point_heading), GREY, Mark::Point));
    }
    entries.push(LegendEntry::new("bars: 95% intervals", GREY, Mark::Line));
    draw_legend(&legend, "", &entries)
}
