//! `autoclose merge`: checks that the folders are the N shards of one `sweep --shard I/N`
//! grid and writes exactly the folder a single unsharded `sweep` writes.

use super::run::overrides;
use super::sweep::{provenance, table, RunHead};
use super::FolderOpts;
use anyhow::Context;
use autoclose::grid::{self, shard};
use autoclose::metrics::RepReport;
use autoclose::output::ResultsFolder;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The shard folders written by `sweep --shard I/N`: all N of them, in any order.
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Results folder [default: results/<scenario name>-sweep].
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub folder: FolderOpts,
    /// No table.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn merge(a: MergeArgs) -> anyhow::Result<ExitCode> {
    super::signals::install()?;
    let m = shard::merge(&a.dirs)?;
    let info = &m.info;
    let ov = overrides(info.args.seed, info.args.replications, &info.args.set)?;
    let target =
        a.out.clone().unwrap_or_else(|| PathBuf::from("results").join(format!("{}-sweep", info.scenario_name)));
    let folder = ResultsFolder::begin(&target, a.folder.force)?;
    // Copied from the shards, never held whole in memory.
    for file in shard::RowsFile::ALL {
        m.write_rows(file, folder.create(file.name())?)?;
    }
    folder.add("grid.csv", &grid::write_grid(Vec::new(), &m.grid)?)?;
    let all: Vec<&[RepReport]> = m.reports.iter().map(Vec::as_slice).collect();
    let rows = grid::comparison(&all, info.baseline_index);
    let out = folder.create("comparison.csv")?;
    grid::write_comparison(out, &info.scenario_name, &m.grid, info.baseline_index, &rows)
        .and_then(|mut w| w.flush())
        .context("writing comparison.csv")?;
    folder.add("scenario.toml", info.scenario_text.as_bytes())?;
    let head = RunHead { name: &info.scenario_name, seed: info.seed, replications: info.replications };
    let p = provenance(&info.scenario_file, &head, &ov, &info.args, &target, a.folder.no_charts);
    // Everything that could fail runs before the folder is moved into place.
    let configs: Vec<usize> = (0..m.grid.configs.len()).collect();
    let shown = (!a.quiet).then(|| table(&m.grid, &configs, &m.reports, info.baseline_index));
    let dir = autoclose::output::visuals::finish(folder, &p, !a.folder.no_charts)?;
    if let Some(shown) = shown {
        println!("{}: merged {} shard(s) of {} configuration(s)", info.scenario_name, info.count, m.grid.configs.len());
        print!("{shown}");
        println!("results: {}", dir.display());
    }
    Ok(ExitCode::SUCCESS)
}
