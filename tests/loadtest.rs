//! `autoclose loadtest` against SQLite: closures per run equal the simulator's sweeps.csv
//! exactly when the job takes no time (several policies, pagination, a per-run limit), race
//! closures of a paced job without recheck against the simulator's, the results folder and
//! report.html (in headless Chromium when one is installed, as tests/report_browser.rs), and
//! the errors for bad options and policies the SQL cannot express.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_autoclose");

fn scenario(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name).display().to_string()
}

fn autoclose(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("the autoclose binary should start")
}

fn ok(args: &[&str]) -> String {
    let out = autoclose(args);
    assert!(out.status.success(), "autoclose {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{} should read: {e}", path.display()));
    let headers = r.headers().expect("a header").clone();
    r.records()
        .map(|rec| {
            let rec = rec.expect("a record");
            headers.iter().zip(rec.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()
        })
        .collect()
}

/// Closed per (scheduler, run) in the simulator's sweeps.csv of replication 0.
fn sim_closed(dir: &Path, scenario_file: &str, set: &[&str]) -> BTreeMap<(String, u64), u64> {
    let out = dir.join("sim");
    let mut args =
        vec!["run", scenario_file, "--out", out.to_str().expect("UTF-8"), "--replications", "1", "-q", "--no-charts"];
    for s in set {
        args.extend(["--set", s]);
    }
    ok(&args);
    rows(&out.join("sweeps.csv"))
        .into_iter()
        .map(|r| ((r["scheduler"].clone(), r["run"].parse().expect("run")), r["closed"].parse().expect("closed")))
        .collect()
}

fn loadtest(dir: &Path, name: &str, scenario_file: &str, set: &[&str], extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let mut args = vec!["loadtest", scenario_file, "--out", out.to_str().expect("UTF-8"), "-q"];
    for s in set {
        args.extend(["--set", s]);
    }
    args.extend(extra);
    ok(&args);
    out
}

/// Every run of every index choice closed exactly what the simulator's run closed.
fn assert_equal_closures(scenario_file: &str, set: &[&str], extra: &[&str]) -> u64 {
    let dir = tempfile::tempdir().expect("a temp dir");
    let sim = sim_closed(dir.path(), scenario_file, set);
    let folder = loadtest(
        dir.path(),
        "lt",
        scenario_file,
        set,
        &[&["--speed", "0", "--index", "none,clock,state_clock"], extra].concat(),
    );
    let got = rows(&folder.join("loadtest.csv"));
    let mut total = 0;
    for index in ["none", "clock", "state_clock"] {
        let mine: Vec<_> = got.iter().filter(|r| r["index"] == index).collect();
        assert_eq!(mine.len(), sim.len(), "index {index}: one row per simulated run");
        for r in mine {
            let key = (r["scheduler"].clone(), r["run"].parse::<u64>().expect("run"));
            let closed: u64 = r["closed"].parse().expect("closed");
            assert_eq!(closed, sim[&key], "index {index}, run {key:?}: store against sweeps.csv");
            assert_eq!(r["sim_closed"], r["closed"], "the row's own simulator column");
            total += closed;
        }
    }
    assert!(total > 100, "the comparison should cover many closures, got {total}");
    total
}

#[test]
fn quickstart_closures_per_run_equal_sweeps_csv_when_the_job_takes_no_time() {
    assert_equal_closures(&scenario("quickstart.toml"), &["scenario.horizon=2d"], &[]);
}

#[test]
fn dynamics_closures_per_run_equal_sweeps_csv_with_a_limit_and_small_pages() {
    // Open, Active to Wrap-up (voice absent here), Wrap-up from wrapupinitiatedon, Waiting
    // from the last activity; at most 2 closures a run, listed one page of 1 row at a time.
    let set = ["scenario.horizon=2d", "policy.schedulers.dynamics_job.max_closures_per_run=2"];
    assert_equal_closures(&scenario("dynamics.toml"), &set, &["--page-size", "1"]);
}

#[test]
fn recheck_off_closures_per_run_equal_sweeps_csv_when_the_job_takes_no_time() {
    let set = ["scenario.horizon=2d", "policy.schedulers.main.recheck=false", "policy.schedulers.main.interval=1h"];
    assert_equal_closures(&scenario("quickstart.toml"), &set, &["--writers", "1"]);
}

#[test]
fn a_paced_job_without_recheck_races_as_the_simulator_does() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let set = [
        "scenario.horizon=1d",
        "scenario.warmup=0h",
        "policy.schedulers.main.recheck=false",
        "policy.schedulers.main.closures_per_second=0.05",
        "policy.schedulers.main.interval=2h",
        "policy.channels.whatsapp.timeouts.waiting=1h",
        "policy.channels.whatsapp.timeouts.active=30m",
    ];
    let args = ["--speed", "1000", "--pace", "--index", "state_clock", "--interval", "2h"];
    let folder = loadtest(dir.path(), "race", &scenario("quickstart.toml"), &set, &args);
    let got = rows(&folder.join("loadtest.csv"));
    let sum = |k: &str| got.iter().map(|r| r[k].parse::<u64>().expect("a count")).sum::<u64>();
    let (races, sim_races) = (sum("race_closures"), sum("sim_race_closures"));
    assert!(sim_races >= 3, "the scenario should make the simulator race, got {sim_races}");
    // Wall-clock pacing on a shared machine: the store's count may miss a race whose reply
    // falls within a few milliseconds of its closure.
    assert!(races.abs_diff(sim_races) <= sim_races / 3 + 1, "store {races} against simulator {sim_races}");
}

#[test]
fn the_results_folder_has_the_csv_the_plans_the_charts_and_the_report() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = dir.path().join("lt");
    let stdout = ok(&[
        "loadtest",
        &scenario("quickstart.toml"),
        "--out",
        out.to_str().expect("UTF-8"),
        "--set",
        "scenario.horizon=1d",
        "--set",
        "scenario.warmup=0h",
        "--history",
        "2000",
        "--interval",
        "25m,2h",
    ]);
    assert!(stdout.contains("25m / none: KEEPS UP: every one of 58 runs"), "{stdout}");
    assert!(stdout.contains("2h / state_clock: KEEPS UP: every one of 12 runs"), "{stdout}");
    let plans = std::fs::read_to_string(out.join("query_plans.txt")).expect("query_plans.txt");
    assert!(plans.contains("SCAN msdyn_liveconversation"), "no index: a table scan\n{plans}");
    assert!(plans.contains("USING INDEX ix_state_"), "state_clock: an index search\n{plans}");
    let csv = rows(&out.join("loadtest.csv"));
    assert_eq!(csv.len(), 2 * (58 + 12));
    let scanned = |index: &str| {
        csv.iter().filter(|r| r["index"] == index).map(|r| r["rows_scanned"].parse::<u64>().expect("rows")).max()
    };
    // Without an index every run reads the 2,000 history rows; with it, only eligible rows.
    assert!(scanned("none").expect("runs") >= 2000);
    assert!(scanned("state_clock").expect("runs") < 2000);
    for f in ["loadtest_duration.png", "loadtest_races.png", "loadtest_duration.svg", "store.sqlite", "manifest.toml"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    for stem in ["loadtest_duration", "loadtest_races"] {
        assert!(html.contains(&format!("id=\"chart-{stem}\"")), "{stem} not in the report");
    }
    assert_eq!(html.matches("<svg").count(), 2);
    // The duration chart's legend heading names its labels' parts in their order (the SVG
    // puts a text on a line of its own; a label wraps after its comma).
    assert!(html.contains("\nsweep interval / index\n") && html.contains("\n25m / state_clock, 2000\n"), "{html}");
    assert!(!html.contains("<script"), "the report needs no script");
    // The page speaks of measured runs of a job, not of replications and intervals.
    assert!(html.contains("Whether the job kept up: every run finished before the next one was due"), "{html}");
    assert!(
        !html.contains("Mean over replications") && !html.contains("95% interval"),
        "simulation notes on a load test"
    );
    if let Some(browser) = chromium() {
        let dom = Command::new(browser)
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--dump-dom"])
            .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
            .arg(format!("file://{}", out.join("report.html").display()))
            .output()
            .expect("Chromium should start");
        let dom = String::from_utf8_lossy(&dom.stdout);
        assert!(dom.contains("<h1>Load test: quickstart</h1>"), "the DOM should hold the report");
        assert_eq!(dom.matches("<svg").count(), 2, "both charts rendered");
    }
}

/// `$CHROMIUM` or chromium-headless-shell on PATH (tests/report_browser.rs requires one).
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join("chromium-headless-shell")).find(|p| p.is_file())
}

fn fails(args: &[&str]) -> String {
    let out = autoclose(args);
    assert_eq!(out.status.code(), Some(1), "autoclose {args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn policies_the_sql_cannot_express_and_bad_options_are_refused_with_the_fix() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = dir.path().join("x");
    let o = out.to_str().expect("UTF-8");
    let e = fails(&["loadtest", &scenario("liveperson.toml"), "--out", o]);
    assert!(e.contains("policy.hard_cap = 90d") && e.contains("remove hard_cap"), "{e}");
    let short = ["--set", "scenario.horizon=1d", "--set", "scenario.warmup=0s"];
    let e = fails(&[&["loadtest", &scenario("servicenow.toml"), "--out", o][..], &short].concat());
    assert!(e.contains("counts from clock last_message: the store has no column for it"), "{e}");
    let park = ["--set", "policy.channels.whatsapp.states.active.action=park"];
    let e = fails(&[&["loadtest", &scenario("quickstart.toml"), "--out", o][..], &short, &park].concat());
    assert!(e.contains("state active parks (action = \"park\", a two-stage platform)"), "{e}");
    let e = fails(&["loadtest", &scenario("exact.toml"), "--out", o]);
    assert!(
        e.contains(
            "the rule of channel whatsapp, skill service, state active runs on the exact scheduler exact: a timer per \
             conversation is not a job, and no sweep scheduler has a rule"
        ),
        "{e}"
    );
    // Without any timeout at all the message says so.
    let off = ["--set", "policy.channels.webchat.timeouts={}", "--set", "policy.channels.whatsapp.timeouts={}"];
    let e = fails(&[&["loadtest", &scenario("quickstart.toml"), "--out", o][..], &short, &off].concat());
    assert!(e.contains("no sweep scheduler has a rule with a timeout"), "{e}");
    let e = fails(&["loadtest", &scenario("quickstart.toml"), "--out", o, "--index", "btree"]);
    assert!(
        e.contains("--index btree: unknown index choice; give a comma-separated list of none, clock, state_clock"),
        "{e}"
    );
    let e = fails(&["loadtest", &scenario("quickstart.toml"), "--out", o, "--speed=-1"]);
    assert!(e.contains("--speed -1 is out of range"), "{e}");
    let e = fails(&["loadtest", &scenario("quickstart.toml"), "--out", o, "--store", "mysql://x"]);
    assert!(e.contains("--store mysql://x: unknown kind of store (give sqlite:PATH or postgres://"), "{e}");
    assert!(!out.exists(), "a refused load test leaves no folder");
}
