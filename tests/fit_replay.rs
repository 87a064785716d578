//! `replay = "file.csv"`: an arrival stream that reads its instants from a file.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_autoclose");

fn autoclose(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("the binary should start")
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fit/replay").join(name).display().to_string()
}

#[test]
fn a_replayed_stream_creates_exactly_the_files_arrivals_in_every_replication() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("run");
    let o = autoclose(&[
        "run",
        &fixture("day.toml"),
        "--conversations",
        "--no-charts",
        "--quiet",
        "--out",
        &out.display().to_string(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut r = csv::Reader::from_path(out.join("conversations.csv")).expect("conversations.csv");
    let mut rows: Vec<(String, String)> =
        r.records().map(|x| x.expect("a row")).map(|x| (x[0].to_string(), x[2].to_string())).collect();
    rows.sort();
    let day = [
        "2026-01-05T08:30:00.000Z",
        "2026-01-05T09:00:00.000Z",
        "2026-01-05T09:00:00.000Z",
        "2026-01-05T17:45:30.250Z",
    ];
    let want: Vec<(String, String)> =
        ["0", "1"].iter().flat_map(|r| day.iter().map(move |t| (r.to_string(), t.to_string()))).collect();
    // Sorted, the same instant twice kept, the one at the horizon left out.
    assert_eq!(rows, want);
}

#[test]
fn a_bad_replay_file_is_reported_at_its_line_and_column() {
    let o = autoclose(&["validate", &fixture("bad_time.toml")]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    let csv = fixture("bad_arrivals.csv");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines,
        [
            format!("{csv}:3:2: time: expected an ISO 8601 timestamp such as 2026-01-05T13:00:00.000Z, got \"09:30 yesterday\"").as_str(),
            format!("{csv}:4:2: time: 2026-01-04T23:00:00Z is before the scenario's start_date 2026-01-05: set start_date to the replayed day, or drop the row").as_str(),
            format!("{}:20:17: arrivals.0.rate_per_hour: a replayed stream takes its arrivals from its `replay` file: remove this key, or `replay`", fixture("bad_time.toml")).as_str(),
            format!("{}: 3 problem(s)", fixture("bad_time.toml")).as_str(),
        ]
    );
}
