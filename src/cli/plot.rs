//! `autoclose plot RESULTS_DIR`: redraws every chart and report.html from a results folder's
//! CSVs alone (a folder from another machine or from `merge`). The library renders the bytes
//! and the export manager writes them, each to a temporary name then renamed into place.

use autoclose::output::visuals::{self, RenderOptions};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct PlotArgs {
    /// The results folder (from `run`, `sweep`, `merge` or `plan`).
    pub results: PathBuf,
    /// Worker threads [default: all cores]. The files do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print nothing.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn plot(a: PlotArgs) -> anyhow::Result<ExitCode> {
    super::set_threads(a.threads)?;
    let started = Instant::now();
    let files = visuals::render_folder(&a.results, &RenderOptions::default())?;
    autoclose::output::replace_files(&a.results, &files)?;
    if !a.quiet {
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        eprintln!(
            "plot: {} file(s) in {:.2} s into {}: {}",
            files.len(),
            started.elapsed().as_secs_f64(),
            a.results.display(),
            names.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}
