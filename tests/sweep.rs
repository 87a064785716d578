//! `autoclose sweep` and `autoclose merge`, end to end through the binary: shards merge into
//! exactly the single run, the thread count changes nothing, bad grids are refused before any
//! run with useful messages, and the comparison is paired over common random numbers.

use autoclose::metrics::Estimate;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SCENARIO: &str = "scenarios/quickstart.toml";
const INTERVAL: &str = "policy.schedulers.main.interval";
const WAITING: &str = "policy.channels.whatsapp.timeouts.waiting";
const CSVS: [&str; 5] = ["summary.csv", "comparison.csv", "timeseries.csv", "sweeps.csv", "grid.csv"];

fn autoclose(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_autoclose")).args(args).output().expect("the binary should start")
}

#[track_caller]
fn ok(args: &[&str]) -> Output {
    let out = autoclose(args);
    assert!(out.status.success(), "autoclose {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    out
}

#[track_caller]
fn fails(args: &[&str]) -> String {
    let out = autoclose(args);
    assert!(!out.status.success(), "autoclose {args:?} should fail");
    String::from_utf8(out.stderr).expect("messages should be UTF-8")
}

/// A small 2 x 3 grid: one simulated day, 3 replications.
fn grid_args(out: &Path) -> Vec<String> {
    [
        "sweep",
        SCENARIO,
        "--vary",
        &format!("{INTERVAL}=5m,1h"),
        "--vary",
        &format!("{WAITING}=30m,2h,1d"),
        "--set",
        "scenario.horizon=1d",
        "--replications",
        "3",
        "--quiet",
        "--out",
        out.to_str().expect("temporary paths should be UTF-8"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn run_grid(out: &Path, extra: &[&str]) {
    let mut args = grid_args(out);
    args.extend(extra.iter().map(|s| s.to_string()));
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
}

fn read(p: PathBuf) -> Vec<u8> {
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[track_caller]
fn assert_same_csvs(a: &Path, b: &Path) {
    for f in CSVS {
        let (x, y) = (read(a.join(f)), read(b.join(f)));
        assert!(x.iter().filter(|&&b| b == b'\n').count() > 1, "{f} should have rows");
        assert!(x == y, "{f} differs between {} and {}", a.display(), b.display());
    }
}

/// Rows of a CSV as maps from column to value.
fn rows(p: PathBuf) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let h = r.headers().expect("a header row").clone();
    r.records()
        .map(|rec| h.iter().zip(rec.expect("a valid row").iter()).map(|(k, v)| (k.into(), v.into())).collect())
        .collect()
}

#[test]
fn merged_shards_equal_the_single_run_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let single = tmp.path().join("single");
    run_grid(&single, &[]);
    for n in [2usize, 3] {
        let mut dirs = Vec::new();
        for i in 0..n {
            let d = tmp.path().join(format!("shard-{i}-of-{n}"));
            run_grid(&d, &["--shard", &format!("{i}/{n}")]);
            assert!(d.join("shard.toml").exists());
            assert!(!d.join("comparison.csv").exists(), "a shard cannot compare: its baseline may be elsewhere");
            // Every shard lists the whole grid.
            assert_eq!(read(d.join("grid.csv")), read(single.join("grid.csv")));
            dirs.push(d);
        }
        dirs.reverse(); // merge takes the shards in any order
        let merged = tmp.path().join(format!("merged-{n}"));
        let mut args = vec!["merge".to_string(), "--quiet".into(), "--out".into(), merged.display().to_string()];
        args.extend(dirs.iter().map(|d| d.display().to_string()));
        ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_same_csvs(&single, &merged);
        assert_eq!(read(single.join("scenario.toml")), read(merged.join("scenario.toml")));
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let (one, two) = (tmp.path().join("t1"), tmp.path().join("t2"));
    run_grid(&one, &["--threads", "1"]);
    run_grid(&two, &["--threads", "2"]);
    assert_same_csvs(&one, &two);
}

#[test]
fn merge_refuses_shards_that_do_not_make_one_grid() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |name: &str| tmp.path().join(name);
    run_grid(&d("s0"), &["--shard", "0/3"]);
    run_grid(&d("s1"), &["--shard", "1/3"]);
    run_grid(&d("s2"), &["--shard", "2/3"]);
    run_grid(&d("other1"), &["--shard", "1/3", "--seed", "7"]);
    run_grid(&d("whole"), &[]);
    let merge = |dirs: &[&str]| {
        let mut args = vec!["merge".to_string(), "--out".into(), d("m").display().to_string()];
        args.extend(dirs.iter().map(|x| d(x).display().to_string()));
        fails(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    assert!(merge(&["s0", "s2"]).contains("shard(s) 1/3 missing"), "{}", merge(&["s0", "s2"]));
    let twice = merge(&["s0", "s1", "s1", "s2"]);
    assert!(twice.contains("shard 1/3 is given twice"), "{twice}");
    let other = merge(&["s0", "other1", "s2"]);
    assert!(other.contains("are not shards of the same grid: they differ in scenario text"), "{other}");
    let whole = merge(&["whole"]);
    assert!(whole.contains("not a shard folder: it has no shard.toml"), "{whole}");
    assert!(!d("m").exists(), "a refused merge should write nothing");
}

#[test]
fn an_unknown_vary_key_lists_the_closest_valid_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x");
    let err =
        fails(&["sweep", SCENARIO, "--vary", "policy.schedulers.main.intervl=5m,1h", "--out", out.to_str().unwrap()]);
    assert!(err.contains("--vary policy.schedulers.main.intervl: unknown key; the closest valid keys are:"), "{err}");
    let listed: Vec<&str> = err.lines().skip(1).map(str::trim).collect();
    assert_eq!(listed.len(), 5, "{err}");
    assert_eq!(listed[0], "policy.schedulers.main.interval");
    assert!(listed.iter().all(|k| k.starts_with("policy.schedulers.main.")), "{err}");
    // A misspelt table is unknown too, and keys the reader accepts but the listing lacks
    // (an element of an intraday profile) are allowed.
    let err =
        fails(&["sweep", SCENARIO, "--vary", "polcy.schedulers.main.interval=5m", "--out", out.to_str().unwrap()]);
    assert!(err.contains("unknown key"), "{err}");
    assert!(!out.exists());
    ok(&[
        "sweep",
        SCENARIO,
        "--vary",
        "arrivals.0.intraday.3=0.5,1.0",
        "--set",
        "scenario.horizon=14h",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(rows(out.join("grid.csv")).len(), 2);
}

#[test]
fn a_bad_value_is_refused_before_any_run_and_creates_no_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("results").join("bad");
    let err = fails(&[
        "sweep",
        SCENARIO,
        "--vary",
        &format!("{INTERVAL}=0s,abc,5m"),
        "--vary",
        &format!("{WAITING}=30m,2h"),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(err.contains("4 of 6 configuration(s) are not valid; nothing was run"), "{err}");
    assert!(
        err.contains("--vary: policy.schedulers.main.interval: must be a duration from 1s to 30d, got 0s (from --vary policy.schedulers.main.interval=0s)"),
        "{err}"
    );
    assert!(err.contains("got \"abc\" (from --vary policy.schedulers.main.interval=abc)"), "{err}");
    assert!(err.contains("in configuration 2 (interval=abc,waiting=30m), 3 (interval=abc,waiting=2h)"), "{err}");
    assert!(!tmp.path().join("results").exists(), "nothing should be created, not even the parent folder");
    // A value of the wrong type.
    let err = fails(&["sweep", SCENARIO, "--vary", "agents.generalists.count=4,many", "--out", out.to_str().unwrap()]);
    assert!(err.contains("1 of 2 configuration(s) are not valid"), "{err}");
    assert!(!tmp.path().join("results").exists());
}

#[test]
fn the_grid_is_the_cartesian_product_first_axis_slowest() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("g");
    ok(&[
        "sweep",
        SCENARIO,
        "--vary",
        "agents.generalists.count=8..10:2",
        "--vary",
        &format!("{INTERVAL}=5m..15m:5m"),
        "--set",
        "scenario.horizon=14h",
        "--replications",
        "2",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    let grid = String::from_utf8(read(out.join("grid.csv"))).unwrap();
    assert_eq!(
        grid,
        "config_index,config,agents.generalists.count,policy.schedulers.main.interval_s\n\
         0,\"count=8,interval=5m\",8,300\n\
         1,\"count=8,interval=10m\",8,600\n\
         2,\"count=8,interval=15m\",8,900\n\
         3,\"count=10,interval=5m\",10,300\n\
         4,\"count=10,interval=10m\",10,600\n\
         5,\"count=10,interval=15m\",10,900\n"
    );
    // summary.csv: configurations in grid order, each with its replications then its mean
    // interval and n rows.
    let order: Vec<(String, String)> = rows(out.join("summary.csv"))
        .into_iter()
        .filter(|r| r["breakdown"] == "overall")
        .map(|r| (r["config"].clone(), r["stat"].clone()))
        .collect();
    let expect: Vec<(String, String)> = ["count=8,interval=5m", "count=8,interval=10m", "count=8,interval=15m"]
        .iter()
        .chain(&["count=10,interval=5m", "count=10,interval=10m", "count=10,interval=15m"])
        .flat_map(|c| ["value", "value", "mean", "ci95_low", "ci95_high", "n"].map(|s| (c.to_string(), s.to_string())))
        .collect();
    assert_eq!(order, expect);
}

#[test]
fn paired_differences_are_exact_and_zero_for_the_baseline() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p");
    run_grid(&out, &["--baseline", "interval=1h,waiting=2h"]);
    let cmp = rows(out.join("comparison.csv"));
    let base: Vec<_> = cmp.iter().filter(|r| r["config"] == "interval=1h,waiting=2h").collect();
    assert!(base.len() > 100);
    for r in &base {
        assert_eq!(r["baseline"], "interval=1h,waiting=2h");
        assert_eq!((r["n_paired"].as_str(), r["n"].as_str()), ("3", "3"), "{r:?}");
        assert_eq!(
            (r["diff_mean"].as_str(), r["diff_ci95_low"].as_str(), r["diff_ci95_high"].as_str()),
            ("0", "0", "0"),
            "{r:?}"
        );
    }
    // Another configuration's difference is the Student-t interval of the per-replication
    // differences in summary.csv, to the last bit.
    let value = |config: &str, metric: &str| -> Vec<f64> {
        rows(out.join("summary.csv"))
            .into_iter()
            .filter(|r| r["config"] == config && r["stat"] == "value" && r["breakdown"] == "overall")
            .map(|r| r[metric].parse().unwrap())
            .collect()
    };
    for metric in ["auto_closed", "latency_p99_s", "zombie_capacity_agents"] {
        let (a, b) = (value("interval=5m,waiting=30m", metric), value("interval=1h,waiting=2h", metric));
        let diffs: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
        let e = Estimate::of(&diffs, 0.95).unwrap();
        let row = cmp
            .iter()
            .find(|r| r["config"] == "interval=5m,waiting=30m" && r["breakdown"] == "overall" && r["metric"] == metric)
            .unwrap();
        assert_eq!(row["diff_mean"], e.mean.to_string(), "{metric}");
        assert_eq!(row["diff_ci95_low"], e.low().unwrap().to_string(), "{metric}");
        assert_eq!(row["diff_ci95_high"], e.high().unwrap().to_string(), "{metric}");
    }
}

#[test]
fn every_configuration_sees_the_same_customers() {
    // Common random numbers: the sweep interval and the timeout change what happens to the
    // customers, not who arrives. Re-contacts follow auto-closes, so take them out.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("crn");
    run_grid(&out, &[]);
    let mut fresh: HashMap<String, Vec<(String, f64)>> = HashMap::new();
    for r in rows(out.join("summary.csv")).into_iter().filter(|r| r["stat"] == "value" && r["breakdown"] == "overall") {
        let n = r["arrived"].parse::<f64>().unwrap() - r["recontacts"].parse::<f64>().unwrap();
        fresh.entry(r["replication"].clone()).or_default().push((r["config"].clone(), n));
    }
    assert_eq!(fresh.len(), 3);
    for (rep, per_config) in &fresh {
        assert_eq!(per_config.len(), 6);
        assert!(per_config.iter().all(|(_, n)| *n == per_config[0].1), "replication {rep}: {per_config:?}");
        // ... while the policy does change the outcome.
        let auto: Vec<f64> = rows(out.join("summary.csv"))
            .into_iter()
            .filter(|r| r["stat"] == "value" && r["breakdown"] == "overall" && &r["replication"] == rep)
            .map(|r| r["auto_closed"].parse().unwrap())
            .collect();
        assert!(auto.iter().any(|a| *a != auto[0]));
    }
    // Different replications do see different customers.
    let firsts: Vec<f64> = fresh.values().map(|v| v[0].1).collect();
    assert!(firsts.iter().any(|f| *f != firsts[0]));
}

#[test]
fn an_existing_folder_is_refused_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("f");
    run_grid(&out, &[]);
    let mut args = grid_args(&out);
    let err = fails(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(err.contains("already exists: pass --force"), "{err}");
    args.push("--force".into());
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let manifest = String::from_utf8(read(out.join("manifest.toml"))).unwrap();
    assert!(manifest.contains(&format!("--vary {INTERVAL}=5m,1h --vary {WAITING}=30m,2h,1d")), "{manifest}");
}

#[test]
fn more_shards_than_configurations_are_refused() {
    // 6 configurations: --shard I/7 would make a shard that runs nothing.
    let tmp = tempfile::tempdir().unwrap();
    let mut args = grid_args(&tmp.path().join("s"));
    args.extend(["--shard".to_string(), "0/7".to_string()]);
    let err = fails(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(err.contains("--shard 0/7") && err.contains("more than the 6 configuration(s)"), "{err}");
    let mut args = grid_args(&tmp.path().join("s"));
    args.extend(["--shard".to_string(), "0/1000000000".to_string()]);
    let err = fails(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(err.contains("use at most --shard I/6"), "{err}");
    assert!(!tmp.path().join("s").exists());
}

#[test]
fn merge_refuses_a_shard_count_larger_than_the_grid_without_allocating() {
    let tmp = tempfile::tempdir().unwrap();
    let s0 = tmp.path().join("s0");
    run_grid(&s0, &["--shard", "0/1"]);
    let text = String::from_utf8(read(s0.join("shard.toml"))).unwrap();
    assert!(text.contains("count = 1\n"), "{text}");
    std::fs::write(s0.join("shard.toml"), text.replace("count = 1\n", "count = 1000000000000000000\n")).unwrap();
    let out = autoclose(&["merge", "--out", &tmp.path().join("m").display().to_string(), &s0.display().to_string()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "a clear error, not an abort: {err}");
    assert!(err.contains("shard.toml") && err.contains("more than the 6 configuration(s)"), "{err}");
    assert!(!tmp.path().join("m").exists());
}

/// Two shards of the 2 x 3 grid, and the merge command of them into `m`, without `-q` (the
/// table is where a wrong merge used to panic).
fn two_shards(tmp: &Path) -> (PathBuf, Vec<String>) {
    let mut merge = vec!["merge".to_string(), "--out".into(), tmp.join("m").display().to_string()];
    for i in 0..2 {
        let d = tmp.join(format!("s{i}"));
        run_grid(&d, &["--shard", &format!("{i}/2")]);
        merge.push(d.display().to_string());
    }
    (tmp.join("s0"), merge)
}

/// Removes the first line of `file` that `pick` selects; panics if none does.
fn drop_line(file: &Path, pick: impl Fn(&str) -> bool) {
    let text = String::from_utf8(read(file.to_path_buf())).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().skip(1).position(|l| pick(l)).expect("a line to drop") + 1;
    let kept: Vec<&str> = lines.iter().enumerate().filter(|(i, _)| *i != at).map(|(_, l)| *l).collect();
    std::fs::write(file, kept.join("\n") + "\n").unwrap();
}

#[track_caller]
fn merge_refuses(merge: &[String], tmp: &Path, file: &str, words: &[&str]) {
    let out = autoclose(&merge.iter().map(String::as_str).collect::<Vec<_>>());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "merge should refuse, not panic or succeed: {err}");
    assert!(err.contains(&format!("s0/{file}")), "the error should name the shard's file: {err}");
    for w in words {
        assert!(err.contains(w), "missing `{w}` in: {err}");
    }
    assert!(!tmp.join("m").exists(), "a refused merge should write nothing");
}

#[test]
fn merge_refuses_a_summary_with_a_missing_row() {
    let tmp = tempfile::tempdir().unwrap();
    let (s0, merge) = two_shards(tmp.path());
    // A `value` row of one channel in replication 1 of the first configuration.
    drop_line(&s0.join("summary.csv"), |l| l.contains(",1,value,channel,"));
    merge_refuses(&merge, tmp.path(), "summary.csv", &["configuration `interval=5m,waiting=30m`", "incomplete"]);
}

#[test]
fn merge_refuses_a_summary_with_a_missing_aggregate_row() {
    let tmp = tempfile::tempdir().unwrap();
    let (s0, merge) = two_shards(tmp.path());
    drop_line(&s0.join("summary.csv"), |l| l.contains(",,ci95_high,state,"));
    merge_refuses(&merge, tmp.path(), "summary.csv", &["ci95_high", "incomplete"]);
}

#[test]
fn merge_refuses_a_cut_timeseries_or_sweeps_file() {
    for file in ["timeseries.csv", "sweeps.csv"] {
        let tmp = tempfile::tempdir().unwrap();
        let (s0, merge) = two_shards(tmp.path());
        // One row of replication 1 of the first configuration (its label is quoted).
        drop_line(&s0.join(file), |l| l.contains("\",1,"));
        merge_refuses(&merge, tmp.path(), file, &["replication", "incomplete"]);
    }
    // The last row of the file: the last replication of the last configuration is short.
    let tmp = tempfile::tempdir().unwrap();
    let (s0, merge) = two_shards(tmp.path());
    let p = s0.join("timeseries.csv");
    let text = String::from_utf8(read(p.clone())).unwrap();
    let cut: Vec<&str> = text.lines().collect();
    std::fs::write(&p, cut[..cut.len() - 1].join("\n") + "\n").unwrap();
    merge_refuses(&merge, tmp.path(), "timeseries.csv", &["replication 2 wrote"]);
}

#[test]
fn a_reworded_vary_key_is_still_the_same_key() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x");
    let out = out.to_str().unwrap();
    let base = ["sweep", SCENARIO, "--set", "scenario.horizon=1d", "--quiet", "--out", out];
    let args = |extra: &[&str]| -> Vec<String> { base.iter().chain(extra).map(|s| s.to_string()).collect() };
    let fails = |extra: &[&str]| fails(&args(extra).iter().map(String::as_str).collect::<Vec<_>>());
    for key in ["scenario.\"replications\"", "scenario. replications", " scenario.replications"] {
        let err = fails(&["--vary", &format!("{key}=2,3")]);
        assert!(err.contains("--vary scenario.replications"), "{key}: {err}");
    }
    let err = fails(&["--vary", "scenario.seed=1,2", "--vary", "scenario={ replications = 2 }"]);
    assert!(err.contains("one key holds the other"), "{err}");
    let err = fails(&["--vary", "scenario={ replications = 2 }"]);
    assert!(err.contains("--vary scenario.replications (or the whole `scenario` table)"), "{err}");
    let err = fails(&["--vary", "scenario.\"seed\"=1,2", "--seed", "3"]);
    assert!(err.contains("--vary scenario.seed also appears as --seed"), "{err}");
    let err = fails(&["--vary", "scenario.seed=1,2", "--set", "scenario.\"seed\"=3"]);
    assert!(err.contains("also appears as --set"), "{err}");
    let err = fails(&["--vary", &format!("{INTERVAL}=5m,1h"), "--vary", "policy.schedulers.\"main\".interval=2h"]);
    assert!(err.contains("is given twice"), "{err}");
    // An unknown key, however it is quoted, lists the closest valid keys.
    let err = fails(&["--vary", "policy.schedulers.\"main\".intervl=5m,1h"]);
    assert!(err.contains("unknown key") && err.contains(INTERVAL), "{err}");
    // A quoted key that is valid runs, labelled by its last segment.
    let quoted = args(&["--replications", "2", "--vary", "policy.\"schedulers\".main.interval=5m,1h"]);
    ok(&quoted.iter().map(String::as_str).collect::<Vec<_>>());
    let grid = String::from_utf8(read(Path::new(out).join("grid.csv"))).unwrap();
    assert!(grid.starts_with(&format!("config_index,config,{INTERVAL}_s\n0,interval=5m,300\n")), "{grid}");
}

#[test]
fn configurations_with_the_same_label_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x");
    // (description='x,name=y', name=z) and (description='x, name=y',name=z) would both be
    // labelled description='x,name=y',name=z.
    let err = fails(&[
        "sweep",
        SCENARIO,
        "--vary",
        "scenario.description='x,name=y','x",
        "--vary",
        "scenario.name=z,y',name=z",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(err.contains("would both be labelled"), "{err}");
    assert!(!out.exists());
}

#[test]
fn a_value_with_two_dots_is_a_value_unless_it_is_a_range() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x");
    ok(&[
        "sweep",
        SCENARIO,
        "--vary",
        "scenario.description=../x.csv,a..b",
        "--set",
        "scenario.horizon=2h",
        "--set",
        "scenario.warmup=0s",
        "--replications",
        "2",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    let grid = String::from_utf8(read(out.join("grid.csv"))).unwrap();
    assert!(grid.contains("0,description=../x.csv,../x.csv\n1,description=a..b,a..b\n"), "{grid}");
}

/// Changes the last character of the first data line of `file` that `pick` selects, a digit,
/// into another digit: the file keeps its shape, only a value changes.
fn edit_one_digit(file: &Path, pick: impl Fn(&str) -> bool) {
    let text = String::from_utf8(read(file.to_path_buf())).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let at = lines.iter().skip(1).position(|l| pick(l)).expect("a line to edit") + 1;
    let last = lines[at].pop().expect("a non-empty line");
    let digit = last.to_digit(10).unwrap_or_else(|| panic!("line {at} of {} ends with {last:?}", file.display()));
    lines[at].push(char::from_digit((digit + 1) % 10, 10).expect("a digit"));
    std::fs::write(file, lines.join("\n") + "\n").unwrap();
}

#[test]
fn merge_refuses_a_shard_whose_values_were_edited() {
    type Pick = fn(&str) -> bool;
    let cases: [(&str, Pick); 4] = [
        ("summary.csv", |l| l.contains(",1,value,overall,")),
        ("summary.csv", |l| l.contains(",,mean,overall,")),
        ("sweeps.csv", |l| l.contains("\",1,")),
        ("timeseries.csv", |l| l.contains("\",1,")),
    ];
    for (file, pick) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let (s0, merge) = two_shards(tmp.path());
        edit_one_digit(&s0.join(file), pick);
        let shard = format!("the shard folder {} was edited or damaged", s0.display());
        merge_refuses(&merge, tmp.path(), file, &["changed since the shard was written", &shard, "--shard 0/2"]);
    }
}

#[test]
fn merge_refuses_a_shard_without_the_checksum_of_a_file() {
    let tmp = tempfile::tempdir().unwrap();
    let (s0, merge) = two_shards(tmp.path());
    let p = s0.join("shard.toml");
    let text = String::from_utf8(read(p.clone())).unwrap();
    let kept: Vec<&str> = text.lines().filter(|l| !l.starts_with("\"sweeps.csv\" = ")).collect();
    assert_eq!(kept.len() + 1, text.lines().count(), "{text}");
    std::fs::write(&p, kept.join("\n") + "\n").unwrap();
    merge_refuses(&merge, tmp.path(), "shard.toml", &["[sha256] has no checksum of sweeps.csv"]);
}

#[test]
fn the_manifest_rerun_command_rewrites_the_same_sweep_and_merge_writes_the_same_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("the sweep");
    let extra =
        ["--seed", "5", "--baseline", "interval=1h,waiting=2h", "--set", "scenario.description=a sweep, with spaces"];
    run_grid(&out, &extra);
    let manifest =
        |dir: &Path| -> toml::Table { String::from_utf8(read(dir.join("manifest.toml"))).unwrap().parse().unwrap() };
    let rerun = manifest(&out)["rerun"].as_str().unwrap().to_string();
    assert_eq!(
        rerun,
        format!(
            "autoclose sweep {SCENARIO} --vary {INTERVAL}=5m,1h --vary {WAITING}=30m,2h,1d --set scenario.horizon=1d --set 'scenario.description=a sweep, with spaces' --seed 5 --replications 3 --baseline interval=1h,waiting=2h --out '{}'",
            out.display()
        )
    );
    let first = tmp.path().join("first");
    std::fs::rename(&out, &first).unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_autoclose")).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let again = Command::new("sh").arg("-c").arg(format!("{rerun} --quiet")).env("PATH", path).output().unwrap();
    assert!(again.status.success(), "{rerun}: {}", String::from_utf8_lossy(&again.stderr));
    assert_same_csvs(&first, &out);
    assert_eq!(read(first.join("manifest.toml")), read(out.join("manifest.toml")));
    // Shards of the same grid merged into the same folder write the very same manifest.
    std::fs::remove_dir_all(&out).unwrap();
    let mut merge = vec!["merge".to_string(), "--quiet".into(), "--out".into(), out.display().to_string()];
    for i in 0..2 {
        let d = tmp.path().join(format!("s{i}"));
        let mut shard = extra.to_vec();
        let spec = format!("{i}/2");
        shard.extend(["--shard", &spec]);
        run_grid(&d, &shard);
        merge.push(d.display().to_string());
    }
    ok(&merge.iter().map(String::as_str).collect::<Vec<_>>());
    assert_same_csvs(&first, &out);
    assert_eq!(read(first.join("manifest.toml")), read(out.join("manifest.toml")));
    let m = manifest(&out);
    let files: Vec<&str> = m["files"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let data =
        ["comparison.csv", "grid.csv", "manifest.toml", "scenario.toml", "summary.csv", "sweeps.csv", "timeseries.csv"];
    let charts = ["closure_latency", "states_over_time", "sweep_load", "tradeoff", "zombie_capacity_queue_wait"];
    let mut expected: Vec<String> = data.iter().map(|f| f.to_string()).collect();
    expected.extend(charts.iter().flat_map(|c| [format!("{c}.png"), format!("{c}.svg")]));
    expected.push("report.html".into());
    expected.sort();
    assert_eq!(files, expected);
    // The merged folder's charts and report are the single run's, byte for byte.
    for f in &files {
        assert!(read(first.join(f)) == read(out.join(f)), "{f} differs between the sweep and the merge");
    }
}

#[test]
fn merge_refuses_rows_of_a_configuration_that_come_again_later() {
    let tmp = tempfile::tempdir().unwrap();
    let (s0, merge) = two_shards(tmp.path());
    // A copy of the first row (configuration 0) after the rows of configurations 2 and 4.
    let p = s0.join("sweeps.csv");
    let text = String::from_utf8(read(p.clone())).unwrap();
    let first_row = text.lines().nth(1).expect("a first row").to_string();
    assert!(first_row.contains("\"interval=5m,waiting=30m\""), "{first_row}");
    let line = text.lines().count() + 1;
    std::fs::write(&p, format!("{text}{first_row}\n")).unwrap();
    let said = format!(
        "line {line}: rows of configuration `interval=5m,waiting=30m` come again after those of a later configuration"
    );
    merge_refuses(&merge, tmp.path(), "sweeps.csv", &[&said, "incomplete or was edited"]);
}

#[test]
fn a_shard_file_edited_after_the_checks_is_refused_while_it_is_copied() {
    let tmp = tempfile::tempdir().unwrap();
    let (s0, merge) = two_shards(tmp.path());
    let dirs: Vec<PathBuf> = merge[3..].iter().map(PathBuf::from).collect();
    assert_eq!(dirs, [s0.clone(), tmp.path().join("s1")]);
    let m = autoclose::grid::merge(&dirs).expect("the shards should merge");
    edit_one_digit(&s0.join("timeseries.csv"), |l| l.contains("\",1,"));
    let err = m.write_rows(autoclose::grid::RowsFile::Timeseries, Vec::new()).expect_err("an edited file").to_string();
    assert!(
        err.starts_with(&format!("{}: changed since the shard was written", s0.join("timeseries.csv").display())),
        "{err}"
    );
    // The other files did not change: they are still written.
    let summary = m.write_rows(autoclose::grid::RowsFile::Summary, Vec::new()).expect("summary.csv is unchanged");
    assert!(summary.starts_with(b"scenario,config,replication,stat,"), "{}", String::from_utf8_lossy(&summary[..40]));
}
