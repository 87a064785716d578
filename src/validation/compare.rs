//! Runs a case's replications (in parallel, each with its own `Probe`) and turns what they
//! measured into comparisons with theory; then judges a whole family of comparisons with
//! Bonferroni-corrected intervals. Formats nothing.

use super::case::{Case, CheckKind};
use super::probe::{Probe, Window};
use super::theory::{self, QueueFigures};
use super::CheckError;
use crate::engine;
use crate::metrics::stats::t_critical;
use crate::metrics::Estimate;
use crate::model::state::State;
use crate::time::SimDuration;
use rayon::prelude::*;
use std::sync::atomic::AtomicU64;

/// How a comparison is decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Evidence {
    /// One value per replication; theory must lie in their Student-t interval.
    Replications(Vec<f64>),
    /// A Kolmogorov-Smirnov test of pooled values against a uniform law.
    Ks { d: f64, n: usize, p_value: f64 },
    /// A deterministic property: every one of `n` values equals theory (`worst` is the value
    /// furthest from it).
    Exact { worst: f64, n: usize },
}

/// Theory against simulation for one metric of one case.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The scenario's name.
    pub case: String,
    pub check: CheckKind,
    /// What is compared, with its unit, e.g. `P(wait)`, `mean wait (s)`.
    pub metric: String,
    pub theory: f64,
    pub evidence: Evidence,
}

impl Comparison {
    /// Whether it takes part in the family-wise error control (it is random).
    pub fn is_statistical(&self) -> bool {
        !matches!(self.evidence, Evidence::Exact { .. })
    }
}

/// A confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

impl Interval {
    pub fn contains(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }
}

/// A comparison and its verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    pub comparison: Comparison,
    /// Mean over replications, the KS statistic D, or the value furthest from theory.
    pub simulated: f64,
    /// The 95% interval (replications) — shown, not used to decide.
    pub ci95: Option<Interval>,
    /// The interval at 1 - alpha / m (replications), which decides.
    pub ci_corrected: Option<Interval>,
    /// KS: the significance level the p-value is held to, min(1%, alpha / m).
    pub ks_level: Option<f64>,
    pub pass: bool,
}

/// Every comparison of a `check` run, judged together.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub rows: Vec<Judged>,
    /// Number of statistical comparisons: the Bonferroni m.
    pub m: usize,
    /// Family-wise error rate the Bonferroni correction holds to (0.05).
    pub family_alpha: f64,
}

impl Verdict {
    pub fn passed(&self) -> bool {
        self.rows.iter().all(|r| r.pass)
    }

    pub fn failures(&self) -> impl Iterator<Item = &Judged> {
        self.rows.iter().filter(|r| !r.pass)
    }
}

/// The family-wise error rate `check` controls.
pub const FAMILY_ALPHA: f64 = 0.05;
/// The KS test's own level (it is held to alpha / m instead when that is smaller).
pub const KS_LEVEL: f64 = 0.01;

fn interval(values: &[f64], level: f64) -> Option<(f64, Interval)> {
    let e = Estimate::of(values, 0.95)?;
    let sd = e.std_dev?;
    let n = values.len();
    let h = t_critical(level, (n - 1) as u64) * sd / (n as f64).sqrt();
    Some((e.mean, Interval { low: e.mean - h, high: e.mean + h }))
}

/// Judges `comparisons` as one family: with m statistical comparisons, each interval is at
/// 1 - `family_alpha` / m and each KS test at min(1%, `family_alpha` / m), so that the chance
/// of any false failure is at most `family_alpha` (Bonferroni).
pub fn judge(comparisons: Vec<Comparison>, family_alpha: f64) -> Verdict {
    let m = comparisons.iter().filter(|c| c.is_statistical()).count();
    let per = family_alpha / m.max(1) as f64;
    let rows = comparisons
        .into_iter()
        .map(|c| match &c.evidence {
            Evidence::Replications(v) => {
                let ci95 = interval(v, 0.95);
                let corrected = interval(v, 1.0 - per);
                let simulated = ci95.map_or(f64::NAN, |(m, _)| m);
                let pass = corrected.is_some_and(|(_, i)| i.contains(c.theory));
                Judged {
                    simulated,
                    ci95: ci95.map(|x| x.1),
                    ci_corrected: corrected.map(|x| x.1),
                    ks_level: None,
                    pass,
                    comparison: c,
                }
            }
            Evidence::Ks { d, n, p_value } => {
                let level = KS_LEVEL.min(per);
                let pass = *n > 0 && *p_value >= level;
                Judged { simulated: *d, ci95: None, ci_corrected: None, ks_level: Some(level), pass, comparison: c }
            }
            Evidence::Exact { worst, n } => {
                let pass = *n > 0 && *worst == c.theory;
                Judged { simulated: *worst, ci95: None, ci_corrected: None, ks_level: None, pass, comparison: c }
            }
        })
        .collect();
    Verdict { rows, m, family_alpha }
}

/// What a case is compared with, derived from its scenario before anything runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The measurement window.
    pub window: Window,
    /// The Erlang checks and their theoretical figures.
    pub queue: Vec<(CheckKind, QueueFigures)>,
    /// The sweep interval, for `sweep_latency`.
    pub sweep: Option<SimDuration>,
}

/// Derives every theory the case is checked against, or every reason (not only the first)
/// why one of its checks does not describe the scenario.
pub fn plan(case: &Case) -> Result<Plan, Vec<CheckError>> {
    let mut problems = Vec::new();
    let window = case.window().map_err(|e| problems.push(e)).ok();
    let mut queue = Vec::new();
    for &k in &case.checks {
        if !matches!(k, CheckKind::ErlangC | CheckKind::ErlangA) {
            continue;
        }
        match case.queue_model(k) {
            Ok(q) => {
                let (lambda, mu) = (q.arrival_rate_per_s, 1.0 / q.service_mean_s);
                let fig = match q.patience_mean_s {
                    None => theory::erlang_c_figures(lambda, mu, q.servers),
                    Some(p) => theory::erlang_a_figures(lambda, mu, 1.0 / p, q.servers),
                };
                match fig {
                    Ok(fig) => queue.push((k, fig)),
                    Err(e) => problems.push(CheckError::Unfit {
                        path: case.path.display().to_string(),
                        check: k.key(),
                        reason: e.to_string(),
                    }),
                }
            }
            Err(e) => problems.push(e),
        }
    }
    let mut sweep = None;
    if case.checks.contains(&CheckKind::SweepLatency) {
        match case.sweep_interval() {
            Ok(t) => sweep = Some(t),
            Err(e) => problems.push(e),
        }
    }
    if case.checks.contains(&CheckKind::Exact) {
        if let Err(e) = case.exact_only() {
            problems.push(e);
        }
    }
    if case.checks.contains(&CheckKind::Little) {
        if let Err(e) = case.stationary() {
            problems.push(e);
        }
    }
    match window {
        Some(window) if problems.is_empty() => Ok(Plan { window, queue, sweep }),
        _ => Err(problems),
    }
}

/// One error for several: the only one as it is, or all of them listed.
pub fn combine(mut problems: Vec<CheckError>) -> CheckError {
    if problems.len() == 1 {
        return problems.remove(0);
    }
    let report = problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n");
    CheckError::Several { count: problems.len(), report }
}

/// Runs every replication of the case and returns its comparisons. `progress` counts
/// simulated milliseconds, as `run` does.
pub fn run_case(case: &Case, progress: Option<&AtomicU64>) -> Result<Vec<Comparison>, CheckError> {
    let s = &case.scenario;
    // Derive every theory first: a scenario the theory does not describe fails before running.
    let Plan { window, queue, sweep } = plan(case).map_err(combine)?;
    let probes: Vec<Probe> = (0..s.replications)
        .into_par_iter()
        .map(|r| {
            let mut p = Probe::new(window);
            engine::run(s, r, &mut p, progress).map_err(|e| CheckError::Sim {
                path: case.path.display().to_string(),
                replication: r,
                message: e.to_string(),
            })?;
            Ok(p.finish())
        })
        .collect::<Result<_, CheckError>>()?;

    let name = case.name().to_string();
    let cmp = |check, metric: &str, theory, evidence| Comparison {
        case: name.clone(),
        check,
        metric: metric.to_string(),
        theory,
        evidence,
    };
    let per_rep = |f: &dyn Fn(&Probe) -> f64| Evidence::Replications(probes.iter().map(f).collect());
    let share = |a: u64, n: u64| if n == 0 { f64::NAN } else { a as f64 / n as f64 };
    let mut out = Vec::new();

    for (kind, fig) in queue {
        out.push(cmp(kind, "P(wait)", fig.p_wait, per_rep(&|p| share(p.waited, p.arrivals))));
        if kind == CheckKind::ErlangA {
            out.push(cmp(kind, "abandon share", fig.abandon_share, per_rep(&|p| share(p.abandoned, p.arrivals))));
        }
        out.push(cmp(
            kind,
            "mean wait (s)",
            fig.mean_wait_s,
            per_rep(&|p| if p.arrivals == 0 { f64::NAN } else { p.wait_sum_ms as f64 / 1000.0 / p.arrivals as f64 }),
        ));
    }

    if case.checks.contains(&CheckKind::Little) {
        for (i, st) in State::OPEN_STATES.iter().enumerate() {
            let time_spent = probes.iter().any(|p| p.states[i].area_ms > 0 || p.states[i].sojourn_ms > 0);
            if !time_spent {
                continue;
            }
            // L / (lambda W): time-averaged count over the arrival rate times the mean sojourn;
            // both over the same window, so the window length cancels.
            let ratio = |p: &Probe| {
                let t = &p.states[i];
                if t.sojourn_ms == 0 {
                    f64::INFINITY
                } else {
                    t.area_ms as f64 / t.sojourn_ms as f64
                }
            };
            out.push(cmp(CheckKind::Little, &format!("L/(λW) {}", st.key()), 1.0, per_rep(&ratio)));
        }
    }

    if let Some(interval) = sweep {
        let t_ms = interval.ms() as f64;
        // Latencies are whole milliseconds, uniform on {0, ..., T - 1}: their mean is
        // (T - 1) / 2 ms; the KS test compares the midpoints (l + 1/2) / T with U[0, 1).
        let mean_theory_s = (t_ms - 1.0) / 2.0 / 1000.0;
        out.push(cmp(
            CheckKind::SweepLatency,
            "latency mean (s)",
            mean_theory_s,
            per_rep(&|p| {
                if p.latencies_ms.is_empty() {
                    f64::NAN
                } else {
                    p.latencies_ms.iter().sum::<u64>() as f64 / p.latencies_ms.len() as f64 / 1000.0
                }
            }),
        ));
        let mut pooled: Vec<f64> =
            probes.iter().flat_map(|p| p.latencies_ms.iter().map(|&l| (l as f64 + 0.5) / t_ms)).collect();
        let n = pooled.len();
        let d = theory::ks_uniform_statistic(&mut pooled);
        let p_value = theory::ks_p_value(d, n);
        out.push(cmp(CheckKind::SweepLatency, "latency KS D vs U[0,T)", 0.0, Evidence::Ks { d, n, p_value }));
    }

    if case.checks.contains(&CheckKind::Exact) {
        let all: Vec<u64> = probes.iter().flat_map(|p| p.latencies_ms.iter().copied()).collect();
        let worst = all.iter().copied().max().unwrap_or(0) as f64 / 1000.0;
        out.push(cmp(CheckKind::Exact, "latency max (s)", 0.0, Evidence::Exact { worst, n: all.len() }));
    }
    Ok(out)
}
