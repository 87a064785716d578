//! Building and running a grid: every configuration is read and checked before anything
//! runs, then the (configuration, replication) jobs run flattened on rayon's pool and are
//! collected in grid order, so the results do not depend on the thread count.
//!
//! Common random numbers: a replication's seed derives from (master seed, replication index)
//! and every random stream from (seed, replication, purpose, index) (see `engine::rng`), so
//! replication r sees the same customers under every configuration.

use super::keys::{closest_keys, valid_keys};
use super::spec::{canonical_key, key_covers};
use super::{Grid, GridError};
use crate::metrics::RepReport;
use crate::runner::replicate;
use crate::scenario::overrides::Override;
use crate::scenario::{load_file, Diagnostic, Scenario};
use rayon::prelude::*;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use toml_edit::DocumentMut;

/// How many of the closest valid keys an unknown `--vary` key lists.
const SUGGESTIONS: usize = 5;

/// Reads every configuration of `grid`: the file at `path` with the `base` overrides
/// (`--seed`, `--replications`, `--set`), then the configuration's own. `scenario` is the file
/// read with the base overrides only. Fails, before any run, on an unknown `--vary` key (with
/// the closest valid keys) or on any configuration the reader refuses (with its diagnostics).
pub fn load_configs(
    path: &Path,
    scenario: &Scenario,
    base: &[Override],
    grid: &Grid,
) -> Result<Vec<Scenario>, GridError> {
    // Keys compare in their canonical spelling (`scenario."seed"` is `scenario.seed`), and a
    // table set as a whole overlaps every key inside it.
    // Every tied key is checked as a single `--vary` key is.
    let axis_keys: Vec<(&str, &str)> =
        grid.axes.iter().flat_map(|a| a.keys.iter().map(|k| (k.as_str(), a.values[0].as_str()))).collect();
    for &(key, _) in &axis_keys {
        if let Some(o) = base.iter().find(|o| key_covers(&o.key, key) || key_covers(key, &o.key)) {
            let other = match canonical_key(&o.key).as_str() {
                "scenario.seed" if !o.key.contains(['"', ' ']) => "--seed or --set scenario.seed".to_string(),
                "scenario.replications" if !o.key.contains(['"', ' ']) => {
                    "--replications or --set scenario.replications".to_string()
                }
                _ => format!("--set {}", o.label()),
            };
            return Err(GridError::KeyAlsoSet { key: key.to_string(), other });
        }
    }
    let doc: DocumentMut =
        scenario.source_text.parse().expect("the text of a scenario that was read should parse as TOML");
    let keys = valid_keys(&doc);
    for &(key, first_value) in &axis_keys {
        if keys.iter().any(|k| k == key) {
            continue;
        }
        // Not a listed key: the reader decides. Only an "unknown key" at this key or one of
        // its parents makes it unknown; a bad value is reported with the configurations.
        let mut probe = base.to_vec();
        probe.push(Override { key: key.to_string(), value: first_value.to_string() });
        if let Err(d) = load_file(path, &probe) {
            // The reader names fields in its own quoting (`cells."chat/support"`): compare
            // segment by segment.
            let unknown = d.iter().any(|d| d.message.starts_with("unknown key") && key_covers(&d.field, key));
            if unknown {
                let close = closest_keys(key, &keys, SUGGESTIONS);
                let hint = format!("; the closest valid keys are:\n  {}", close.join("\n  "));
                return Err(GridError::UnknownKey { key: key.to_string(), hint });
            }
        }
    }
    let loaded: Vec<Result<Scenario, Vec<Diagnostic>>> = grid
        .configs
        .par_iter()
        .map(|c| {
            let mut ovs = base.to_vec();
            ovs.extend(c.overrides(grid));
            load_file(path, &ovs).map_err(|d| d.0)
        })
        .collect();
    // Each distinct problem once, with the configurations that have it.
    let mut problems: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, r) in loaded.iter().enumerate() {
        if let Err(diags) = r {
            for d in diags {
                let text = as_vary(d, grid);
                match problems.iter_mut().find(|(t, _)| *t == text) {
                    Some((_, cs)) => cs.push(i),
                    None => problems.push((text, vec![i])),
                }
            }
        }
    }
    let invalid = loaded.iter().filter(|r| r.is_err()).count();
    if invalid > 0 {
        let report = problems
            .iter()
            .map(|(text, cs)| {
                let mut which: Vec<String> =
                    cs.iter().take(4).map(|&i| format!("{i} ({})", grid.configs[i].label)).collect();
                if cs.len() > 4 {
                    which.push(format!("and {} more", cs.len() - 4));
                }
                format!("{text}\n    in configuration {}", which.join(", "))
            })
            .collect::<Vec<_>>()
            .join("\n");
        return Err(GridError::InvalidConfigs { invalid, total: grid.configs.len(), report });
    }
    Ok(loaded.into_iter().map(|r| r.expect("every configuration was checked to be valid just above")).collect())
}

/// A diagnostic, blaming `--vary` rather than `--set` for a problem in an axis's value.
fn as_vary(d: &Diagnostic, grid: &Grid) -> String {
    let text = d.to_string();
    if d.file != "--set" {
        return text;
    }
    for a in &grid.axes {
        for key in &a.keys {
            for v in &a.values {
                let from = format!("(from --set {key}={v})");
                if let Some(head) = text.strip_suffix(&from) {
                    return format!("{}(from --vary {key}={v})", head.replacen("--set:", "--vary:", 1));
                }
            }
        }
    }
    text
}

/// The reports of the configurations run, in the order they were asked for.
#[derive(Debug, Clone)]
pub struct GridRun {
    /// Indices into the grid.
    pub configs: Vec<usize>,
    /// `reports[k]`: every replication of `configs[k]`, in replication order.
    pub reports: Vec<Vec<RepReport>>,
}

/// Runs every replication of the `selected` configurations, as one flat list of
/// (configuration, replication) jobs; `progress` counts simulated milliseconds over all jobs.
pub fn run_grid(
    scenarios: &[Scenario],
    selected: &[usize],
    progress: Option<&AtomicU64>,
) -> Result<GridRun, GridError> {
    let jobs: Vec<(usize, u32)> =
        selected.iter().flat_map(|&c| (0..scenarios[c].replications).map(move |r| (c, r))).collect();
    let mut flat = jobs
        .par_iter()
        .map(|&(c, r)| replicate::<std::io::Sink>(&scenarios[c], r, None, progress))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter();
    let reports = selected.iter().map(|&c| flat.by_ref().take(scenarios[c].replications as usize).collect()).collect();
    Ok(GridRun { configs: selected.to_vec(), reports })
}
