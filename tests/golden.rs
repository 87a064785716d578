//! Golden results: the byte-exact outputs of three small bundled scenarios with fixed seeds.
//!
//! Any change to what the engine computes (or to the order of its random draws) shows here
//! first. When a change of the results is intended, regenerate the files with one command and
//! say why in the commit:
//!
//! ```text
//! AUTOCLOSE_BLESS=1 cargo test --release --test golden
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;

/// The compared outputs of one run.
const FILES: [&str; 3] = ["summary.csv", "sweeps.csv", "timeseries.csv"];

/// (golden folder, scenario file, seed): two days, two replications each.
const CASES: [(&str, &str, u64); 3] = [
    ("quickstart", "scenarios/quickstart.toml", 42),
    ("liveperson", "scenarios/liveperson.toml", 2019),
    ("dynamics", "scenarios/dynamics.toml", 2019),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the built binary on a case and returns its results folder.
fn run_case(scenario: &str, seed: u64, out: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_autoclose"))
        .current_dir(root())
        .args(["run", scenario, "--quiet", "--no-charts", "--threads", "2", "--replications", "2"])
        .args(["--seed", &seed.to_string(), "--set", "scenario.horizon=2d", "--out"])
        .arg(out)
        .status()
        .expect("the autoclose binary should start");
    assert!(status.success(), "autoclose run {scenario} failed: {status}");
}

/// The first line where `got` and `want` differ (1-based), with both lines.
fn first_difference(got: &str, want: &str) -> Option<(usize, String, String)> {
    let (mut g, mut w) = (got.lines(), want.lines());
    for n in 1.. {
        match (g.next(), w.next()) {
            (None, None) => return None,
            (a, b) if a == b => continue,
            (a, b) => {
                let show = |l: Option<&str>| l.map_or("<end of file>".to_string(), str::to_string);
                return Some((n, show(a), show(b)));
            }
        }
    }
    unreachable!("the loop returns at the end of both files")
}

#[test]
fn outputs_match_the_golden_files_byte_for_byte() {
    let bless = std::env::var_os("AUTOCLOSE_BLESS").is_some();
    let tmp = tempfile::tempdir().expect("a temporary folder should be creatable");
    let mut failures = Vec::new();
    for (name, scenario, seed) in CASES {
        let out = tmp.path().join(name);
        run_case(scenario, seed, &out);
        let golden = root().join("tests/golden").join(name);
        for file in FILES {
            let got = std::fs::read_to_string(out.join(file)).expect("the run should write its file");
            let path = golden.join(file);
            if bless {
                std::fs::create_dir_all(&golden).expect("the golden folder should be creatable");
                std::fs::write(&path, &got).expect("the golden file should be writable");
                continue;
            }
            let want = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}; bless with AUTOCLOSE_BLESS=1", path.display()));
            if got != want {
                let (n, g, w) = first_difference(&got, &want).unwrap_or((0, "<bytes>".into(), "<bytes>".into()));
                failures.push(format!("{name}/{file} line {n}:\n  got:  {g}\n  want: {w}"));
            }
        }
    }
    assert!(failures.is_empty(), "outputs differ from tests/golden:\n{}", failures.join("\n"));
}

#[test]
fn first_difference_names_the_line() {
    assert_eq!(first_difference("a\nb\n", "a\nb\n"), None);
    assert_eq!(first_difference("a\nb\nc", "a\nx\nc"), Some((2, "b".into(), "x".into())));
    assert_eq!(first_difference("a\n", "a\nb\n"), Some((2, "<end of file>".into(), "b".into())));
}
