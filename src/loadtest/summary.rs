//! What a load test says: the verdict per configuration (does the job keep up), the
//! terminal lines, the query plans as text, the two charts and report.html. Formats only.

use super::{ConfigResult, RunMeasure};
use crate::output::charts::loadtest::{DurationData, DurationSeries, RaceData, RaceSeries};
use crate::output::charts::Chart;
use crate::output::load::Estimate;
use crate::output::report::{self, Headline, PageNotes, ReportChart, ReportContext, Table};
use crate::scenario::Scenario;
use crate::time::SimDuration;

/// Everything the report shows.
pub struct View<'a> {
    pub scenario: &'a Scenario,
    pub store: &'a str,
    pub results: &'a [ConfigResult],
    pub rerun: String,
}

fn longest(r: &ConfigResult) -> Option<&RunMeasure> {
    r.runs.iter().max_by(|a, b| a.platform_s.total_cmp(&b.platform_s))
}

/// One line saying plainly whether the job keeps up.
pub fn verdict(r: &ConfigResult) -> String {
    let late = r.runs.iter().filter(|m| !m.kept_up()).count();
    let Some(worst) = longest(r) else {
        return format!("{}: no run of the job in the horizon", r.label());
    };
    if late == 0 {
        format!(
            "{}: KEEPS UP: every one of {} runs finished before the next was due (longest {:.1} ms, at {} open rows)",
            r.label(),
            r.runs.len(),
            worst.platform_s * 1000.0,
            worst.open_rows
        )
    } else {
        format!(
            "{}: DOES NOT KEEP UP: {late} of {} runs were still running when the next was due (longest {:.3} s against {} between runs)",
            r.label(),
            r.runs.len(),
            worst.platform_s,
            SimDuration((worst.next_due_s * 1000.0) as u64)
        )
    }
}

fn totals(r: &ConfigResult) -> (u64, u64, u64, u64) {
    r.runs.iter().fold((0, 0, 0, 0), |t, m| {
        (t.0 + m.closed, t.1 + m.sim_closed, t.2 + m.race_closures, t.3 + m.sim_race_closures)
    })
}

/// The summary printed after a load test.
pub fn terminal(results: &[ConfigResult], store: &str) -> Vec<String> {
    let mut out = vec![format!("loadtest against {store}")];
    for r in results {
        let (closed, sim_closed, races, sim_races) = totals(r);
        out.push(format!(
            "  {}: {} runs, {} history rows, {} writes replayed in {:.2} s; closed {closed} (simulator {sim_closed}), \
             race closures {races} (simulator {sim_races})",
            r.label(),
            r.runs.len(),
            r.history,
            r.writes,
            r.replay_s
        ));
        out.push(format!("    {}", verdict(r)));
        for (job, _, plan) in &r.plans {
            out.push(format!("    plan of {job}: {}", plan.replace('\n', " | ")));
        }
    }
    out
}

/// `query_plans.txt`: each configuration's eligibility query and the store's plan of it.
pub fn plans_text(results: &[ConfigResult]) -> String {
    let mut s = String::new();
    for r in results {
        for (job, sql, plan) in &r.plans {
            s.push_str(&format!("== {} (job {job})\n{sql}\n-- plan:\n{plan}\n\n", r.label()));
        }
    }
    s
}

/// Run duration against open rows, one series per configuration.
pub fn duration_chart(v: &View) -> DurationData {
    let series = v
        .results
        .iter()
        .map(|r| DurationSeries {
            label: format!("{}, {} history rows", r.label(), r.history),
            points: r.runs.iter().map(|m| (m.open_rows as f64, m.duration_s)).collect(),
        })
        .collect();
    DurationData {
        title: "Sweep job: run duration against open conversations".into(),
        subtitle: format!("{}, {}: one point per run of the job", v.scenario.name, v.store),
        series,
    }
}

fn mean_per_run(r: &ConfigResult, f: impl Fn(&RunMeasure) -> u64) -> f64 {
    r.runs.iter().map(|m| f(m) as f64).sum::<f64>() / r.runs.len().max(1) as f64
}

/// Race closures per run against the sweep interval: the store's per index choice, and the
/// simulator's (dashed).
pub fn race_chart(v: &View) -> RaceData {
    let mut series: Vec<RaceSeries> = Vec::new();
    let mut sim = RaceSeries { label: "simulator (closures_per_second)".into(), dashed: true, points: Vec::new() };
    for r in v.results {
        let x = r.interval_ms as f64 / 1000.0;
        let label = format!("store, index {}", r.index.key());
        let y = mean_per_run(r, |m| m.race_closures);
        match series.iter_mut().find(|s| s.label == label) {
            Some(s) => s.points.push((x, y)),
            None => series.push(RaceSeries { label, dashed: false, points: vec![(x, y)] }),
        }
        if !sim.points.iter().any(|p| p.0 == x) {
            sim.points.push((x, mean_per_run(r, |m| m.sim_race_closures)));
        }
    }
    for s in series.iter_mut().chain(std::iter::once(&mut sim)) {
        s.points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    series.push(sim);
    let recheck = v.results.first().is_some_and(|r| r.recheck);
    RaceData {
        title: "Race closures against the sweep interval".into(),
        subtitle: format!(
            "{}, recheck {}: closed although the customer wrote after the run began",
            v.scenario.name,
            if recheck { "on" } else { "off" }
        ),
        series,
    }
}

fn headline(label: String, value: String) -> Headline {
    let estimate = Estimate { mean: 0.0, ci95_low: None, ci95_high: None, n: None };
    Headline { label, column: String::new(), estimate, value, interval: None }
}

/// The table of configurations in the report.
fn table(results: &[ConfigResult]) -> Table {
    let headers = [
        "configuration",
        "runs",
        "history rows",
        "closed (store / simulator)",
        "races (store / simulator)",
        "median run (ms)",
        "longest run (ms)",
        "kept up",
    ];
    let rows = results
        .iter()
        .map(|r| {
            let (c, sc, ra, sr) = totals(r);
            let mut d: Vec<f64> = r.runs.iter().map(|m| m.duration_s * 1000.0).collect();
            d.sort_by(f64::total_cmp);
            let med = d.get(d.len() / 2).copied().unwrap_or(0.0);
            vec![
                r.label(),
                r.runs.len().to_string(),
                r.history.to_string(),
                format!("{c} / {sc}"),
                format!("{ra} / {sr}"),
                format!("{med:.2}"),
                format!("{:.2}", d.last().copied().unwrap_or(0.0)),
                if r.kept_up() { "yes".into() } else { "NO".into() },
            ]
        })
        .collect();
    Table { headers: headers.map(String::from).to_vec(), rows }
}

/// The charts (PNG and SVG) and report.html, as (file name, bytes).
pub fn render(v: &View) -> Result<Vec<(String, Vec<u8>)>, crate::output::charts::ChartError> {
    let charts = [Chart::LoadtestDuration(duration_chart(v)), Chart::LoadtestRaces(race_chart(v))];
    let mut files = Vec::new();
    let mut inlined = Vec::new();
    for c in &charts {
        files.push((format!("{}.png", c.file_stem()), c.png()?));
        let svg = c.svg()?;
        files.push((format!("{}.svg", c.file_stem()), svg.clone().into_bytes()));
        inlined.push(ReportChart { title: c.title().to_string(), file_stem: c.file_stem().to_string(), svg });
    }
    let warnings: Vec<String> = v.results.iter().filter(|r| !r.kept_up()).map(verdict).collect();
    let headline = v
        .results
        .iter()
        .map(|r| headline(r.label(), if r.kept_up() { "keeps up" } else { "does not keep up" }.into()))
        .collect();
    let ctx = ReportContext {
        title: format!("Load test: {}", v.scenario.name),
        description: format!(
            "The sweep job of {} against {}, driven by one replication's traffic. Query plans and the eligibility query are in query_plans.txt; every run is a row of loadtest.csv.",
            v.scenario.name, v.store
        ),
        rerun: Some(v.rerun.clone()),
        headline_config: None,
        headline,
        warnings,
        charts: inlined,
        comparison: Some(table(v.results)),
        // The query plans are in query_plans.txt and the terminal: the page's plan section is
        // the staffing plan's.
        plan: None,
        scenario_text: Some(v.scenario.source_text.clone()),
        notes: PageNotes {
            headline: "Whether the job kept up: every run finished before the next one was due (one replication's \
                       traffic, measured on the store)."
                .into(),
            no_warnings: "None: every configuration kept up.".into(),
            comparison: "One row per configuration (sweep interval and index): closures and race closures in the \
                         store against the simulator's, run durations measured on the store's clock."
                .into(),
        },
    };
    files.push(("report.html".into(), report::render(&ctx).into_bytes()));
    Ok(files)
}
