//! Shards: `sweep --shard I/N` runs the configurations whose index is I modulo N and writes a
//! folder with `shard.toml` (which grid, which share) and the per-replication CSVs; `merge`
//! checks that the folders are the N shards of one grid and rebuilds exactly what a single
//! unsharded run writes.
//!
//! Exact by construction: every row of `summary.csv`, `timeseries.csv` and `sweeps.csv`
//! depends on one configuration only, so the merged file is the rows of each configuration,
//! taken from its shard, in grid order (the CSV writer re-quotes them the same way). The
//! comparison, which spans configurations, is recomputed from the per-replication values read
//! back: Rust prints floats in the shortest form that parses back to the same bits.

use super::spec::MAX_CONFIGS;
use super::{write_grid, Grid, GridError};
use crate::engine::RunStats;
use crate::metrics::{Breakdown, GroupRow, RepReport, METRICS};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Version of the shard folder layout; merge refuses others. 2: `shard.toml` records how many
/// rows each replication wrote to `timeseries.csv` and `sweeps.csv`. 3: and the SHA-256 of
/// every file of the folder.
pub const SHARD_FORMAT: u32 = 3;

/// The files of a shard folder besides `shard.toml`: each must have its checksum recorded.
pub const SHARD_FILES: [&str; 5] = ["grid.csv", "scenario.toml", "summary.csv", "sweeps.csv", "timeseries.csv"];

/// `--shard I/N`: this process runs configuration c when c % N == I.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    pub index: usize,
    pub count: usize,
}

impl ShardSpec {
    /// Parses `I/N` with 0 <= I < N, and N at most `grid_size` (a shard with no configuration
    /// would be a job that does nothing).
    pub fn parse_for(s: &str, grid_size: usize) -> Result<ShardSpec, GridError> {
        let spec = ShardSpec::parse(s)?;
        if spec.count > grid_size {
            return Err(GridError::BadShard {
                given: s.to_string(),
                reason: format!(
                    "N = {} is more than the {grid_size} configuration(s) of the grid, so some shards would run nothing; use at most --shard I/{grid_size}",
                    spec.count
                ),
            });
        }
        Ok(spec)
    }

    /// Parses `I/N` with 0 <= I < N.
    pub fn parse(s: &str) -> Result<ShardSpec, GridError> {
        let bad = |reason: &str| GridError::BadShard { given: s.to_string(), reason: reason.to_string() };
        let (i, n) = s.split_once('/').ok_or_else(|| bad("expected I/N, e.g. 0/4 (I counts from 0)"))?;
        let index: usize = i.trim().parse().map_err(|_| bad("I must be a whole number"))?;
        let count: usize = n.trim().parse().map_err(|_| bad("N must be a whole number"))?;
        if count == 0 {
            return Err(bad("N must be at least 1"));
        }
        if index >= count {
            return Err(bad("I counts from 0 and must be less than N (e.g. 0/4 .. 3/4)"));
        }
        Ok(ShardSpec { index, count })
    }

    /// Whether configuration `c` belongs to this shard.
    pub fn owns(&self, c: usize) -> bool {
        c % self.count == self.index
    }
}

/// The arguments that decide a grid's results (not where or how fast it runs). Shards merge
/// only when these, and the scenario text, are equal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridArgs {
    pub vary: Vec<String>,
    pub set: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replications: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
}

impl GridArgs {
    /// The `autoclose sweep` arguments after the scenario, as words (quote them with
    /// `output::CommandLine`).
    pub fn words(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut opt = |flag: &str, value: String| out.extend([flag.to_string(), value]);
        for v in &self.vary {
            opt("--vary", v.clone());
        }
        for s in &self.set {
            opt("--set", s.clone());
        }
        if let Some(s) = self.seed {
            opt("--seed", s.to_string());
        }
        if let Some(r) = self.replications {
            opt("--replications", r.to_string());
        }
        if let Some(b) = &self.baseline {
            opt("--baseline", b.clone());
        }
        out
    }
}

/// `shard.toml`: which grid a shard folder belongs to and which share of it it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardInfo {
    pub format: u32,
    pub program: String,
    pub version: String,
    pub index: usize,
    pub count: usize,
    /// The scenario file as given (for the rerun command; not compared).
    pub scenario_file: String,
    pub scenario_name: String,
    /// Master seed and replications of every configuration.
    pub seed: u64,
    pub replications: u32,
    /// Configurations in the whole grid, and which of them this shard ran.
    pub grid_size: usize,
    pub configs_in_shard: Vec<usize>,
    /// Index of the baseline configuration.
    pub baseline_index: usize,
    /// The scenario text as run, after `--seed`, `--replications` and `--set`.
    pub scenario_text: String,
    pub args: GridArgs,
    /// The SHA-256 (hex) of every other file of the folder, by name, taken when the shard
    /// was written: merge refuses a shard whose data changed since.
    #[serde(default)]
    pub sha256: BTreeMap<String, String>,
    /// For each configuration of the shard (in `configs_in_shard` order), the rows each
    /// replication wrote, so that `merge` can tell a complete file from a cut one: how many
    /// time-series buckets and sweep runs vary with the configuration and, for sweeps, with
    /// the replication. (Defaults to none so that a shard of another format is refused for
    /// its format, not for this field.)
    #[serde(default)]
    pub rows: Vec<ConfigRows>,
}

/// The rows one configuration of a shard wrote, per replication (indexed by replication).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigRows {
    pub config: usize,
    pub timeseries: Vec<u64>,
    pub sweeps: Vec<u64>,
}

impl ShardInfo {
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a shard description of strings and numbers should serialise")
    }
}

/// A shard folder, read.
#[derive(Debug, Clone)]
pub struct ShardFolder {
    pub dir: PathBuf,
    pub info: ShardInfo,
}

fn shard_err(path: &Path, message: impl Into<String>) -> GridError {
    GridError::Shard { path: path.to_path_buf(), message: message.into() }
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, GridError> {
    std::fs::read(path).map_err(|e| shard_err(path, format!("cannot read it: {e}")))
}

/// Reads `DIR/shard.toml`.
pub fn read_shard(dir: &Path) -> Result<ShardFolder, GridError> {
    let path = dir.join("shard.toml");
    if !path.exists() {
        return Err(shard_err(
            dir,
            "not a shard folder: it has no shard.toml (shards are written by `autoclose sweep --shard I/N`)",
        ));
    }
    let text = String::from_utf8(read_bytes(&path)?).map_err(|_| shard_err(&path, "not UTF-8 text"))?;
    let info: ShardInfo =
        toml::from_str(&text).map_err(|e| shard_err(&path, format!("not a valid shard.toml: {}", e.message())))?;
    if info.format != SHARD_FORMAT {
        return Err(shard_err(
            &path,
            format!("shard format {} is not the {SHARD_FORMAT} this autoclose reads", info.format),
        ));
    }
    if info.count == 0 || info.index >= info.count {
        return Err(shard_err(
            &path,
            format!("shard {}/{} is not a valid share (I counts from 0 to N-1)", info.index, info.count),
        ));
    }
    if info.grid_size == 0 || info.grid_size > MAX_CONFIGS {
        return Err(shard_err(
            &path,
            format!("grid_size {} is not a grid sweep writes (1 to {MAX_CONFIGS} configurations)", info.grid_size),
        ));
    }
    if info.count > info.grid_size {
        return Err(shard_err(
            &path,
            format!(
                "shard count N = {} is more than the {} configuration(s) of the grid; sweep never writes such a shard",
                info.count, info.grid_size
            ),
        ));
    }
    if info.replications == 0 {
        return Err(shard_err(&path, "replications is 0; sweep runs at least 1"));
    }
    let listed: Vec<usize> = info.rows.iter().map(|r| r.config).collect();
    if listed != info.configs_in_shard {
        return Err(shard_err(&path, "its [[rows]] entries do not list the configurations of configs_in_shard"));
    }
    let reps = info.replications as usize;
    if let Some(r) = info.rows.iter().find(|r| r.timeseries.len() != reps || r.sweeps.len() != reps) {
        return Err(shard_err(
            &path,
            format!("the [[rows]] entry of configuration {} does not have one count per replication", r.config),
        ));
    }
    if info.baseline_index >= info.grid_size {
        return Err(shard_err(
            &path,
            format!("baseline_index {} is outside the grid of {}", info.baseline_index, info.grid_size),
        ));
    }
    if let Some(name) = info.sha256.keys().find(|k| !SHARD_FILES.contains(&k.as_str())) {
        return Err(shard_err(&path, format!("[sha256] lists `{name}`, which is not a file sweep writes in a shard")));
    }
    if let Some(name) = SHARD_FILES.iter().find(|f| !info.sha256.contains_key(**f)) {
        return Err(shard_err(&path, format!("[sha256] has no checksum of {name}; sweep records one for every file")));
    }
    Ok(ShardFolder { dir: dir.to_path_buf(), info })
}

/// Checks that `bytes`, read from file `name` of shard `s`, are what the shard wrote.
fn verify(s: &ShardFolder, name: &str, bytes: &[u8]) -> Result<(), GridError> {
    let recorded = s.info.sha256.get(name).map(String::as_str).unwrap_or_default();
    let found = crate::output::sha256_hex(bytes);
    if found == recorded {
        return Ok(());
    }
    Err(shard_err(
        &s.dir.join(name),
        format!(
            "changed since the shard was written (SHA-256 {found}, shard.toml records {recorded}): the shard folder {} was edited or damaged; run `autoclose sweep --shard {}/{}` again",
            s.dir.display(),
            s.info.index,
            s.info.count
        ),
    ))
}

/// The N shards of one grid, checked, and everything needed to write the merged result.
#[derive(Debug, Clone)]
pub struct Merged {
    /// Shard 0's description (the grid's arguments and scenario are the same in every shard).
    pub info: ShardInfo,
    pub grid: Grid,
    /// `reports[c]`: the replications of configuration c (figures only: no time series).
    pub reports: Vec<Vec<RepReport>>,
    pub summary: Vec<u8>,
    pub timeseries: Vec<u8>,
    pub sweeps: Vec<u8>,
}

/// Checks that `dirs` are all the shards of one grid, each once, and merges them.
pub fn merge(dirs: &[PathBuf]) -> Result<Merged, GridError> {
    let shards = dirs.iter().map(|d| read_shard(d)).collect::<Result<Vec<_>, _>>()?;
    let first = shards.first().ok_or_else(|| GridError::Merge("give at least one shard folder".into()))?;
    let a = &first.info;
    for s in &shards[1..] {
        let b = &s.info;
        let differ = [
            ("autoclose version", a.version != b.version),
            ("shard count N", a.count != b.count),
            ("scenario text", a.scenario_text != b.scenario_text),
            ("--vary arguments", a.args.vary != b.args.vary),
            ("--set arguments", a.args.set != b.args.set),
            ("--seed", a.args.seed != b.args.seed),
            ("--replications", a.args.replications != b.args.replications),
            ("--baseline", a.args.baseline != b.args.baseline || a.baseline_index != b.baseline_index),
            ("grid size", a.grid_size != b.grid_size),
            ("replications", a.replications != b.replications || a.seed != b.seed),
        ];
        if let Some((what, _)) = differ.iter().find(|(_, d)| *d) {
            return Err(GridError::Merge(format!(
                "{} and {} are not shards of the same grid: they differ in {what}",
                first.dir.display(),
                s.dir.display()
            )));
        }
    }
    let n = a.count;
    let mut by_index: Vec<Option<&ShardFolder>> = vec![None; n];
    for s in &shards {
        match &by_index[s.info.index] {
            Some(other) => {
                return Err(GridError::Merge(format!(
                    "shard {}/{n} is given twice: {} and {}",
                    s.info.index,
                    other.dir.display(),
                    s.dir.display()
                )))
            }
            None => by_index[s.info.index] = Some(s),
        }
    }
    let missing: Vec<String> =
        by_index.iter().enumerate().filter(|(_, s)| s.is_none()).map(|(i, _)| format!("{i}/{n}")).collect();
    if !missing.is_empty() {
        return Err(GridError::Merge(format!(
            "shard(s) {} missing: merge needs all {n} shards of the grid, each once",
            missing.join(", ")
        )));
    }
    let shards: Vec<&ShardFolder> = by_index.into_iter().map(|s| s.expect("every index was checked present")).collect();

    let grid = Grid::parse(&a.args.vary)?;
    if grid.configs.len() != a.grid_size {
        return Err(GridError::Merge(format!(
            "the --vary arguments give {} configurations, shard.toml says {}",
            grid.configs.len(),
            a.grid_size
        )));
    }
    let spec = |i: usize| ShardSpec { index: i, count: n };
    let grid_csv = write_grid(Vec::new(), &grid).expect("writing to memory should not fail");
    for (i, s) in shards.iter().enumerate() {
        let expected: Vec<usize> = (0..grid.configs.len()).filter(|&c| spec(i).owns(c)).collect();
        if s.info.configs_in_shard != expected {
            return Err(shard_err(&s.dir, "shard.toml lists other configurations than its share of the grid"));
        }
        let p = s.dir.join("grid.csv");
        if read_bytes(&p)? != grid_csv {
            return Err(shard_err(&p, "differs from the grid the --vary arguments in shard.toml span"));
        }
    }

    let read_all = |name: &str| -> Result<Vec<(PathBuf, Vec<u8>)>, GridError> {
        shards.iter().map(|s| read_bytes(&s.dir.join(name)).map(|b| (s.dir.join(name), b))).collect()
    };
    let owner = |c: usize| c % n;
    let replications = a.replications;
    // What each shard wrote of each configuration, per replication (checked present above).
    let recorded: Vec<&ConfigRows> = {
        let mut by_config: Vec<Option<&ConfigRows>> = vec![None; grid.configs.len()];
        for s in &shards {
            for r in &s.info.rows {
                by_config[r.config] = Some(r);
            }
        }
        by_config.into_iter().map(|r| r.expect("every shard lists its share of the grid, checked above")).collect()
    };

    // Every file is checked complete before anything is returned: a row missing anywhere
    // would otherwise shift figures between groups or replications.
    let summaries = read_all("summary.csv")?;
    let (summary_header, summary_rows) = rows_by_config(&summaries, &grid, owner)?;
    for (c, rows) in summary_rows.iter().enumerate() {
        check_summary(&summaries[owner(c)].0, &grid.configs[c].label, rows, summary_header.as_ref(), replications)?;
    }
    let timeseries_in = read_all("timeseries.csv")?;
    let (ts_header, ts_rows) = rows_by_config(&timeseries_in, &grid, owner)?;
    let sweeps_in = read_all("sweeps.csv")?;
    let (sw_header, sw_rows) = rows_by_config(&sweeps_in, &grid, owner)?;
    for c in 0..grid.configs.len() {
        let label = &grid.configs[c].label;
        let ts = &timeseries_in[owner(c)].0;
        check_counts(ts, label, &ts_rows[c], ts_header.as_ref(), &recorded[c].timeseries, "time-series bucket")?;
        let first = recorded[c].timeseries.first().copied();
        if recorded[c].timeseries.iter().any(|&k| Some(k) != first) || first == Some(0) {
            return Err(shard_err(
                &shard_toml(&shards[owner(c)].dir),
                format!("configuration `{label}`: its replications do not have the same number (at least 1) of time-series buckets"),
            ));
        }
        check_counts(&sweeps_in[owner(c)].0, label, &sw_rows[c], sw_header.as_ref(), &recorded[c].sweeps, "sweep run")?;
    }
    // The rows are complete; a value edited in place is caught by its checksum, on the very
    // bytes merged (checked after the rows, whose messages say which configuration is cut).
    for (i, s) in shards.iter().enumerate() {
        verify(s, "summary.csv", &summaries[i].1)?;
        verify(s, "timeseries.csv", &timeseries_in[i].1)?;
        verify(s, "sweeps.csv", &sweeps_in[i].1)?;
        for name in ["grid.csv", "scenario.toml"] {
            verify(s, name, &read_bytes(&s.dir.join(name))?)?;
        }
    }
    let summary = join_rows(summary_header.as_ref(), &summary_rows)?;
    let timeseries = join_rows(ts_header.as_ref(), &ts_rows)?;
    let sweeps = join_rows(sw_header.as_ref(), &sw_rows)?;

    let mut reports: Vec<Vec<RepReport>> = vec![Vec::new(); grid.configs.len()];
    for (i, (path, bytes)) in summaries.iter().enumerate() {
        for (c, reps) in reports_from_summary(path, bytes, &grid)? {
            if owner(c) != i {
                return Err(shard_err(path, format!("holds configuration {c}, which is not in this shard")));
            }
            reports[c] = reps;
        }
    }
    Ok(Merged { info: first.info.clone(), grid, reports, summary, timeseries, sweeps })
}

fn shard_toml(dir: &Path) -> PathBuf {
    dir.join("shard.toml")
}

/// Where a record starts in its file, for messages.
fn line_of(rec: &csv::StringRecord) -> u64 {
    rec.position().map_or(0, |p| p.line())
}

/// Checks one configuration's rows of a shard's `summary.csv`: for each replication 0..R in
/// order, a `value` row for every group, the same (breakdown, group) sequence in each; then
/// for each group the `mean`, `ci95_low`, `ci95_high` and `n` rows. Exactly what `sweep`
/// writes, so that a missing or extra row is caught before it shifts figures.
fn check_summary(
    path: &Path,
    label: &str,
    rows: &[csv::StringRecord],
    header: Option<&csv::StringRecord>,
    replications: u32,
) -> Result<(), GridError> {
    let incomplete = |msg: String| {
        shard_err(path, format!("configuration `{label}`: {msg}; the shard is incomplete or was edited: run it again"))
    };
    let Some(h) = header else { return Err(incomplete("the file is empty".into())) };
    let col =
        |name: &str| h.iter().position(|x| x == name).ok_or_else(|| shard_err(path, format!("has no `{name}` column")));
    let (rc, sc, bc, gc) = (col("replication")?, col("stat")?, col("breakdown")?, col("group")?);
    let key = |r: &csv::StringRecord| {
        let f = |i: usize| r.get(i).unwrap_or_default().to_string();
        (f(rc), f(sc), f(bc), f(gc))
    };
    // The groups: the value rows of replication 0, up to the first row that is not one.
    let groups: Vec<(String, String)> =
        rows.iter().map(key).take_while(|(r, s, _, _)| r == "0" && s == "value").map(|(_, _, b, g)| (b, g)).collect();
    if groups.is_empty() {
        return Err(incomplete("no `value` row of replication 0".into()));
    }
    let g = groups.len() as u64;
    let expected_len = (u64::from(replications) + 4) * g;
    let mut it = rows.iter();
    let mut expect = |want: (String, String, String, String)| -> Result<(), GridError> {
        match it.next() {
            Some(r) if key(r) == want => Ok(()),
            Some(r) => {
                Err(incomplete(format!(
                    "line {} is {}, expected {} ({} rows expected for {replications} replication(s) of {g} group(s), found {})",
                    line_of(r), describe(&key(r)), describe(&want), expected_len, rows.len()
                )))
            }
            None => Err(incomplete(format!(
                "the rows end before {} ({} rows expected for {replications} replication(s) of {g} group(s), found {})",
                describe(&want), expected_len, rows.len()
            ))),
        }
    };
    for r in 0..replications {
        for (b, grp) in &groups {
            expect((r.to_string(), "value".into(), b.clone(), grp.clone()))?;
        }
    }
    for (b, grp) in &groups {
        for stat in ["mean", "ci95_low", "ci95_high", "n"] {
            expect((String::new(), stat.into(), b.clone(), grp.clone()))?;
        }
    }
    if let Some(r) = it.next() {
        return Err(incomplete(format!(
            "line {} ({}) is one row too many: {expected_len} rows expected for {replications} replication(s) of {g} group(s), found {}",
            line_of(r),
            describe(&key(r)),
            rows.len()
        )));
    }
    Ok(())
}

/// A `summary.csv` row for messages, from its (replication, stat, breakdown, group):
/// `replication 1 value channel/chat`, or `the mean row of channel/chat` for an aggregate row
/// (its replication is empty).
fn describe((rep, stat, b, grp): &(String, String, String, String)) -> String {
    match rep.is_empty() {
        true => format!("the {stat} row of {b}/{grp}"),
        false => format!("replication {rep} {stat} {b}/{grp}"),
    }
}

/// Checks one configuration's rows of a shard's `timeseries.csv` or `sweeps.csv`: the
/// replications in order, each with as many rows as `shard.toml` says it wrote.
fn check_counts(
    path: &Path,
    label: &str,
    rows: &[csv::StringRecord],
    header: Option<&csv::StringRecord>,
    expected: &[u64],
    what: &str,
) -> Result<(), GridError> {
    let incomplete = |msg: String| {
        shard_err(path, format!("configuration `{label}`: {msg}; the shard is incomplete or was edited: run it again"))
    };
    let total: u64 = expected.iter().sum();
    if total == 0 && rows.is_empty() {
        return Ok(());
    }
    let Some(h) = header else { return Err(incomplete("the file is empty".into())) };
    let rc = h.iter().position(|x| x == "replication").ok_or_else(|| shard_err(path, "has no `replication` column"))?;
    let mut it = rows.iter();
    for (rep, &want) in expected.iter().enumerate() {
        for k in 0..want {
            match it.next() {
                Some(r) if r.get(rc) == Some(rep.to_string().as_str()) => {}
                Some(r) => {
                    return Err(incomplete(format!(
                        "line {} belongs to replication {}, but replication {rep} wrote {want} {what} row(s) and only {k} come before it",
                        line_of(r),
                        r.get(rc).unwrap_or_default()
                    )))
                }
                None => {
                    return Err(incomplete(format!(
                        "replication {rep} wrote {want} {what} row(s), the file has {k} ({} rows in all, {total} expected)",
                        rows.len()
                    )))
                }
            }
        }
    }
    if let Some(r) = it.next() {
        return Err(incomplete(format!(
            "line {} (replication {}) is more than the {total} {what} row(s) shard.toml records",
            line_of(r),
            r.get(rc).unwrap_or_default()
        )));
    }
    Ok(())
}

/// Rewrites CSVs whose rows each belong to one configuration (a `config` column holding its
/// label) into one: the header, then each configuration's rows, in grid order, from input
/// `owner(c)` in the order they appear there.
pub fn merge_by_config(
    inputs: &[(PathBuf, Vec<u8>)],
    grid: &Grid,
    owner: impl Fn(usize) -> usize,
) -> Result<Vec<u8>, GridError> {
    let (header, rows) = rows_by_config(inputs, grid, owner)?;
    join_rows(header.as_ref(), &rows)
}

/// The rows of CSVs whose rows each belong to one configuration, by configuration: the
/// header (the same in every input) and `rows[c]`, from input `owner(c)` in file order.
fn rows_by_config(
    inputs: &[(PathBuf, Vec<u8>)],
    grid: &Grid,
    owner: impl Fn(usize) -> usize,
) -> Result<(Option<csv::StringRecord>, Vec<Vec<csv::StringRecord>>), GridError> {
    let index: HashMap<&str, usize> = grid.configs.iter().map(|c| (c.label.as_str(), c.index)).collect();
    let mut header: Option<csv::StringRecord> = None;
    let mut rows: Vec<Vec<csv::StringRecord>> = vec![Vec::new(); grid.configs.len()];
    for (i, (path, bytes)) in inputs.iter().enumerate() {
        let mut r = csv::Reader::from_reader(bytes.as_slice());
        let h = r.headers().map_err(|e| shard_err(path, e.to_string()))?.clone();
        match &header {
            Some(first) if *first != h => {
                return Err(shard_err(path, "its columns differ from the first shard's (another autoclose version?)"))
            }
            Some(_) => {}
            None => header = Some(h.clone()),
        }
        let col = h.iter().position(|x| x == "config").ok_or_else(|| shard_err(path, "has no `config` column"))?;
        for rec in r.records() {
            let rec = rec.map_err(|e| shard_err(path, e.to_string()))?;
            let label = rec.get(col).unwrap_or_default();
            let c = *index.get(label).ok_or_else(|| shard_err(path, format!("unknown configuration `{label}`")))?;
            if owner(c) != i {
                return Err(shard_err(path, format!("holds rows of configuration {c}, which is not in this shard")));
            }
            rows[c].push(rec);
        }
    }
    Ok((header, rows))
}

/// The header, then every configuration's rows in grid order, as CSV.
fn join_rows(header: Option<&csv::StringRecord>, rows: &[Vec<csv::StringRecord>]) -> Result<Vec<u8>, GridError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| GridError::Merge(format!("writing the merged CSV: {e}"));
    if let Some(h) = header {
        w.write_record(h).map_err(io)?;
    }
    for rec in rows.iter().flatten() {
        w.write_record(rec).map_err(io)?;
    }
    w.into_inner().map_err(|e| GridError::Merge(format!("writing the merged CSV: {e}")))
}

fn breakdown(key: &str) -> Option<Breakdown> {
    [Breakdown::Overall, Breakdown::Channel, Breakdown::Skill, Breakdown::State].into_iter().find(|b| b.key() == key)
}

/// The per-replication figures of a `summary.csv` (its `value` rows), by configuration, as
/// reports without time series or sweeps.
fn reports_from_summary(path: &Path, bytes: &[u8], grid: &Grid) -> Result<Vec<(usize, Vec<RepReport>)>, GridError> {
    let index: HashMap<&str, usize> = grid.configs.iter().map(|c| (c.label.as_str(), c.index)).collect();
    let mut r = csv::Reader::from_reader(bytes);
    let h = r.headers().map_err(|e| shard_err(path, e.to_string()))?.clone();
    let col =
        |name: &str| h.iter().position(|x| x == name).ok_or_else(|| shard_err(path, format!("has no `{name}` column")));
    let (cc, rc, sc, bc, gc) = (col("config")?, col("replication")?, col("stat")?, col("breakdown")?, col("group")?);
    let mc = METRICS.iter().map(|m| col(m)).collect::<Result<Vec<_>, _>>()?;
    let mut out: Vec<(usize, Vec<RepReport>)> = Vec::new();
    for (line, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| shard_err(path, e.to_string()))?;
        let field = |i: usize| rec.get(i).unwrap_or_default();
        if field(sc) != "value" {
            continue;
        }
        let at = |msg: String| shard_err(path, format!("row {}: {msg}", line + 2));
        let c = *index.get(field(cc)).ok_or_else(|| at(format!("unknown configuration `{}`", field(cc))))?;
        let rep: u32 = field(rc).parse().map_err(|_| at(format!("bad replication `{}`", field(rc))))?;
        let b = breakdown(field(bc)).ok_or_else(|| at(format!("bad breakdown `{}`", field(bc))))?;
        let values = mc
            .iter()
            .map(|&i| match field(i) {
                "" => Ok(None),
                v => v.parse::<f64>().map(Some).map_err(|_| at(format!("`{v}` is not a number"))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let row = GroupRow { breakdown: b, group: field(gc).to_string(), values };
        if out.last().map(|(lc, _)| *lc) != Some(c) {
            out.push((c, Vec::new()));
        }
        let reps = &mut out.last_mut().expect("a configuration entry was just ensured").1;
        if reps.last().map(|x| x.replication) != Some(rep) {
            reps.push(RepReport {
                replication: rep,
                rows: Vec::new(),
                timeseries: Vec::new(),
                by_hour: Vec::new(),
                sweeps: Vec::new(),
                scheduler_names: Vec::new(),
                stats: RunStats::default(),
            });
        }
        reps.last_mut().expect("a replication entry was just ensured").rows.push(row);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_specs_count_from_zero() {
        assert_eq!(ShardSpec::parse("0/4").unwrap(), ShardSpec { index: 0, count: 4 });
        assert!(ShardSpec::parse("3/4").unwrap().owns(7));
        assert!(!ShardSpec::parse("3/4").unwrap().owns(8));
        for bad in ["4/4", "1/0", "x/2", "2", "-1/3"] {
            assert!(ShardSpec::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_shard_count_is_at_most_the_grid_size() {
        assert_eq!(ShardSpec::parse_for("2/3", 3).unwrap(), ShardSpec { index: 2, count: 3 });
        for bad in ["0/4", "0/1000000000", "0/18446744073709551615"] {
            match ShardSpec::parse_for(bad, 3) {
                Err(e) => assert!(e.to_string().contains("at most --shard I/3"), "{bad}: {e}"),
                Ok(s) => panic!("{bad} should be refused, got {s:?}"),
            }
        }
    }

    #[test]
    fn shard_toml_round_trips() {
        let info = ShardInfo {
            format: SHARD_FORMAT,
            program: "autoclose".into(),
            version: "0.1.0".into(),
            index: 1,
            count: 3,
            scenario_file: "s.toml".into(),
            scenario_name: "s".into(),
            seed: 3,
            replications: 2,
            grid_size: 6,
            configs_in_shard: vec![1, 4],
            baseline_index: 0,
            scenario_text: "# a comment with ''' and \"\"\"\n[scenario]\nname = \"s\"\n\n".into(),
            args: GridArgs {
                vary: vec!["a.b=1,2".into()],
                set: vec![],
                seed: Some(3),
                replications: None,
                baseline: None,
            },
            sha256: SHARD_FILES.iter().map(|f| (f.to_string(), crate::output::sha256_hex(f.as_bytes()))).collect(),
            rows: vec![
                ConfigRows { config: 1, timeseries: vec![24, 24], sweeps: vec![288, 287] },
                ConfigRows { config: 4, timeseries: vec![48, 48], sweeps: vec![0, 0] },
            ],
        };
        let back: ShardInfo = toml::from_str(&info.to_toml()).unwrap();
        assert_eq!(back, info);
    }

    #[test]
    fn rows_are_regrouped_in_grid_order() {
        let grid = Grid::parse(&["k=1,2,3".into()]).unwrap();
        let a = b"config,x\nk=1,a\nk=3,c\nk=3,\"c,2\"\n".to_vec();
        let b = b"config,x\nk=2,b\n".to_vec();
        let merged = merge_by_config(&[("a".into(), a), ("b".into(), b)], &grid, |c| c % 2).unwrap();
        assert_eq!(String::from_utf8(merged).unwrap(), "config,x\nk=1,a\nk=2,b\nk=3,c\nk=3,\"c,2\"\n");
        let wrong = merge_by_config(&[("a".into(), b"config,x\nk=2,b\n".to_vec())], &grid, |_| 1);
        assert!(wrong.is_err());
    }
}
