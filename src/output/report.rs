//! report.html: one self-contained page (inline SVG and CSS, no script, no network) rendered
//! from a plain `ReportContext`. `context` decides what the page says; `render` only lays
//! it out and escapes it, so tests check the context, not the markup.

use crate::output::charts::plan::WEEKDAYS;
use crate::output::charts::{human_duration, trim_number, TimeUnit};
use crate::output::load::{Estimate, LoadedResults, Plan, PlanEstimate};
use std::fmt::Write;

/// How a figure is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Count,
    Duration,
    Percent,
    Agents,
    Hours,
}

/// The headline figures, in order: (label, summary column, format).
pub const HEADLINE: [(&str, &str, Format); 9] = [
    ("auto-closed conversations", "auto_closed", Format::Count),
    ("closure latency p50", "latency_p50_s", Format::Duration),
    ("closure latency p99", "latency_p99_s", Format::Duration),
    ("premature closures", "premature_share", Format::Percent),
    ("zombie capacity", "zombie_capacity_agents", Format::Agents),
    ("silent capacity held (capacity-hours)", "silent_capacity_hours", Format::Hours),
    ("mean queue wait", "queue_wait_mean_s", Format::Duration),
    ("service level", "service_level_share", Format::Percent),
    ("occupancy", "occupancy_share", Format::Percent),
];

/// A figure is precise enough when its interval's half-width is at most this share of its mean.
pub const PRECISION_SHARE: f64 = 0.10;

/// One headline figure, formatted.
#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    pub label: String,
    pub column: String,
    pub estimate: Estimate,
    /// `12.35 min`
    pub value: String,
    /// `11.97 min to 12.73 min`, when there is an interval.
    pub interval: Option<String>,
}

/// A table of text cells.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// One chart as inlined in the page.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportChart {
    pub title: String,
    pub file_stem: String,
    pub svg: String,
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportContext {
    pub title: String,
    pub description: String,
    /// The command that reproduces the folder.
    pub rerun: Option<String>,
    /// The configuration the headline figures are of (a grid's baseline).
    pub headline_config: Option<String>,
    pub headline: Vec<Headline>,
    pub warnings: Vec<String>,
    pub charts: Vec<ReportChart>,
    /// A grid's configurations against the headline figures.
    pub comparison: Option<Table>,
    pub plan: Option<Table>,
    pub scenario_text: Option<String>,
    /// What the headline, warnings and comparison sections say their figures are.
    pub notes: PageNotes,
}

/// The explanatory lines of a page's sections: a simulation's figures are means over
/// replications with intervals; a load test's are measured runs of a job.
#[derive(Debug, Clone, PartialEq)]
pub struct PageNotes {
    pub headline: String,
    /// Shown when there is no warning.
    pub no_warnings: String,
    pub comparison: String,
}

impl PageNotes {
    /// The notes of a simulation's results (run, sweep, plan).
    pub fn simulation() -> Self {
        PageNotes {
            headline: "Mean over replications, then its 95% interval (Student t, cut to what the figure can be: a \
                       share to 0 to 100 %, occupancy, a time or a count at 0; summary.csv keeps the interval uncut)."
                .into(),
            no_warnings: "None: no saturated run, every headline interval within ±10% of its mean.".into(),
            comparison: "Mean ± half-width of the 95% interval; Δ: difference to the baseline with its paired 95% \
                         interval."
                .into(),
        }
    }
}

/// Formats a value of a figure.
pub fn format_value(v: f64, f: Format) -> String {
    match f {
        Format::Count => {
            if (v - v.round()).abs() < 1e-9 {
                format!("{v:.0}")
            } else {
                format!("{v:.1}")
            }
        }
        Format::Duration => human_duration(v),
        Format::Percent => format!("{:.1} %", v * 100.0),
        Format::Agents => format!("{v:.2} agents"),
        Format::Hours => format!("{v:.1} h"),
    }
}

/// An interval's ends cut to the range figure `column` (of format `f`) can take: a share to
/// [0, 1], the others (counts, times, capacities) at 0; occupancy only at 0, since agents who
/// went off shift finishing their conversations can take it past 1. A Student-t interval of a
/// few replications can reach past them (a service level of 87 % ± 18), which no figure can.
pub fn in_range(f: Format, column: &str, low: f64, high: f64) -> (f64, f64) {
    let hi = match f {
        Format::Percent if !column.starts_with("occupancy") => 1.0,
        _ => f64::INFINITY,
    };
    (low.clamp(0.0, hi), high.clamp(0.0, hi))
}

fn headline_of(label: &str, column: &str, f: Format, e: Estimate) -> Headline {
    let interval = match (e.ci95_low, e.ci95_high) {
        (Some(l), Some(h)) => {
            let (l, h) = in_range(f, column, l, h);
            Some(format!("{} to {}", format_value(l, f), format_value(h, f)))
        }
        _ => None,
    };
    Headline { label: label.into(), column: column.into(), estimate: e, value: format_value(e.mean, f), interval }
}

/// The warnings: saturated configurations, a single replication, and each headline figure
/// whose 95% interval is wider than ±10% of its mean (with the replications that would
/// narrow it, from the interval shrinking as 1/sqrt(n)).
pub fn warnings(r: &LoadedResults) -> Vec<String> {
    let configs = r.configs();
    let grid = r.is_grid();
    let mut out = Vec::new();
    let saturated: Vec<String> = configs
        .iter()
        .filter_map(|c| {
            let s = r.summary.estimate(c, "overall", "all", "saturated").filter(|s| s.mean > 0.0)?;
            let n = s.n.unwrap_or(1.0);
            let k = (s.mean * n).round();
            Some(if grid {
                format!("{c}: {k:.0} of {n:.0} replications")
            } else {
                format!("{k:.0} of {n:.0} replications")
            })
        })
        .collect();
    if !saturated.is_empty() {
        let which = if grid {
            format!(" in {} of {} configurations ({})", saturated.len(), configs.len(), saturated.join("; "))
        } else {
            format!(" in {}", saturated[0])
        };
        out.push(format!(
            "Saturated{which}: the queue keeps growing, occupancy stays near 1 or many conversations are still open \
             at the end; these figures describe a backlog, not a steady state."
        ));
    }
    let single = configs.iter().any(|c| {
        HEADLINE.iter().any(|(_, col, _)| {
            r.summary
                .estimate(c, "overall", "all", col)
                .is_some_and(|e| e.half_width().is_none() && e.n.is_some_and(|n| n < 2.0))
        })
    });
    if single {
        out.push("One replication only: no interval can be given; run more replications.".to_string());
    }
    for (label, column, _) in HEADLINE {
        let (mut wide, mut worst, mut needed) = (0, 0.0_f64, 0.0_f64);
        for c in &configs {
            let Some(e) = r.summary.estimate(c, "overall", "all", column) else { continue };
            if let Some(hw) = e.half_width().filter(|&hw| e.mean != 0.0 && hw > PRECISION_SHARE * e.mean.abs()) {
                let share = hw / e.mean.abs();
                wide += 1;
                worst = worst.max(share);
                needed = needed.max((e.n.unwrap_or(1.0) * (share / PRECISION_SHARE).powi(2)).ceil());
            }
        }
        if wide > 0 {
            let where_ = if grid { format!(" in {wide} of {} configurations", configs.len()) } else { String::new() };
            out.push(format!(
                "Too few replications for {label}: its 95% interval is wider than ±10% of its mean{where_} \
                 (±{:.0}% at worst); about {needed:.0} replications would narrow it to ±10%.",
                worst * 100.0
            ));
        }
    }
    out
}

/// Decides what the page shows. `charts` are the SVGs to inline, in order.
pub fn context(r: &LoadedResults, charts: Vec<ReportChart>) -> ReportContext {
    let base = r.baseline().unwrap_or_default();
    let mut headline: Vec<Headline> = HEADLINE
        .iter()
        .filter_map(|&(label, column, f)| {
            r.summary.estimate(&base, "overall", "all", column).map(|e| headline_of(label, column, f, e))
        })
        .collect();
    // A two-stage policy's parks and a voice rule's moves to Wrap-up stand beside its
    // closures, where there are any (the premature share is of closures and moves together).
    for (label, column) in
        [("auto-parked conversations", "auto_parked"), ("auto-moved to wrap-up", "auto_moved_to_wrap_up")]
    {
        if let Some(e) = r.summary.estimate(&base, "overall", "all", column).filter(|e| e.mean > 0.0) {
            headline.insert(1.min(headline.len()), headline_of(label, column, Format::Count, e));
        }
    }
    let grid = r.is_grid();
    let mut warnings = warnings(r);
    let mut notes = PageNotes::simulation();
    if let Some(p) = &r.plan {
        warnings.extend(plan_warnings(p));
    }
    // A plan folder without summary.csv has no headline figures: the plan's own figures are
    // in its table, and the page says nothing of headline intervals.
    let figures = !headline.is_empty();
    if !figures {
        notes.no_warnings = "None: every plan met its targets.".into();
    }
    if let Some(e) = &r.scenario_error {
        warnings.push(format!("scenario.toml could not be read ({e}); charts that need it are incomplete."));
    }
    ReportContext {
        title: format!("autoclose results: {}", r.scenario_name),
        description: r.scenario.as_ref().map(|s| s.description.clone()).unwrap_or_default(),
        rerun: r.rerun.clone(),
        headline_config: (grid && figures).then(|| base.clone()),
        headline,
        warnings,
        charts,
        comparison: (grid && figures).then(|| comparison_table(r)),
        plan: r.plan.as_ref().map(plan_table),
        scenario_text: r.scenario_text.clone(),
        notes,
    }
}

/// The plan's table: a row per plan.csv row (configuration, group and, with `--by`, hour),
/// the agents needed, and each target's figure at the plan and with one agent fewer (which
/// is why the plan stops there).
pub fn plan_table(p: &Plan) -> Table {
    let (hourly, week) = (p.hour_buckets().is_some(), p.hour_buckets() == Some(168));
    let mut headers = vec!["configuration".to_string()];
    headers.extend(p.axes.iter().map(|a| a.key.clone()));
    headers.push("group".into());
    if hourly {
        headers.push("hour".into());
    }
    headers.push("agents needed".into());
    let slugs: Vec<&str> =
        p.rows.first().map(|r| r.figures.iter().map(|f| f.slug.as_str()).collect()).unwrap_or_default();
    for slug in &slugs {
        let name = target_name(slug);
        headers.push(format!("{name} at the plan"));
        headers.push(format!("{name} with one agent fewer"));
    }
    let rows = p
        .rows
        .iter()
        .enumerate()
        .map(|(k, row)| {
            let mut cells = vec![row.config.clone()];
            cells.extend(p.axes.iter().map(|a| a.values[k].label.clone()));
            cells.push(row.group.clone());
            if hourly {
                cells.push(row.hour.map_or(String::new(), |h| hour_label(h, week)));
            }
            cells.push(match (row.agents(), row.met()) {
                (Some(a), true) => format!("{a:.0}"),
                (Some(a), false) => format!("{a:.0}, not met"),
                (None, _) => match row.best_tried {
                    Some(b) => format!("not met (best tried {b:.0})"),
                    None => "not met".into(),
                },
            });
            for f in &row.figures {
                cells.push(plan_cell(&f.slug, &f.at_plan));
                cells.push(plan_cell(&f.slug, &f.one_fewer));
            }
            cells
        })
        .collect();
    Table { headers, rows }
}

/// A plan's warnings: each (configuration, group) whose target was not met within the agents
/// tried, with the hours where it was not, for an intraday plan.
fn plan_warnings(p: &Plan) -> Vec<String> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let week = p.hour_buckets() == Some(168);
    for row in p.rows.iter().filter(|r| !r.met()) {
        let key = format!("{}, group {}", row.config, row.group);
        let at = row.hour.map(|h| hour_label(h, week));
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, hours)) => hours.extend(at),
            None => out.push((key, at.into_iter().collect())),
        }
    }
    (out.into_iter())
        .map(|(key, hours)| match hours.len() {
            0 => format!(
                "Target not met for {key} with every head count tried (up to --max-agents): plan.csv has no answer there."
            ),
            n => format!(
                "Target not met for {key} in {} {}: the profile the search ended at misses there (its counts are \
                 in plan.csv's agents_best_tried, each hour's verdict in its _holds columns).",
                if n == 1 { "hour" } else { "hours" },
                hours.join(", ")
            ),
        })
        .collect()
}

/// An hour bucket of an intraday plan: `07:00` of the day, `Tue 07:00` of the week (`weekly`:
/// a `--by week-hour` plan, whose Monday hours are 0 to 23 too).
fn hour_label(h: usize, weekly: bool) -> String {
    if weekly {
        format!("{} {:02}:00", WEEKDAYS[(h / 24) % 7], h % 24)
    } else {
        format!("{h:02}:00")
    }
}

/// A target's column stem as words: `service_level_60s_skill_billing_share` is
/// `service level 60s, skill billing`.
fn target_name(slug: &str) -> String {
    let stem = slug.strip_suffix("_share").or_else(|| slug.strip_suffix("_s")).unwrap_or(slug);
    stem.replacen("_skill_", ", skill ", 1).replacen("_channel_", ", channel ", 1).replace('_', " ")
}

/// A target's figure in a plan cell: `90.3 % (86.9 % to 93.7 %), holds`.
fn plan_cell(slug: &str, e: &PlanEstimate) -> String {
    let f = if slug.ends_with("_share") { Format::Percent } else { Format::Duration };
    let Some(mean) = e.mean else { return "–".into() };
    let mut cell = format_value(mean, f);
    if let (Some(l), Some(h)) = (e.ci95_low, e.ci95_high) {
        let (l, h) = in_range(f, slug, l, h);
        cell.push_str(&format!(" ({} to {})", format_value(l, f), format_value(h, f)));
    }
    match e.holds {
        Some(true) => cell.push_str(", holds"),
        Some(false) => cell.push_str(", fails"),
        None => {}
    }
    cell
}

/// A figure's unit for a whole table column, and the header suffix naming it.
fn column_unit(r: &LoadedResults, column: &str, f: Format) -> (f64, String) {
    match f {
        Format::Duration => {
            let max = r
                .configs()
                .iter()
                .filter_map(|c| r.summary.estimate(c, "overall", "all", column))
                .map(|e| e.mean)
                .fold(0.0, f64::max);
            let u = TimeUnit::for_max(max);
            (u.seconds, u.name.to_string())
        }
        Format::Percent => (0.01, "%".into()),
        Format::Agents => (1.0, "agents".into()),
        Format::Hours => (1.0, "capacity-hours".into()),
        Format::Count => (1.0, String::new()),
    }
}

/// Rows: configurations; columns: axis values, then each headline figure (its unit in the
/// header) as mean ± half-width and, when comparison.csv has it, the paired difference to the
/// baseline with its interval.
pub fn comparison_table(r: &LoadedResults) -> Table {
    let Some(g) = &r.grid else { return Table::default() };
    let mut headers = vec!["configuration".to_string()];
    headers.extend(g.axes.iter().map(|a| a.short().to_string()));
    let columns: Vec<(&str, &str, f64)> = HEADLINE
        .iter()
        .filter(|(_, c, _)| r.summary.has_column(c))
        .map(|&(label, column, f)| {
            let (div, unit) = column_unit(r, column, f);
            headers.push(if unit.is_empty() { label.to_string() } else { format!("{label} ({unit})") });
            (label, column, div)
        })
        .collect();
    let base = r.baseline().unwrap_or_default();
    let num = |v: f64| trim_number(v, 3);
    let signed = |v: f64| if v > 0.0 { format!("+{}", num(v)) } else { num(v) };
    let rows = g
        .configs
        .iter()
        .enumerate()
        .map(|(k, config)| {
            let mut cells = vec![if *config == base { format!("{config} (baseline)") } else { config.clone() }];
            cells.extend(g.axes.iter().map(|a| a.values[k].label.clone()));
            for &(_, column, div) in &columns {
                let mut cell = match r.summary.estimate(config, "overall", "all", column) {
                    Some(e) => match e.half_width() {
                        Some(hw) => format!("{} ± {}", num(e.mean / div), num(hw / div)),
                        None => num(e.mean / div),
                    },
                    None => "–".into(),
                };
                let diff = r.comparison.iter().find(|c| {
                    c.config == *config && c.metric == column && c.breakdown == "overall" && c.config != c.baseline
                });
                if let Some((d, lo, hi)) = diff.and_then(|c| Some((c.diff_mean?, c.diff_ci95_low?, c.diff_ci95_high?)))
                {
                    cell.push_str(&format!("\nΔ {} [{}, {}]", signed(d / div), signed(lo / div), signed(hi / div)));
                }
                cells.push(cell);
            }
            cells
        })
        .collect();
    Table { headers, rows }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "body{font-family:'DejaVu Sans',Verdana,sans-serif;margin:2em auto;max-width:1700px;padding:0 1em;\
color:#222;line-height:1.4}h1{font-size:1.8em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}\
.muted{color:#666}code,pre{font-family:'DejaVu Sans Mono',monospace;font-size:.9em}pre{background:#f6f6f6;\
padding:1em;overflow:auto;border:1px solid #e2e2e2}.figures{display:grid;grid-template-columns:repeat(auto-fill,\
minmax(260px,1fr));gap:.8em}.figure{border:1px solid #ddd;border-radius:6px;padding:.7em 1em;background:#fafafa}\
.figure .v{font-size:1.5em;font-weight:bold;color:#0072b2}.figure .i{color:#555;font-size:.9em}\
.warn{background:#fff4e0;border-left:5px solid #e69f00;padding:.6em 1em;margin:.4em 0}\
figure{margin:1.5em 0}figure svg{width:100%;height:auto;border:1px solid #eee}figcaption{font-weight:bold;\
margin-bottom:.3em}table{border-collapse:collapse;font-size:.85em}td,th{border:1px solid #ddd;padding:.3em .5em;\
text-align:right;white-space:pre-line;vertical-align:top}th{background:#f0f0f0}td:first-child,th:first-child\
{text-align:left}";

/// Lays the context out as one HTML page.
pub fn render(ctx: &ReportContext) -> String {
    let mut h = String::with_capacity(64 * 1024 + ctx.charts.iter().map(|c| c.svg.len()).sum::<usize>());
    let e = escape;
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{CSS}</style></head><body>\n",
        e(&ctx.title)
    );
    let _ = writeln!(h, "<h1>{}</h1>", e(&ctx.title));
    if !ctx.description.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", e(&ctx.description));
    }
    if let Some(c) = &ctx.rerun {
        let _ = writeln!(h, "<p class=\"muted\">Reproduce with <code>{}</code></p>", e(c));
    }
    if !ctx.headline.is_empty() {
        let _ = writeln!(h, "<h2 id=\"headline\">Headline figures</h2>");
        if let Some(c) = &ctx.headline_config {
            let _ = writeln!(
            h,
            "<p class=\"muted\">Baseline configuration <code>{}</code>; the others are in the comparison table.</p>",
            e(c)
        );
        }
        let _ = writeln!(h, "<p class=\"muted\">{}</p><div class=\"figures\">", e(&ctx.notes.headline));
        for f in &ctx.headline {
            let _ = write!(h, "<div class=\"figure\"><div>{}</div><div class=\"v\">{}</div>", e(&f.label), e(&f.value));
            if let Some(i) = &f.interval {
                let _ = write!(h, "<div class=\"i\">95%: {}</div>", e(i));
            }
            h.push_str("</div>\n");
        }
        h.push_str("</div>\n");
    }
    h.push_str("<h2 id=\"warnings\">Warnings</h2>\n");
    if ctx.warnings.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", e(&ctx.notes.no_warnings));
    }
    for w in &ctx.warnings {
        let _ = writeln!(h, "<div class=\"warn\">{}</div>", e(w));
    }
    if let Some(t) = &ctx.comparison {
        let _ = writeln!(
            h,
            "<h2 id=\"comparison\">Comparison of the configurations</h2>\n<p class=\"muted\">{}</p>",
            e(&ctx.notes.comparison)
        );
        table(&mut h, t);
    }
    if let Some(t) = &ctx.plan {
        h.push_str("<h2 id=\"plan\">Capacity plan</h2>\n");
        table(&mut h, t);
    }
    h.push_str("<h2 id=\"charts\">Charts</h2>\n");
    for c in &ctx.charts {
        let _ = writeln!(h, "<figure id=\"chart-{}\"><figcaption>{}</figcaption>", e(&c.file_stem), e(&c.title));
        h.push_str(strip_xml_declaration(&c.svg));
        h.push_str("</figure>\n");
    }
    if let Some(s) = &ctx.scenario_text {
        let _ = writeln!(h, "<h2 id=\"scenario\">Scenario as run</h2>\n<pre>{}</pre>", e(s));
    }
    h.push_str("</body></html>\n");
    h
}

fn table(h: &mut String, t: &Table) {
    h.push_str("<table><thead><tr>");
    for c in &t.headers {
        let _ = write!(h, "<th>{}</th>", escape(c));
    }
    h.push_str("</tr></thead><tbody>\n");
    for row in &t.rows {
        h.push_str("<tr>");
        for c in row {
            let _ = write!(h, "<td>{}</td>", escape(c));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n");
}

fn strip_xml_declaration(svg: &str) -> &str {
    match svg.strip_prefix("<?xml") {
        Some(rest) => rest.find("?>").map_or(svg, |i| rest[i + 2..].trim_start()),
        None => svg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::load::{read_grid, read_summary};
    use std::path::Path;

    fn results(summary: &str, grid: Option<&str>) -> LoadedResults {
        LoadedResults {
            folder: "r".into(),
            scenario_name: "q".into(),
            command: None,
            rerun: None,
            scenario_text: None,
            scenario: None,
            scenario_error: None,
            summary: read_summary(summary, Path::new("summary.csv")).expect("fixture summary should parse"),
            grid: grid.map(|g| read_grid(g, Path::new("grid.csv")).expect("fixture grid should parse")),
            timeseries: Vec::new(),
            sweeps: Vec::new(),
            comparison: Vec::new(),
            plan: None,
        }
    }

    const HEAD: &str = "scenario,config,replication,stat,breakdown,group,saturated,queue_wait_mean_s,occupancy_share\n";

    #[test]
    fn headline_intervals_are_cut_to_what_the_figure_can_be() {
        // Dynamics' run of 5 replications: a service level of 87.2 % whose t-interval reaches
        // 105.3 %, a mean wait of 4.83 min whose reaches -200 s.
        let text = "scenario,config,replication,stat,breakdown,group,service_level_share,queue_wait_mean_s\n\
            q,base,,mean,overall,all,0.872,290\n\
            q,base,,ci95_low,overall,all,0.692,-199.7\n\
            q,base,,ci95_high,overall,all,1.053,779.7\n\
            q,base,,n,overall,all,5,5\n";
        let ctx = context(&results(text, None), Vec::new());
        let shown: Vec<(&str, &str)> =
            ctx.headline.iter().map(|h| (h.label.as_str(), h.interval.as_deref().unwrap_or(""))).collect();
        assert_eq!(shown, [("mean queue wait", "0 s to 13 min"), ("service level", "69.2 % to 100.0 %")]);
        // The estimate itself stays as summary.csv has it.
        assert_eq!(ctx.headline[1].estimate.ci95_high, Some(1.053));
        assert_eq!(in_range(Format::Agents, "zombie_capacity_agents", -0.5, 2.0), (0.0, 2.0));
        // Occupancy can pass 1 (off-shift agents finishing): cut at 0 only.
        assert_eq!(in_range(Format::Percent, "occupancy_share", 1.02, 1.08), (1.02, 1.08));
    }

    #[test]
    fn a_saturated_imprecise_run_warns_twice() {
        let summary = format!(
            "{HEAD}q,base,,mean,overall,all,0.5,10,0.8\nq,base,,ci95_low,overall,all,0,5,0.79\n\
             q,base,,ci95_high,overall,all,1,15,0.81\nq,base,,n,overall,all,4,4,4\n"
        );
        let r = results(&summary, None);
        assert_eq!(
            warnings(&r),
            [
                "Saturated in 2 of 4 replications: the queue keeps growing, occupancy stays near 1 or many \
                 conversations are still open at the end; these figures describe a backlog, not a steady state.",
                "Too few replications for mean queue wait: its 95% interval is wider than ±10% of its mean \
                 (±50% at worst); about 100 replications would narrow it to ±10%.",
            ]
        );
        let ctx = context(&r, Vec::new());
        assert_eq!(ctx.headline.iter().map(|h| h.value.as_str()).collect::<Vec<_>>(), ["10 s", "80.0 %"]);
        assert_eq!(ctx.headline[0].interval.as_deref(), Some("5 s to 15 s"));
        assert!(ctx.comparison.is_none());
    }

    #[test]
    fn a_grid_counts_its_imprecise_configurations_and_a_single_replication_says_so() {
        let summary = format!(
            "{HEAD}q,a,,mean,overall,all,0,10,0.8\nq,a,,ci95_low,overall,all,0,9.5,0.79\n\
             q,a,,ci95_high,overall,all,0,10.5,0.81\nq,a,,n,overall,all,4,4,4\n\
             q,b,,mean,overall,all,0,20,0.8\nq,b,,ci95_low,overall,all,0,14,0.79\n\
             q,b,,ci95_high,overall,all,0,26,0.81\nq,b,,n,overall,all,4,4,4\n"
        );
        let grid = "config_index,config,p.interval\n0,a,5m\n1,b,1h\n";
        let r = results(&summary, Some(grid));
        assert_eq!(
            warnings(&r),
            ["Too few replications for mean queue wait: its 95% interval is wider than ±10% of its mean in 1 of 2 \
              configurations (±30% at worst); about 36 replications would narrow it to ±10%."]
        );
        let t = comparison_table(&r);
        assert_eq!(t.headers, ["configuration", "interval", "mean queue wait (seconds)", "occupancy (%)"]);
        assert_eq!(t.rows[1], ["b", "1h", "20 ± 6", "80 ± 1"]);
        let one = format!("{HEAD}q,base,0,value,overall,all,0,10,0.8\n");
        assert_eq!(
            warnings(&results(&one, None)),
            ["One replication only: no interval can be given; run more replications."]
        );
    }

    #[test]
    fn escape_covers_markup_characters() {
        assert_eq!(escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
    }

    #[test]
    fn values_format_in_their_units() {
        assert_eq!(format_value(0.3515, Format::Percent), "35.1 %");
        assert_eq!(format_value(741.0, Format::Duration), "12.3 min");
        assert_eq!(format_value(847.6, Format::Count), "847.6");
        assert_eq!(format_value(12.0, Format::Count), "12");
        assert_eq!(format_value(0.39, Format::Agents), "0.39 agents");
    }

    #[test]
    fn scenario_text_is_escaped_in_the_page() {
        let ctx = ReportContext {
            title: "t".into(),
            description: String::new(),
            rerun: None,
            headline_config: None,
            headline: Vec::new(),
            warnings: vec!["w<1>".into()],
            charts: vec![ReportChart {
                title: "c".into(),
                file_stem: "s".into(),
                svg: "<?xml version=\"1.0\"?>\n<svg></svg>".into(),
            }],
            comparison: None,
            plan: None,
            scenario_text: Some("name = \"<x>\"".into()),
            notes: PageNotes::simulation(),
        };
        let html = render(&ctx);
        assert!(html.contains("<pre>name = &quot;&lt;x&gt;&quot;</pre>"), "{html}");
        assert!(html.contains("<div class=\"warn\">w&lt;1&gt;</div>"));
        assert!(html.contains("<figure id=\"chart-s\"><figcaption>c</figcaption>\n<svg></svg></figure>"));
        assert!(!html.contains("<?xml"));
        assert!(!html.contains("<script"));
    }
}
