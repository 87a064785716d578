//! Parks (`action = "park"`) as their own outcome in `sweeps.csv` (`parked`, with `closed`
//! holding closures only) and in `timeseries.csv` (`auto_parked` per bucket), tied to
//! `summary.csv`'s `auto_parked` and to `conversations.csv` on the bundled Quiq and Zendesk
//! scenarios.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_autoclose");

type Row = HashMap<String, String>;

/// Runs `autoclose run <scenario> <args> --out <dir>/out` from the repository root and returns
/// the results folder.
fn run(dir: &Path, scenario: &str, args: &[&str]) -> PathBuf {
    let out = dir.join("out");
    let o = Command::new(BIN)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", scenario, "--quiet", "--no-charts", "--threads", "2"])
        .args(args)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("the autoclose binary should start");
    assert!(o.status.success(), "autoclose run {scenario} {args:?} failed: {}", String::from_utf8_lossy(&o.stderr));
    out
}

fn rows(path: &Path) -> Vec<Row> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let h: Vec<String> = r.headers().expect("the CSV should have a header").iter().map(String::from).collect();
    r.records()
        .map(|rec| h.iter().cloned().zip(rec.expect("every record should parse").iter().map(String::from)).collect())
        .collect()
}

fn header(path: &Path) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    r.headers().expect("the CSV should have a header").iter().map(String::from).collect()
}

fn num(r: &Row, col: &str) -> u64 {
    let cell = r.get(col).unwrap_or_else(|| panic!("column {col} is missing"));
    cell.parse().unwrap_or_else(|e| panic!("{col} = {cell:?}: {e}"))
}

/// Sum of `col` over the rows of replication `rep` that `keep` accepts.
fn sum(rows: &[Row], rep: u32, col: &str, keep: impl Fn(&Row) -> bool) -> u64 {
    rows.iter().filter(|r| r["replication"] == rep.to_string() && keep(r)).map(|r| num(r, col)).sum()
}

/// The overall `value` row of one replication in summary.csv.
fn overall(summary: &[Row], rep: u32) -> &Row {
    summary
        .iter()
        .find(|r| r["replication"] == rep.to_string() && r["stat"] == "value" && r["breakdown"] == "overall")
        .unwrap_or_else(|| panic!("replication {rep} has no overall value row"))
}

/// Closures of any auto-close kind in summary.csv (what a sweep's `closed` counts).
fn auto_closures(row: &Row) -> u64 {
    num(row, "auto_closed") + num(row, "closed_hard_cap") + num(row, "auto_moved_to_wrap_up")
}

const QUIQ_SWEEP: [&str; 4] =
    ["--set", "policy.schedulers.quiq_timer.kind=sweep", "--set", "policy.schedulers.quiq_timer.interval=15m"];

#[test]
fn sweep_parks_have_their_own_column_and_closed_holds_closures_only() {
    // Quiq on a 15-minute sweep: both stages (inactive after 1 h, closed 12 h later) are runs of
    // `quiq_timer`. No warm-up, so every park and closure is measured.
    let dir = tempfile::tempdir().expect("a temporary folder should be creatable");
    let mut args = QUIQ_SWEEP.to_vec();
    args.extend(["--set", "scenario.warmup=0s", "--set", "scenario.horizon=2d", "--replications", "2"]);
    let out = run(dir.path(), "scenarios/quiq.toml", &args);
    let sweeps_header = header(&out.join("sweeps.csv"));
    let at = |c: &str| sweeps_header.iter().position(|h| h == c).expect("a sweeps.csv column");
    assert_eq!(at("parked"), at("closed") + 1, "parked follows closed: {sweeps_header:?}");
    let ts_header = header(&out.join("timeseries.csv"));
    assert_eq!(ts_header.last().map(String::as_str), Some("auto_parked"), "{ts_header:?}");
    let (sweeps, ts, summary) =
        (rows(&out.join("sweeps.csv")), rows(&out.join("timeseries.csv")), rows(&out.join("summary.csv")));
    for rep in 0..2 {
        let s = overall(&summary, rep);
        let (parked, closed) = (sum(&sweeps, rep, "parked", |_| true), sum(&sweeps, rep, "closed", |_| true));
        assert!(num(s, "auto_parked") > 100 && auto_closures(s) > 100, "replication {rep}: {s:?}");
        assert_eq!(parked, num(s, "auto_parked"), "replication {rep}: sweeps.csv parked = summary auto_parked");
        assert_eq!(closed, auto_closures(s), "replication {rep}: sweeps.csv closed = closures only");
        assert_eq!(sum(&ts, rep, "auto_parked", |_| true), num(s, "auto_parked"), "replication {rep}");
        assert_eq!(sum(&ts, rep, "auto_closed", |_| true), auto_closures(s), "replication {rep}");
        // Every candidate of a run is accounted for once, and a park is never a race closure.
        for r in sweeps.iter().filter(|r| r["replication"] == rep.to_string()) {
            let acted = num(r, "closed") + num(r, "parked") + num(r, "rescued") + num(r, "deferred");
            assert_eq!(acted, num(r, "eligible"), "run {}", r["run"]);
            assert!(num(r, "race_closures") <= num(r, "closed"), "run {}", r["run"]);
        }
    }
}

#[test]
fn window_parks_agree_across_timeseries_sweeps_and_conversations() {
    // Quiq's own 1-day warm-up: the measured window's parks in timeseries.csv are those of the
    // sweep runs started in it, and summary.csv's auto_parked (the cohort created in the
    // window) is the conversations.csv count of those conversations' parks.
    let dir = tempfile::tempdir().expect("a temporary folder should be creatable");
    let mut args = QUIQ_SWEEP.to_vec();
    args.extend(["--set", "scenario.horizon=3d", "--replications", "2", "--conversations"]);
    let out = run(dir.path(), "scenarios/quiq.toml", &args);
    let (sweeps, ts, summary) =
        (rows(&out.join("sweeps.csv")), rows(&out.join("timeseries.csv")), rows(&out.join("summary.csv")));
    let convs = rows(&out.join("conversations.csv"));
    let warmup_s = 86_400;
    let measured = |r: &Row| r["in_warmup"] == "false";
    for rep in 0..2 {
        let window = sum(&ts, rep, "auto_parked", measured);
        let run_in_window = |r: &Row| num(r, "started_s") >= warmup_s;
        assert_eq!(window, sum(&sweeps, rep, "parked", run_in_window), "replication {rep}");
        assert!(window < sum(&ts, rep, "auto_parked", |_| true), "the warm-up has parks too");
        let cohort = |r: &Row| r["msdyn_createdon"].as_str() >= "2026-01-06T00:00:00.000Z";
        let cohort_parks = sum(&convs, rep, "auto_parks", cohort);
        assert_eq!(num(overall(&summary, rep), "auto_parked"), cohort_parks, "replication {rep}");
        // The cohort's parks all fall in the window; the window also has parks of conversations
        // created in the warm-up.
        assert!(cohort_parks > 100 && cohort_parks < window, "replication {rep}: {cohort_parks} of {window}");
        assert_eq!(sum(&ts, rep, "auto_parked", |_| true), sum(&convs, rep, "auto_parks", |_| true));
    }
}

#[test]
fn zendesk_parks_by_its_exact_timer_stay_out_of_the_hourly_automations_rows() {
    // Zendesk: the 10-minute inactivity is the messaging system's exact timer, the 4-day close
    // the hourly automation (the only sweep, so the only sweeps.csv rows).
    let dir = tempfile::tempdir().expect("a temporary folder should be creatable");
    let args = ["--set", "scenario.warmup=0s", "--set", "scenario.horizon=5d", "--replications", "2"];
    let out = run(dir.path(), "scenarios/zendesk.toml", &args);
    let (sweeps, ts, summary) =
        (rows(&out.join("sweeps.csv")), rows(&out.join("timeseries.csv")), rows(&out.join("summary.csv")));
    assert!(sweeps.iter().all(|r| r["scheduler"] == "zendesk_automations"));
    for rep in 0..2 {
        let s = overall(&summary, rep);
        assert!(num(s, "auto_parked") > 1000 && num(s, "auto_closed") > 10, "replication {rep}: {s:?}");
        assert_eq!(sum(&sweeps, rep, "parked", |_| true), 0, "replication {rep}: no park by the automation");
        assert_eq!(sum(&sweeps, rep, "closed", |_| true), auto_closures(s), "replication {rep}");
        assert_eq!(sum(&ts, rep, "auto_parked", |_| true), num(s, "auto_parked"), "replication {rep}");
    }
}

#[test]
fn the_sweep_load_chart_counts_a_runs_parks_with_its_closures() {
    // The per-run limit caps closures and parks together, so the chart shows both against it.
    let dir = tempfile::tempdir().expect("a temporary folder should be creatable");
    let mut args = QUIQ_SWEEP.to_vec();
    args.extend(["--set", "scenario.horizon=2d", "--replications", "2"]);
    args.extend(["--set", "policy.schedulers.quiq_timer.max_closures_per_run=5"]);
    let out = run(dir.path(), "scenarios/quiq.toml", &args);
    let loaded = autoclose::output::load::load(&out).expect("the results folder should load");
    let d = autoclose::output::charts::sweep_load::prepare(&loaded).expect("a sweep-load chart");
    assert!(d.parks);
    assert_eq!(d.title, "Closures and parks per sweep run over time (sweep load)");
    assert_eq!(d.limits, [("quiq_timer".to_string(), 5.0)]);
    let sweeps = rows(&out.join("sweeps.csv"));
    let k = 120;
    let acted: Vec<f64> = sweeps
        .iter()
        .filter(|r| r["run"] == k.to_string())
        .map(|r| (num(r, "closed") + num(r, "parked")) as f64)
        .collect();
    assert_eq!(acted.len(), 2);
    let runs = &d.series[0].runs;
    assert!((runs[k].1.mean - acted.iter().sum::<f64>() / 2.0).abs() < 1e-9, "{:?} vs {acted:?}", runs[k]);
    let parked: u64 = sweeps.iter().map(|r| num(r, "parked")).sum();
    assert!(parked > 0 && sweeps.iter().all(|r| num(r, "closed") + num(r, "parked") <= 5));
}

#[test]
fn the_report_shows_parks_beside_closures_only_where_a_policy_parks() {
    let dir = tempfile::tempdir().expect("a temporary folder should be creatable");
    let mut args = QUIQ_SWEEP.to_vec();
    args.extend(["--set", "scenario.horizon=2d", "--replications", "2"]);
    let out = run(dir.path(), "scenarios/quiq.toml", &args);
    let loaded = autoclose::output::load::load(&out).expect("the results folder should load");
    let page = autoclose::output::report::context(&loaded, Vec::new());
    let labels: Vec<&str> = page.headline.iter().map(|h| h.label.as_str()).collect();
    assert_eq!(labels[..2], ["auto-closed conversations", "auto-parked conversations"]);
    let mean: f64 = rows(&out.join("summary.csv"))
        .iter()
        .find(|r| r["stat"] == "mean" && r["breakdown"] == "overall")
        .map(|r| r["auto_parked"].parse().expect("a number"))
        .expect("a mean row");
    assert!(mean > 0.0 && page.headline[1].estimate.mean == mean, "{mean} vs {:?}", page.headline[1].estimate);

    let plain = dir.path().join("plain");
    std::fs::create_dir(&plain).expect("a folder should be creatable");
    let short = ["--set", "scenario.horizon=1d", "--set", "scenario.warmup=0s", "--replications", "2"];
    let out = run(&plain, "scenarios/quickstart.toml", &short);
    let page = autoclose::output::report::context(&autoclose::output::load::load(&out).expect("loads"), Vec::new());
    assert!(page.headline.iter().all(|h| h.label != "auto-parked conversations"), "no parks, no card");
}

#[test]
fn without_recheck_and_paced_a_runs_parks_stay_out_of_closed_and_race_closures() {
    // The run decides at its start (recheck off) and works through its list at 0.01 per second:
    // the parks it makes are summary.csv's auto_parked, its race closures summary.csv's.
    let dir = tempfile::tempdir().expect("a temporary folder should be creatable");
    let args = [
        "--set",
        "policy.schedulers.quiq_timer.kind=sweep",
        "--set",
        "policy.schedulers.quiq_timer.interval=1h",
        "--set",
        "policy.schedulers.quiq_timer.recheck=false",
        "--set",
        "policy.schedulers.quiq_timer.closures_per_second=0.01",
        "--set",
        "scenario.warmup=0s",
        "--set",
        "scenario.horizon=3d",
        "--replications",
        "2",
    ];
    let out = run(dir.path(), "scenarios/quiq.toml", &args);
    let (sweeps, summary) = (rows(&out.join("sweeps.csv")), rows(&out.join("summary.csv")));
    for rep in 0..2 {
        let s = overall(&summary, rep);
        assert!(num(s, "auto_parked") > 100, "replication {rep}: {s:?}");
        assert_eq!(sum(&sweeps, rep, "parked", |_| true), num(s, "auto_parked"), "replication {rep}");
        assert_eq!(sum(&sweeps, rep, "closed", |_| true), auto_closures(s), "replication {rep}");
        assert_eq!(sum(&sweeps, rep, "race_closures", |_| true), num(s, "race_closures"), "replication {rep}");
        for r in sweeps.iter().filter(|r| r["replication"] == rep.to_string()) {
            let acted = num(r, "closed") + num(r, "parked") + num(r, "rescued") + num(r, "deferred");
            assert_eq!(acted, num(r, "eligible"), "run {}", r["run"]);
        }
    }
}

#[test]
fn moves_to_wrap_up_stand_beside_closures_in_the_terminal_and_the_report() {
    // Amazon Connect's idle timer ends a chat in After Contact Work: moves to Wrap-up, which
    // the premature share counts with the closures, so they are shown beside them.
    let dir = tempfile::tempdir().expect("a temporary folder should be creatable");
    let out = dir.path().join("out");
    let o = Command::new(BIN)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "scenarios/amazon_connect.toml", "--no-charts", "--set", "scenario.horizon=2d"])
        .args(["--replications", "2", "--out"])
        .arg(&out)
        .output()
        .expect("the autoclose binary should start");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mean: f64 = rows(&out.join("summary.csv"))
        .iter()
        .find(|r| r["stat"] == "mean" && r["breakdown"] == "overall")
        .map(|r| r["auto_moved_to_wrap_up"].parse().expect("a number"))
        .expect("a mean row");
    assert!(mean > 0.0);
    let terminal = String::from_utf8_lossy(&o.stdout);
    let line = terminal.lines().nth(2).expect("the summary's second line");
    assert!(line.trim_start().starts_with(&format!("auto-moved to wrap-up  {mean:.2} ±")), "{terminal}");
    let page = autoclose::output::report::context(&autoclose::output::load::load(&out).expect("loads"), Vec::new());
    assert_eq!(page.headline[1].label, "auto-moved to wrap-up");
    assert_eq!(page.headline[1].estimate.mean, mean);
}
