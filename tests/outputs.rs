//! What an analyst reads: typed `summary.csv`, `grid.csv` and `comparison.csv` columns, tied
//! `--vary` axes, the saturation figures and warning, and silent capacity over every silence.

use autoclose::engine::{self, Both, ConversationRecord, Observer};
use autoclose::grid::{self, Grid};
use autoclose::metrics::{Breakdown, Metric, Metrics, RepReport};
use autoclose::scenario::{load_file, overrides::Override, Scenario};
use autoclose::time::MS_PER_HOUR;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_autoclose");

fn load(file: &str, pairs: &[(&str, &str)]) -> Scenario {
    let ov: Vec<Override> = pairs.iter().map(|(k, v)| Override { key: k.to_string(), value: v.to_string() }).collect();
    load_file(Path::new(file), &ov).unwrap_or_else(|d| panic!("{d}"))
}

#[derive(Default)]
struct Records(Vec<ConversationRecord>);

impl Observer for Records {
    fn conversation(&mut self, rec: &ConversationRecord) {
        self.0.push(rec.clone());
    }
}

fn simulate(s: &Scenario) -> (Vec<ConversationRecord>, RepReport) {
    let (mut rec, mut metrics) = (Records::default(), Metrics::new(s, 0));
    let stats = engine::run(s, 0, &mut Both(&mut metrics, &mut rec), None).expect("no engine bug");
    (rec.0, metrics.finish(stats))
}

fn overall(r: &RepReport, m: Metric) -> f64 {
    r.overall().get(m).unwrap_or_else(|| panic!("{} is missing", m.name()))
}

/// Every conversation the same: assigned at once, the agent writes 1 minute after the
/// assignment and after each reply, the customer replies 10 minutes after each agent message,
/// and the agent ends after 2 exchanges. No timeout is reached (15 minutes of inactivity).
fn clockwork() -> Scenario {
    load(
        "scenarios/quickstart.toml",
        &[
            ("scenario.warmup", "0s"),
            ("scenario.horizon", "1d"),
            ("agents.generalists.count", "60"),
            ("behaviour.exchanges", "2"),
            ("behaviour.agent_response", "1m"),
            ("behaviour.customer_response", "10m"),
            ("behaviour.wrap_up", "1m"),
            ("behaviour.channels.whatsapp.customer_response", "10m"),
            ("behaviour.channels.whatsapp.park_probability", "0"),
            ("behaviour.channels.webchat.disconnect", "never"),
            ("behaviour.channels.webchat.patience", "never"),
            ("policy.channels.whatsapp.timeouts", "{ active = \"15m\" }"),
            ("policy.channels.webchat.timeouts", "{ active = \"15m\" }"),
        ],
    )
}

#[test]
fn silent_capacity_counts_every_silence_split_by_whether_the_customer_replied() {
    let s = clockwork();
    let (recs, report) = simulate(&s);
    let h = s.horizon.ms();
    let min = 60_000u64;
    let (mut replied_ms, mut unreplied_ms) = (0u64, 0u64);
    for c in &recs {
        let a = c.meta.created.ms();
        assert_eq!(c.first_assigned, Some(c.meta.created), "no queue: assigned on arrival");
        // Silences [a+1m, a+11m) and [a+12m, a+22m); the agent ends at a+23m.
        for (from, to) in [(a + min, a + 11 * min), (a + 12 * min, a + 22 * min)] {
            if to < h {
                replied_ms += to - from;
            } else if from < h {
                unreplied_ms += h - from;
            }
        }
    }
    assert!(recs.len() > 500, "{} conversations", recs.len());
    let hours = |ms: u64| ms as f64 / MS_PER_HOUR as f64;
    let replied_h = overall(&report, Metric::SilentCapacityRepliedHours);
    let unreplied_h = overall(&report, Metric::SilentCapacityUnrepliedHours);
    assert!((replied_h - hours(replied_ms)).abs() < 1e-9, "{replied_h} vs {}", hours(replied_ms));
    assert!((unreplied_h - hours(unreplied_ms)).abs() < 1e-9, "{unreplied_h} vs {}", hours(unreplied_ms));
    assert!((overall(&report, Metric::SilentCapacityHours) - replied_h - unreplied_h).abs() < 1e-9);
    // Equivalent agents: capacity-hours over the window's 24 hours over the units per agent.
    let heads: f64 = s.agent_groups.iter().map(|g| g.staffing.head_count() as f64).sum();
    let units: f64 = s.agent_groups.iter().map(|g| g.staffing.head_count() as f64 * g.capacity_units as f64).sum();
    let per_agent = units / heads;
    let agents = |m: Metric| overall(&report, m);
    assert!((agents(Metric::SilentCapacityRepliedAgents) - replied_h / 24.0 / per_agent).abs() < 1e-12);
    assert!((agents(Metric::SilentCapacityUnrepliedAgents) - unreplied_h / 24.0 / per_agent).abs() < 1e-12);
}

/// One axis that ties the four LivePerson timeouts; `replications` of each value.
fn liveperson_timeouts(values: &str, replications: &str) -> (Grid, Vec<Vec<RepReport>>) {
    let arg = format!(
        "timeout:policy.skills.sales.timeouts.active+policy.skills.sales.timeouts.waiting\
         +policy.skills.care.timeouts.active+policy.skills.care.timeouts.waiting={values}"
    );
    let g = Grid::parse(&[arg]).expect("the tie should parse");
    let path = Path::new("scenarios/liveperson.toml");
    let base = vec![
        Override { key: "scenario.horizon".into(), value: "3d".into() },
        Override { key: "scenario.replications".into(), value: replications.into() },
    ];
    let s = load_file(path, &base).unwrap_or_else(|d| panic!("{d}"));
    let scenarios = grid::load_configs(path, &s, &base, &g).expect("every configuration is valid");
    let run = grid::run_grid(&scenarios, &(0..g.configs.len()).collect::<Vec<_>>(), None).expect("runs");
    (g, run.reports)
}

#[test]
fn a_longer_timeout_never_holds_less_silent_capacity() {
    let (g, reports) = liveperson_timeouts("30m,2h,8h", "2");
    assert_eq!(g.configs.len(), 3);
    for r in 0..2 {
        let silent: Vec<f64> = reports.iter().map(|reps| overall(&reps[r], Metric::SilentCapacityHours)).collect();
        assert!(silent.windows(2).all(|w| w[0] <= w[1]), "replication {r}: {silent:?}");
        assert!(silent[0] < silent[2], "replication {r}: {silent:?}");
    }
}

#[test]
fn a_tie_sets_every_key_to_one_value_per_configuration() {
    let (g, reports) = liveperson_timeouts("1h,2h,4h", "1");
    assert_eq!(g.configs.len(), 3);
    assert_eq!(g.names, ["timeout"]);
    let labels: Vec<&str> = g.configs.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, ["timeout=1h", "timeout=2h", "timeout=4h"]);
    let ovs = g.configs[1].overrides(&g);
    let keys: Vec<(&str, &str)> = ovs.iter().map(|o| (o.key.as_str(), o.value.as_str())).collect();
    assert_eq!(
        keys,
        [
            ("policy.skills.sales.timeouts.active", "2h"),
            ("policy.skills.sales.timeouts.waiting", "2h"),
            ("policy.skills.care.timeouts.active", "2h"),
            ("policy.skills.care.timeouts.waiting", "2h"),
        ]
    );
    let grid_csv = String::from_utf8(grid::write_grid(Vec::new(), &g).unwrap()).unwrap();
    assert_eq!(grid_csv, "config_index,config,timeout_s\n0,timeout=1h,3600\n1,timeout=2h,7200\n2,timeout=4h,14400\n");
    let all: Vec<&[RepReport]> = reports.iter().map(Vec::as_slice).collect();
    let rows = grid::comparison(&all, 0);
    let cmp = String::from_utf8(grid::write_comparison(Vec::new(), "lp", &g, 0, &rows).unwrap()).unwrap();
    assert!(cmp.starts_with("scenario,config,timeout_s,baseline,breakdown,group,metric,"), "{cmp}");
    assert!(cmp.lines().nth(1).unwrap().starts_with("lp,timeout=1h,3600,timeout=1h,overall,all,arrived,"), "{cmp}");
}

#[test]
fn tie_names_default_to_the_shared_last_segment_else_the_first_key() {
    let g = Grid::parse(&["a.x.active+b.y.active=1,2".into(), "p.q+r.s=true,false".into()]).unwrap();
    assert_eq!(g.names, ["active", "p.q"]);
    assert_eq!(g.configs[1].label, "active=1,p.q=false");
    assert_eq!((g.column(0).as_str(), g.column(1).as_str()), ("active", "p.q"));
    assert_eq!(g.cells(&g.configs[1]), ["1", "false"]);
    // A key tied twice, or a tie that covers another axis's key, is refused as single keys are.
    assert!(Grid::parse(&["a.b+a.b=1".into()]).is_err());
    assert!(Grid::parse(&["a+c.d=1".into(), "a.b=2".into()]).is_err());
    assert!(Grid::parse(&["t:scenario.replications+a.b=1".into()]).is_err());
    // A name must be a word, and two axes may not share a name; a single key may be named.
    assert!(Grid::parse(&["bad name:a.b+c.d=1".into()]).is_err());
    let clash = Grid::parse(&["metric:a.b+c.d=1".into()]).unwrap_err().to_string();
    assert!(clash.contains("`metric` is already a column"), "{clash}");
    let named = Grid::parse(&["every:policy.schedulers.main.interval=5m".into()]).unwrap();
    assert_eq!((named.configs[0].label.as_str(), named.column(0).as_str()), ("every=5m", "every_s"));
    let twice = Grid::parse(&["t:a.b+c.d=1".into(), "t:e.f+g.h=2".into()]).unwrap_err().to_string();
    assert!(twice.contains("both be named `t`"), "{twice}");
    // Text values are unquoted; numbers and booleans stay as they are.
    let g = Grid::parse(&["k.s=\"x,y\",z".into(), "k.n=1,2.5".into()]).unwrap();
    assert_eq!(g.cells(&g.configs[0]), ["x,y", "1"]);
    assert_eq!(g.cells(&g.configs[1]), ["x,y", "2.5"]);
}

#[test]
fn an_unknown_tied_key_lists_the_closest_valid_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["sweep", "scenarios/liveperson.toml", "-q", "--out"])
        .arg(tmp.path().join("x"))
        .args(["--vary", "t:policy.skills.sales.timeouts.active+policy.skills.care.timeouts.activ=1h,2h"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("--vary policy.skills.care.timeouts.activ: unknown key"), "{err}");
    assert!(err.contains("policy.skills.care.timeouts.active"), "{err}");
}

fn summary_rows(path: &Path) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h = r.headers().unwrap().clone();
    (h.clone(), r.records().map(|x| x.unwrap()).collect())
}

#[test]
fn summary_columns_hold_one_type_and_say_fractions() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r");
    let ok = Command::new(BIN)
        .args(["run", "scenarios/quickstart.toml", "-q", "--replications", "3", "--set", "scenario.horizon=1d"])
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(ok.success());
    let (h, rows) = summary_rows(&out.join("summary.csv"));
    let col = |n: &str| h.iter().position(|x| x == n).unwrap_or_else(|| panic!("no column {n}"));
    for gone in ["service_level", "occupancy"] {
        assert!(h.iter().all(|x| x != gone), "{gone} is still a column");
    }
    let (rc, sc) = (col("replication"), col("stat"));
    let values: Vec<_> = rows.iter().filter(|r| &r[sc] == "value").collect();
    let aggregates: Vec<_> = rows.iter().filter(|r| &r[sc] != "value").collect();
    assert_eq!(values.len() + aggregates.len(), rows.len());
    assert!(values.iter().all(|r| r[rc].parse::<u32>().is_ok_and(|x| x < 3)));
    assert!(aggregates.iter().all(|r| r[rc].is_empty() && ["mean", "ci95_low", "ci95_high", "n"].contains(&&r[sc])));
    // Every figure column is a number (or empty where it does not apply).
    for r in &rows {
        for (i, v) in r.iter().enumerate().skip(col("group") + 1) {
            assert!(v.is_empty() || v.parse::<f64>().is_ok(), "{}: `{v}`", &h[i]);
        }
    }
    // quickstart is not saturated: 0 on every replication's every row, mean 0.
    let (sat, occ) = (col("saturated"), col("occupancy_share"));
    assert!(values.iter().all(|r| &r[sat] == "0"));
    let mean_overall = rows.iter().find(|r| &r[sc] == "mean" && &r[col("breakdown")] == "overall").unwrap();
    assert_eq!(&mean_overall[sat], "0");
    let o: f64 = mean_overall[occ].parse().unwrap();
    assert!(o > 0.3 && o < 0.98, "occupancy {o}");
}

#[test]
fn too_few_agents_make_a_saturated_run_with_a_warning_and_a_mark() {
    let few = [("agents.generalists.count", "3"), ("agents.tech_team.count", "1")];
    for r in 0..2 {
        let s = load("scenarios/quickstart.toml", &few);
        let (mut metrics, mut none) = (Metrics::new(&s, r), Records::default());
        let stats = engine::run(&s, r, &mut Both(&mut metrics, &mut none), None).unwrap();
        let rep = metrics.finish(stats);
        assert_eq!(overall(&rep, Metric::Saturated), 1.0, "replication {r}");
        assert!(overall(&rep, Metric::Occupancy) >= 0.98);
        let growth = overall(&rep, Metric::QueueGrowthPerHour);
        assert!(growth > 1.0, "the queue grows: {growth} per hour");
        let open = overall(&rep, Metric::OpenAtHorizon) / overall(&rep, Metric::Arrived);
        assert_eq!(overall(&rep, Metric::OpenAtHorizonShare), open);
        // The same run-level figures on every row.
        for row in rep.rows.iter().filter(|x| x.breakdown != Breakdown::Overall) {
            assert_eq!(row.get(Metric::Saturated), Some(1.0), "{:?} {}", row.breakdown, row.group);
            assert_eq!(row.get(Metric::QueueGrowthPerHour), Some(growth));
        }
        // quickstart as bundled is not saturated.
        let (_, rep) = simulate(&load("scenarios/quickstart.toml", &[]));
        assert_eq!(overall(&rep, Metric::Saturated), 0.0);
    }
    let tmp = tempfile::tempdir().unwrap();
    let run = |args: &[&str], out: &str| {
        let o = Command::new(BIN).args(args).arg("--out").arg(tmp.path().join(out)).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let sets = ["--set", "agents.generalists.count=3", "--set", "agents.tech_team.count=1", "--replications", "2"];
    let mut args = vec!["run", "scenarios/quickstart.toml"];
    args.extend(sets);
    let stdout = run(&args, "few");
    assert!(stdout.contains("warning: 2 of 2 replication(s) saturated (occupancy 100.0 %"), "{stdout}");
    assert!(stdout.contains("add agents (agents.<group>.count)"), "{stdout}");
    // Queue waits of hours read in hours, the interval in the same unit.
    let wait = stdout.lines().find(|l| l.contains("mean queue wait")).unwrap();
    assert!(wait.ends_with(" h") && wait.contains(" ± "), "{wait}");
    let calm = run(&["run", "scenarios/quickstart.toml", "--replications", "2"], "calm");
    assert!(!calm.contains("warning"), "{calm}");
    let table = run(
        &[
            "sweep",
            "scenarios/quickstart.toml",
            "--replications",
            "2",
            "--set",
            "agents.tech_team.count=1",
            "--vary",
            "agents.generalists.count=3,8",
        ],
        "sweep",
    );
    let line = |label: &str| table.lines().find(|l| l.trim_start().starts_with(label)).unwrap().to_string();
    assert!(line("count=3").ends_with("! 2/2"), "{table}");
    assert!(line("count=8").ends_with('-'), "{table}");
    assert!(table.contains("! saturated in that many replications"), "{table}");
}

/// `run` streams `sweeps.csv` (`SweepWriter` as an observer, one part per replication): the
/// same bytes as the rows written from reports that kept every run, while the streamed reports
/// keep none and their summary figures are unchanged.
#[test]
fn streamed_sweep_rows_are_the_kept_rows_and_the_reports_hold_none() {
    use autoclose::output::{write_sweeps, Clock};
    use autoclose::runner::run_all;
    use std::sync::Mutex;
    type NoSink = fn(u32) -> std::io::Result<std::io::Sink>;
    let s =
        load("scenarios/quickstart.toml", &[("scenario.replications", "3"), ("policy.schedulers.main.interval", "1m")]);
    let kept = run_all::<std::io::Sink, NoSink, NoSink>(&s, None, None, None).expect("runs");
    let rows: Vec<_> = kept.reports.iter().map(|r| (s.name.as_str(), "base", r)).collect();
    let want = write_sweeps(Vec::new(), Clock::new(s.start_date), &rows).expect("in memory");
    assert!(kept.reports.iter().all(|r| r.sweeps.len() == 4320), "a 1-minute sweep over 3 days");

    let parts: Vec<Mutex<Vec<u8>>> = (0..3).map(|_| Mutex::new(Vec::new())).collect();
    struct Part<'a>(&'a Mutex<Vec<u8>>);
    impl std::io::Write for Part<'_> {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("not poisoned").extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let sweeps = |r: u32| Ok(Part(&parts[r as usize]));
    // No conversation rows: `None` of the sweeps' own writer type (every sink writes one type).
    let no_conversations = Some(sweeps).filter(|_| false);
    let streamed = run_all(&s, no_conversations, Some(sweeps), None).expect("runs");
    let got: Vec<u8> = parts.iter().flat_map(|p| p.lock().expect("not poisoned").clone()).collect();
    assert_eq!(String::from_utf8(got).expect("utf-8"), String::from_utf8(want).expect("utf-8"));
    assert!(streamed.reports.iter().all(|r| r.sweeps.is_empty()), "nothing held");
    for (a, b) in kept.reports.iter().zip(&streamed.reports) {
        for m in [Metric::SweepRuns, Metric::SweepInScopeMean, Metric::SweepClosuresPeakPerRun, Metric::SweepDeferred] {
            assert_eq!(a.overall().get(m), b.overall().get(m), "{}", m.name());
        }
    }
}
