//! `autoclose loadtest`: the sweep job of a scenario against a real database (SQLite in the
//! results folder, or PostgreSQL), driven by one replication's traffic; `loadtest.csv`, the
//! query plans, two charts, report.html and a plain verdict on whether the job keeps up.

use super::{FolderOpts, ScenarioOpts};
use anyhow::Context;
use autoclose::loadtest::{self, IndexChoice, LoadtestOptions, ReplayOptions, Store};
use autoclose::output::{Clock, CommandLine, Provenance, ResultsFolder};
use autoclose::policy::SchedulerKind;
use autoclose::scenario::overrides::Override;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct LoadtestArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// The store: postgres://USER@HOST:PORT/DB (or ?host=/socket/dir), or sqlite:PATH
    /// [default: SQLite, store.sqlite in the results folder].
    #[arg(long)]
    pub store: Option<String>,
    /// Closed conversations written before the replay, as a production table holds them.
    #[arg(long, default_value_t = 0)]
    pub history: u64,
    /// Index choices to compare, comma-separated: none, clock, state_clock.
    #[arg(long, value_delimiter = ',', default_value = "none,state_clock")]
    pub index: Vec<String>,
    /// Sweep intervals to compare (set on every sweep scheduler), comma-separated, e.g.
    /// 5m,1h,12h [default: the scenario's].
    #[arg(long, value_delimiter = ',')]
    pub interval: Vec<String>,
    /// Simulated seconds that pass per wall-clock second while a run of the job is in
    /// progress (customers keep writing); 0: the job takes no time.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Close one row at a time at the scheduler's closures_per_second (simulated time, so
    /// --speed times faster on the wall clock), as the platform's API paces the job.
    #[arg(long)]
    pub pace: bool,
    /// Writer connections that apply the traffic.
    #[arg(long, default_value_t = 4)]
    pub writers: usize,
    /// Rows per page of the eligibility query (within max_closures_per_run).
    #[arg(long, default_value_t = 5000)]
    pub page_size: u64,
    /// The replication whose traffic is replayed.
    #[arg(long, default_value_t = 0)]
    pub replication: u32,
    /// Results folder [default: results/<scenario name>-loadtest].
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub scenario_opts: ScenarioOpts,
    #[command(flatten)]
    pub folder: FolderOpts,
    /// No summary.
    #[arg(long, short)]
    pub quiet: bool,
}

fn checked(a: &LoadtestArgs) -> anyhow::Result<Vec<IndexChoice>> {
    anyhow::ensure!(
        a.speed.is_finite() && (0.0..=1e6).contains(&a.speed),
        "--speed {} is out of range: give 0 (the job takes no time) to 1000000 simulated seconds per second",
        a.speed
    );
    anyhow::ensure!((1..=64).contains(&a.writers), "--writers {} is out of range: give 1 to 64", a.writers);
    anyhow::ensure!(
        (1..=1_000_000).contains(&a.page_size),
        "--page-size {} is out of range: give 1 to 1000000",
        a.page_size
    );
    anyhow::ensure!(a.history <= 100_000_000, "--history {} is out of range: give 0 to 100000000 rows", a.history);
    let mut out = Vec::new();
    for s in &a.index {
        let c = IndexChoice::parse(s.trim()).with_context(|| {
            let all: Vec<&str> = IndexChoice::ALL.iter().map(|(k, _)| *k).collect();
            format!("--index {s}: unknown index choice; give a comma-separated list of {}", all.join(", "))
        })?;
        if !out.contains(&c) {
            out.push(c);
        }
    }
    Ok(out)
}

pub fn loadtest(a: LoadtestArgs) -> anyhow::Result<ExitCode> {
    super::signals::install()?;
    let indexes = checked(&a)?;
    let ov = a.scenario_opts.overrides()?;
    let base = super::run::load(&a.scenario, &ov)?;
    let sweeps: Vec<String> = base
        .policy
        .schedulers
        .iter()
        .filter(|s| matches!(s.kind, SchedulerKind::Sweep(_)))
        .map(|s| s.name.clone())
        .collect();
    let mut scenarios = Vec::new();
    for v in &a.interval {
        let mut o = ov.clone();
        o.extend(sweeps.iter().map(|n| Override { key: format!("policy.schedulers.{n}.interval"), value: v.clone() }));
        scenarios.push(super::run::load(&a.scenario, &o).with_context(|| format!("--interval {v}"))?);
    }
    if scenarios.is_empty() {
        scenarios.push(base.clone());
    }
    loadtest::query::jobs(&base)?;
    let target = a.out.clone().unwrap_or_else(|| PathBuf::from("results").join(format!("{}-loadtest", base.name)));
    let folder = ResultsFolder::begin(&target, a.folder.force)?;
    let store: Box<dyn Store> = match &a.store {
        Some(url) => loadtest::open_store(url)?,
        None => Box::new(loadtest::SqliteStore { path: folder.staged("store.sqlite")? }),
    };
    let opts = LoadtestOptions {
        history: a.history,
        replication: a.replication,
        replay: ReplayOptions { writers: a.writers, speed: a.speed, page_size: a.page_size, pace: a.pace },
    };
    let mut results = Vec::new();
    for s in &scenarios {
        for &ix in &indexes {
            if !a.quiet {
                eprintln!("loadtest: interval {}, index {} ...", interval_of(s), ix.key());
            }
            results.push(loadtest::run_config(s, store.as_ref(), ix, &opts)?);
        }
    }
    let clock = Clock::new(base.start_date);
    let desc = match &a.store {
        Some(_) => store.describe(),
        None => format!("sqlite:{}", target.join("store.sqlite").display()),
    };
    loadtest::csv::write(folder.create("loadtest.csv")?, clock, &desc, &results)?.flush()?;
    folder.add("query_plans.txt", loadtest::summary::plans_text(&results).as_bytes())?;
    // The default store, store.sqlite, stays in the folder as the job left it; it is the
    // database, not a result, so the manifest does not list it.
    folder.add("scenario.toml", base.source_text.as_bytes())?;
    let rerun = rerun(&a, &target);
    if !a.folder.no_charts {
        let view =
            loadtest::summary::View { scenario: &base, store: &desc, results: &results, rerun: rerun.to_shell() };
        for (name, bytes) in loadtest::summary::render(&view)? {
            folder.add(&name, &bytes)?;
        }
    }
    let provenance = Provenance {
        command: "loadtest".into(),
        scenario_file: a.scenario.display().to_string(),
        scenario_name: base.name.clone(),
        seed: base.seed,
        replications: 1,
        overrides: ov.iter().map(|o| format!("{}={}", o.key, o.value)).collect(),
        rerun,
    };
    let dir = folder.commit_with_manifest(&provenance)?;
    if !a.quiet {
        for line in loadtest::summary::terminal(&results, &desc) {
            println!("{line}");
        }
        println!("results: {}", dir.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn interval_of(s: &autoclose::scenario::Scenario) -> String {
    s.policy
        .schedulers
        .iter()
        .find_map(|x| match &x.kind {
            SchedulerKind::Sweep(sp) => Some(sp.interval.to_string()),
            SchedulerKind::Exact => None,
        })
        .unwrap_or_default()
}

/// The command that runs the same load test again (its timings differ: they are measured).
fn rerun(a: &LoadtestArgs, target: &std::path::Path) -> CommandLine {
    let mut c = CommandLine::new(["autoclose", "loadtest"]);
    c.arg(a.scenario.display().to_string()).opt("--out", target.display().to_string());
    if let Some(s) = &a.store {
        c.opt("--store", loadtest::pg::redact(s));
    }
    c.opt("--history", a.history.to_string()).opt("--index", a.index.join(","));
    if !a.interval.is_empty() {
        c.opt("--interval", a.interval.join(","));
    }
    c.opt("--speed", a.speed.to_string())
        .opt("--writers", a.writers.to_string())
        .opt("--page-size", a.page_size.to_string())
        .opt("--replication", a.replication.to_string());
    if a.pace {
        c.arg("--pace");
    }
    a.scenario_opts.push_words(&mut c);
    if a.folder.no_charts {
        c.arg("--no-charts");
    }
    c
}
