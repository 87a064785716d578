//! `autoclose fit`: exact answers on a hand-written export, clear errors on broken ones, and
//! the round trip (simulate, export, fit, simulate again: the same figures within intervals).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_autoclose");

fn autoclose(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("the binary should start")
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fit").join(name).display().to_string()
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn table(path: &Path) -> toml::Table {
    std::fs::read_to_string(path).expect("the scenario should exist").parse().expect("the scenario should be TOML")
}

fn get<'a>(t: &'a toml::Table, path: &str) -> &'a toml::Value {
    let mut parts = path.split('.');
    let mut v = t.get(parts.next().expect("a key")).unwrap_or_else(|| panic!("no {path}"));
    for p in parts {
        v = match p.parse::<usize>() {
            Ok(i) => &v.as_array().expect("an array")[i],
            Err(_) => v.get(p).unwrap_or_else(|| panic!("no {path}")),
        };
    }
    v
}

fn inline(text: &str) -> toml::Value {
    let t: toml::Table = format!("v = {text}").parse().expect("a TOML value");
    t["v"].clone()
}

#[test]
fn a_hand_written_export_gives_its_known_answers() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("hand.toml");
    let o = autoclose(&[
        "fit",
        &fixture("conversations.csv"),
        "--messages",
        &fixture("messages.csv"),
        "--out",
        &out.display().to_string(),
    ]);
    ok(&o);
    let t = table(&out);
    assert_eq!(get(&t, "scenario.start_date").as_str(), Some("2026-01-05"));
    assert_eq!(get(&t, "scenario.horizon").as_str(), Some("1d"));
    assert_eq!(get(&t, "channels.livechat.kind").as_str(), Some("live_chat"));
    assert_eq!(get(&t, "channels.livechat.msdyn_channel").as_integer(), Some(192360000));
    assert_eq!(get(&t, "channels.whatsapp.kind").as_str(), Some("messaging"));
    // Staffing placeholder: two conversations assigned at once at most (14:00-18:00, 15:00).
    assert_eq!(get(&t, "agents.observed.count").as_integer(), Some(2));
    // Four live-chat arrivals at 09:xx and 10:xx, two WhatsApp ones at 14:00 and 15:00.
    let hours = |i: usize| -> Vec<f64> {
        get(&t, &format!("arrivals.{i}.intraday"))
            .as_array()
            .expect("24")
            .iter()
            .map(|v| v.as_float().expect("a number"))
            .collect()
    };
    assert_eq!(get(&t, "arrivals.0.channel").as_str(), Some("livechat"));
    assert_eq!(get(&t, "arrivals.0.skill").as_str(), Some("billing"));
    assert_eq!(get(&t, "arrivals.0.rate_per_hour").as_float(), Some(0.166667));
    let mut want = vec![0.0; 24];
    (want[9], want[10]) = (12.0, 12.0);
    assert_eq!(hours(0), want);
    assert_eq!(get(&t, "arrivals.1.rate_per_hour").as_float(), Some(0.083333));
    let mut want = vec![0.0; 24];
    (want[14], want[15]) = (12.0, 12.0);
    assert_eq!(hours(1), want);
    let b = |k: &str| get(&t, &format!("behaviour.channels.{k}")).clone();
    // Two abandonments after 2 minutes (the assigned ones censor at 0).
    assert_eq!(b("livechat.patience"), inline("\"2m\""));
    assert_eq!(b("livechat.agent_response"), inline("\"30s\""));
    assert_eq!(b("livechat.customer_response"), inline("\"1m\""));
    assert_eq!(b("livechat.wrap_up"), inline("\"2m\""));
    let half = inline(
        "{ dist = \"mixture\", components = [ { weight = 0.5, dist = \"constant\", value = 1 }, { weight = 0.5, dist = \"constant\", value = 2 } ] }",
    );
    assert_eq!(b("livechat.exchanges"), half);
    assert!(get(&t, "behaviour.channels.livechat").get("disconnect").is_none());
    assert_eq!(b("whatsapp.patience"), inline("\"never\""));
    assert_eq!(b("whatsapp.agent_response"), inline("\"30s\""));
    // Two replies after a minute, one silence auto-closed after 3h58m: a third never answers.
    assert_eq!(
        b("whatsapp.customer_response"),
        inline("{ dist = \"mixture\", components = [ { weight = 0.666667, dist = \"constant\", value = \"1m\" }, { weight = 0.333333, dist = \"never\" } ] }")
    );
    // c5 was cut after 2 agent messages (at least 2), c6 ended after 1.
    assert_eq!(b("whatsapp.exchanges"), half);
    assert_eq!(b("whatsapp.park_probability"), inline("1.0"));
    assert_eq!(b("whatsapp.park_delay"), inline("\"10m\""));
    assert!(t.get("policy").is_none(), "the policy is a commented placeholder");
    let v = autoclose(&["validate", &out.display().to_string()]);
    ok(&v);
    // A second fit to the same file is refused without --force, and leaves it as it was.
    let before = std::fs::read(&out).expect("the scenario");
    let again = autoclose(&["fit", &fixture("conversations.csv"), "--out", &out.display().to_string()]);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&again.stderr).trim(),
        format!("Error: {} exists: add --force to replace it, or choose another --out", out.display())
    );
    assert_eq!(std::fs::read(&out).expect("the scenario"), before);
    // With --force and no message log: the behaviour the log gives is left to the defaults.
    ok(&autoclose(&["fit", &fixture("conversations.csv"), "--out", &out.display().to_string(), "--force", "--quiet"]));
    let t = table(&out);
    assert!(get(&t, "behaviour.channels.whatsapp").get("customer_response").is_none());
    assert_eq!(get(&t, "behaviour.channels.livechat.patience").as_str(), Some("2m"));
    assert_eq!(std::fs::read_dir(dir.path()).expect("the folder").count(), 1, "only the scenario, no temporary folder");
}

fn fit_error(name: &str) -> String {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("broken.toml");
    let o = autoclose(&["fit", &fixture(name), "--out", &out.display().to_string()]);
    assert_eq!(o.status.code(), Some(1), "{name} should be refused");
    assert!(!out.exists(), "nothing should be written for {name}");
    assert_eq!(std::fs::read_dir(dir.path()).expect("the folder").count(), 0, "no temporary file left");
    String::from_utf8_lossy(&o.stderr).trim().to_string()
}

#[test]
fn broken_exports_are_refused_with_the_place_and_the_fix() {
    let f = fixture("missing_column.csv");
    assert_eq!(
        fit_error("missing_column.csv"),
        format!("Error: {f}: no column `msdyn_closedon` (closures: patience, wrap-up); the columns found: msdyn_liveconversationid, msdyn_createdon, msdyn_activeagentassignedon, msdyn_wrapupinitiatedon, msdyn_channel, msdyn_statecode, msdyn_statuscode, msdyn_queueid")
    );
    let f = fixture("bad_timestamp.csv");
    assert_eq!(
        fit_error("bad_timestamp.csv"),
        format!("Error: {f}:5:3: msdyn_activeagentassignedon: expected an ISO 8601 timestamp such as 2026-01-05T13:00:00.000Z (or `2026-01-05 13:00:00`, UTC), got \"yesterday\"")
    );
    let f = fixture("closed_before_created.csv");
    assert_eq!(
        fit_error("closed_before_created.csv"),
        format!("Error: {f}:3:5: msdyn_closedon: conversation c2 is closed at 2026-01-05T09:20:00Z, before it was created at 2026-01-05T09:30:00Z; fix or drop the row")
    );
}

/// Overall mean and 95% half-width of each figure in a `summary.csv`.
fn overall(path: &Path, figures: &[&str]) -> Vec<(f64, f64)> {
    let mut r = csv::Reader::from_path(path).expect("summary.csv");
    let h = r.headers().expect("a header").clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap_or_else(|| panic!("no column {n}"));
    let (stat, rep, brk) = (col("stat"), col("replication"), col("breakdown"));
    let rows: Vec<csv::StringRecord> =
        r.records().map(|x| x.expect("a row")).filter(|x| x[rep].is_empty() && &x[brk] == "overall").collect();
    let row = |s: &str| rows.iter().find(|x| &x[stat] == s).expect("an aggregate row").clone();
    let (mean, lo, hi) = (row("mean"), row("ci95_low"), row("ci95_high"));
    figures
        .iter()
        .map(|f| {
            let c = col(f);
            let num = |x: &csv::StringRecord| x[c].parse::<f64>().expect("a number");
            (num(&mean), (num(&hi) - num(&lo)) / 2.0)
        })
        .collect()
}

fn never_weight(v: &toml::Value) -> f64 {
    v.get("components")
        .and_then(|c| c.as_array())
        .and_then(|c| c.iter().find(|x| x.get("dist").and_then(|d| d.as_str()) == Some("never")))
        .and_then(|x| x.get("weight"))
        .and_then(|w| w.as_float())
        .expect("a never component")
}

#[test]
fn round_trip_simulate_fit_simulate_gives_the_same_figures() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let d = |n: &str| -> PathBuf { dir.path().join(n) };
    let quickstart = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml").display().to_string();
    let truth = d("truth").display().to_string();
    ok(&autoclose(&["run", &quickstart, "--conversations", "--messages", "--no-charts", "--quiet", "--out", &truth]));
    let fitted = d("fitted.toml").display().to_string();
    ok(&autoclose(&[
        "fit",
        &format!("{truth}/conversations.csv"),
        "--messages",
        &format!("{truth}/messages.csv"),
        "--policy-from",
        &quickstart,
        "--staffing-from",
        &quickstart,
        "--out",
        &fitted,
        "--quiet",
    ]));
    let again = d("again").display().to_string();
    // Same horizon, warm-up and replications; another seed: independent customers.
    let args =
        ["run", &fitted, "--set", "scenario.warmup=12h", "--seed", "7", "--no-charts", "--quiet", "--out", &again];
    ok(&autoclose(&args));
    let figures = [
        "arrived",
        "auto_closed",
        "premature_share",
        "latency_mean_s",
        "zombie_capacity_agents",
        "queue_wait_mean_s",
        "service_level_share",
    ];
    let a = overall(&Path::new(&truth).join("summary.csv"), &figures);
    let b = overall(&Path::new(&again).join("summary.csv"), &figures);
    println!("{:<24} {:>22} {:>22}", "figure", "true (95%)", "fitted (95%)");
    let mut bad = Vec::new();
    for (f, ((ma, ha), (mb, hb))) in figures.iter().zip(a.iter().zip(&b)) {
        println!("{f:<24} {ma:>12.4} ± {ha:<8.4} {mb:>12.4} ± {hb:<8.4}");
        // Two independent means: their difference's 95% interval must hold 0.
        if (ma - mb).abs() > ha.hypot(*hb) {
            bad.push(*f);
        }
    }
    assert!(bad.is_empty(), "figures that disagree: {bad:?}");
    let t = table(Path::new(&fitted));
    let never = never_weight(get(&t, "behaviour.channels.whatsapp.customer_response"));
    println!("whatsapp never-answer share: true 0.15, fitted {never}");
    assert!((never - 0.15).abs() <= 0.02, "fitted never share {never}");
    ok(&autoclose(&["validate", &fitted]));
}

#[test]
fn messages_csv_is_the_same_at_any_thread_count_and_opens_each_conversation_with_its_customer() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let quickstart = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml").display().to_string();
    let run = |threads: &str| -> PathBuf {
        let out = dir.path().join(format!("t{threads}"));
        let o = autoclose(&[
            "run",
            &quickstart,
            "--set",
            "scenario.horizon=1d",
            "--replications",
            "3",
            "--conversations",
            "--messages",
            "--no-charts",
            "--quiet",
            "--threads",
            threads,
            "--out",
            &out.display().to_string(),
        ]);
        ok(&o);
        out
    };
    let (one, two) = (run("1"), run("2"));
    let bytes = std::fs::read(one.join("messages.csv")).expect("messages.csv");
    assert_eq!(bytes, std::fs::read(two.join("messages.csv")).expect("messages.csv"));
    let mut r = csv::Reader::from_reader(bytes.as_slice());
    assert_eq!(
        r.headers().expect("a header").iter().collect::<Vec<_>>(),
        ["replication", "conversation_id", "time", "sent_by", "event"]
    );
    let mut first: std::collections::HashMap<(String, String), (String, String, String)> = Default::default();
    let mut rows = 0;
    for rec in r.records() {
        let rec = rec.expect("a row");
        assert!(["customer", "agent"].contains(&&rec[3]), "{rec:?}");
        assert!(["message", "assign", "park", "reader_join", "transfer"].contains(&&rec[4]), "{rec:?}");
        first.entry((rec[0].to_string(), rec[1].to_string())).or_insert((
            rec[2].to_string(),
            rec[3].to_string(),
            rec[4].to_string(),
        ));
        rows += 1;
    }
    let mut c = csv::Reader::from_path(one.join("conversations.csv")).expect("conversations.csv");
    let mut n = 0;
    for rec in c.records() {
        let rec = rec.expect("a row");
        let f = &first[&(rec[0].to_string(), rec[1].to_string())];
        assert_eq!(f, &(rec[2].to_string(), "customer".to_string(), "message".to_string()), "{rec:?}");
        n += 1;
    }
    assert_eq!(n, first.len(), "every conversation of the log is in the export and back");
    assert!(rows > 4 * n, "a dialogue has several messages: {rows} rows for {n} conversations");
}

#[cfg(unix)]
#[test]
fn a_missing_input_or_a_device_is_named_before_anything_else() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = dir.path().join("fitted.toml");
    std::fs::write(&out, "").expect("an existing output");
    let o = autoclose(&["fit", "no/such.csv", "--out", out.to_str().expect("UTF-8")]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&o.stderr).trim_end(), "Error: no/such.csv: no such file");
    let o = autoclose(&["fit", "/dev/zero", "--out", dir.path().join("f.toml").to_str().expect("UTF-8")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/dev/zero is not a plain file"));
}
