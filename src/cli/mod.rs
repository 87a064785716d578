//! Command-line definitions, progress bars and terminal tables. Never simulates by itself:
//! every command calls the library.

mod check;
mod fit;
mod loadtest;
mod merge;
mod plan;
mod plot;
mod progress;
mod run;
mod signals;
mod sweep;
mod terminal;
mod validate;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Simulate the auto-close of idle contact-center conversations: what a timeout and a sweep
/// interval cost in closure delay, premature closures and agent capacity.
#[derive(Debug, Parser)]
#[command(name = "autoclose", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one scenario (replications in parallel) and write its results.
    Run(RunArgs),
    /// Check scenario files and explain every problem with its line and column.
    Validate(ValidateArgs),
    /// Run a grid of configurations (e.g. sweep interval x timeout) and compare them.
    Sweep(sweep::SweepArgs),
    /// Combine the outputs of `sweep --shard I/N` runs into the single-run result.
    Merge(merge::MergeArgs),
    /// Find the fewest agents that meet service targets under each configuration.
    Plan(plan::PlanArgs),
    /// Run the validation scenarios against queueing theory and print theory against simulation.
    Check(check::CheckArgs),
    /// Run the sweep job against a real database (SQLite or PostgreSQL), driven by the simulation.
    Loadtest(loadtest::LoadtestArgs),
    /// Redraw every chart (PNG and SVG) and report.html of a results folder from its CSVs.
    Plot(plot::PlotArgs),
    /// Fit a scenario to an export (conversations, and a message log): arrival profiles,
    /// patience, response times with the never-answer share, exchanges, wrap-up.
    Fit(fit::FitArgs),
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// Results folder [default: results/<scenario name>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub scenario_opts: ScenarioOpts,
    /// Also write conversations.csv, one row per conversation.
    #[arg(long)]
    pub conversations: bool,
    /// Also write messages.csv, the message log (every message, assignment, park, reader
    /// join and transfer, with its sender): with --conversations, a full synthetic export.
    #[arg(long)]
    pub messages: bool,
    #[command(flatten)]
    pub folder: FolderOpts,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress bar and no summary.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The scenario as run, in every command that simulates: the file's settings with these on top.
#[derive(Debug, Clone, clap::Args)]
pub struct ScenarioOpts {
    /// Master seed, instead of the scenario's `scenario.seed`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Replications (of each configuration), instead of the scenario's `scenario.replications`.
    #[arg(long)]
    pub replications: Option<u32>,
    /// Override any scenario key by its dotted path (in every configuration), e.g.
    /// --set policy.schedulers.main.interval=5m
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

impl ScenarioOpts {
    /// The overrides they make: `--seed` and `--replications` first, then every `--set`.
    pub fn overrides(&self) -> anyhow::Result<Vec<autoclose::scenario::overrides::Override>> {
        run::overrides(self.seed, self.replications, &self.set)
    }

    /// Appends `--seed`, `--replications` and every `--set`, as typed, to a rerun command.
    pub fn push_words(&self, c: &mut autoclose::output::CommandLine) {
        if let Some(seed) = self.seed {
            c.opt("--seed", seed.to_string());
        }
        if let Some(r) = self.replications {
            c.opt("--replications", r.to_string());
        }
        for s in &self.set {
            c.opt("--set", s.clone());
        }
    }

    /// What a grid's shards and manifest keep of a `sweep` or `plan` command line.
    pub fn grid_args(&self, vary: &[String], baseline: Option<String>) -> autoclose::grid::GridArgs {
        autoclose::grid::GridArgs {
            vary: vary.to_vec(),
            set: self.set.clone(),
            seed: self.seed,
            replications: self.replications,
            baseline,
        }
    }
}

/// What becomes of the results folder, in every command that writes one.
#[derive(Debug, Clone, clap::Args)]
pub struct FolderOpts {
    /// Replace an existing results folder (only an empty folder or one autoclose wrote).
    #[arg(long)]
    pub force: bool,
    /// Skip the charts (PNG, SVG) and report.html; `autoclose plot DIR` draws them later (a
    /// `loadtest` folder's only by rerunning the load test).
    #[arg(long)]
    pub no_charts: bool,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Scenario files to check.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Override keys as `run --set` does, to check the result.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(a) => run::run(a),
        Command::Validate(a) => validate::validate(a),
        Command::Sweep(a) => sweep::sweep(a),
        Command::Merge(a) => merge::merge(a),
        Command::Check(a) => check::check(a),
        Command::Plan(a) => plan::run(a),
        Command::Plot(a) => plot::plot(a),
        Command::Fit(a) => fit::run(a),
        Command::Loadtest(a) => loadtest::loadtest(a),
    }
}

/// Sets the size of rayon's global pool, once.
/// The most worker threads `--threads` accepts: far above any machine's cores (a thread per
/// core is what pays), low enough that starting them cannot hang the command.
pub const MAX_THREADS: usize = 1024;

pub fn set_threads(threads: Option<usize>) -> anyhow::Result<()> {
    if let Some(n) = threads {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        anyhow::ensure!(
            (1..=MAX_THREADS).contains(&n),
            "--threads must be from 1 to {MAX_THREADS}, got {n} (this machine has {cores} cores; the results do not depend on it)"
        );
        rayon::ThreadPoolBuilder::new().num_threads(n).build_global()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
