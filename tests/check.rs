//! `autoclose check`: the quick validation suite passes against queueing theory; the library's
//! theory agrees with independent textbook implementations written here; the Bonferroni
//! verdict, the check files and the command behave as documented; and a scenario that breaks
//! a theory's premise fails.

use autoclose::validation::theory::{self, QueueFigures};
use autoclose::validation::{
    self, check_cases, judge, load_cases, CheckError, CheckKind, Comparison, Evidence, Options, FAMILY_ALPHA,
};
use rand::{Rng, SeedableRng};
use statrs::function::gamma::{gamma_lr, ln_gamma};
use std::path::{Path, PathBuf};
use std::process::Command;

// ---- independent theory, from the textbook formulas ----------------------------------------

/// Erlang C by its defining formula: C = (A^c / c!) (c / (c - A)) / (sum_{k<c} A^k / k! +
/// (A^c / c!) (c / (c - A))), the terms built one from the other (no Erlang B recursion).
fn erlang_c_textbook(load: f64, servers: u32) -> f64 {
    let mut term = 1.0; // A^k / k!
    let mut sum = 0.0;
    for k in 0..servers {
        sum += term;
        term *= load / (k + 1) as f64;
    }
    let tail = term * servers as f64 / (servers as f64 - load);
    tail / (sum + tail)
}

/// Erlang A (M/M/n+M) by the formulas of Mandelbaum and Zeltyn ("The M/M/n+G queue: summary
/// of performance measures", 2005, section 4), written with the incomplete gamma function
/// rather than the birth-death chain the library sums:
///   x = n mu / theta, y = lambda / theta, A(x, y) = x e^y y^-x gamma(x, y),
///   E = Erlang B(n, lambda / mu), rho = lambda / (n mu),
///   P(W > 0) = A E / (1 + (A - 1) E),
///   P(Ab | W > 0) = 1 / (rho A) + 1 - 1 / rho,
///   E[W] (all arrivals) = P(Ab) / theta  (abandonment rate theta E[Q] = lambda P(Ab), Little).
fn erlang_a_textbook(lambda: f64, mu: f64, theta: f64, n: u32) -> QueueFigures {
    let (x, y) = (n as f64 * mu / theta, lambda / theta);
    // gamma(x, y) = Gamma(x) P(x, y), with P the regularised lower incomplete gamma.
    let a = (x.ln() + y - x * y.ln() + ln_gamma(x) + gamma_lr(x, y).ln()).exp();
    let mut b = 1.0;
    for k in 1..=n {
        b = (lambda / mu) * b / (k as f64 + (lambda / mu) * b);
    }
    let rho = lambda / (n as f64 * mu);
    let p_wait = a * b / (1.0 + (a - 1.0) * b);
    let abandon_share = p_wait * (1.0 / (rho * a) + 1.0 - 1.0 / rho);
    QueueFigures { p_wait, mean_wait_s: abandon_share / theta, abandon_share }
}

#[track_caller]
fn close(what: &str, got: f64, want: f64, rel: f64) {
    assert!((got - want).abs() <= rel * want.abs().max(1e-300), "{what}: library {got}, textbook {want}");
}

#[test]
fn erlang_c_matches_published_values() {
    // A = 10 Erlangs on 12 servers: P(wait) = 0.4494 (standard Erlang C tables).
    let c = theory::erlang_c(12, 10.0).expect("10 Erlangs on 12 servers is stable");
    assert!((c - 0.4494).abs() < 5e-5, "{c}");
    // A = 2 on 3 servers: C = (8/6 * 3) / (1 + 2 + 2 + 4) = 4/9.
    assert!((theory::erlang_c(3, 2.0).unwrap() - 4.0 / 9.0).abs() < 1e-14);
}

#[test]
fn erlang_c_agrees_with_the_textbook_formula() {
    for &(c, rho) in &[(1u32, 0.5), (2, 0.9), (12, 10.0 / 12.0), (20, 0.7), (20, 0.85), (20, 0.95), (100, 0.99)] {
        let load = rho * c as f64;
        close(&format!("C({c}, {load})"), theory::erlang_c(c, load).unwrap(), erlang_c_textbook(load, c), 1e-10);
    }
    // Mean wait: C / (c mu - lambda).
    let f = theory::erlang_c_figures(0.5, 0.1, 6).unwrap();
    close("mean wait", f.mean_wait_s, erlang_c_textbook(5.0, 6) / (0.6 - 0.5), 1e-10);
}

#[test]
fn erlang_a_agrees_with_the_incomplete_gamma_formulas() {
    // The validation scenarios' points (per second: mu = 1/300, theta = 1/600) and harder
    // ones: overloaded, impatient, patient, many servers.
    let mu = 1.0 / 300.0;
    let points = [
        (0.70 * 20.0 * mu, mu, 1.0 / 600.0, 20u32),
        (0.85 * 20.0 * mu, mu, 1.0 / 600.0, 20),
        (0.95 * 20.0 * mu, mu, 1.0 / 600.0, 20),
        (1.20 * 20.0 * mu, mu, 1.0 / 600.0, 20),
        (0.90 * 5.0, 1.0, 4.0, 5),
        (0.98 * 50.0, 1.0, 0.05, 50),
        (2.0, 1.0, 1.0, 1),
    ];
    for (lambda, mu, theta, n) in points {
        let lib = theory::erlang_a_figures(lambda, mu, theta, n).unwrap();
        let tb = erlang_a_textbook(lambda, mu, theta, n);
        let at = format!("lambda {lambda}, mu {mu}, theta {theta}, n {n}");
        close(&format!("P(wait) at {at}"), lib.p_wait, tb.p_wait, 1e-8);
        close(&format!("abandon share at {at}"), lib.abandon_share, tb.abandon_share, 1e-7);
        close(&format!("mean wait at {at}"), lib.mean_wait_s, tb.mean_wait_s, 1e-7);
    }
}

#[test]
fn ks_test_accepts_uniform_and_rejects_skewed_samples() {
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(2024);
    let mut uniform: Vec<f64> = (0..20_000).map(|_| rng.gen::<f64>()).collect();
    let d = theory::ks_uniform_statistic(&mut uniform);
    assert!(theory::ks_p_value(d, uniform.len()) > 0.01, "D = {d}");
    // Squaring skews towards 0: D is about 0.25.
    let mut skewed: Vec<f64> = (0..2_000).map(|_| rng.gen::<f64>().powi(2)).collect();
    let d = theory::ks_uniform_statistic(&mut skewed);
    assert!(d > 0.2 && theory::ks_p_value(d, skewed.len()) < 1e-12, "D = {d}");
    // Kolmogorov's table: P(sqrt(n) D > 1.36) = 0.049, P(sqrt(n) D > 1.63) = 0.0098.
    let n = 10_000;
    assert!((theory::ks_p_value(1.36 / 100.0, n) - 0.0494).abs() < 1e-3);
    assert!((theory::ks_p_value(1.63 / 100.0, n) - 0.0098).abs() < 5e-4);
}

// ---- the verdict ---------------------------------------------------------------------------

fn reps(theory: f64, values: &[f64]) -> Comparison {
    Comparison {
        case: "c".into(),
        check: CheckKind::ErlangC,
        metric: "m".into(),
        theory,
        evidence: Evidence::Replications(values.to_vec()),
    }
}

#[test]
fn bonferroni_widens_every_interval_and_decides_on_the_wider_one() {
    // Mean 3, sd sqrt(2.5), n = 5: the 95% half-width is 2.776 * 0.7071 = 1.963.
    let v = [1.0, 2.0, 3.0, 4.0, 5.0];
    let family = vec![
        reps(3.0, &v),
        reps(5.5, &v), // outside the 95% interval, inside the corrected one
        reps(20.0, &v),
        Comparison {
            case: "c".into(),
            check: CheckKind::Exact,
            metric: "x".into(),
            theory: 0.0,
            evidence: Evidence::Exact { worst: 0.0, n: 3 },
        },
    ];
    let verdict = judge(family, FAMILY_ALPHA);
    assert_eq!(verdict.m, 3, "exact comparisons are not random and do not count");
    let [a, b, c, d] = &verdict.rows[..] else { panic!("four rows") };
    let ci95 = a.ci95.unwrap();
    assert!((ci95.high - 3.0 - 1.9632).abs() < 1e-3, "{ci95:?}");
    // At 1 - 0.05/3 (two-sided, so the 0.99167 quantile) with 4 degrees of freedom, t = 3.961.
    let corrected = a.ci_corrected.unwrap();
    assert!((corrected.high - 3.0 - 3.961 * 2.5f64.sqrt() / 5f64.sqrt()).abs() < 2e-3, "{corrected:?}");
    assert!(a.pass);
    assert!(!b.ci95.unwrap().contains(5.5) && b.pass);
    assert!(!c.pass);
    assert!(d.pass);
    assert!(!verdict.passed());
    assert_eq!(verdict.failures().count(), 1);
}

#[test]
fn ks_is_held_to_one_percent_or_the_bonferroni_share() {
    let ks = |p: f64| Comparison {
        case: "c".into(),
        check: CheckKind::SweepLatency,
        metric: "ks".into(),
        theory: 0.0,
        evidence: Evidence::Ks { d: 0.01, n: 1000, p_value: p },
    };
    let one = judge(vec![ks(0.02)], FAMILY_ALPHA);
    assert_eq!(one.rows[0].ks_level, Some(0.01));
    assert!(one.passed());
    assert!(!judge(vec![ks(0.009)], FAMILY_ALPHA).passed());
    // With 10 comparisons each gets 0.005: p = 0.009 now passes.
    let many = judge((0..10).map(|_| ks(0.009)).collect(), FAMILY_ALPHA);
    assert_eq!(many.rows[0].ks_level, Some(0.005));
    assert!(many.passed());
}

// ---- the validation suite ----------------------------------------------------------------

fn validation_paths() -> Vec<PathBuf> {
    validation::scenario_paths(&[], Path::new(validation::VALIDATION_DIR))
        .expect("the validation scenarios should be found")
}

#[test]
fn quick_validation_suite_passes() {
    let paths = validation_paths();
    let cases = load_cases(&paths, &Options { quick: true, checks: None }).expect("every validation case should load");
    let verdict = check_cases(&cases, None).expect("every validation case should run");
    let failures: Vec<String> = verdict
        .failures()
        .map(|r| {
            format!(
                "{} {} {}: theory {} sim {} {:?}",
                r.comparison.case,
                r.comparison.check,
                r.comparison.metric,
                r.comparison.theory,
                r.simulated,
                r.ci_corrected
            )
        })
        .collect();
    assert!(failures.is_empty(), "failed comparisons:\n{}", failures.join("\n"));

    // Every theory at three loads, each a separate case with its own comparisons.
    for (kind, metrics) in [
        (CheckKind::ErlangC, vec!["P(wait)", "mean wait (s)"]),
        (CheckKind::ErlangA, vec!["P(wait)", "abandon share", "mean wait (s)"]),
        (CheckKind::SweepLatency, vec!["latency mean (s)", "latency KS D vs U[0,T)"]),
        (CheckKind::Exact, vec!["latency max (s)"]),
    ] {
        for metric in metrics {
            let n = verdict.rows.iter().filter(|r| r.comparison.check == kind && r.comparison.metric == metric).count();
            assert_eq!(n, 3, "{kind} {metric} should be checked at three loads");
        }
    }
    // Little's law in every state of every case that spends time in it: open and active
    // everywhere, waiting and wrap-up in the six auto-close cases.
    let little = verdict.rows.iter().filter(|r| r.comparison.check == CheckKind::Little).count();
    assert_eq!(little, 12 * 2 + 6 * 2);
    assert_eq!(verdict.m, verdict.rows.len() - 3, "all but the exact-timer rows are statistical");
    // The exact-timer cases close a lot of conversations, every one at zero latency.
    for r in verdict.rows.iter().filter(|r| r.comparison.check == CheckKind::Exact) {
        assert!(matches!(r.comparison.evidence, Evidence::Exact { worst, n } if worst == 0.0 && n > 10_000), "{r:?}");
    }
}

#[test]
fn validation_scenarios_are_the_models_their_theory_describes() {
    let cases = load_cases(&validation_paths(), &Options::default()).expect("every validation case should load");
    for c in &cases {
        for &k in &c.checks {
            if matches!(k, CheckKind::ErlangC | CheckKind::ErlangA) {
                let q = c.queue_model(k).expect("an Erlang case should describe M/M/c");
                assert_eq!(q.servers, 20, "{}", c.name());
                assert!((q.service_mean_s - 300.0).abs() < 1e-9);
                assert_eq!(q.patience_mean_s, (k == CheckKind::ErlangA).then_some(600.0));
                let load = q.offered_load_per_server();
                let named: f64 = c.name()[c.name().len() - 2..].parse::<f64>().expect("names end in the load") / 100.0;
                assert!((load - named).abs() < 1e-9, "{}: load {load}", c.name());
            }
        }
    }
}

#[test]
fn a_theory_that_does_not_apply_is_refused_before_running() {
    let sweep = Path::new("scenarios/validation/sweep_latency_85.toml");
    let only = |k| Options { quick: true, checks: Some(vec![k]) };
    match load_cases(&[sweep.to_path_buf()], &only(CheckKind::ErlangC)) {
        Err(CheckError::Unfit { check, reason, .. }) => {
            assert_eq!(check, "erlang_c");
            assert!(reason.contains("exchanges") || reason.contains("auto-close off"), "{reason}");
            assert!(reason.contains("customer_response must be exponential"), "{reason}");
        }
        other => panic!("expected Unfit, got {other:?}"),
    }
    let err = load_cases(&[sweep.to_path_buf()], &only(CheckKind::Exact)).expect_err("not an exact timer");
    assert!(matches!(err, CheckError::Unfit { check: "exact", .. }), "{err:?}");
}

#[test]
fn every_case_is_checked_for_its_theories_before_any_case_runs() {
    // Two fit cases first, then two that Erlang C does not describe: load_cases refuses
    // them all at once, naming both, instead of running the first ones.
    let paths: Vec<PathBuf> = ["erlang_c_95", "erlang_c_85", "sweep_latency_85", "exact_timer_85"]
        .iter()
        .map(|n| PathBuf::from(format!("scenarios/validation/{n}.toml")))
        .collect();
    let opts = Options { quick: true, checks: Some(vec![CheckKind::ErlangC]) };
    match load_cases(&paths, &opts) {
        Err(CheckError::Several { count, report }) => {
            assert_eq!(count, 2, "{report}");
            assert!(report.contains("sweep_latency_85.toml: erlang_c:"), "{report}");
            assert!(report.contains("exact_timer_85.toml: erlang_c:"), "{report}");
            assert!(!report.contains("erlang_c_85.toml"), "{report}");
        }
        other => panic!("expected every problem at once, got {other:?}"),
    }
    // Through the command: nothing runs (no table), one error lists both.
    let (code, out) = autoclose(&[
        "check",
        "--quick",
        "--checks",
        "erlang_c",
        "scenarios/validation/erlang_c_95.toml",
        "scenarios/validation/sweep_latency_85.toml",
        "scenarios/validation/exact_timer_85.toml",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("2 problems; nothing was run"), "{out}");
    assert!(!out.contains("Bonferroni CI"), "nothing should have run: {out}");
}

/// `erlang_c_70` with `edit` applied to its text, in a temporary folder with its check file.
fn edited_erlang_c(dir: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    let text = std::fs::read_to_string("scenarios/validation/erlang_c_70.toml").expect("the case is readable");
    let edited = edit(text.clone());
    assert_ne!(edited, text, "the edit should change the scenario");
    let p = dir.join("edited.toml");
    std::fs::write(&p, edited).expect("write the scenario");
    std::fs::copy("scenarios/validation/erlang_c_70.check.toml", dir.join("edited.check.toml")).expect("copy");
    p
}

#[test]
fn never_is_not_a_zero_duration_for_erlang_c() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let opts = Options { quick: true, checks: None };
    // The agent never answers: every conversation holds its capacity to the horizon.
    let p = edited_erlang_c(dir.path(), |t| t.replace("agent_response = \"0s\"", "agent_response = \"never\""));
    let err = load_cases(&[p], &opts).expect_err("agent_response never is not M/M/c");
    assert!(err.to_string().contains("agent_response = \"never\" means the agent never answers"), "{err}");
    // The agent never closes the wrap-up, and the wrap-up blocks capacity: refused, for
    // `always` and for a fixed blocking time.
    for block in ["always", "5m"] {
        let p = edited_erlang_c(dir.path(), |t| {
            t.replace("wrap_up = \"0s\"", "wrap_up = \"never\"")
                .replace("wrap_up = \"never\"\n\n[agents", &format!("wrap_up = \"{block}\"\n\n[agents"))
        });
        let err = load_cases(&[p], &opts).expect_err("a wrap-up that never ends holds capacity");
        assert!(
            err.to_string().contains("wrap_up = \"never\" means the agent never closes the wrap-up"),
            "{block}: {err}"
        );
    }
    // With a wrap-up that does not block, a wrap-up that never ends holds nothing: M/M/c.
    let p = edited_erlang_c(dir.path(), |t| t.replace("wrap_up = \"0s\"", "wrap_up = \"never\""));
    let cases = load_cases(&[p], &Options { quick: true, checks: Some(vec![CheckKind::ErlangC]) })
        .expect("a non-blocking wrap-up holds no capacity");
    assert_eq!(cases[0].queue_model(CheckKind::ErlangC).expect("M/M/20").servers, 20);
}

#[test]
fn check_files_are_read_strictly() {
    let ok = validation::CheckFile::parse(
        "x.check.toml",
        "checks = [\"little\", \"erlang_c\"]\n[quick]\nreplications = 4\nhorizon = \"3d\"\n",
    )
    .expect("a valid check file");
    assert_eq!(ok.checks, vec![CheckKind::ErlangC, CheckKind::Little]);
    assert_eq!(ok.quick_horizon, Some(autoclose::time::SimDuration::from_days(3)));
    for (text, msg) in [
        ("checks = [\"erlang_b\"]", "unknown variant"),
        ("checks = [\"little\"]\nwarmup = \"1d\"", "unknown field"),
        ("checks = []", "at least one"),
        ("checks = [\"little\"]\ndrain = \"soon\"", "drain"),
        ("checks = [\"little\"]\n[quick]\nreplications = 1", "at least 2"),
    ] {
        match validation::CheckFile::parse("x.check.toml", text) {
            Err(e) => assert!(e.to_string().contains(msg), "{text}: {e}"),
            Ok(f) => panic!("{text} should be refused, got {f:?}"),
        }
    }
    let dir = tempfile::tempdir().expect("a temporary folder");
    let scenario = dir.path().join("mine.toml");
    std::fs::copy("scenarios/validation/erlang_c_70.toml", &scenario).expect("copy a scenario");
    let err = load_cases(&[scenario], &Options::default()).expect_err("no check file");
    assert!(err.to_string().contains("mine.check.toml"), "{err}");
}

// ---- the command -------------------------------------------------------------------------

fn autoclose(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_autoclose")).args(args).output().expect("the binary should run");
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn check_command_prints_the_table_and_exits_zero_on_success() {
    let (code, out) = autoclose(&["check", "--quick", "scenarios/validation/erlang_c_85.toml"]);
    assert_eq!(code, 0, "{out}");
    for col in ["case", "metric", "theory", "simulated", "95% CI", "Bonferroni CI", "result"] {
        assert!(out.contains(col), "missing column {col}:\n{out}");
    }
    assert!(out.contains("erlang_c_85  erlang_c  P(wait)"), "{out}");
    assert!(out.contains("Bonferroni m = 4"), "{out}");
    assert!(!out.contains("FAIL"), "{out}");
}

#[test]
fn check_command_fails_a_scenario_that_breaks_the_theory() {
    // Queued chats escape (are assigned) before the sweep: closed ones are biased to short
    // latencies, which both the KS test and the mean must catch.
    let (code, out) = autoclose(&["check", "tests/support/escaping_sweep.toml"]);
    assert_eq!(code, 1, "{out}");
    let fails: Vec<&str> = out.lines().filter(|l| l.ends_with("FAIL")).collect();
    assert_eq!(fails.len(), 2, "{out}");
    assert!(out.contains("0 passed, 2 failed"), "{out}");
}

#[test]
fn check_command_explains_a_missing_check_file() {
    let (code, out) = autoclose(&["check", "scenarios/quickstart.toml"]);
    assert_eq!(code, 1);
    assert!(out.contains("scenarios/quickstart.check.toml"), "{out}");
    let (code, out) = autoclose(&["check", "--checks", "little,erlang_b", "scenarios/quickstart.toml"]);
    assert_eq!(code, 2, "clap refuses an unknown check: {out}");
    assert!(out.contains("erlang_b"), "{out}");
}

#[test]
fn exit_codes_are_the_documented_ones() {
    // docs/check.md: 2 only when the command line itself cannot be parsed; every other error
    // (a missing file, --threads 0, a theory that does not apply) is 1, with a message.
    let (code, out) = autoclose(&["check", "--quick", "--frobnicate"]);
    assert_eq!(code, 2, "{out}");
    let (code, out) = autoclose(&["check", "--quick", "--threads", "0", "scenarios/validation/erlang_c_85.toml"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("--threads must be from 1 to 1024, got 0"), "{out}");
    let (code, out) = autoclose(&["check", "--quick", "--checks", "little", "no/such/scenario.toml"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("no/such/scenario.toml"), "{out}");
    let docs = std::fs::read_to_string("docs/check.md").expect("docs/check.md");
    assert!(!docs.contains("2 on a usage error"), "the docs should say what exit code 2 means exactly");
    assert!(docs.contains("2 when the command line cannot be parsed"), "docs/check.md should document exit code 2");
}

#[test]
fn little_refuses_a_scenario_whose_load_varies() {
    // docs/check.md: `little` needs constant rates and staffing; quickstart's arrivals follow
    // an intraday and a weekly profile, so nothing is run and the reason is given.
    let (code, out) = autoclose(&["check", "--quick", "--checks", "little", "scenarios/quickstart.toml"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("little: arrivals.0: needs a constant rate (intraday and weekly multipliers all 1)"), "{out}");
}
