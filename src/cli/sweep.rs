//! `autoclose sweep`: a grid of configurations (`--vary`), every one checked before any run,
//! their replications in parallel, one results folder with the comparison, or with
//! `--shard I/N` one share of the grid for `autoclose merge`.

use super::progress::with_progress;
use super::run::{load, show};
use super::{set_threads, FolderOpts, ScenarioOpts};
use anyhow::Context;
use autoclose::grid::{self, ConfigRows, Grid, GridArgs, ShardInfo, ShardSpec};
use autoclose::metrics::{aggregate, Metric, RepReport};
use autoclose::output::{write_sweeps, write_timeseries, Clock, CommandLine, Provenance, ResultsFolder};
use autoclose::scenario::overrides::Override;
use autoclose::scenario::Scenario;
use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// An axis of the grid: a dotted scenario key and its values, e.g.
    /// --vary policy.schedulers.main.interval=5m,25m,1h. Ranges, ends included: 20..40:2
    /// (integers; step 1 by default), 5m..30m:5m (durations). Repeatable: the grid is the
    /// product of the axes, the first varying slowest.
    #[arg(long = "vary", value_name = "KEY=V1,V2,...")]
    pub vary: Vec<String>,
    #[command(flatten)]
    pub scenario_opts: ScenarioOpts,
    /// The configuration the others are compared with, by label (`interval=25m,waiting=2h`)
    /// or 0-based index [default: the first].
    #[arg(long, value_name = "LABEL|INDEX")]
    pub baseline: Option<String>,
    /// Run only configurations c with c % N == I (0 <= I < N) and write a shard folder for
    /// `autoclose merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Results folder [default: results/<scenario name>-sweep, or
    /// results/<scenario name>-sweep-shard-I-of-N].
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub folder: FolderOpts,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress bar and no table.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn sweep(a: SweepArgs) -> anyhow::Result<ExitCode> {
    set_threads(a.threads)?;
    super::signals::install()?;
    let grid = Grid::parse(&a.vary)?;
    let shard = a.shard.as_deref().map(|s| ShardSpec::parse_for(s, grid.configs.len())).transpose()?;
    let ov = a.scenario_opts.overrides()?;
    let base = load(&a.scenario, &ov)?;
    let scenarios = grid::load_configs(&a.scenario, &base, &ov, &grid)?;
    let baseline = a.baseline.as_deref().map(|b| grid.find(b)).transpose()?.unwrap_or(0);
    let args = a.scenario_opts.grid_args(&a.vary, a.baseline.clone());
    let target = a.out.clone().unwrap_or_else(|| {
        let name = match shard {
            None => format!("{}-sweep", base.name),
            Some(s) => format!("{}-sweep-shard-{}-of-{}", base.name, s.index, s.count),
        };
        PathBuf::from("results").join(name)
    });
    let folder = ResultsFolder::begin(&target, a.folder.force)?;

    let selected: Vec<usize> = (0..grid.configs.len()).filter(|&c| shard.is_none_or(|s| s.owns(c))).collect();
    let total: u64 = selected.iter().map(|&c| scenarios[c].horizon.ms() * scenarios[c].replications as u64).sum();
    let started = Instant::now();
    let run = with_progress(total, a.quiet, |counter| grid::run_grid(&scenarios, &selected, Some(counter)))?;
    let wall = started.elapsed();

    let labelled: Vec<(&str, &[RepReport])> =
        run.configs.iter().zip(&run.reports).map(|(&c, r)| (grid.configs[c].label.as_str(), r.as_slice())).collect();
    grid::write_summary(folder.create("summary.csv")?, &base.name, &labelled)?.flush()?;
    let (ts, sw) = per_config_csvs(&base.name, &grid, &scenarios, &run.configs, &run.reports)?;
    folder.add("timeseries.csv", &ts)?;
    folder.add("sweeps.csv", &sw)?;
    folder.add("grid.csv", &grid::write_grid(Vec::new(), &grid)?)?;
    folder.add("scenario.toml", base.source_text.as_bytes())?;
    // Everything that could fail runs before the folder is moved into place.
    let shown = (!a.quiet).then(|| table(&grid, &run.configs, &run.reports, baseline));
    let dir = match shard {
        None => {
            let all: Vec<&[RepReport]> = run.reports.iter().map(Vec::as_slice).collect();
            let rows = grid::comparison(&all, baseline);
            let bytes = grid::write_comparison(Vec::new(), &base.name, &grid, baseline, &rows)?;
            folder.add("comparison.csv", &bytes)?;
            let head = RunHead { name: &base.name, seed: base.seed, replications: base.replications };
            let p = provenance(&a.scenario.display().to_string(), &head, &ov, &args, &target, a.folder.no_charts);
            autoclose::output::visuals::finish(folder, &p, !a.folder.no_charts)?
        }
        Some(s) => {
            let info = ShardInfo {
                format: grid::shard::SHARD_FORMAT,
                program: "autoclose".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                index: s.index,
                count: s.count,
                scenario_file: a.scenario.display().to_string(),
                scenario_name: base.name.clone(),
                seed: base.seed,
                replications: base.replications,
                grid_size: grid.configs.len(),
                configs_in_shard: selected.clone(),
                baseline_index: baseline,
                scenario_text: base.source_text.clone(),
                args,
                sha256: folder.sha256()?,
                rows: run
                    .configs
                    .iter()
                    .zip(&run.reports)
                    .map(|(&c, reps)| ConfigRows {
                        config: c,
                        timeseries: reps.iter().map(|r| r.timeseries.len() as u64).collect(),
                        sweeps: reps.iter().map(|r| r.sweeps.len() as u64).collect(),
                    })
                    .collect(),
            };
            folder.add("shard.toml", info.to_toml().as_bytes())?;
            folder.commit()?
        }
    };

    if let Some(shown) = shown {
        let events: u64 = run.reports.iter().flatten().map(|r| r.stats.events).sum();
        let share = shard.map(|s| format!(" (shard {}/{})", s.index, s.count)).unwrap_or_default();
        println!(
            "{}: {} configuration(s){share} x {} replication(s) of {} in {:.2} s ({:.1} M events/s)",
            base.name,
            run.configs.len(),
            base.replications,
            base.horizon,
            wall.as_secs_f64(),
            events as f64 / wall.as_secs_f64() / 1e6
        );
        print!("{shown}");
        println!("results: {}", dir.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `timeseries.csv` and `sweeps.csv` of the configurations run, each configuration with its
/// own calendar clock (a grid may vary `scenario.start_date`).
fn per_config_csvs(
    name: &str,
    grid: &Grid,
    scenarios: &[Scenario],
    configs: &[usize],
    reports: &[Vec<RepReport>],
) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    // Each call writes the header line first: keep it once (alone for a shard with no
    // configuration, so that merge still finds the columns).
    let clock0 = Clock::new(scenarios[0].start_date);
    let mut ts = write_timeseries(Vec::new(), clock0, &[]).context("writing timeseries.csv")?;
    let mut sw = write_sweeps(Vec::new(), clock0, &[]).context("writing sweeps.csv")?;
    let body = |bytes: Vec<u8>| -> Vec<u8> {
        let end = bytes.iter().position(|&b| b == b'\n').map_or(bytes.len(), |i| i + 1);
        bytes[end..].to_vec()
    };
    // Formatting is most of the writing time: each configuration's rows in parallel, joined
    // in grid order.
    let parts = configs
        .par_iter()
        .zip(reports)
        .map(|(&c, reps)| -> std::io::Result<(Vec<u8>, Vec<u8>)> {
            let clock = Clock::new(scenarios[c].start_date);
            let rows: Vec<_> = reps.iter().map(|r| (name, grid.configs[c].label.as_str(), r)).collect();
            Ok((body(write_timeseries(Vec::new(), clock, &rows)?), body(write_sweeps(Vec::new(), clock, &rows)?)))
        })
        .collect::<Result<Vec<_>, _>>()
        .context("writing timeseries.csv and sweeps.csv")?;
    for (t, s) in parts {
        ts.extend(t);
        sw.extend(s);
    }
    Ok((ts, sw))
}

/// What a manifest needs of the scenario as run.
pub struct RunHead<'a> {
    pub name: &'a str,
    pub seed: u64,
    pub replications: u32,
}

/// What the manifest of a whole grid says; `merge` writes the same one.
pub fn provenance(
    scenario_file: &str,
    s: &RunHead,
    ov: &[Override],
    args: &GridArgs,
    out: &Path,
    no_charts: bool,
) -> Provenance {
    let mut rerun = CommandLine::new(["autoclose", "sweep", scenario_file]);
    for w in args.words() {
        rerun.arg(w);
    }
    if no_charts {
        rerun.arg("--no-charts");
    }
    rerun.opt("--out", out.display().to_string());
    Provenance {
        command: "sweep".into(),
        scenario_file: scenario_file.to_string(),
        scenario_name: s.name.to_string(),
        seed: s.seed,
        replications: s.replications,
        overrides: ov.iter().map(|o| format!("{}={}", o.key, o.value)).collect(),
        rerun,
    }
}

/// The comparison table: a line per configuration, means with their 95% half-widths.
pub fn table(grid: &Grid, configs: &[usize], reports: &[Vec<RepReport>], baseline: usize) -> String {
    use super::terminal::{saturated_count, show_duration, SATURATION_ADVICE};
    use std::fmt::Write as _;
    let mut out = String::new();
    let mut any_saturated = false;
    let header = [
        "configuration",
        "auto-closed",
        "latency p50",
        "latency p99",
        "premature",
        "zombie agents",
        "queue wait",
        "service level",
        "saturated",
    ];
    let mut lines: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    for (&c, reps) in configs.iter().zip(reports) {
        let agg = aggregate(reps, grid::compare::LEVEL);
        let Some(o) = agg.first() else { continue };
        let mark = if c == baseline { " *" } else { "" };
        let (saturated, n) = saturated_count(o);
        any_saturated |= saturated > 0;
        lines.push(vec![
            format!("{}{mark}", grid.configs[c].label),
            show(o, Metric::AutoClosed, 1.0, ""),
            show_duration(o, Metric::LatencyP50S),
            show_duration(o, Metric::LatencyP99S),
            show(o, Metric::PrematureShare, 100.0, " %"),
            show(o, Metric::ZombieCapacityAgents, 1.0, ""),
            show_duration(o, Metric::QueueWaitMeanS),
            show(o, Metric::ServiceLevel, 100.0, " %"),
            if saturated > 0 { format!("! {saturated}/{n}") } else { "-".into() },
        ]);
    }
    let widths: Vec<usize> =
        (0..header.len()).map(|i| lines.iter().map(|l| l[i].chars().count()).max().unwrap_or(0)).collect();
    for (n, l) in lines.iter().enumerate() {
        let cells: Vec<String> = l
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (cell, w))| if i == 0 { format!("{cell:<w$}") } else { format!("{cell:>w$}") })
            .collect();
        let _ = writeln!(out, "  {}", cells.join("  ").trim_end());
        if n == 0 {
            let _ = writeln!(out, "  {}", widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "));
        }
    }
    out.push_str("  (* baseline; ± is the half-width of the 95% interval over replications; differences with paired intervals in comparison.csv)\n");
    if any_saturated {
        let _ = writeln!(
            out,
            "  ! saturated in that many replications (the `saturated` column of summary.csv): its figures describe a backlog, not a steady state; {SATURATION_ADVICE}"
        );
    }
    out
}
