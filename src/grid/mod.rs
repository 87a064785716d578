//! Grids of configurations for `autoclose sweep` and `autoclose merge`: the `--vary` axes and
//! their cartesian product, the check of every configuration before anything runs, the
//! parallel (configuration, replication) jobs, the paired comparison against a baseline, and
//! the shard folders that `merge` recombines into exactly the single-run result.
//!
//! Owns no file creation (the CSVs are written over `impl Write`, folders by
//! `output::ResultsFolder`) and no terminal output; it only reads shard folders back.

pub mod compare;
pub mod exec;
pub mod keys;
pub mod shard;
pub mod spec;

pub use compare::{comparison, write_comparison, write_grid, write_summary, CompareRow};
pub use exec::{load_configs, run_grid, GridRun};
pub use keys::{closest_keys, valid_keys};
pub use shard::{
    merge, read_shard, ConfigRows, GridArgs, Merged, RowsFile, ShardFolder, ShardInfo, ShardSpec, SHARD_FILES,
};
pub use spec::{canonical_key, key_covers, AxisKind, Config, Grid, Vary};

use std::path::PathBuf;

/// Why a grid could not be built, run or merged. Messages name the flag or folder to fix.
#[derive(Debug, thiserror::Error)]
pub enum GridError {
    #[error("--vary {arg}: {reason}")]
    BadVary { arg: String, reason: String },
    #[error("--vary {key}: unknown key{hint}")]
    UnknownKey { key: String, hint: String },
    #[error(
        "--vary {key} is given twice (keys are compared after unquoting, so `a.\"b\"` is `a.b`); give each key once"
    )]
    RepeatedKey { key: String },
    #[error("--vary {first} and --vary {second}: one key holds the other, so one would overwrite the other; vary the inner keys only")]
    OverlappingKeys { first: String, second: String },
    #[error("--vary {key} also appears as {other}; give it in one place (keys are compared after unquoting, and a table covers the keys inside it)")]
    KeyAlsoSet { key: String, other: String },
    #[error("--vary scenario.replications (or the whole `scenario` table) is not allowed: pairing needs the same replications in every configuration; use --replications")]
    VaryReplications,
    #[error("--vary: configurations {first} and {second} would both be labelled `{label}` (a value holds `,` or `=`); labels name configurations in the CSVs, --baseline and merge, so they must differ: change the values")]
    DuplicateLabel { label: String, first: usize, second: usize },
    #[error("{invalid} of {total} configuration(s) are not valid; nothing was run:\n{report}")]
    InvalidConfigs { invalid: usize, total: usize, report: String },
    #[error("--baseline {given}: no configuration has that label or index (0 to {}); labels: {labels}", count.saturating_sub(1))]
    Baseline { given: String, count: usize, labels: String },
    #[error("--shard {given}: {reason}")]
    BadShard { given: String, reason: String },
    #[error(transparent)]
    Run(#[from] crate::runner::RunError),
    #[error("{}: {message}", path.display())]
    Shard { path: PathBuf, message: String },
    #[error("{0}")]
    Merge(String),
}
