//! `autoclose check`: runs the validation scenarios against queueing theory and prints the
//! table of theory against simulation; exits 1 when any comparison fails.

use super::progress::with_progress;
use super::set_threads;
use anyhow::Context;
use autoclose::validation::{self, CheckKind, Evidence, Judged, Options, Verdict};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Validation scenarios, each with its NAME.check.toml [default: every scenario of
    /// scenarios/validation/].
    pub scenarios: Vec<PathBuf>,
    /// Fewer replications and shorter horizons (each check file's [quick] table): wider
    /// intervals, same validity.
    #[arg(long)]
    pub quick: bool,
    /// Checks to run on every scenario instead of their check files' lists:
    /// erlang_c, erlang_a, little, sweep_latency, exact.
    #[arg(long, value_delimiter = ',', value_parser = parse_kind)]
    pub checks: Option<Vec<CheckKind>>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
}

fn parse_kind(s: &str) -> Result<CheckKind, String> {
    CheckKind::parse(s).ok_or_else(|| {
        let keys: Vec<&str> = CheckKind::ALL.iter().map(|k| k.key()).collect();
        format!("unknown check {s:?}: expected one of {}", keys.join(", "))
    })
}

pub fn check(a: CheckArgs) -> anyhow::Result<ExitCode> {
    set_threads(a.threads)?;
    let started = Instant::now();
    let paths = validation::scenario_paths(&a.scenarios, validation::VALIDATION_DIR.as_ref())?;
    let opts = Options { quick: a.quick, checks: a.checks };
    let cases = validation::load_cases(&paths, &opts)?;
    let total: u64 = cases.iter().map(|c| c.scenario.horizon.ms() * c.scenario.replications as u64).sum();
    let verdict = with_progress(total, false, |counter| validation::check_cases(&cases, Some(counter)))
        .context("running the validation scenarios")?;
    for c in &cases {
        let s = &c.scenario;
        println!(
            "{}: {} replications of {} (warm-up {}, drain {}), seed {}; checks {}",
            s.name,
            s.replications,
            s.horizon,
            s.warmup,
            c.drain,
            s.seed,
            c.checks.iter().map(|k| k.key()).collect::<Vec<_>>().join(", ")
        );
    }
    println!();
    print!("{}", table(&verdict));
    let failed = verdict.failures().count();
    println!(
        "\n{} comparisons, {} statistical (Bonferroni m = {m}: intervals at {:.4}%, KS at {:.4}%); {} passed, {} failed; {:.1} s",
        verdict.rows.len(),
        verdict.m,
        100.0 * (1.0 - verdict.family_alpha / verdict.m.max(1) as f64),
        100.0 * validation::KS_LEVEL.min(verdict.family_alpha / verdict.m.max(1) as f64),
        verdict.rows.len() - failed,
        failed,
        started.elapsed().as_secs_f64(),
        m = verdict.m,
    );
    Ok(if verdict.passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Decimals that show `x` to four significant figures and a half-width `hw` to two, so that
/// an interval as narrow as Little's law's is still readable.
fn decimals(x: f64, hw: Option<f64>) -> usize {
    let sig = |v: f64, n: i32| if v.is_finite() && v != 0.0 { n - 1 - v.abs().log10().floor() as i32 } else { 0 };
    let d = sig(x, 4).max(hw.map_or(0, |h| sig(h, 2)));
    d.clamp(0, 9) as usize
}

fn num(x: f64, d: usize) -> String {
    format!("{x:.d$}")
}

fn interval(i: Option<validation::Interval>, d: usize) -> String {
    i.map_or_else(String::new, |i| format!("[{}, {}]", num(i.low, d), num(i.high, d)))
}

fn cells(r: &Judged) -> [String; 8] {
    let c = &r.comparison;
    let (theory, sim, ci95, corrected) = match &c.evidence {
        Evidence::Replications(_) => {
            let d = decimals(c.theory, r.ci_corrected.map(|i| (i.high - i.low) / 2.0));
            (num(c.theory, d), num(r.simulated, d), interval(r.ci95, d), interval(r.ci_corrected, d))
        }
        Evidence::Ks { d, n, p_value } => (
            "uniform".into(),
            format!("D={} n={n}", num(*d, decimals(*d, None))),
            format!("p={}", num(*p_value, 3)),
            format!("p >= {}", num(r.ks_level.unwrap_or(validation::KS_LEVEL), 5)),
        ),
        Evidence::Exact { worst, n } => {
            (format!("{}", c.theory), format!("{worst} n={n}"), "exact".into(), "exact".into())
        }
    };
    [
        c.case.clone(),
        c.check.key().into(),
        c.metric.clone(),
        theory,
        sim,
        ci95,
        corrected,
        if r.pass { "pass".into() } else { "FAIL".into() },
    ]
}

/// The table of every comparison, columns padded to their widest cell.
pub fn table(v: &Verdict) -> String {
    let header = ["case", "check", "metric", "theory", "simulated", "95% CI", "Bonferroni CI", "result"];
    let rows: Vec<[String; 8]> = v.rows.iter().map(cells).collect();
    let mut widths = header.map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cols: &[String]| {
        let mut s = String::new();
        for (i, (c, w)) in cols.iter().zip(widths).enumerate() {
            let pad = w - c.chars().count();
            if i > 0 {
                s.push_str("  ");
            }
            // Numbers right-aligned, words left-aligned.
            if (3..=6).contains(&i) {
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            } else {
                s.push_str(c);
                s.push_str(&" ".repeat(pad));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(&header.map(String::from));
    out.push_str(&line(&widths.map(|w| "-".repeat(w))));
    for r in &rows {
        out.push_str(&line(r));
    }
    out
}
