//! Agents needed against sweep interval, one line per timeout (and per group when plan.csv
//! has several), from plan.csv: the capacity-planning chart. An intraday plan (`--by`) is
//! drawn against the hour instead, one line per configuration and group. Drawn only when
//! plan.csv exists.

use super::{build, colour, draw_legend, frame, mesh, scenario_line, DrawResult, LegendEntry, Mark, Scale, GREY};
use crate::output::load::{AxisRole, LoadedResults};
use plotters::coord::Shift;
use plotters::prelude::*;

#[derive(Debug, Clone, PartialEq)]
pub struct PlanSeries {
    pub label: String,
    /// (category index, agents needed); a configuration without an answer is left out.
    pub points: Vec<(usize, f64)>,
    /// Categories where plan.csv has no answer (the target was not met).
    pub not_met: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanData {
    pub title: String,
    pub subtitle: String,
    pub x_desc: String,
    pub categories: Vec<String>,
    /// Every how many categories the x axis is labelled (1, or 2 and 12 for the hours).
    pub tick_step: usize,
    pub series_heading: String,
    pub series: Vec<PlanSeries>,
}

/// The weekdays of a week-hour plan's buckets, from Monday.
pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

pub fn prepare(r: &LoadedResults) -> Option<PlanData> {
    let p = r.plan.as_ref()?;
    // An intraday plan's x axis is its hour buckets (a day's or a week's); the axes of the
    // grid, if any, then name the lines.
    let buckets = p.hour_buckets();
    let xi = match buckets {
        Some(_) => None,
        None => p.axes.iter().position(|a| a.role == AxisRole::SweepInterval).or((!p.axes.is_empty()).then_some(0)),
    };
    let categories: Vec<String> = match (buckets, xi) {
        (Some(24), _) => (0..24).map(|h| format!("{h:02}:00")).collect(),
        // Midnights name the day, other hours the time of day, as the time axes do.
        (Some(_), _) => {
            (0..168).map(|h| if h % 24 == 0 { WEEKDAYS[h / 24].into() } else { format!("{:02}:00", h % 24) }).collect()
        }
        (None, Some(i)) => p.axes[i].distinct().into_iter().map(|v| v.label).collect(),
        (None, None) => vec!["as run".into()],
    };
    let others: Vec<usize> = (0..p.axes.len()).filter(|&i| Some(i) != xi).collect();
    let mut groups: Vec<&str> = Vec::new();
    for row in &p.rows {
        if !groups.contains(&row.group.as_str()) {
            groups.push(&row.group);
        }
    }
    let mut keyed: Vec<(Vec<f64>, String)> = Vec::new();
    let label = |k: usize| {
        let mut parts: Vec<String> =
            others.iter().map(|&i| format!("{}={}", p.axes[i].short(), p.axes[i].values[k].label)).collect();
        // The group is named where several are, and where nothing else would be: a legend
        // entry says whose head count its line is.
        if groups.len() > 1 || parts.is_empty() {
            parts.insert(0, format!("group {}", p.rows[k].group));
        }
        parts.join(", ")
    };
    let mut series: Vec<PlanSeries> = Vec::new();
    for (k, row) in p.rows.iter().enumerate() {
        let l = label(k);
        let s = match series.iter().position(|s| s.label == l) {
            Some(s) => s,
            None => {
                keyed.push((others.iter().map(|&i| p.axes[i].values[k].sort_key()).collect(), l.clone()));
                series.push(PlanSeries { label: l, points: Vec::new(), not_met: Vec::new() });
                series.len() - 1
            }
        };
        let cat = match (row.hour, xi) {
            (Some(h), _) => h,
            (None, Some(i)) => categories.iter().position(|c| *c == p.axes[i].values[k].label)?,
            (None, None) => 0,
        };
        // An intraday plan's hour keeps its point where it misses (its count in the profile
        // the search ended at), with a cross; a plan without an answer has only the cross.
        if let Some(a) = row.agents() {
            series[s].points.push((cat, a));
        }
        if !row.met() {
            series[s].not_met.push(cat);
        }
    }
    let key_of = |l: &str| keyed.iter().find(|(_, s)| s == l).map(|(k, _)| k.clone()).unwrap_or_default();
    series.sort_by(|a, b| {
        let (ka, kb) = (key_of(&a.label), key_of(&b.label));
        ka.iter().zip(&kb).map(|(x, y)| x.total_cmp(y)).find(|o| o.is_ne()).unwrap_or(std::cmp::Ordering::Equal)
    });
    for s in &mut series {
        s.points.sort_by_key(|p| p.0);
    }
    if series.iter().all(|s| s.points.is_empty()) {
        return None;
    }
    let (by, x_desc) = match (buckets, xi) {
        (Some(24), _) => (", by hour of the day".to_string(), "hour of the day".to_string()),
        (Some(_), _) => (", by hour of the week".into(), "hour of the week".into()),
        (None, Some(i)) if p.axes[i].role == AxisRole::SweepInterval => {
            (", by sweep interval".into(), format!("sweep interval ({})", p.axes[i].key))
        }
        (None, Some(i)) => (format!(", by {}", p.axes[i].short()), p.axes[i].key.clone()),
        (None, None) => (String::new(), "configuration".into()),
    };
    Some(PlanData {
        title: format!("Agents needed to meet the targets{by}"),
        subtitle: scenario_line(r, "from plan.csv"),
        x_desc,
        tick_step: match buckets {
            Some(24) => 2,
            Some(_) => 12,
            None => 1,
        },
        categories,
        series_heading: others.iter().map(|&i| p.axes[i].key.clone()).collect::<Vec<_>>().join(", "),
        series,
    })
}

pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &PlanData) -> DrawResult<DB> {
    let (plot, legend) = frame(root, &d.title, &d.subtitle)?;
    let mut xs = Scale::categories(&d.categories);
    xs.ticks.retain(|(x, _)| (*x as usize) % d.tick_step.max(1) == 0);
    let max = d.series.iter().flat_map(|s| &s.points).map(|p| p.1).fold(0.0, f64::max);
    let ys = Scale::from_zero(max * 1.1, 1.0);
    let mut chart = build(&plot, "", &xs, &ys)?;
    mesh(&mut chart, &xs, &ys, &d.x_desc, "agents needed")?;
    for (i, s) in d.series.iter().enumerate() {
        let c = colour(i);
        let pts: Vec<(f64, f64)> = s.points.iter().map(|&(x, y)| (x as f64, y)).collect();
        chart.draw_series(LineSeries::new(pts.clone(), c.stroke_width(3)))?;
        // A week's 168 hours would be a row of overlapping dots at the default size.
        let radius = if d.categories.len() > 30 { 3 } else { 7 };
        chart.draw_series(pts.iter().map(|&p| Circle::new(p, radius, c.filled())))?;
    }
    let n = d.series.len().max(1) as f64;
    for (i, s) in d.series.iter().enumerate() {
        let c = colour(i);
        for &k in &s.not_met {
            // Along the top edge, offset per series so several do not overlap.
            let x = k as f64 + (i as f64 - (n - 1.0) / 2.0) * 0.05;
            let y = ys.hi - (ys.hi - ys.lo) * 0.03;
            chart.draw_series(std::iter::once(Cross::new((x, y), 9, c.stroke_width(3))))?;
        }
    }
    let mut entries: Vec<LegendEntry> =
        d.series.iter().enumerate().map(|(i, s)| LegendEntry::new(s.label.clone(), colour(i), Mark::Line)).collect();
    if d.series.iter().any(|s| !s.not_met.is_empty()) {
        entries.push(LegendEntry::new("cross at the top: target not met (plan.csv has no answer)", GREY, Mark::Cross));
    }
    draw_legend(&legend, &d.series_heading, &entries)?;
    Ok(())
}
