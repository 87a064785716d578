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

use super::{write_grid, Grid, GridError};
use crate::engine::RunStats;
use crate::metrics::{Breakdown, GroupRow, RepReport, METRICS};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Version of the shard folder layout; merge refuses others.
pub const SHARD_FORMAT: u32 = 1;

/// `--shard I/N`: this process runs configuration c when c % N == I.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    pub index: usize,
    pub count: usize,
}

impl ShardSpec {
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
    /// The `autoclose sweep` arguments after the scenario, as typed (shell-quoted).
    pub fn command_line(&self) -> String {
        let mut out = String::new();
        for v in &self.vary {
            out.push_str(&format!(" --vary {}", quote(v)));
        }
        for s in &self.set {
            out.push_str(&format!(" --set {}", quote(s)));
        }
        if let Some(s) = self.seed {
            out.push_str(&format!(" --seed {s}"));
        }
        if let Some(r) = self.replications {
            out.push_str(&format!(" --replications {r}"));
        }
        if let Some(b) = &self.baseline {
            out.push_str(&format!(" --baseline {}", quote(b)));
        }
        out
    }
}

/// Single-quotes a word for a POSIX shell when it holds anything but plain characters.
fn quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "._-=,:/+@%".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
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
    if info.baseline_index >= info.grid_size {
        return Err(shard_err(
            &path,
            format!("baseline_index {} is outside the grid of {}", info.baseline_index, info.grid_size),
        ));
    }
    Ok(ShardFolder { dir: dir.to_path_buf(), info })
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
    let summaries = read_all("summary.csv")?;
    let owner = |c: usize| c % n;
    let summary = merge_by_config(&summaries, &grid, owner)?;
    let timeseries = merge_by_config(&read_all("timeseries.csv")?, &grid, owner)?;
    let sweeps = merge_by_config(&read_all("sweeps.csv")?, &grid, owner)?;

    let replications = a.replications;
    let mut reports: Vec<Vec<RepReport>> = vec![Vec::new(); grid.configs.len()];
    for (i, (path, bytes)) in summaries.iter().enumerate() {
        for (c, reps) in reports_from_summary(path, bytes, &grid)? {
            if owner(c) != i {
                return Err(shard_err(path, format!("holds configuration {c}, which is not in this shard")));
            }
            let got: Vec<u32> = reps.iter().map(|r| r.replication).collect();
            if got != (0..replications).collect::<Vec<_>>() {
                return Err(shard_err(
                    path,
                    format!(
                        "configuration {c} has replications {got:?}, expected 0..{replications}: incomplete shard?"
                    ),
                ));
            }
            reports[c] = reps;
        }
    }
    if let Some(c) = reports.iter().position(Vec::is_empty) {
        return Err(shard_err(&summaries[owner(c)].0, format!("has no rows for configuration {c}: incomplete shard?")));
    }
    Ok(Merged { info: first.info.clone(), grid, reports, summary, timeseries, sweeps })
}

/// Rewrites CSVs whose rows each belong to one configuration (a `config` column holding its
/// label) into one: the header, then each configuration's rows, in grid order, from input
/// `owner(c)` in the order they appear there.
pub fn merge_by_config(
    inputs: &[(PathBuf, Vec<u8>)],
    grid: &Grid,
    owner: impl Fn(usize) -> usize,
) -> Result<Vec<u8>, GridError> {
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
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| GridError::Merge(format!("writing the merged CSV: {e}"));
    if let Some(h) = &header {
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
