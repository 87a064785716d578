//! End-to-end tests of the `autoclose` binary: `run` and `validate`, the results folder
//! (`--force`, the rerun command, clean-up after a signal and after dead processes).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

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

/// Splits a POSIX shell command line into words: bare words, '...' and "..." (with `\`
/// escapes), enough for the rerun commands the manifest writes.
fn shell_words(line: &str) -> Vec<String> {
    let (mut words, mut word, mut in_word) = (Vec::new(), String::new(), false);
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' if !in_word => {}
            ' ' => {
                words.push(std::mem::take(&mut word));
                in_word = false;
            }
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    word.push(q);
                }
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => word.extend(chars.next()),
                        q => word.push(q),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.extend(chars.next());
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

#[test]
fn the_test_shell_splitter_reads_posix_quotes() {
    assert_eq!(shell_words(r#"a 'b c' d'e'"f g" 'it'\''s' ''"#), ["a", "b c", "def g", "it's", ""]);
}

fn manifest(dir: &Path) -> toml::Table {
    String::from_utf8(read(dir, "manifest.toml")).unwrap().parse().unwrap()
}

/// Runs the manifest's rerun command through `sh -c`, with the binary first on the PATH.
fn rerun_through_the_shell(rerun: &str) -> Output {
    let bin_dir = Path::new(BIN).parent().expect("the binary lies in a folder");
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    Command::new("sh").arg("-c").arg(format!("{rerun} --quiet")).env("PATH", path).output().expect("sh should start")
}

#[test]
fn the_manifest_rerun_command_rewrites_the_same_folder_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("a folder with spaces");
    let table = r#"behaviour.exchanges={dist = "uniform", min = 1, max = 3}"#;
    let args = [
        "run",
        "scenarios/quickstart.toml",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--conversations",
        "--seed",
        "11",
        "--replications",
        "3",
        "--threads",
        "2",
        "--set",
        "scenario.horizon=1d",
        "--set",
        table,
        "--set",
        "scenario.description=it's a run with spaces",
    ];
    let o = autoclose(&args, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rerun = manifest(&out)["rerun"].as_str().unwrap().to_string();
    let expected = format!(
        "autoclose run scenarios/quickstart.toml --out '{}' --seed 11 --replications 3 --set scenario.horizon=1d --set '{table}' --set 'scenario.description=it'\\''s a run with spaces' --conversations",
        out.display()
    );
    assert_eq!(rerun, expected);
    // The words are exactly the arguments that decide the results (not --quiet, --threads).
    let words = shell_words(&rerun);
    let decisive: Vec<&str> = args.iter().copied().filter(|a| !["--quiet", "--threads", "2"].contains(a)).collect();
    let mut sorted_words: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    let mut sorted_args = decisive.clone();
    sorted_words.sort();
    sorted_args.sort();
    assert_eq!(sorted_words, sorted_args);

    let first = tmp.path().join("first");
    fs::rename(&out, &first).unwrap();
    let again = rerun_through_the_shell(&rerun);
    assert!(again.status.success(), "{rerun}: {}", String::from_utf8_lossy(&again.stderr));
    for f in CSVS.iter().chain(&["scenario.toml", "manifest.toml"]) {
        assert!(read(&first, f) == read(&out, f), "{f} differs after rerunning {rerun}");
    }
    let files =
        manifest(&out)["files"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(
        files,
        [
            "closure_latency.png",
            "closure_latency.svg",
            "conversations.csv",
            "manifest.toml",
            "report.html",
            "scenario.toml",
            "states_over_time.png",
            "states_over_time.svg",
            "summary.csv",
            "sweep_load.png",
            "sweep_load.svg",
            "sweeps.csv",
            "timeseries.csv",
            "tradeoff.png",
            "tradeoff.svg"
        ]
    );
    // The charts and the report are the same bytes too.
    for f in &files {
        assert!(read(&first, f) == read(&out, f), "{f} differs after rerunning {rerun}");
    }
}

/// A short run into `out` with `--force`.
fn forced_run(out: &Path) -> Output {
    short_run(out, &["--force"], &[])
}

#[test]
fn force_refuses_a_folder_that_is_not_a_results_folder_and_leaves_it_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir_all(src.join("module")).unwrap();
    fs::write(src.join("main.rs"), "fn main() {}").unwrap();
    fs::write(src.join("lib.rs"), "").unwrap();
    // A manifest of another program does not make it a results folder.
    fs::write(src.join("manifest.toml"), "program = \"other\"\n").unwrap();
    let o = forced_run(&src);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        err.trim_end(),
        format!(
            "Error: {} is a folder of 4 entries (lib.rs, main.rs, manifest.toml, ...), not an autoclose results folder (one with a manifest.toml or shard.toml saying program = \"autoclose\"), so --force will not replace it: choose another --out, or remove it yourself",
            src.display()
        )
    );
    assert_eq!(fs::read(src.join("main.rs")).unwrap(), b"fn main() {}");
    assert!(src.join("module").is_dir());
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1, "nothing written beside it");
}

#[test]
fn force_never_replaces_a_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("notes.txt");
    fs::write(&file, "keep me").unwrap();
    let o = forced_run(&file);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("{} is a file (7 bytes), not an autoclose results folder", file.display()))
            && err.contains("choose another --out, or remove it yourself"),
        "{err}"
    );
    assert_eq!(fs::read(&file).unwrap(), b"keep me");
    // Without --force it is refused as any existing path is.
    let o = short_run(&file, &[], &[]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists: pass --force"));
}

#[test]
fn force_replaces_a_results_folder_and_an_empty_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let results = tmp.path().join("results");
    assert!(short_run(&results, &[], &[]).status.success());
    // A file left there by hand is the user's: the folder is not replaced while it is there.
    fs::write(results.join("extra.txt"), "left by hand").unwrap();
    assert_eq!(forced_run(&results).status.code(), Some(1));
    assert!(results.join("extra.txt").exists());
    fs::remove_file(results.join("extra.txt")).unwrap();
    let o = forced_run(&results);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(results.join("summary.csv").is_file());
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    assert!(!short_run(&empty, &[], &[]).status.success(), "an empty folder still needs --force");
    assert!(forced_run(&empty).status.success());
    assert!(empty.join("manifest.toml").is_file());
    let mut left: Vec<_> = fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    left.sort();
    assert_eq!(left, ["empty", "results"]);
}

/// The temporary folder process `pid` writes for `target`.
fn tmp_of(target: &Path, pid: u32) -> PathBuf {
    target.with_file_name(format!(".{}.tmp-{pid}", target.file_name().unwrap().to_string_lossy()))
}

/// Waits up to `limit` for `child` to exit; kills it and fails if it does not.
fn wait_for(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("the run did not exit within {limit:?} of the signal");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(unix)]
#[test]
fn a_signal_removes_the_temporary_folder_and_exits_with_128_plus_its_number() {
    for (signal, code) in [("TERM", 143), ("INT", 130)] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("big");
        // About a minute of simulation: far longer than the test waits.
        let mut child = Command::new(BIN)
            .args(["run", "scenarios/bench_large.toml", "--quiet", "--threads", "1", "--conversations"])
            .args(["--set", "scenario.horizon=400d", "--out", out.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let folder = tmp_of(&out, child.id());
        let start = Instant::now();
        while !folder.is_dir() {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the run ended before its folder appeared: {status}");
            }
            assert!(start.elapsed() < Duration::from_secs(60), "no {} after 60 s", folder.display());
            std::thread::sleep(Duration::from_millis(10));
        }
        // Let it write some conversations into the folder first.
        std::thread::sleep(Duration::from_millis(300));
        let kill = Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().unwrap();
        assert!(kill.success());
        let status = wait_for(&mut child, Duration::from_secs(20));
        assert_eq!(status.code(), Some(code), "SIG{signal}");
        assert!(!folder.exists(), "SIG{signal} left {}", folder.display());
        assert!(!out.exists());
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0, "SIG{signal} left something behind");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn the_next_run_removes_folders_that_dead_processes_left() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x");
    // A process id that is surely dead: a child that has exited and been waited for.
    let mut gone = Command::new("true").spawn().unwrap();
    let dead = gone.id();
    gone.wait().unwrap();
    let alive = std::process::id();
    let make = |name: String| {
        let d = tmp.path().join(name);
        fs::create_dir_all(&d).unwrap();
        fs::write(d.join("summary.csv"), "half written").unwrap();
        d
    };
    let dead_tmp = make(format!(".x.tmp-{dead}"));
    let alive_tmp = make(format!(".x.tmp-{alive}"));
    let dead_old = make(format!(".x.old-{dead}"));
    let other_target = make(format!(".y.tmp-{dead}"));
    assert!(short_run(&out, &[], &[]).status.success());
    assert!(!dead_tmp.exists(), "a dead process's temporary folder is removed");
    assert!(alive_tmp.exists(), "a live process may still be writing its folder");
    assert!(dead_old.exists(), "while x did not exist, a folder set aside may be the only copy");
    assert!(other_target.exists(), "only folders of the target are looked at");
    assert!(forced_run(&out).status.success());
    assert!(!dead_old.exists(), "once x exists, a dead process's folder set aside is litter");
    assert!(alive_tmp.exists() && other_target.exists());
}

#[test]
fn force_keeps_a_results_folder_where_the_user_put_files_of_their_own() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("res");
    assert!(short_run(&out, &["--no-charts"], &[]).status.success());
    // `plot` adds charts the manifest of a --no-charts run does not list: still replaceable.
    assert!(autoclose(&["plot", out.to_str().unwrap(), "-q"], &[]).status.success());
    assert!(forced_run(&out).status.success(), "a folder holding only what autoclose wrote is replaced");
    fs::write(out.join("notes.txt"), "mine").unwrap();
    let o = forced_run(&out);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("holds 1 entry that autoclose did not write there (notes.txt)"), "{err}");
    assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
}

#[test]
fn the_seed_replications_and_threads_flags_are_bounded_and_named_in_their_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("res");
    let err = |extra: &[&str]| {
        let mut args = vec!["run", "scenarios/quickstart.toml", "--out", out.to_str().unwrap(), "-q"];
        args.extend_from_slice(extra);
        let o = autoclose(&args, &[]);
        assert_eq!(o.status.code(), Some(1), "{extra:?}");
        assert!(!out.exists(), "{extra:?} wrote a folder");
        String::from_utf8_lossy(&o.stderr).trim_end().to_string()
    };
    assert_eq!(err(&["--replications", "0"]), "Error: --replications must be from 1 to 10000, got 0");
    assert_eq!(
        err(&["--seed", "9223372036854775808"]),
        "Error: --seed must be a whole number from 0 to 9223372036854775807 (a TOML integer), got 9223372036854775808"
    );
    assert_eq!(
        err(&["--replications", "4", "--set", "scenario.replications=3"]),
        "Error: --replications 4 and --set scenario.replications=3 both set scenario.replications: give one of them"
    );
    assert!(err(&["--threads", "100000"]).starts_with("Error: --threads must be from 1 to 1024, got 100000"));
    // In another spelling, or through the whole table, it is the same key.
    for set in ["scenario.\"seed\"=7", "scenario . seed=7", "scenario={seed=7}"] {
        let e = err(&["--seed", "5", "--set", set]);
        assert!(e.starts_with(&format!("Error: --seed 5 and --set {set} both set")), "{e}");
    }
}

#[cfg(unix)]
#[test]
fn a_device_is_refused_as_a_scenario_or_a_data_file() {
    let o = autoclose(&["validate", "/dev/zero"], &[]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stdout) + String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("/dev/zero is not a plain file (a device or a pipe)"), "{err}");
    let tmp = tempfile::tempdir().unwrap();
    let scenario = fs::read_to_string("scenarios/quickstart.toml").unwrap();
    let replay = scenario.replacen("[[arrivals]]\n", "[[arrivals]]\nreplay = \"/dev/zero\"\n", 1);
    assert_ne!(replay, scenario);
    let path = tmp.path().join("replay.toml");
    fs::write(&path, replay).unwrap();
    let o = autoclose(&["validate", path.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stdout) + String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("cannot read /dev/zero: /dev/zero is not a plain file"), "{err}");
}

#[cfg(target_os = "linux")]
#[test]
fn an_out_whose_folder_cannot_be_written_names_the_out_given() {
    // /proc takes no new folder, even for root.
    let o = autoclose(&["run", "scenarios/quickstart.toml", "--out", "/proc/x", "-q"], &[]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("Error: --out /proc/x: cannot create the temporary folder /proc/.x.tmp-")
            && err.contains("the folder that holds --out must be writable"),
        "{err}"
    );
    let o = autoclose(&["run", "scenarios/quickstart.toml", "--out", "/proc/a/b", "-q"], &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.starts_with("Error: --out /proc/a/b: cannot create its folder /proc/a ("), "{err}");
}
