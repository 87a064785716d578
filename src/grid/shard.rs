//! Shards: `sweep --shard I/N` runs the configurations whose index is I modulo N and writes a
//! folder with `shard.toml` (which grid, which share) and the per-replication CSVs; `merge`
//! checks that the folders are the N shards of one grid and rebuilds exactly what a single
//! unsharded run writes.
//!
//! Exact by construction: every row of `summary.csv`, `timeseries.csv` and `sweeps.csv`
//! depends on one configuration only, so the merged file is the rows of each configuration,
//! copied byte for byte from its shard, in grid order (the single run's CSV writer writes the
//! same bytes for them, and the checksums say the shard's bytes are the ones it wrote). The
//! comparison, which spans configurations, is recomputed from the per-replication values read
//! back: Rust prints floats in the shortest form that parses back to the same bits.
//!
//! Streaming: every file is read in chunks, once to check it and once to copy it, so the
//! memory a merge takes does not grow with the number of shards or the size of their files;
//! only the `summary.csv` figures of every configuration are kept, for the comparison.

use super::spec::MAX_CONFIGS;
use super::{write_grid, Grid, GridError};
use crate::engine::RunStats;
use crate::metrics::{Breakdown, GroupRow, RepReport, METRICS};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, Read, Write};
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

/// The three files of a shard whose rows each belong to one configuration, in the order
/// `merge` checks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowsFile {
    Summary,
    Timeseries,
    Sweeps,
}

impl RowsFile {
    pub const ALL: [RowsFile; 3] = [RowsFile::Summary, RowsFile::Timeseries, RowsFile::Sweeps];

    /// Its name, in a shard folder and in the merged folder.
    pub fn name(self) -> &'static str {
        match self {
            RowsFile::Summary => "summary.csv",
            RowsFile::Timeseries => "timeseries.csv",
            RowsFile::Sweeps => "sweeps.csv",
        }
    }

    fn at(self) -> usize {
        self as usize
    }
}

/// What `merge` keeps of one shard once it is read: where it is, the checksums its
/// `shard.toml` records and, per file, the length of the header line and of the whole file.
/// (Not the scenario text and arguments: those are the first shard's, so that what is kept
/// per shard stays about a kilobyte.)
#[derive(Debug, Clone)]
struct Part {
    dir: PathBuf,
    index: usize,
    sha256: BTreeMap<String, String>,
    configs: Vec<usize>,
    rows: Vec<ConfigRows>,
    header_bytes: [u64; 3],
    file_bytes: [u64; 3],
}

/// The N shards of one grid, checked, and what is needed to write the merged result: the
/// per-replication figures (small: summary values only), and where each configuration's rows
/// lie in its shard's files, which `write_rows` copies from there in grid order.
#[derive(Debug, Clone)]
pub struct Merged {
    /// Shard 0's description (the grid's arguments and scenario are the same in every shard).
    pub info: ShardInfo,
    pub grid: Grid,
    /// `reports[c]`: the replications of configuration c (figures only: no time series).
    pub reports: Vec<Vec<RepReport>>,
    /// The shards, by index.
    parts: Vec<Part>,
    /// `rows_bytes[f][c]`: the bytes configuration c's rows take in file f of its shard, where
    /// the configurations of the shard follow one another in grid order after the header.
    rows_bytes: [Vec<u64>; 3],
}

/// A reader that hashes (SHA-256) and counts every byte read through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> Hashing<R> {
    fn new(inner: R) -> Hashing<R> {
        Hashing { inner, hasher: Sha256::new(), bytes: 0 }
    }

    /// Reads what is left, then gives the SHA-256 (hex) of all bytes read and their count.
    fn finish(mut self) -> io::Result<(String, u64)> {
        io::copy(&mut self, &mut io::sink())?;
        Ok((format!("{:x}", self.hasher.finalize()), self.bytes))
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

fn open(path: &Path) -> Result<Hashing<File>, GridError> {
    File::open(path).map(Hashing::new).map_err(|e| shard_err(path, format!("cannot read it: {e}")))
}

/// Checks every shard's folder, reading each file once in chunks (never a whole file), that
/// `dirs` are all the shards of one grid, each once, and that their files are complete and
/// unchanged; keeps the per-replication figures for the comparison. `Merged::write_rows`
/// then writes the merged CSVs. Memory does not grow with the size of the files: about a
/// kilobyte per shard, one configuration's `summary.csv` rows at a time, and the figures.
/// `write_rows` holds one open file per shard (N must stay below the open-file limit).
pub fn merge(dirs: &[PathBuf]) -> Result<Merged, GridError> {
    let (first_dir, others) =
        dirs.split_first().ok_or_else(|| GridError::Merge("give at least one shard folder".into()))?;
    let first = read_shard(first_dir)?;
    let a = &first.info;
    let n = a.count;
    let part = |s: ShardFolder| Part {
        dir: s.dir,
        index: s.info.index,
        sha256: s.info.sha256,
        configs: s.info.configs_in_shard,
        rows: s.info.rows,
        header_bytes: [0; 3],
        file_bytes: [0; 3],
    };
    let mut by_index: Vec<Option<Part>> = vec![None; n];
    by_index[a.index] = Some(part(first.clone()));
    // One shard at a time: only its `Part` is kept.
    for d in others {
        let s = read_shard(d)?;
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
        let i = b.index;
        if let Some(other) = &by_index[i] {
            return Err(GridError::Merge(format!(
                "shard {i}/{n} is given twice: {} and {}",
                other.dir.display(),
                s.dir.display()
            )));
        }
        by_index[i] = Some(part(s));
    }
    let missing: Vec<String> =
        by_index.iter().enumerate().filter(|(_, s)| s.is_none()).map(|(i, _)| format!("{i}/{n}")).collect();
    if !missing.is_empty() {
        return Err(GridError::Merge(format!(
            "shard(s) {} missing: merge needs all {n} shards of the grid, each once",
            missing.join(", ")
        )));
    }
    let mut parts: Vec<Part> = by_index.into_iter().map(|s| s.expect("every index was checked present")).collect();

    let grid = Grid::parse(&a.args.vary)?;
    let configs = grid.configs.len();
    if configs != a.grid_size {
        return Err(GridError::Merge(format!(
            "the --vary arguments give {configs} configurations, shard.toml says {}",
            a.grid_size
        )));
    }
    let grid_csv = write_grid(Vec::new(), &grid).expect("writing to memory should not fail");
    for (i, s) in parts.iter().enumerate() {
        let spec = ShardSpec { index: i, count: n };
        let expected: Vec<usize> = (0..configs).filter(|&c| spec.owns(c)).collect();
        if s.configs != expected {
            return Err(shard_err(&s.dir, "shard.toml lists other configurations than its share of the grid"));
        }
        let p = s.dir.join("grid.csv");
        if read_bytes(&p)? != grid_csv {
            return Err(shard_err(&p, "differs from the grid the --vary arguments in shard.toml span"));
        }
    }
    // What each shard wrote of each configuration, per replication (checked present above).
    let mut recorded: Vec<Option<ConfigRows>> = vec![None; configs];
    for s in &mut parts {
        for r in std::mem::take(&mut s.rows) {
            let c = r.config;
            recorded[c] = Some(r);
        }
    }
    let recorded: Vec<ConfigRows> =
        recorded.into_iter().map(|r| r.expect("every shard lists its share of the grid, checked above")).collect();

    // Every file is checked complete, and then unchanged, before anything is written: a row
    // missing anywhere would otherwise shift figures between groups or replications.
    let index: HashMap<&str, usize> = grid.configs.iter().map(|c| (c.label.as_str(), c.index)).collect();
    let ctx = Scan { grid: &grid, index: &index, recorded: &recorded, replications: a.replications, count: n };
    let mut rows_bytes: [Vec<u64>; 3] = std::array::from_fn(|_| vec![0; configs]);
    let mut headers: [Option<csv::StringRecord>; 3] = Default::default();
    let mut reports: Vec<Vec<RepReport>> = vec![Vec::new(); configs];
    for s in &mut parts {
        for file in RowsFile::ALL {
            let f = file.at();
            let (header, total) = ctx.file(s, file, &mut headers[f], &mut rows_bytes[f], &mut reports)?;
            s.header_bytes[f] = header;
            s.file_bytes[f] = total;
        }
        for name in ["grid.csv", "scenario.toml"] {
            let p = s.dir.join(name);
            let (found, _) = open(&p)?.finish().map_err(|e| shard_err(&p, format!("cannot read it: {e}")))?;
            check_sum(s, n, name, &found)?;
        }
    }
    Ok(Merged { info: first.info, grid, reports, parts, rows_bytes })
}

impl Merged {
    /// Writes the merged `file` to `out`: the header, then each configuration's rows copied
    /// byte for byte from its shard, in grid order (one reader per shard, each read once from
    /// start to end, in chunks). The shards' bytes are hashed again on the way: a file that
    /// changed since `merge` checked it is refused (whatever was written to `out` is then to
    /// be thrown away).
    pub fn write_rows<W: Write>(&self, file: RowsFile, mut out: W) -> Result<W, GridError> {
        let f = file.at();
        let mut readers = self.parts.iter().map(|s| open(&s.dir.join(file.name()))).collect::<Result<Vec<_>, _>>()?;
        let out_err = |e: io::Error| GridError::Merge(format!("writing the merged {}: {e}", file.name()));
        for (i, (s, r)) in self.parts.iter().zip(&mut readers).enumerate() {
            let p = s.dir.join(file.name());
            let header = r.take(s.header_bytes[f]);
            match i {
                0 => copy_exactly(header, &mut out, s.header_bytes[f], &p, &out_err)?,
                _ => copy_exactly(header, &mut io::sink(), s.header_bytes[f], &p, &out_err)?,
            }
        }
        let n = self.parts.len();
        for (c, &len) in self.rows_bytes[f].iter().enumerate() {
            let s = &self.parts[c % n];
            copy_exactly(readers[c % n].by_ref().take(len), &mut out, len, &s.dir.join(file.name()), &out_err)?;
        }
        for (s, r) in self.parts.iter().zip(readers) {
            let p = s.dir.join(file.name());
            let (found, bytes) = r.finish().map_err(|e| shard_err(&p, format!("cannot read it: {e}")))?;
            if bytes != s.file_bytes[f] {
                return Err(shard_err(
                    &p,
                    format!(
                        "changed while it was merged ({bytes} bytes, {} when checked); run the merge again",
                        s.file_bytes[f]
                    ),
                ));
            }
            check_sum(s, n, file.name(), &found)?;
        }
        out.flush().map_err(out_err)?;
        Ok(out)
    }
}

/// Copies all of `from` (at most `len` bytes) to `to`; a source shorter than `len` changed
/// since it was checked.
fn copy_exactly(
    mut from: impl Read,
    to: &mut impl Write,
    len: u64,
    path: &Path,
    out_err: &impl Fn(io::Error) -> GridError,
) -> Result<(), GridError> {
    let mut buf = [0u8; 8192];
    let mut copied = 0u64;
    loop {
        let k = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(k) => k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(shard_err(path, format!("cannot read it: {e}"))),
        };
        to.write_all(&buf[..k]).map_err(out_err)?;
        copied += k as u64;
    }
    if copied != len {
        return Err(shard_err(path, "changed while it was merged (it got shorter); run the merge again"));
    }
    Ok(())
}

/// Checks the SHA-256 `found` of file `name` of shard `s` against the one `shard.toml` records.
fn check_sum(s: &Part, count: usize, name: &str, found: &str) -> Result<(), GridError> {
    let recorded = s.sha256.get(name).map(String::as_str).unwrap_or_default();
    if found == recorded {
        return Ok(());
    }
    Err(shard_err(
        &s.dir.join(name),
        format!(
            "changed since the shard was written (SHA-256 {found}, shard.toml records {recorded}): the shard folder {} was edited or damaged; run `autoclose sweep --shard {}/{count}` again",
            s.dir.display(),
            s.index,
        ),
    ))
}

/// What checking a shard's files needs to know of the grid.
struct Scan<'a> {
    grid: &'a Grid,
    index: &'a HashMap<&'a str, usize>,
    recorded: &'a [ConfigRows],
    replications: u32,
    count: usize,
}

/// The rows of one configuration being read.
struct Open {
    config: usize,
    /// Where its rows start in the file.
    start_byte: u64,
    /// `summary.csv`: its rows, kept until the configuration ends (checked, then turned into
    /// figures). The other files: checked row by row.
    summary: Vec<csv::StringRecord>,
    counts: CountCheck,
}

impl<'a> Scan<'a> {
    /// Reads `file` of shard `s` once, in chunks: checks that its header is the first shard's,
    /// that it holds the rows of the shard's configurations, one after the other in grid order,
    /// exactly those `sweep` writes (`check_summary`, `CountCheck`), and then that its bytes
    /// have the SHA-256 shard.toml records. Sets `rows_bytes[c]` for the shard's
    /// configurations and, for `summary.csv`, `reports[c]`. Returns the lengths of the header
    /// and of the whole file.
    fn file(
        &self,
        s: &Part,
        file: RowsFile,
        first_header: &mut Option<csv::StringRecord>,
        rows_bytes: &mut [u64],
        reports: &mut [Vec<RepReport>],
    ) -> Result<(u64, u64), GridError> {
        let path = s.dir.join(file.name());
        let mut r = csv::Reader::from_reader(open(&path)?);
        let h = r.headers().map_err(|e| shard_err(&path, e.to_string()))?.clone();
        match first_header {
            Some(first) if *first != h => {
                return Err(shard_err(&path, "its columns differ from the first shard's (another autoclose version?)"))
            }
            Some(_) => {}
            None => *first_header = Some(h.clone()),
        }
        let col = |name: &str| {
            h.iter().position(|x| x == name).ok_or_else(|| shard_err(&path, format!("has no `{name}` column")))
        };
        let cc = col("config")?;
        let rc = col("replication")?;
        let header_bytes = r.position().byte();
        // Figures that do not parse are reported only once the checksum is found right: an
        // edited file is said to be edited.
        let mut deferred: Option<GridError> = None;
        let mut rec = csv::StringRecord::new();
        let mut next = 0; // index in s.configs of the configuration expected next
        let mut open: Option<Open> = None;
        loop {
            let at_byte = r.position().byte();
            let more = r.read_record(&mut rec).map_err(|e| shard_err(&path, e.to_string()))?;
            let c = match more {
                false => None,
                true => {
                    let label = rec.get(cc).unwrap_or_default();
                    let c = *self
                        .index
                        .get(label)
                        .ok_or_else(|| shard_err(&path, format!("unknown configuration `{label}`")))?;
                    if c % self.count != s.index {
                        return Err(shard_err(
                            &path,
                            format!("holds rows of configuration {c}, which is not in this shard"),
                        ));
                    }
                    Some(c)
                }
            };
            if !more || open.as_ref().map(|o| o.config) != c {
                // A configuration ends here; those of the shard before the next one wrote no rows.
                if let Some(o) = open.take() {
                    rows_bytes[o.config] = at_byte - o.start_byte;
                    self.end(&path, file, &h, o, reports, &mut deferred)?;
                }
                let until = match c {
                    None => s.configs.len(),
                    Some(c) => {
                        next + s.configs[next..].iter().position(|&x| x == c).ok_or_else(|| {
                            shard_err(
                                &path,
                                format!(
                                    "line {}: rows of configuration `{}` come again after those of a later configuration; the shard is incomplete or was edited: run it again",
                                    line_of(&rec),
                                    self.grid.configs[c].label
                                ),
                            )
                        })?
                    }
                };
                for &skipped in &s.configs[next..until] {
                    rows_bytes[skipped] = 0;
                    self.end(&path, file, &h, self.start(skipped, at_byte), reports, &mut deferred)?;
                }
                next = until + 1;
                open = c.map(|c| self.start(c, at_byte));
            }
            let Some(o) = open.as_mut() else { break };
            match file {
                RowsFile::Summary => o.summary.push(rec.clone()),
                RowsFile::Timeseries | RowsFile::Sweeps => {
                    let what = self.what(file);
                    let label = &self.grid.configs[o.config].label;
                    let expected = self.expected(file, o.config);
                    o.counts.row(&rec, rc, expected, what).map_err(|m| incomplete(&path, label, m))?
                }
            }
        }
        let (found, file_bytes) =
            r.into_inner().finish().map_err(|e| shard_err(&path, format!("cannot read it: {e}")))?;
        check_sum(s, self.count, file.name(), &found)?;
        match deferred {
            Some(e) => Err(e),
            None => Ok((header_bytes, file_bytes)),
        }
    }

    fn start(&self, config: usize, start_byte: u64) -> Open {
        Open { config, start_byte, summary: Vec::new(), counts: CountCheck::default() }
    }

    fn what(&self, file: RowsFile) -> &'static str {
        match file {
            RowsFile::Timeseries => "time-series bucket",
            _ => "sweep run",
        }
    }

    fn expected(&self, file: RowsFile, config: usize) -> &'a [u64] {
        match file {
            RowsFile::Timeseries => &self.recorded[config].timeseries,
            _ => &self.recorded[config].sweeps,
        }
    }

    /// The end of a configuration's rows in `file`: checks that none is missing and, for
    /// `summary.csv`, keeps its figures.
    fn end(
        &self,
        path: &Path,
        file: RowsFile,
        header: &csv::StringRecord,
        o: Open,
        reports: &mut [Vec<RepReport>],
        deferred: &mut Option<GridError>,
    ) -> Result<(), GridError> {
        let c = o.config;
        let label = &self.grid.configs[c].label;
        match file {
            RowsFile::Summary => {
                check_summary(path, label, &o.summary, Some(header), self.replications)?;
                match reports_of(path, header, &o.summary) {
                    Ok(reps) => reports[c] = reps,
                    Err(e) => {
                        deferred.get_or_insert(e);
                    }
                }
            }
            RowsFile::Timeseries | RowsFile::Sweeps => {
                o.counts.end(self.expected(file, c), self.what(file)).map_err(|m| incomplete(path, label, m))?;
            }
        }
        if file == RowsFile::Timeseries {
            let counts = &self.recorded[c].timeseries;
            let first = counts.first().copied();
            if counts.iter().any(|&k| Some(k) != first) || first == Some(0) {
                let dir = path.parent().unwrap_or(path);
                return Err(shard_err(
                    &shard_toml(dir),
                    format!("configuration `{label}`: its replications do not have the same number (at least 1) of time-series buckets"),
                ));
            }
        }
        Ok(())
    }
}

fn incomplete(path: &Path, label: &str, msg: String) -> GridError {
    shard_err(path, format!("configuration `{label}`: {msg}; the shard is incomplete or was edited: run it again"))
}

/// Checks, row by row, one configuration's rows of a shard's `timeseries.csv` or
/// `sweeps.csv`: the replications in order, each with as many rows as `shard.toml` says it
/// wrote (`expected[r]`).
#[derive(Debug, Default)]
struct CountCheck {
    /// The replication being read, and how many of its rows were seen.
    rep: usize,
    k: u64,
    /// Rows seen in all.
    rows: u64,
}

impl CountCheck {
    /// Moves past the replications whose rows are all seen.
    fn settle(&mut self, expected: &[u64]) {
        while self.rep < expected.len() && self.k == expected[self.rep] {
            self.rep += 1;
            self.k = 0;
        }
    }

    fn row(&mut self, r: &csv::StringRecord, rc: usize, expected: &[u64], what: &str) -> Result<(), String> {
        self.settle(expected);
        self.rows += 1;
        let total: u64 = expected.iter().sum();
        let found = r.get(rc).unwrap_or_default();
        if self.rep == expected.len() {
            return Err(format!(
                "line {} (replication {found}) is more than the {total} {what} row(s) shard.toml records",
                line_of(r)
            ));
        }
        if found != self.rep.to_string() {
            return Err(format!(
                "line {} belongs to replication {found}, but replication {} wrote {} {what} row(s) and only {} come before it",
                line_of(r),
                self.rep,
                expected[self.rep],
                self.k
            ));
        }
        self.k += 1;
        Ok(())
    }

    fn end(mut self, expected: &[u64], what: &str) -> Result<(), String> {
        self.settle(expected);
        match expected.get(self.rep) {
            None => Ok(()),
            Some(want) => Err(format!(
                "replication {} wrote {want} {what} row(s), the file has {} ({} rows in all, {} expected)",
                self.rep,
                self.k,
                self.rows,
                expected.iter().sum::<u64>()
            )),
        }
    }
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

fn breakdown(key: &str) -> Option<Breakdown> {
    [Breakdown::Overall, Breakdown::Channel, Breakdown::Skill, Breakdown::State].into_iter().find(|b| b.key() == key)
}

/// The per-replication figures of one configuration's `summary.csv` rows (its `value` rows),
/// as reports without time series or sweeps.
fn reports_of(path: &Path, h: &csv::StringRecord, rows: &[csv::StringRecord]) -> Result<Vec<RepReport>, GridError> {
    let col =
        |name: &str| h.iter().position(|x| x == name).ok_or_else(|| shard_err(path, format!("has no `{name}` column")));
    let (rc, sc, bc, gc) = (col("replication")?, col("stat")?, col("breakdown")?, col("group")?);
    let mc = METRICS.iter().map(|m| col(m)).collect::<Result<Vec<_>, _>>()?;
    let mut reps: Vec<RepReport> = Vec::new();
    for rec in rows {
        let field = |i: usize| rec.get(i).unwrap_or_default();
        if field(sc) != "value" {
            continue;
        }
        let at = |msg: String| shard_err(path, format!("row {}: {msg}", line_of(rec)));
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
    Ok(reps)
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

    fn record(rep: &str, line: u64) -> csv::StringRecord {
        let mut r = csv::StringRecord::from(vec!["c", rep]);
        let mut pos = csv::Position::new();
        pos.set_line(line);
        r.set_position(Some(pos));
        r
    }

    #[test]
    fn row_counts_are_checked_row_by_row() {
        let expected = [2, 0, 1];
        let mut ok = CountCheck::default();
        for (rep, line) in [("0", 2), ("0", 3), ("2", 4)] {
            ok.row(&record(rep, line), 1, &expected, "sweep run").unwrap();
        }
        assert_eq!(ok.end(&expected, "sweep run"), Ok(()));

        let mut early = CountCheck::default();
        early.row(&record("0", 2), 1, &expected, "sweep run").unwrap();
        assert_eq!(
            early.row(&record("2", 3), 1, &expected, "sweep run"),
            Err(
                "line 3 belongs to replication 2, but replication 0 wrote 2 sweep run row(s) and only 1 come before it"
                    .into()
            )
        );

        let mut short = CountCheck::default();
        short.row(&record("0", 2), 1, &expected, "sweep run").unwrap();
        short.row(&record("0", 3), 1, &expected, "sweep run").unwrap();
        assert_eq!(
            short.end(&expected, "sweep run"),
            Err("replication 2 wrote 1 sweep run row(s), the file has 0 (2 rows in all, 3 expected)".into())
        );

        let mut long = CountCheck::default();
        for (rep, line) in [("0", 2), ("0", 3), ("2", 4)] {
            long.row(&record(rep, line), 1, &expected, "sweep run").unwrap();
        }
        assert_eq!(
            long.row(&record("2", 5), 1, &expected, "sweep run"),
            Err("line 5 (replication 2) is more than the 3 sweep run row(s) shard.toml records".into())
        );
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
}
