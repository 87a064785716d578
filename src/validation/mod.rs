//! Validation against queueing theory: the `check` command's library side. Owns the
//! validation cases (a scenario plus its `NAME.check.toml`), the theory they are compared with
//! (Erlang C, Erlang A, Little's law, uniform sweep latency, zero exact-timer latency), the
//! observer that measures them, and the Bonferroni-corrected verdict. Prints nothing: the CLI
//! formats the `Verdict`.
//!
//! See `docs/check.md` for the method: how the simulator maps to each theory, how tolerances
//! come from confidence intervals, and how warm-up and run length were chosen.

pub mod case;
pub mod compare;
pub mod probe;
pub mod theory;

pub use case::{check_file_path, discover, Case, CheckFile, CheckKind, QueueModel};
pub use compare::{
    combine, judge, plan, run_case, Comparison, Evidence, Interval, Judged, Plan, Verdict, FAMILY_ALPHA, KS_LEVEL,
};

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;

/// Where `check` looks for validation scenarios when given none.
pub const VALIDATION_DIR: &str = "scenarios/validation";

/// Why a check could not be carried out (a failed comparison is not an error: see `Verdict`).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("cannot list the validation scenarios of {dir}: {error}")]
    Discover { dir: String, error: std::io::Error },
    #[error("{dir} holds no validation scenario (*.toml besides *.check.toml)")]
    NoCases { dir: String },
    #[error("{scenario} has no check file: write {check_file} with e.g. `checks = [\"little\"]`, or pass --checks")]
    NoCheckFile { scenario: String, check_file: String },
    #[error("{scenario}: no such scenario file")]
    NoScenario { scenario: String },
    #[error("{path}: {message}")]
    CheckFile { path: String, message: String },
    #[error("{path} is not a valid scenario:\n{diagnostics}")]
    Scenario { path: String, diagnostics: String },
    #[error("{path}: {check}: {reason}")]
    Unfit { path: String, check: &'static str, reason: String },
    #[error("{count} problems; nothing was run:\n{report}")]
    Several { count: usize, report: String },
    #[error("{path}: simulator bug in replication {replication}: {message}")]
    Sim { path: String, replication: u32, message: String },
}

/// How to load the cases.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Fewer replications and shorter horizons, as each check file's `[quick]` says.
    pub quick: bool,
    /// Checks to run on every scenario, instead of their check files' lists.
    pub checks: Option<Vec<CheckKind>>,
}

/// The scenarios to check: `paths`, or every validation scenario of `dir` when empty. A check
/// file given as a path (a shell glob such as `dir/*.toml` includes them) stands for its
/// scenario; each scenario is checked once.
pub fn scenario_paths(paths: &[PathBuf], dir: &Path) -> Result<Vec<PathBuf>, CheckError> {
    if !paths.is_empty() {
        let mut out: Vec<PathBuf> = Vec::new();
        for p in paths {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let p = match name.strip_suffix(".check.toml") {
                Some(stem) => p.with_file_name(format!("{stem}.toml")),
                None => p.clone(),
            };
            if !out.contains(&p) {
                out.push(p);
            }
        }
        return Ok(out);
    }
    let found = discover(dir)?;
    if found.is_empty() {
        return Err(CheckError::NoCases { dir: dir.display().to_string() });
    }
    Ok(found)
}

/// Loads every case and checks that each of its theories applies, before anything runs.
/// Reports every problem of every case at once (one error as it is, several together).
pub fn load_cases(paths: &[PathBuf], opts: &Options) -> Result<Vec<Case>, CheckError> {
    let mut cases = Vec::new();
    let mut problems = Vec::new();
    for p in paths {
        match Case::load(p, opts.quick, opts.checks.as_deref()) {
            Ok(case) => match plan(&case) {
                Ok(_) => cases.push(case),
                Err(e) => problems.extend(e),
            },
            Err(e) => problems.push(e),
        }
    }
    if !problems.is_empty() {
        return Err(combine(problems));
    }
    Ok(cases)
}

/// Runs every case (one after the other, replications in parallel) and judges all their
/// comparisons as one family.
pub fn check_cases(cases: &[Case], progress: Option<&AtomicU64>) -> Result<Verdict, CheckError> {
    let mut all = Vec::new();
    for c in cases {
        all.extend(run_case(c, progress)?);
    }
    Ok(judge(all, FAMILY_ALPHA))
}
