//! The comparison of a grid's configurations: each figure's mean and 95% interval per
//! configuration, and its difference to a baseline configuration with a 95% interval from
//! paired replications (replication r of one configuration against replication r of the
//! baseline: common random numbers make the pairs share their customers). Also the writers
//! of `comparison.csv`, `grid.csv` and a grid's `summary.csv`, over `impl Write`.

use super::Grid;
use crate::metrics::{aggregate, Breakdown, Estimate, RepReport, METRICS};
use crate::output::SummaryWriter;
use rayon::prelude::*;
use std::io::{self, Write};

/// Confidence level of every interval.
pub const LEVEL: f64 = 0.95;

/// One figure of one group of one configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareRow {
    /// Index of the configuration in the grid.
    pub config: usize,
    pub breakdown: Breakdown,
    pub group: String,
    /// Index into `METRICS`.
    pub metric: usize,
    /// Mean and interval over the replications that have the figure.
    pub value: Option<Estimate>,
    /// Mean and interval of (this configuration - baseline), over the replications where both
    /// have the figure.
    pub diff: Option<Estimate>,
}

/// Compares every configuration (`reports[c]`: its replications in order) with
/// `reports[baseline]`. Figures no replication measured are left out; nothing is compared when
/// `baseline` is out of range.
pub fn comparison(reports: &[&[RepReport]], baseline: usize) -> Vec<CompareRow> {
    let Some(base) = reports.get(baseline) else { return Vec::new() };
    // Configurations in parallel, collected in grid order.
    let per_config: Vec<Vec<CompareRow>> =
        reports.par_iter().enumerate().map(|(c, reps)| compare_one(c, reps, base)).collect();
    per_config.into_iter().flatten().collect()
}

fn compare_one(c: usize, reps: &[RepReport], base: &[RepReport]) -> Vec<CompareRow> {
    let mut out = Vec::new();
    let Some(first) = reps.first() else { return out };
    for (gi, g) in first.rows.iter().enumerate() {
        let bgi =
            base.first().and_then(|b| b.rows.iter().position(|x| x.breakdown == g.breakdown && x.group == g.group));
        for m in 0..METRICS.len() {
            let vals: Vec<f64> = reps.iter().filter_map(|r| r.rows.get(gi).and_then(|x| x.values[m])).collect();
            let diffs: Vec<f64> = match bgi {
                None => Vec::new(),
                Some(bgi) => reps
                    .iter()
                    .zip(base.iter())
                    .filter_map(|(r, b)| Some(r.rows.get(gi)?.values[m]? - b.rows.get(bgi)?.values[m]?))
                    .collect(),
            };
            let (value, diff) = (Estimate::of(&vals, LEVEL), Estimate::of(&diffs, LEVEL));
            if value.is_some() || diff.is_some() {
                out.push(CompareRow {
                    config: c,
                    breakdown: g.breakdown,
                    group: g.group.clone(),
                    metric: m,
                    value,
                    diff,
                });
            }
        }
    }
    out
}

fn num(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn csv_err(e: csv::Error) -> io::Error {
    io::Error::other(e)
}

/// The columns of `comparison.csv` after the configuration and its axes.
pub const COMPARISON_COLUMNS: [&str; 12] = [
    "baseline",
    "breakdown",
    "group",
    "metric",
    "n",
    "mean",
    "ci95_low",
    "ci95_high",
    "n_paired",
    "diff_mean",
    "diff_ci95_low",
    "diff_ci95_high",
];

/// Writes `comparison.csv`: a row per (configuration, group, figure), tidy.
pub fn write_comparison<W: Write>(
    out: W,
    scenario: &str,
    grid: &Grid,
    baseline: usize,
    rows: &[CompareRow],
) -> io::Result<W> {
    let mut w = csv::Writer::from_writer(out);
    // Each axis's typed column right after `config`.
    let axes: Vec<String> = (0..grid.axes.len()).map(|i| grid.column(i)).collect();
    let cells: Vec<Vec<String>> = grid.configs.iter().map(|c| grid.cells(c)).collect();
    let mut header: Vec<String> = vec!["scenario".into(), "config".into()];
    header.extend(axes);
    header.extend(COMPARISON_COLUMNS.map(String::from));
    w.write_record(&header).map_err(csv_err)?;
    let base = &grid.configs[baseline].label;
    for r in rows {
        let v = r.value.as_ref();
        let d = r.diff.as_ref();
        let mut rec: Vec<String> = vec![scenario.to_string(), grid.configs[r.config].label.clone()];
        rec.extend(cells[r.config].iter().cloned());
        rec.extend([
            base.clone(),
            r.breakdown.key().to_string(),
            r.group.clone(),
            METRICS[r.metric].to_string(),
            v.map_or(0, |e| e.n).to_string(),
            num(v.map(|e| e.mean)),
            num(v.and_then(Estimate::low)),
            num(v.and_then(Estimate::high)),
            d.map_or(0, |e| e.n).to_string(),
            num(d.map(|e| e.mean)),
            num(d.and_then(Estimate::low)),
            num(d.and_then(Estimate::high)),
        ]);
        w.write_record(&rec).map_err(csv_err)?;
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// Writes `grid.csv`: a row per configuration with its index, label and each axis's value,
/// typed (a column per axis, see `Grid::column`: durations in seconds as `<key>_s`).
pub fn write_grid<W: Write>(out: W, grid: &Grid) -> io::Result<W> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec!["config_index".to_string(), "config".to_string()];
    header.extend((0..grid.axes.len()).map(|i| grid.column(i)));
    w.write_record(&header).map_err(csv_err)?;
    for c in &grid.configs {
        let mut rec = vec![c.index.to_string(), c.label.clone()];
        rec.extend(grid.cells(c));
        w.write_record(&rec).map_err(csv_err)?;
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// Writes a grid's `summary.csv`: for each configuration (in the order given), its
/// replication rows then its mean and interval rows.
pub fn write_summary<W: Write>(mut out: W, scenario: &str, configs: &[(&str, &[RepReport])]) -> io::Result<W> {
    // Each configuration formatted on its own (in parallel), header kept once.
    let header = SummaryWriter::new(Vec::new())?.finish()?;
    let parts = configs
        .par_iter()
        .map(|(label, reports)| -> io::Result<Vec<u8>> {
            let mut s = SummaryWriter::new(Vec::new())?;
            s.replications(scenario, label, reports)?;
            s.aggregates(scenario, label, &aggregate(reports, LEVEL))?;
            let mut bytes = s.finish()?;
            bytes.drain(..header.len());
            Ok(bytes)
        })
        .collect::<io::Result<Vec<_>>>()?;
    out.write_all(&header)?;
    for p in parts {
        out.write_all(&p)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RunStats;
    use crate::metrics::GroupRow;

    fn rep(r: u32, arrived: f64) -> RepReport {
        let mut values = vec![None; METRICS.len()];
        values[0] = Some(arrived);
        RepReport {
            replication: r,
            rows: vec![GroupRow { breakdown: Breakdown::Overall, group: "all".into(), values }],
            timeseries: Vec::new(),
            by_hour: Vec::new(),
            sweeps: Vec::new(),
            scheduler_names: Vec::new(),
            stats: RunStats::default(),
        }
    }

    #[test]
    fn paired_differences_use_replication_pairs() {
        let a = [rep(0, 10.0), rep(1, 20.0), rep(2, 30.0)];
        let b = [rep(0, 11.0), rep(1, 22.0), rep(2, 33.0)];
        let rows = comparison(&[&a, &b], 0);
        assert_eq!(rows.len(), 2);
        let base = rows[0].diff.unwrap();
        assert_eq!((base.mean, base.low(), base.high()), (0.0, Some(0.0), Some(0.0)));
        let d = rows[1].diff.unwrap();
        // Differences 1, 2, 3: mean 2, sd 1, half-width t(0.975, 2) / sqrt(3).
        assert_eq!(d.mean, 2.0);
        assert!((d.half_width.unwrap() - 4.302_653 / 3f64.sqrt()).abs() < 1e-5);
        // Unpaired, the spread between replications (10..33) would swamp the difference.
        assert!(rows[1].value.unwrap().half_width.unwrap() > 20.0);
    }
}
