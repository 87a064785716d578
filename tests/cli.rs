//! End-to-end tests of the `autoclose` binary: `run` and `validate`.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_autoclose");
const CSVS: [&str; 4] = ["summary.csv", "timeseries.csv", "sweeps.csv", "conversations.csv"];

fn autoclose(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(BIN);
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("the binary should start")
}

fn short_run(out: &Path, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut args = vec![
        "run",
        "scenarios/quickstart.toml",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--conversations",
        "--set",
        "scenario.horizon=1d",
        "--set",
        "scenario.warmup=2h",
        "--replications",
        "4",
    ];
    args.extend_from_slice(extra);
    autoclose(&args, env)
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
}

#[test]
fn same_seed_gives_byte_identical_csv_whatever_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let one = tmp.path().join("one");
    let two = tmp.path().join("two");
    let flag = tmp.path().join("flag");
    assert!(short_run(&one, &[], &[("RAYON_NUM_THREADS", "1")]).status.success());
    assert!(short_run(&two, &[], &[("RAYON_NUM_THREADS", "2")]).status.success());
    assert!(short_run(&flag, &["--threads", "3"], &[]).status.success());
    for f in CSVS {
        assert_eq!(read(&one, f), read(&two, f), "{f} differs between 1 and 2 threads");
        assert_eq!(read(&one, f), read(&flag, f), "{f} differs between 1 and 3 threads");
    }
    // A different seed gives different customers.
    let other = tmp.path().join("other");
    assert!(short_run(&other, &["--seed", "7"], &[]).status.success());
    assert_ne!(read(&one, "conversations.csv"), read(&other, "conversations.csv"));
}

#[test]
fn results_folder_is_complete_and_not_overwritten_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r");
    assert!(short_run(&out, &[], &[]).status.success());
    for f in CSVS.iter().chain(&["manifest.toml", "scenario.toml"]) {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let manifest = String::from_utf8(read(&out, "manifest.toml")).unwrap();
    assert!(manifest.contains("seed = 42") && manifest.contains("scenario.horizon=1d"), "{manifest}");
    let scenario = String::from_utf8(read(&out, "scenario.toml")).unwrap();
    assert!(scenario.contains("horizon = \"1d\""), "the scenario as run carries the overrides");
    // No temporary folders are left beside it.
    let leftovers: Vec<_> = fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");

    let again = short_run(&out, &["--seed", "9"], &[]);
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("already exists") && err.contains("--force"), "{err}");
    assert!(manifest_seed(&out) == 42, "the old result is untouched");
    assert!(short_run(&out, &["--seed", "9", "--force"], &[]).status.success());
    assert_eq!(manifest_seed(&out), 9);
}

fn manifest_seed(dir: &Path) -> u64 {
    let m: toml::Table = String::from_utf8(read(dir, "manifest.toml")).unwrap().parse().unwrap();
    m["seed"].as_integer().unwrap() as u64
}

#[test]
fn csv_columns_carry_units_and_summary_has_replications_and_intervals() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r");
    assert!(short_run(&out, &[], &[]).status.success());
    let summary = String::from_utf8(read(&out, "summary.csv")).unwrap();
    let header = summary.lines().next().unwrap();
    for col in
        ["latency_p99_s", "zombie_capacity_hours", "zombie_capacity_agents", "queue_wait_mean_s", "service_level_share"]
    {
        assert!(header.split(',').any(|c| c == col), "{col} missing from {header}");
    }
    let overall_values = summary.lines().filter(|l| l.contains(",value,overall,all,")).count();
    assert_eq!(overall_values, 4, "one overall row per replication");
    for stat in ["mean", "ci95_low", "ci95_high"] {
        assert!(summary.lines().any(|l| l.contains(&format!(",,{stat},overall,all,"))), "{stat} row missing");
    }
    let conv = String::from_utf8(read(&out, "conversations.csv")).unwrap();
    assert!(conv.starts_with("replication,msdyn_liveconversationid,msdyn_createdon,"));
    assert_eq!(conv.lines().filter(|l| l.starts_with("replication,")).count(), 1, "one header");
}

#[test]
fn set_overrides_reach_the_simulation() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r");
    let o = short_run(&out, &["--set", "policy.schedulers.main.interval=5m"], &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let sweeps = String::from_utf8(read(&out, "sweeps.csv")).unwrap();
    // 24 h of 5-minute runs: 288 per replication.
    assert_eq!(sweeps.lines().filter(|l| l.contains(",main,")).count(), 4 * 288);
}

#[test]
fn a_bad_scenario_is_refused_with_its_position_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r");
    let o = short_run(&out, &["--set", "skills.billing.wrap_up=90m"], &[]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("skills.billing.wrap_up") && err.contains("90m"), "{err}");
    assert!(!out.exists());
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0, "nothing half-written");
}

#[test]
fn validate_reports_every_problem_and_exits_non_zero() {
    let ok = autoclose(&["validate", "scenarios/quickstart.toml"], &[]);
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("ok: scenarios/quickstart.toml"));
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.toml");
    fs::write(&bad, "[scenario]\nname = \"x\"\nhorizon = \"2d\"\nwarmup = \"3d\"\n\n[channels.web]\nkind = \"chat\"\n")
        .unwrap();
    let o = autoclose(&["validate", bad.to_str().unwrap()], &[]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    let file = bad.display().to_string();
    assert!(err.contains(&format!("{file}:4:10: scenario.warmup")), "{err}");
    assert!(err.contains(&format!("{file}:7:8: channels.web.kind")), "{err}");
    assert!(err.lines().count() >= 4, "every problem is reported: {err}");
}

#[test]
fn validate_names_a_check_file_for_what_it_is() {
    let o = autoclose(
        &["validate", "scenarios/validation/erlang_c_85.check.toml", "scenarios/validation/erlang_c_85.toml"],
        &[],
    );
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("a `check` file (checks for scenarios/validation/erlang_c_85.toml), not a scenario"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line, not every missing key: {err}");
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("ok: scenarios/validation/erlang_c_85.toml"));
}

#[test]
fn help_lists_the_commands() {
    let o = autoclose(&["--help"], &[]);
    let text = String::from_utf8_lossy(&o.stdout);
    for cmd in ["run", "validate", "sweep", "merge", "check"] {
        assert!(text.contains(cmd), "{cmd} missing from --help");
    }
}
