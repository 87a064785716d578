//! Reads a results folder's CSVs (and its manifest and scenario) into plain typed data: the
//! only input of the charts and the report. Never simulates, never draws, never writes.
//!
//! Columns are looked up by name, so a folder written by an older or newer version still
//! loads: a missing optional column only hides what needs it. Aggregate summary rows are
//! selected by `stat`, never by `replication` (empty or `all` depending on the version).

use crate::scenario::{self, Scenario};
use crate::time::{parse_duration, SimDuration, MS_PER_S};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Why a results folder could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: cannot read: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {source}")]
    Csv { path: PathBuf, source: csv::Error },
    #[error("{path}: no column `{column}`: is this an autoclose results folder?")]
    MissingColumn { path: PathBuf, column: String },
    #[error("{path}:{line}: column `{column}`: expected {expected}, got {value:?}")]
    BadValue { path: PathBuf, line: u64, column: String, expected: &'static str, value: String },
    #[error("{0}: not a results folder (no summary.csv or plan.csv): run `autoclose run`, `sweep` or `plan` first")]
    NoSummary(PathBuf),
    #[error("{0}: a `loadtest` folder (loadtest.csv): its charts are drawn by the load test itself, not by `plot`; rerun `autoclose loadtest ... --force` to draw them again")]
    LoadtestFolder(PathBuf),
}

/// Which statistic a summary row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stat {
    /// One replication's figure.
    Value,
    Mean,
    Ci95Low,
    Ci95High,
    /// Replications the figure is defined in.
    N,
}

impl Stat {
    fn parse(s: &str) -> Option<Stat> {
        Some(match s {
            "value" => Stat::Value,
            "mean" => Stat::Mean,
            "ci95_low" => Stat::Ci95Low,
            "ci95_high" => Stat::Ci95High,
            "n" => Stat::N,
            _ => return None,
        })
    }
}

/// A figure with its 95% interval over replications (bounds absent with one replication).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    /// Replications the figure is defined in, when the folder says.
    pub n: Option<f64>,
}

impl Estimate {
    /// Half the interval's width, when there is one.
    pub fn half_width(&self) -> Option<f64> {
        match (self.ci95_low, self.ci95_high) {
            (Some(l), Some(h)) => Some((h - l) / 2.0),
            _ => None,
        }
    }
}

/// One row of summary.csv; `values` follow `Summary::columns`.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    pub config: String,
    /// `None` on aggregate rows.
    pub replication: Option<u32>,
    pub stat: Stat,
    pub breakdown: String,
    pub group: String,
    pub values: Vec<Option<f64>>,
}

/// summary.csv: the key columns typed, every figure column as an optional number.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Names of the figure columns (after `group`), with renamed columns under their new name.
    pub columns: Vec<String>,
    pub rows: Vec<SummaryRow>,
    /// (config, breakdown, group) -> row indices of value rows and of each aggregate stat.
    index: HashMap<(String, String, String), RowSet>,
}

#[derive(Debug, Clone, Default)]
struct RowSet {
    values: Vec<usize>,
    mean: Option<usize>,
    low: Option<usize>,
    high: Option<usize>,
    n: Option<usize>,
}

impl Summary {
    /// Position of a figure column in `SummaryRow::values`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    pub fn has_column(&self, name: &str) -> bool {
        self.column(name).is_some()
    }

    /// The figure's mean and interval for one (config, breakdown, group): the aggregate rows,
    /// or the only replication's value when the folder has no aggregate rows.
    pub fn estimate(&self, config: &str, breakdown: &str, group: &str, column: &str) -> Option<Estimate> {
        let c = self.column(column)?;
        let set = self.index.get(&(config.to_string(), breakdown.to_string(), group.to_string()))?;
        let at = |i: Option<usize>| i.and_then(|i| self.rows[i].values[c]);
        match at(set.mean) {
            Some(mean) => Some(Estimate { mean, ci95_low: at(set.low), ci95_high: at(set.high), n: at(set.n) }),
            None if set.mean.is_none() && set.values.len() == 1 => {
                at(Some(set.values[0])).map(|mean| Estimate { mean, ci95_low: None, ci95_high: None, n: Some(1.0) })
            }
            None => None,
        }
    }

    /// Per-replication values of a figure, in file order (missing values left out).
    pub fn replication_values(&self, config: &str, breakdown: &str, group: &str, column: &str) -> Vec<f64> {
        let Some(c) = self.column(column) else { return Vec::new() };
        self.index
            .get(&(config.to_string(), breakdown.to_string(), group.to_string()))
            .map(|set| set.values.iter().filter_map(|&i| self.rows[i].values[c]).collect())
            .unwrap_or_default()
    }

    /// Configurations in order of first appearance.
    pub fn configs(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in &self.rows {
            if out.last() != Some(&r.config) && !out.contains(&r.config) {
                out.push(r.config.clone());
            }
        }
        out
    }

    /// Groups of a breakdown (`skill`, `channel`, ...) in order of first appearance.
    pub fn groups(&self, breakdown: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in self.rows.iter().filter(|r| r.breakdown == breakdown) {
            if !out.contains(&r.group) {
                out.push(r.group.clone());
            }
        }
        out
    }

    fn build_index(&mut self) {
        let mut index: HashMap<(String, String, String), RowSet> = HashMap::new();
        for (i, r) in self.rows.iter().enumerate() {
            let set = index.entry((r.config.clone(), r.breakdown.clone(), r.group.clone())).or_default();
            match r.stat {
                Stat::Value => set.values.push(i),
                Stat::Mean => set.mean = Some(i),
                Stat::Ci95Low => set.low = Some(i),
                Stat::Ci95High => set.high = Some(i),
                Stat::N => set.n = Some(i),
            }
        }
        self.index = index;
    }
}

/// Whether an axis is the sweep interval, a timeout, or something else (told by its key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AxisRole {
    SweepInterval,
    Timeout,
    Other,
}

/// One configuration's value on a grid axis.
#[derive(Debug, Clone, PartialEq)]
pub struct AxisValue {
    /// As a reader writes it: `25m`, `1d`, `never`, `12`.
    pub label: String,
    /// Seconds for a duration, the number for a number; `None` for `never` or a word.
    pub number: Option<f64>,
}

impl AxisValue {
    /// Parses a grid cell: seconds when the column is a `<key>_s` one, else a duration string
    /// (`5m`), a number, or a word.
    pub fn parse(cell: &str, seconds_column: bool) -> AxisValue {
        let cell = cell.trim();
        if seconds_column {
            return match cell.parse::<f64>() {
                Ok(s) => AxisValue { label: duration_label(s), number: Some(s) },
                Err(_) => AxisValue { label: if cell.is_empty() { "never".into() } else { cell.into() }, number: None },
            };
        }
        if let Ok(n) = cell.parse::<f64>() {
            return AxisValue { label: cell.to_string(), number: Some(n) };
        }
        match parse_duration(cell) {
            Ok(d) => AxisValue { label: d.to_string(), number: Some(d.as_secs_f64()) },
            Err(_) => AxisValue { label: cell.to_string(), number: None },
        }
    }

    /// Sort key: numbers ascending, then words (`never` last).
    pub fn sort_key(&self) -> f64 {
        self.number.unwrap_or(f64::INFINITY)
    }
}

/// The shortest exact duration label for a number of seconds (`300` -> `5m`).
pub fn duration_label(seconds: f64) -> String {
    if seconds >= 0.0 && seconds.is_finite() {
        SimDuration((seconds * MS_PER_S as f64).round() as u64).to_string()
    } else {
        format!("{seconds}s")
    }
}

/// One varied key of a grid, with every configuration's value.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// The scenario key, without a `_s` suffix: `policy.schedulers.job.interval`.
    pub key: String,
    pub role: AxisRole,
    /// One per configuration, in `Grid::configs` order.
    pub values: Vec<AxisValue>,
}

impl Axis {
    fn new(key: String) -> Axis {
        let role = if key.contains("interval") {
            AxisRole::SweepInterval
        } else if key.contains("timeout") {
            AxisRole::Timeout
        } else {
            AxisRole::Other
        };
        Axis { key, role, values: Vec::new() }
    }

    /// The key's last segment, as config names use it: `interval`, `waiting`.
    pub fn short(&self) -> &str {
        self.key.rsplit('.').next().unwrap_or(&self.key)
    }

    /// Distinct values, sorted (numbers ascending, `never` last).
    pub fn distinct(&self) -> Vec<AxisValue> {
        let mut out: Vec<AxisValue> = Vec::new();
        for v in &self.values {
            if !out.contains(v) {
                out.push(v.clone());
            }
        }
        out.sort_by(|a, b| a.sort_key().total_cmp(&b.sort_key()).then_with(|| a.label.cmp(&b.label)));
        out
    }
}

/// grid.csv: the configurations of a sweep and their value on each axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// Configuration names in `config_index` order.
    pub configs: Vec<String>,
    pub axes: Vec<Axis>,
}

impl Grid {
    /// The axis read as the sweep interval: the one whose key says `interval`, else the first.
    pub fn interval_axis(&self) -> Option<usize> {
        self.axes.iter().position(|a| a.role == AxisRole::SweepInterval).or((!self.axes.is_empty()).then_some(0))
    }

    /// The axis read as the timeout: the one whose key says `timeout`, else the first axis
    /// that is not the interval axis; `None` for a one-axis grid without a timeout key.
    pub fn timeout_axis(&self) -> Option<usize> {
        let interval = self.interval_axis();
        self.axes
            .iter()
            .position(|a| a.role == AxisRole::Timeout)
            .filter(|&t| Some(t) != interval)
            .or_else(|| (0..self.axes.len()).find(|&i| Some(i) != interval))
    }

    /// Index of a configuration by name.
    pub fn config_index(&self, config: &str) -> Option<usize> {
        self.configs.iter().position(|c| c == config)
    }

    /// How a chart along axis `x` splits the rest: the axes its lines (or box colours) follow,
    /// and those held at the baseline's value. A line per timeout (several timeout axes: per
    /// combination), every other axis held; where no axis says `timeout`, the axis the
    /// trade-off reads as the timeout (`timeout_axis`: the first other axis) takes its place.
    pub fn split_along(&self, x: usize) -> (Vec<usize>, Vec<usize>) {
        let others: Vec<usize> = (0..self.axes.len()).filter(|&i| i != x).collect();
        let (mut timeouts, mut rest): (Vec<usize>, Vec<usize>) =
            others.iter().partition(|&&i| self.axes[i].role == AxisRole::Timeout);
        if timeouts.is_empty() {
            if let Some(t) = others.first() {
                timeouts.push(*t);
                rest.retain(|i| i != t);
            }
        }
        (timeouts, rest)
    }

    /// Whether configuration `c` has the baseline's (`base`) value on every axis of `held`.
    pub fn at_baseline(&self, c: usize, base: usize, held: &[usize]) -> bool {
        held.iter().all(|&i| self.axes[i].values[c] == self.axes[i].values[base])
    }

    /// A chart's description `what` after the baseline's values on the axes of `held`
    /// (`at count=22, what`), or `what` alone when none is held.
    pub fn held_note(&self, base: usize, held: &[usize], what: &str) -> String {
        let parts: Vec<String> =
            held.iter().map(|&i| format!("{}={}", self.axes[i].short(), self.axes[i].values[base].label)).collect();
        if parts.is_empty() {
            what.to_string()
        } else {
            format!("at {}, {what}", parts.join(", "))
        }
    }
}

/// One bucket of one replication in timeseries.csv.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeseriesRow {
    pub config: String,
    pub replication: u32,
    pub bucket_start_s: f64,
    pub in_warmup: bool,
    pub open_mean: Option<f64>,
    pub active_mean: Option<f64>,
    pub waiting_mean: Option<f64>,
    pub wrap_up_mean: Option<f64>,
    pub capacity_in_use_units: Option<f64>,
    pub capacity_available_units: Option<f64>,
    pub zombie_capacity_units: Option<f64>,
}

/// One run of a sweep scheduler in one replication (sweeps.csv).
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRow {
    pub config: String,
    pub replication: u32,
    pub scheduler: String,
    pub run: u64,
    pub started_s: f64,
    /// Closures (and moves to Wrap-up) of the run.
    pub closed: f64,
    /// Parks of the run (`action = "park"`); `None` in folders written before the column.
    pub parked: Option<f64>,
    pub deferred: Option<f64>,
}

/// One (configuration, breakdown, group, metric) row of comparison.csv.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonRow {
    pub config: String,
    pub baseline: String,
    pub breakdown: String,
    pub group: String,
    pub metric: String,
    pub mean: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    pub diff_mean: Option<f64>,
    pub diff_ci95_low: Option<f64>,
    pub diff_ci95_high: Option<f64>,
}

/// One row of plan.csv: the fewest agents meeting the target for a configuration and group
/// (and hour bucket, with `--by`).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRow {
    pub config: String,
    pub group: String,
    /// The hour bucket of an intraday plan (`--by hour`: 0 to 23; `--by week-hour`: 0 to
    /// 167 from Monday 00:00); `None` in a plan of whole head counts.
    pub hour: Option<usize>,
    pub agents_needed: Option<f64>,
    /// Where the target was not met: the staffing the search ended at (`agents_best_tried`).
    pub best_tried: Option<f64>,
    /// The targets' figures at the planned staffing and with one agent fewer, in plan.csv's
    /// column order.
    pub figures: Vec<PlanFigure>,
}

impl PlanRow {
    /// Whether this row's targets hold: a plan's, whether it has an answer; an intraday
    /// plan's hour, whether every target holds in that hour (a profile not met everywhere
    /// leaves every hour's `agents_needed` empty, though most hours may hold).
    pub fn met(&self) -> bool {
        match self.hour {
            Some(_) if !self.figures.is_empty() => self.figures.iter().all(|f| f.at_plan.holds != Some(false)),
            _ => self.agents_needed.is_some(),
        }
    }

    /// The agents of the row: the answer, or for an intraday plan not met everywhere the
    /// profile's count in this hour (`agents_best_tried`).
    pub fn agents(&self) -> Option<f64> {
        self.agents_needed.or(self.best_tried.filter(|_| self.hour.is_some()))
    }
}

/// One target's figure in a plan.csv row: at the plan, and with one agent fewer.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanFigure {
    /// The column stem (`service_level_60s_skill_billing_share`).
    pub slug: String,
    pub at_plan: PlanEstimate,
    pub one_fewer: PlanEstimate,
}

/// A target's mean, 95% interval and verdict in plan.csv (each empty where not simulated).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PlanEstimate {
    pub mean: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    pub holds: Option<bool>,
}

/// plan.csv: rows plus the axis columns between `config` and `group` (values per row).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub axes: Vec<Axis>,
    pub rows: Vec<PlanRow>,
}

impl Plan {
    /// An intraday plan's bucket count: 24 (`--by hour`) or 168 (`--by week-hour`, some
    /// bucket past the first day); `None` for a plan of whole head counts.
    pub fn hour_buckets(&self) -> Option<usize> {
        self.rows.iter().filter_map(|row| row.hour).max().map(|h| if h < 24 { 24 } else { 168 })
    }
}

/// Everything the charts and the report may show, read from one results folder.
#[derive(Debug, Clone)]
pub struct LoadedResults {
    /// The folder as given, for messages.
    pub folder: PathBuf,
    pub scenario_name: String,
    /// `run` or `sweep` (from the manifest), when known.
    pub command: Option<String>,
    /// The manifest's command that reproduces the folder.
    pub rerun: Option<String>,
    /// scenario.toml exactly as run.
    pub scenario_text: Option<String>,
    /// scenario.toml read with the library's loader; `None` when absent or unreadable.
    pub scenario: Option<Scenario>,
    /// Why scenario.toml could not be read, for the report.
    pub scenario_error: Option<String>,
    pub summary: Summary,
    pub grid: Option<Grid>,
    pub timeseries: Vec<TimeseriesRow>,
    pub sweeps: Vec<SweepRow>,
    pub comparison: Vec<ComparisonRow>,
    pub plan: Option<Plan>,
}

impl LoadedResults {
    /// Configuration names in grid order (summary order without a grid).
    pub fn configs(&self) -> Vec<String> {
        match &self.grid {
            Some(g) if !g.configs.is_empty() => g.configs.clone(),
            _ => self.summary.configs(),
        }
    }

    /// The baseline configuration: comparison.csv's `baseline`, else the first.
    pub fn baseline(&self) -> Option<String> {
        self.comparison.first().map(|r| r.baseline.clone()).or_else(|| self.configs().into_iter().next())
    }

    /// The baseline's index among the grid's configurations (0 without a grid or a match).
    pub fn baseline_index(&self) -> usize {
        let grid = self.grid.as_ref();
        self.baseline().and_then(|b| grid.and_then(|g| g.config_index(&b))).unwrap_or(0)
    }

    /// Whether the folder is a grid of several configurations.
    pub fn is_grid(&self) -> bool {
        self.grid.as_ref().is_some_and(|g| g.configs.len() > 1 && !g.axes.is_empty())
    }
}

/// Column renames between versions of the summary: old name -> current name.
const RENAMED: [(&str, &str); 2] = [("service_level", "service_level_share"), ("occupancy", "occupancy_share")];

/// Reads a results folder. summary.csv (or, for a `plan` folder, plan.csv) is required;
/// every other file is optional.
pub fn load(folder: &Path) -> Result<LoadedResults, LoadError> {
    let summary_path = folder.join("summary.csv");
    let plan_path = folder.join("plan.csv");
    if !summary_path.is_file() && !plan_path.is_file() {
        if folder.join("loadtest.csv").is_file() {
            return Err(LoadError::LoadtestFolder(folder.to_path_buf()));
        }
        return Err(LoadError::NoSummary(folder.to_path_buf()));
    }
    // A `plan` folder may hold plan.csv without summary.csv: its summary is then empty.
    let summary = match optional(&summary_path)? {
        Some(text) => read_summary(&text, &summary_path)?,
        None => Summary::default(),
    };
    let manifest = optional(&folder.join("manifest.toml"))?.and_then(|t| t.parse::<toml::Table>().ok());
    let manifest_str = |k: &str| manifest.as_ref().and_then(|m| m.get(k)).and_then(|v| v.as_str()).map(String::from);
    let scenario_text = optional(&folder.join("scenario.toml"))?;
    let (scenario, scenario_error) = match &scenario_text {
        Some(text) => match scenario::parse_str("scenario.toml", text, folder, &[]) {
            Ok(s) => (Some(s), None),
            Err(d) => (None, Some(d.to_string())),
        },
        None => (None, None),
    };
    let scenario_name = scenario
        .as_ref()
        .map(|s| s.name.clone())
        .or_else(|| manifest_str("scenario_name"))
        .or_else(|| first_cell(&summary_path))
        .unwrap_or_else(|| folder.display().to_string());
    let grid = match optional(&folder.join("grid.csv"))? {
        Some(text) => Some(read_grid(&text, &folder.join("grid.csv"))?),
        None => None,
    };
    let timeseries = match optional(&folder.join("timeseries.csv"))? {
        Some(text) => read_timeseries(&text, &folder.join("timeseries.csv"))?,
        None => Vec::new(),
    };
    let sweeps = match optional(&folder.join("sweeps.csv"))? {
        Some(text) => read_sweeps(&text, &folder.join("sweeps.csv"))?,
        None => Vec::new(),
    };
    let comparison = match optional(&folder.join("comparison.csv"))? {
        Some(text) => read_comparison(&text, &folder.join("comparison.csv"))?,
        None => Vec::new(),
    };
    let plan = match optional(&plan_path)? {
        Some(text) => Some(read_plan(&text, &plan_path)?),
        None => None,
    };
    Ok(LoadedResults {
        folder: folder.to_path_buf(),
        scenario_name,
        command: manifest_str("command"),
        rerun: manifest_str("rerun"),
        scenario_text,
        scenario,
        scenario_error,
        summary,
        grid,
        timeseries,
        sweeps,
        comparison,
        plan,
    })
}

fn read(path: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|source| LoadError::Io { path: path.to_path_buf(), source })
}

fn optional(path: &Path) -> Result<Option<String>, LoadError> {
    if path.is_file() {
        read(path).map(Some)
    } else {
        Ok(None)
    }
}

fn first_cell(summary_path: &Path) -> Option<String> {
    let mut r = csv::Reader::from_path(summary_path).ok()?;
    let rec = r.records().next()?.ok()?;
    rec.get(0).map(String::from)
}

/// A CSV's header, with a name -> position lookup that reports a missing required column.
struct Header<'a> {
    path: &'a Path,
    names: Vec<String>,
}

impl<'a> Header<'a> {
    fn of(reader: &mut csv::Reader<&[u8]>, path: &'a Path) -> Result<Header<'a>, LoadError> {
        let names = reader
            .headers()
            .map_err(|source| LoadError::Csv { path: path.to_path_buf(), source })?
            .iter()
            .map(String::from)
            .collect();
        Ok(Header { path, names })
    }
    fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }
    fn require(&self, name: &str) -> Result<usize, LoadError> {
        self.find(name).ok_or_else(|| LoadError::MissingColumn { path: self.path.to_path_buf(), column: name.into() })
    }
}

/// Iterates records with their line number for messages.
fn records<'r>(
    reader: &'r mut csv::Reader<&'r [u8]>,
    path: &'r Path,
) -> impl Iterator<Item = Result<(u64, csv::StringRecord), LoadError>> + 'r {
    reader.records().map(move |r| {
        let rec = r.map_err(|source| LoadError::Csv { path: path.to_path_buf(), source })?;
        let line = rec.position().map_or(0, |p| p.line());
        Ok((line, rec))
    })
}

fn cell(rec: &csv::StringRecord, i: usize) -> &str {
    rec.get(i).unwrap_or("")
}

/// An optional number: empty, `NaN` or a word is `None`; `true`/`false` are 1 and 0.
fn number(s: &str) -> Option<f64> {
    match s {
        "" => None,
        "true" => Some(1.0),
        "false" => Some(0.0),
        _ => s.parse::<f64>().ok().filter(|v| v.is_finite()),
    }
}

fn opt_number(rec: &csv::StringRecord, i: Option<usize>) -> Option<f64> {
    i.and_then(|i| number(cell(rec, i)))
}

fn required_number(rec: &csv::StringRecord, i: usize, line: u64, h: &Header) -> Result<f64, LoadError> {
    number(cell(rec, i)).ok_or_else(|| LoadError::BadValue {
        path: h.path.to_path_buf(),
        line,
        column: h.names[i].clone(),
        expected: "a number",
        value: cell(rec, i).to_string(),
    })
}

fn required_u32(rec: &csv::StringRecord, i: usize, line: u64, h: &Header) -> Result<u32, LoadError> {
    cell(rec, i).parse::<u32>().map_err(|_| LoadError::BadValue {
        path: h.path.to_path_buf(),
        line,
        column: h.names[i].clone(),
        expected: "a replication number",
        value: cell(rec, i).to_string(),
    })
}

/// Parses summary.csv text.
pub fn read_summary(text: &str, path: &Path) -> Result<Summary, LoadError> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let h = Header::of(&mut reader, path)?;
    let (c_config, c_rep, c_stat) = (h.require("config")?, h.require("replication")?, h.require("stat")?);
    let (c_breakdown, c_group) = (h.require("breakdown")?, h.require("group")?);
    let first_figure = c_group + 1;
    let columns: Vec<String> = h.names[first_figure..]
        .iter()
        .map(|n| RENAMED.iter().find(|(old, _)| old == n).map_or(n.clone(), |(_, new)| new.to_string()))
        .collect();
    let mut rows = Vec::new();
    for rec in records(&mut reader, path) {
        let (line, rec) = rec?;
        let stat = Stat::parse(cell(&rec, c_stat)).ok_or_else(|| LoadError::BadValue {
            path: path.to_path_buf(),
            line,
            column: "stat".into(),
            expected: "value, mean, ci95_low, ci95_high or n",
            value: cell(&rec, c_stat).to_string(),
        })?;
        let replication = match (stat, cell(&rec, c_rep)) {
            (Stat::Value, _) => Some(required_u32(&rec, c_rep, line, &h)?),
            _ => None,
        };
        rows.push(SummaryRow {
            config: cell(&rec, c_config).to_string(),
            replication,
            stat,
            breakdown: cell(&rec, c_breakdown).to_string(),
            group: cell(&rec, c_group).to_string(),
            values: (first_figure..h.names.len()).map(|i| number(cell(&rec, i))).collect(),
        });
    }
    let mut s = Summary { columns, rows, index: HashMap::new() };
    s.build_index();
    Ok(s)
}

/// Turns axis header names into axes: a `<key>_s` column is the key in seconds; a plain
/// `<key>` column next to a `<key>_s` one is the same axis and is skipped.
fn axis_columns(names: &[String]) -> Vec<(usize, String, bool)> {
    let mut out = Vec::new();
    for (i, n) in names.iter().enumerate() {
        if let Some(key) = n.strip_suffix("_s") {
            out.push((i, key.to_string(), true));
        } else if !names.iter().any(|m| m.strip_suffix("_s") == Some(n.as_str())) {
            out.push((i, n.clone(), false));
        }
    }
    out
}

/// Parses grid.csv text: axes are the columns after `config_index,config`.
pub fn read_grid(text: &str, path: &Path) -> Result<Grid, LoadError> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let h = Header::of(&mut reader, path)?;
    let c_config = h.require("config")?;
    h.require("config_index")?;
    let cols = axis_columns(&h.names[c_config + 1..]);
    let mut axes: Vec<Axis> = cols.iter().map(|(_, key, _)| Axis::new(key.clone())).collect();
    let mut configs = Vec::new();
    for rec in records(&mut reader, path) {
        let (_, rec) = rec?;
        configs.push(cell(&rec, c_config).to_string());
        for (axis, (i, _, seconds)) in axes.iter_mut().zip(&cols) {
            axis.values.push(AxisValue::parse(cell(&rec, c_config + 1 + i), *seconds));
        }
    }
    Ok(Grid { configs, axes })
}

/// Parses timeseries.csv text.
pub fn read_timeseries(text: &str, path: &Path) -> Result<Vec<TimeseriesRow>, LoadError> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let h = Header::of(&mut reader, path)?;
    let (c_config, c_rep, c_t) = (h.require("config")?, h.require("replication")?, h.require("bucket_start_s")?);
    let c_warm = h.find("in_warmup");
    let [open, active, waiting, wrap_up, in_use, available, zombie] = [
        "open_mean",
        "active_mean",
        "waiting_mean",
        "wrap_up_mean",
        "capacity_in_use_units",
        "capacity_available_units",
        "zombie_capacity_units",
    ]
    .map(|n| h.find(n));
    let mut rows = Vec::new();
    for rec in records(&mut reader, path) {
        let (line, rec) = rec?;
        rows.push(TimeseriesRow {
            config: cell(&rec, c_config).to_string(),
            replication: required_u32(&rec, c_rep, line, &h)?,
            bucket_start_s: required_number(&rec, c_t, line, &h)?,
            in_warmup: opt_number(&rec, c_warm) == Some(1.0),
            open_mean: opt_number(&rec, open),
            active_mean: opt_number(&rec, active),
            waiting_mean: opt_number(&rec, waiting),
            wrap_up_mean: opt_number(&rec, wrap_up),
            capacity_in_use_units: opt_number(&rec, in_use),
            capacity_available_units: opt_number(&rec, available),
            zombie_capacity_units: opt_number(&rec, zombie),
        });
    }
    Ok(rows)
}

/// Parses sweeps.csv text.
pub fn read_sweeps(text: &str, path: &Path) -> Result<Vec<SweepRow>, LoadError> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let h = Header::of(&mut reader, path)?;
    let (c_config, c_rep, c_sched) = (h.require("config")?, h.require("replication")?, h.require("scheduler")?);
    let (c_run, c_t, c_closed) = (h.require("run")?, h.require("started_s")?, h.require("closed")?);
    let (c_parked, c_deferred) = (h.find("parked"), h.find("deferred"));
    let mut rows = Vec::new();
    for rec in records(&mut reader, path) {
        let (line, rec) = rec?;
        rows.push(SweepRow {
            config: cell(&rec, c_config).to_string(),
            replication: required_u32(&rec, c_rep, line, &h)?,
            scheduler: cell(&rec, c_sched).to_string(),
            run: required_number(&rec, c_run, line, &h)? as u64,
            started_s: required_number(&rec, c_t, line, &h)?,
            closed: required_number(&rec, c_closed, line, &h)?,
            parked: opt_number(&rec, c_parked),
            deferred: opt_number(&rec, c_deferred),
        });
    }
    Ok(rows)
}

/// Parses comparison.csv text.
pub fn read_comparison(text: &str, path: &Path) -> Result<Vec<ComparisonRow>, LoadError> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let h = Header::of(&mut reader, path)?;
    let c_config = h.require("config")?;
    let c_metric = h.require("metric")?;
    let [baseline, breakdown, group] = ["baseline", "breakdown", "group"].map(|n| h.find(n));
    let [mean, low, high, dmean, dlow, dhigh] =
        ["mean", "ci95_low", "ci95_high", "diff_mean", "diff_ci95_low", "diff_ci95_high"].map(|n| h.find(n));
    let text_at = |rec: &csv::StringRecord, i: Option<usize>| i.map_or(String::new(), |i| cell(rec, i).to_string());
    let mut rows = Vec::new();
    for rec in records(&mut reader, path) {
        let (_, rec) = rec?;
        rows.push(ComparisonRow {
            config: cell(&rec, c_config).to_string(),
            baseline: text_at(&rec, baseline),
            breakdown: text_at(&rec, breakdown),
            group: text_at(&rec, group),
            metric: cell(&rec, c_metric).to_string(),
            mean: opt_number(&rec, mean),
            ci95_low: opt_number(&rec, low),
            ci95_high: opt_number(&rec, high),
            diff_mean: opt_number(&rec, dmean),
            diff_ci95_low: opt_number(&rec, dlow),
            diff_ci95_high: opt_number(&rec, dhigh),
        });
    }
    Ok(rows)
}

/// Parses plan.csv text: `config`, the axis columns, `group`, `agents_needed`.
pub fn read_plan(text: &str, path: &Path) -> Result<Plan, LoadError> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let h = Header::of(&mut reader, path)?;
    let (c_config, c_group, c_agents) = (h.require("config")?, h.require("group")?, h.require("agents_needed")?);
    let (c_hour, c_best) = (h.find("hour"), h.find("agents_best_tried"));
    // Each target's four columns at the plan (`<slug>_mean` ...), then with one fewer
    // (`fewer_<slug>_mean` ...); plan.csv files before these columns have none.
    type Stats = [Option<usize>; 4];
    let stat = |slug: &str, at: &str| -> Stats {
        ["mean", "ci95_low", "ci95_high", "holds"].map(|st| h.find(&format!("{at}{slug}_{st}")))
    };
    let slugs: Vec<String> = (h.names.iter().skip(c_agents + 1))
        .filter(|n| !n.starts_with("fewer_"))
        .filter_map(|n| n.strip_suffix("_mean").map(str::to_string))
        .collect();
    let figure_cols: Vec<(String, Stats, Stats)> = (slugs.into_iter())
        .map(|slug| {
            let (at, fewer) = (stat(&slug, ""), stat(&slug, "fewer_"));
            (slug, at, fewer)
        })
        .collect();
    let first_axis = c_config + 1 + usize::from(h.names.get(c_config + 1).is_some_and(|n| n == "config_index"));
    let cols = if first_axis < c_group { axis_columns(&h.names[first_axis..c_group]) } else { Vec::new() };
    let mut axes: Vec<Axis> = cols.iter().map(|(_, key, _)| Axis::new(key.clone())).collect();
    let mut rows = Vec::new();
    for rec in records(&mut reader, path) {
        let (_, rec) = rec?;
        for (axis, (i, _, seconds)) in axes.iter_mut().zip(&cols) {
            axis.values.push(AxisValue::parse(cell(&rec, first_axis + i), *seconds));
        }
        let estimate = |cols: &Stats| {
            let get = |k: usize| cols[k].map(|i| cell(&rec, i)).unwrap_or("");
            PlanEstimate {
                mean: number(get(0)),
                ci95_low: number(get(1)),
                ci95_high: number(get(2)),
                holds: get(3).parse().ok(),
            }
        };
        rows.push(PlanRow {
            config: cell(&rec, c_config).to_string(),
            group: cell(&rec, c_group).to_string(),
            hour: c_hour.and_then(|i| cell(&rec, i).parse().ok()),
            agents_needed: number(cell(&rec, c_agents)),
            best_tried: c_best.and_then(|i| number(cell(&rec, i))),
            figures: (figure_cols.iter())
                .map(|(slug, at, fewer)| PlanFigure {
                    slug: slug.clone(),
                    at_plan: estimate(at),
                    one_fewer: estimate(fewer),
                })
                .collect(),
        });
    }
    Ok(Plan { axes, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD_SUMMARY: &str = "scenario,config,replication,stat,breakdown,group,arrived,service_level,occupancy\n\
        q,base,0,value,overall,all,10,0.9,0.5\n\
        q,base,1,value,overall,all,12,0.8,0.7\n\
        q,base,all,mean,overall,all,11,0.85,0.6\n\
        q,base,all,ci95_low,overall,all,9,0.8,0.4\n\
        q,base,all,ci95_high,overall,all,13,0.9,0.8\n\
        q,base,all,n,overall,all,2,2,2\n";

    #[test]
    fn old_summary_renames_columns_and_selects_by_stat() {
        let s = read_summary(OLD_SUMMARY, Path::new("summary.csv")).expect("fixture should parse");
        assert_eq!(s.columns, ["arrived", "service_level_share", "occupancy_share"]);
        let e = s.estimate("base", "overall", "all", "service_level_share").expect("estimate should exist");
        assert_eq!(e, Estimate { mean: 0.85, ci95_low: Some(0.8), ci95_high: Some(0.9), n: Some(2.0) });
        assert_eq!(s.replication_values("base", "overall", "all", "arrived"), [10.0, 12.0]);
        assert_eq!(s.rows[2].replication, None);
    }

    #[test]
    fn new_summary_with_empty_replication_on_aggregates() {
        let text = "scenario,config,replication,stat,breakdown,group,saturated\n\
            q,base,0,value,overall,all,1\nq,base,,mean,overall,all,0.5\nq,base,,n,overall,all,2\n";
        let s = read_summary(text, Path::new("summary.csv")).expect("fixture should parse");
        let e = s.estimate("base", "overall", "all", "saturated").expect("estimate should exist");
        assert_eq!((e.mean, e.ci95_low, e.n), (0.5, None, Some(2.0)));
        assert!(s.estimate("base", "overall", "all", "latency_p50_s").is_none());
    }

    #[test]
    fn a_bad_stat_names_its_line() {
        let text = "scenario,config,replication,stat,breakdown,group,x\nq,base,0,average,overall,all,1\n";
        let e = read_summary(text, Path::new("r/summary.csv")).expect_err("bad stat should fail");
        assert_eq!(
            e.to_string(),
            "r/summary.csv:2: column `stat`: expected value, mean, ci95_low, ci95_high or n, got \"average\""
        );
    }

    #[test]
    fn grid_axes_from_strings_and_from_seconds_columns() {
        let old = "config_index,config,policy.schedulers.job.interval,policy.channels.w.timeouts.waiting\n\
            0,\"interval=5m,waiting=30m\",5m,30m\n1,\"interval=1h,waiting=never\",1h,never\n";
        let g = read_grid(old, Path::new("grid.csv")).expect("old grid should parse");
        assert_eq!(g.axes.len(), 2);
        assert_eq!(g.axes[0].role, AxisRole::SweepInterval);
        assert_eq!(g.axes[1].role, AxisRole::Timeout);
        assert_eq!(g.axes[0].values[1], AxisValue { label: "1h".into(), number: Some(3600.0) });
        assert_eq!(g.axes[1].values[1], AxisValue { label: "never".into(), number: None });
        assert_eq!((g.interval_axis(), g.timeout_axis()), (Some(0), Some(1)));

        let new = "config_index,config,policy.schedulers.job.interval_s,agents.team.count\n\
            0,a,300,10\n1,b,5400,12\n";
        let g = read_grid(new, Path::new("grid.csv")).expect("new grid should parse");
        assert_eq!(g.axes[0].key, "policy.schedulers.job.interval");
        assert_eq!(g.axes[0].values[1].label, "1h30m");
        assert_eq!(g.axes[1].role, AxisRole::Other);
        assert_eq!(g.axes[1].values[0], AxisValue { label: "10".into(), number: Some(10.0) });
        assert_eq!((g.interval_axis(), g.timeout_axis()), (Some(0), Some(1)));
    }

    #[test]
    fn a_plain_column_beside_its_seconds_column_is_one_axis() {
        let text = "config_index,config,p.interval,p.interval_s\n0,a,5m,300\n";
        let g = read_grid(text, Path::new("grid.csv")).expect("grid should parse");
        assert_eq!(g.axes.len(), 1);
        assert_eq!(g.axes[0].values[0].number, Some(300.0));
    }

    #[test]
    fn plan_axes_lie_between_config_and_group() {
        let text = "config,p.interval_s,p.timeouts.waiting_s,group,agents_needed\n\
            a,300,1800,all,14\nb,3600,1800,all,\n";
        let p = read_plan(text, Path::new("plan.csv")).expect("plan should parse");
        assert_eq!(p.axes.iter().map(|a| a.key.as_str()).collect::<Vec<_>>(), ["p.interval", "p.timeouts.waiting"]);
        assert_eq!(p.rows[0].agents_needed, Some(14.0));
        assert_eq!(p.rows[1].agents_needed, None);
        assert_eq!(p.axes[1].values[0].label, "30m");
    }
}
