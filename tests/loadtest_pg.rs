//! `autoclose loadtest --store postgres://...` against a real PostgreSQL server, which
//! tests/loadtest_pg.sh starts (and `.ci/run` runs): closures per run equal the simulator's
//! sweeps.csv when the job takes no time, with 50,000 history rows, with and without the
//! index; the plans are a sequential scan and an index scan, and EXPLAIN ANALYZE's rows read
//! show the difference. Without `AUTOCLOSE_PG_URL` (a plain `cargo test`) it says so and
//! checks nothing.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_autoclose");

fn ok(args: &[&str]) {
    let out = Command::new(BIN).args(args).output().expect("the autoclose binary should start");
    assert!(out.status.success(), "autoclose {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{} should read: {e}", path.display()));
    let headers = r.headers().expect("a header").clone();
    r.records()
        .map(|rec| {
            headers.iter().zip(rec.expect("a record").iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()
        })
        .collect()
}

#[test]
fn postgres_closures_per_run_equal_sweeps_csv_and_the_index_changes_the_plan() {
    let Ok(url) = std::env::var("AUTOCLOSE_PG_URL") else {
        eprintln!("AUTOCLOSE_PG_URL is not set: tests/loadtest_pg.sh starts a server and runs this test");
        return;
    };
    let started = std::time::Instant::now();
    let dir = tempfile::tempdir().expect("a temp dir");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/dynamics.toml");
    let s = scenario.to_str().expect("UTF-8");
    let sim = dir.path().join("sim");
    let lt = dir.path().join("lt");
    let set = ["--set", "scenario.horizon=2d", "--set", "policy.schedulers.dynamics_job.max_closures_per_run=3"];
    ok(&[&["run", s, "--out", sim.to_str().expect("UTF-8"), "--replications", "1", "-q", "--no-charts"][..], &set]
        .concat());
    let args = [
        "--store",
        &url,
        "--history",
        "50000",
        "--speed",
        "0",
        "--index",
        "none,state_clock",
        "--page-size",
        "2",
        "-q",
    ];
    ok(&[&["loadtest", s, "--out", lt.to_str().expect("UTF-8")][..], &set, &args].concat());
    let expected: BTreeMap<(String, String), String> = rows(&sim.join("sweeps.csv"))
        .into_iter()
        .map(|r| ((r["scheduler"].clone(), r["run"].clone()), r["closed"].clone()))
        .collect();
    let got = rows(&lt.join("loadtest.csv"));
    let mut total = 0u64;
    for index in ["none", "state_clock"] {
        let mine: Vec<_> = got.iter().filter(|r| r["index"] == index).collect();
        assert_eq!(mine.len(), expected.len(), "index {index}: one row per simulated run");
        for r in &mine {
            let key = (r["scheduler"].clone(), r["run"].clone());
            assert_eq!(r["closed"], expected[&key], "index {index}, run {key:?}: PostgreSQL against sweeps.csv");
            total += r["closed"].parse::<u64>().expect("closed");
        }
        let scanned = mine.iter().map(|r| r["rows_scanned"].parse::<u64>().expect("rows read")).max().expect("runs");
        if index == "none" {
            assert!(scanned >= 50_000, "a sequential scan reads the history, read {scanned}");
        } else {
            assert!(scanned < 5_000, "the index reads the open rows only, read {scanned}");
        }
        assert!(mine.iter().all(|r| r["store"].starts_with("postgresql:///postgres?host=")), "the store is named");
    }
    assert!(total > 100, "the comparison should cover many closures, got {total}");
    let plans = std::fs::read_to_string(lt.join("query_plans.txt")).expect("query_plans.txt");
    assert!(plans.contains("Seq Scan on msdyn_liveconversation"), "{plans}");
    assert!(plans.contains("Index Scan") || plans.contains("Bitmap Index Scan"), "{plans}");
    eprintln!("PostgreSQL load test: {total} closures matched in {:.1} s", started.elapsed().as_secs_f64());
}
