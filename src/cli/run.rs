//! `autoclose run`: one scenario, its replications in parallel, its results folder.

use super::{progress::with_progress, set_threads, RunArgs};
use anyhow::Context;
use autoclose::metrics::{AggregateRow, Metric};
use autoclose::output::{write_timeseries, Clock, CommandLine, Provenance, ResultsFolder, SummaryWriter};
use autoclose::runner::{run_all_export, Sinks};
use autoclose::scenario::reader::MAX_REPLICATIONS;
use autoclose::scenario::{self, overrides::Override, Scenario};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// The overrides a run applies: `--seed` and `--replications` first, then every `--set`.
/// The two flags are checked here, against the scenario's own bounds, so that their errors
/// name the flag typed; a flag and a `--set` of its key together are refused (which one
/// would win is not something to leave to order).
pub fn overrides(seed: Option<u64>, replications: Option<u32>, set: &[String]) -> anyhow::Result<Vec<Override>> {
    let mut out = Vec::new();
    if let Some(s) = seed {
        anyhow::ensure!(
            i64::try_from(s).is_ok(),
            "--seed must be a whole number from 0 to {} (a TOML integer), got {s}",
            i64::MAX
        );
        out.push(Override { key: "scenario.seed".into(), value: s.to_string() });
    }
    if let Some(r) = replications {
        anyhow::ensure!(
            (1..=MAX_REPLICATIONS).contains(&i64::from(r)),
            "--replications must be from 1 to {MAX_REPLICATIONS}, got {r}"
        );
        out.push(Override { key: "scenario.replications".into(), value: r.to_string() });
    }
    let flags = out.len();
    for s in set {
        let ov = Override::parse(s).map_err(anyhow::Error::msg).with_context(|| format!("--set {s}"))?;
        // In any spelling (`scenario."seed"`), or through its table (`scenario={seed=7}`).
        let covers = |f: &Override| autoclose::grid::key_covers(&ov.key, &f.key);
        if let Some(flag) = out[..flags].iter().find(|f| covers(f)) {
            let name = flag.key.trim_start_matches("scenario.");
            anyhow::bail!("--{name} {} and --set {s} both set {}: give one of them", flag.value, ov.key);
        }
        out.push(ov);
    }
    Ok(out)
}

pub fn load(path: &std::path::Path, overrides: &[Override]) -> anyhow::Result<Scenario> {
    scenario::load_file(path, overrides)
        .map_err(|d| anyhow::anyhow!("{} is not a valid scenario:\n{d}", path.display()))
}

pub fn run(a: RunArgs) -> anyhow::Result<ExitCode> {
    set_threads(a.threads)?;
    super::signals::install()?;
    let ov = a.scenario_opts.overrides()?;
    let s = load(&a.scenario, &ov)?;
    let target = a.out.clone().unwrap_or_else(|| PathBuf::from("results").join(&s.name));
    let folder = ResultsFolder::begin(&target, a.folder.force)?;
    let started = Instant::now();
    let total = s.horizon.ms() * s.replications as u64;
    let outcome = with_progress(total, a.quiet, |counter| {
        let part = |name: &str, r: u32| {
            folder.create_part(&format!("{name}.part{r}")).map_err(|e| std::io::Error::other(e.to_string()))
        };
        // Sweep runs are streamed too: a 1-second sweep makes 86,400 rows a day.
        let sinks = |r: u32| -> std::io::Result<Sinks<_>> {
            Ok(Sinks {
                conversations: a.conversations.then(|| part("conversations", r)).transpose()?,
                messages: a.messages.then(|| part("messages", r)).transpose()?,
                sweeps: Some(part("sweeps", r)?),
            })
        };
        run_all_export(&s, sinks, Some(counter))
    })?;
    let wall = started.elapsed();

    let mut summary = SummaryWriter::new(folder.create("summary.csv")?)?;
    summary.replications(&s.name, "base", &outcome.reports)?;
    summary.aggregates(&s.name, "base", &outcome.aggregate)?;
    summary.finish()?.flush()?;
    let clock = Clock::new(s.start_date);
    let rows: Vec<_> = outcome.reports.iter().map(|r| (s.name.as_str(), "base", r)).collect();
    write_timeseries(folder.create("timeseries.csv")?, clock, &rows)?.flush()?;
    let sweep_parts: Vec<String> = (0..s.replications).map(|r| format!("sweeps.part{r}")).collect();
    folder.concat("sweeps.csv", &sweep_parts)?;
    if a.conversations {
        let parts: Vec<String> = (0..s.replications).map(|r| format!("conversations.part{r}")).collect();
        folder.concat("conversations.csv", &parts)?;
    }
    if a.messages {
        let parts: Vec<String> = (0..s.replications).map(|r| format!("messages.part{r}")).collect();
        folder.concat("messages.csv", &parts)?;
    }
    folder.add("scenario.toml", s.source_text.as_bytes())?;
    let provenance = Provenance {
        command: "run".into(),
        scenario_file: a.scenario.display().to_string(),
        scenario_name: s.name.clone(),
        seed: s.seed,
        replications: s.replications,
        overrides: ov.iter().map(|o| format!("{}={}", o.key, o.value)).collect(),
        rerun: rerun(&a, &target),
    };
    let dir = autoclose::output::visuals::finish(folder, &provenance, !a.folder.no_charts)?;

    if !a.quiet {
        let overall = &outcome.aggregate[0];
        let events: u64 = outcome.reports.iter().map(|r| r.stats.events).sum();
        println!(
            "{}: {} replication(s) of {} in {:.2} s ({:.1} M events/s)",
            s.name,
            s.replications,
            s.horizon,
            wall.as_secs_f64(),
            events as f64 / wall.as_secs_f64() / 1e6
        );
        print_summary(overall);
        println!("results: {}", dir.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The `run` command that writes the same folder again: every argument that decides the
/// results, as typed (not `--force`, `--threads` or `--quiet`, which change none).
fn rerun(a: &RunArgs, target: &Path) -> CommandLine {
    let mut c = CommandLine::new(["autoclose", "run"]);
    c.arg(a.scenario.display().to_string()).opt("--out", target.display().to_string());
    a.scenario_opts.push_words(&mut c);
    if a.conversations {
        c.arg("--conversations");
    }
    if a.messages {
        c.arg("--messages");
    }
    if a.folder.no_charts {
        c.arg("--no-charts");
    }
    c
}

/// Mean and 95% interval of a figure, for the terminal.
pub fn show(row: &AggregateRow, m: Metric, scale: f64, unit: &str) -> String {
    match row.estimates[m as usize] {
        None => "n/a".into(),
        Some(e) => match e.half_width {
            Some(h) => format!("{:.2}{unit} ± {:.2}", e.mean * scale, h * scale),
            None => format!("{:.2}{unit}", e.mean * scale),
        },
    }
}

fn print_summary(overall: &AggregateRow) {
    use super::terminal::{saturation_warning, show_duration};
    let mut lines = vec![
        ("auto-closed", show(overall, Metric::AutoClosed, 1.0, "")),
        ("closure latency p50", show_duration(overall, Metric::LatencyP50S)),
        ("closure latency p99", show_duration(overall, Metric::LatencyP99S)),
        ("premature closures", show(overall, Metric::PrematureShare, 100.0, " %")),
        ("silent capacity", show(overall, Metric::SilentCapacityAgents, 1.0, " agents")),
        ("zombie capacity", show(overall, Metric::ZombieCapacityAgents, 1.0, " agents")),
        ("mean queue wait", show_duration(overall, Metric::QueueWaitMeanS)),
        ("service level", show(overall, Metric::ServiceLevel, 100.0, " %")),
        ("occupancy", show(overall, Metric::Occupancy, 100.0, " %")),
    ];
    // A rule acting by a move to Wrap-up (Dynamics voice) or a park: their counts beside the
    // closures, since the premature share is of closures and moves together.
    let acted = |m: Metric| overall.estimates[m as usize].is_some_and(|e| e.mean > 0.0);
    if acted(Metric::AutoParked) {
        lines.insert(1, ("auto-parked", show(overall, Metric::AutoParked, 1.0, "")));
    }
    if acted(Metric::AutoMovedToWrapUp) {
        lines.insert(1, ("auto-moved to wrap-up", show(overall, Metric::AutoMovedToWrapUp, 1.0, "")));
    }
    for (k, v) in lines {
        println!("  {k:<22} {v}");
    }
    if let Some(w) = saturation_warning(overall) {
        println!("{w}");
    }
}
