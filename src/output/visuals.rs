//! The charts and the report of a results folder as bytes: the one entry point `plot`, `run`
//! and `sweep` call. Renders in parallel, never writes a file (the caller does).

use crate::output::charts::{self, Chart, ChartError};
use crate::output::load::{self, LoadError, LoadedResults};
use crate::output::report::{self, ReportChart};
use rayon::prelude::*;
use std::path::Path;

/// What to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    pub png: bool,
    pub svg: bool,
    pub report: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions { png: true, svg: true, report: true }
    }
}

/// Why the charts or the report could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum VisualsError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Chart(#[from] ChartError),
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
}

/// One output file: its name inside the results folder and its bytes.
pub type RenderedFile = (String, Vec<u8>);

/// The name of the report inside a results folder.
pub const REPORT_FILE: &str = "report.html";

/// Finishes a results folder: its manifest, then (with `charts`) every chart and the report
/// drawn from the files written so far, listed in the manifest too, then the move into place.
/// Charts that cannot be drawn fail the command before anything is moved into place.
pub fn finish(
    folder: crate::output::ResultsFolder,
    p: &crate::output::Provenance,
    charts: bool,
) -> Result<std::path::PathBuf, VisualsError> {
    folder.write_manifest(p)?;
    if charts {
        for (name, bytes) in render_folder(folder.dir(), &RenderOptions::default())? {
            folder.add(&name, &bytes)?;
        }
        folder.write_manifest(p)?;
    }
    Ok(folder.commit()?)
}

/// Reads a results folder and renders it (see `render`).
pub fn render_folder(folder: &Path, opts: &RenderOptions) -> Result<Vec<RenderedFile>, VisualsError> {
    let loaded = load::load(folder)?;
    render(&loaded, opts)
}

/// Every chart whose data exists, as `<stem>.png` and `<stem>.svg`, then `report.html`
/// (which inlines the SVGs), in a fixed order whatever the thread count.
pub fn render(r: &LoadedResults, opts: &RenderOptions) -> Result<Vec<RenderedFile>, VisualsError> {
    let prepared = charts::prepare_all(r);
    let need_svg = opts.svg || opts.report;
    let jobs: Vec<(usize, bool)> = (0..prepared.len())
        .flat_map(|i| [(i, true), (i, false)])
        .filter(|&(_, png)| if png { opts.png } else { need_svg })
        .collect();
    let drawn: Vec<(usize, bool, Vec<u8>)> = jobs
        .into_par_iter()
        .map(|(i, png)| {
            let c: &Chart = &prepared[i];
            let bytes = if png { c.png()? } else { c.svg()?.into_bytes() };
            Ok((i, png, bytes))
        })
        .collect::<Result<_, ChartError>>()?;
    let mut files = Vec::new();
    let mut inlined = Vec::new();
    for (i, png, bytes) in drawn {
        let c = &prepared[i];
        if !png && opts.report {
            let svg = String::from_utf8(bytes.clone()).expect("plotters should write SVG as UTF-8");
            inlined.push(ReportChart { title: c.title().to_string(), file_stem: c.file_stem().to_string(), svg });
        }
        if png || opts.svg {
            files.push((format!("{}.{}", c.file_stem(), if png { "png" } else { "svg" }), bytes));
        }
    }
    if opts.report {
        let ctx = report::context(r, inlined);
        files.push((REPORT_FILE.to_string(), report::render(&ctx).into_bytes()));
    }
    Ok(files)
}
