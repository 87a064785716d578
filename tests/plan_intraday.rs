//! `plan --by hour`: the profile found meets the target in every hour when rerun as a
//! scenario, beats the flat answer in agent-hours, and is written as a ready staffing table;
//! and the by-hour figures it is judged on fall in the right buckets.

use autoclose::metrics::{aggregate_by_hour, Breakdown, HourKind, Metric};
use autoclose::plan::judge_hour;
use autoclose::plan::target::Target;
use autoclose::runner::run_all_by_hour;
use autoclose::scenario::parse_str;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_autoclose");
const TARGET: &str = "service_level(30s)>=0.80";

/// A live chat with a strong day profile: quiet nights, a late-morning peak. Handling is
/// exponential with a mean of 6 minutes; one unit per agent.
fn scenario(staffing: &str, start_date: &str) -> String {
    format!(
        r#"
[scenario]
name = "intraday"
start_date = "{start_date}"
horizon = "2d"
seed = 5
replications = 4
service_level_target = "30s"

[channels.chat]
kind = "live_chat"

[skills.support]
wrap_up = "never"

[agents.team]
skills = ["support"]
{staffing}

[agents.other]
count = 1
skills = ["support"]

[[arrivals]]
channel = "chat"
skill = "support"
rate_per_hour = 20.0
intraday = [0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.5, 2.0, 2.0, 2.0,
            1.5, 1.5, 1.5, 1.2, 1.2, 1.0, 1.0, 0.8, 0.5, 0.3, 0.2, 0.1]

[behaviour]
exchanges = 1
agent_response = "0s"
customer_response = {{ dist = "exponential", mean = "6m" }}
wrap_up = "0s"
"#
    )
}

fn out_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("autoclose-plan-intraday-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    d
}

fn plan_by_hour(scenario_path: &Path, out: &Path, groups: &str) -> std::process::Output {
    Command::new(BIN)
        .args(["plan", scenario_path.to_str().expect("UTF-8 path"), "--target", TARGET, "--by", "hour"])
        .args(["--groups", groups, "--out", out.to_str().expect("UTF-8 path"), "--quiet"])
        .output()
        .expect("the binary should start")
}

#[test]
fn the_intraday_profile_meets_the_target_in_every_hour_when_rerun_as_a_scenario() {
    let dir = out_dir("rerun");
    fs::create_dir_all(&dir).expect("a temporary folder");
    let file = dir.join("intraday.toml");
    fs::write(&file, scenario("count = 3", "2026-01-05")).expect("written");
    let out = dir.join("results");
    let o = plan_by_hour(&file, &out, "team");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // The profile, as a ready staffing table.
    let snippet = fs::read_to_string(out.join("staffing_0.toml")).expect("staffing_0.toml");
    let line = snippet.lines().find(|l| l.starts_with("default = [")).expect("a default line");
    let profile: Vec<u32> =
        line["default = [".len()..line.len() - 1].split(", ").map(|x| x.parse().expect("a count")).collect();
    assert_eq!(profile.len(), 24);
    assert!(snippet.contains("[agents.team.staffing]\n"), "{snippet}");
    assert!(snippet.contains("every target met in every hour"), "{snippet}");

    // plan.csv: one row per hour, with the profile's counts.
    let csv = fs::read_to_string(out.join("plan.csv")).expect("plan.csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    assert_eq!(&header[..6], ["scenario", "config", "group", "hour", "reachable", "agents_needed"]);
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 24);
    for (h, r) in rows.iter().enumerate() {
        assert_eq!((r[2], r[3], r[4]), ("team", h.to_string().as_str(), "true"));
        assert_eq!(r[5], profile[h].to_string(), "hour {h}");
    }

    // Rerun as a scenario: the snippet in place of the group's count.
    let text = scenario(&snippet, "2026-01-05");
    let s = parse_str("rerun.toml", &text, Path::new("."), &[]).unwrap_or_else(|d| panic!("{d}\n{text}"));
    let o = run_all_by_hour(&s, HourKind::Day).expect("runs");
    let by_hour = aggregate_by_hour(&o.reports, 0.95);
    let t = Target::parse(TARGET).expect("valid");
    for (h, rows) in by_hour.iter().enumerate() {
        let v = judge_hour(&t, rows);
        assert!(v.holds, "hour {h} at {} agents: {v:?}", profile[h]);
    }

    // Fewer agent-hours than the flat answer, which the night does not need.
    let runs = fs::read_to_string(out.join("plan_runs.csv")).expect("plan_runs.csv");
    let flat: u32 = runs
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(2).is_some_and(|c| c.starts_with("team=") && !c.contains('[')))
        .filter(|l| l.ends_with(",true"))
        .map(|l| l.split(',').nth(3).expect("agents_total").parse::<u32>().expect("a count"))
        .min()
        .expect("a flat staffing that holds");
    assert!(profile.iter().sum::<u32>() < flat * 24, "{profile:?} against {flat} flat");
    assert!(profile[3] < profile[10], "night {} against the peak {}", profile[3], profile[10]);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn by_hour_plans_one_group() {
    let dir = out_dir("groups");
    fs::create_dir_all(&dir).expect("a temporary folder");
    let file = dir.join("intraday.toml");
    fs::write(&file, scenario("count = 3", "2026-01-05")).expect("written");
    let o = plan_by_hour(&file, &dir.join("results"), "team,other");
    assert!(!o.status.success());
    assert_eq!(
        String::from_utf8_lossy(&o.stderr).trim(),
        "Error: --by plans the profile of one agent group; name it with --groups (the scenario has team, other)"
    );
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn by_hour_figures_fall_in_the_hour_of_queue_entry() {
    // Start on a Wednesday: hour of week 2 x 24 = 48 is the run's first hour.
    let s = parse_str("w.toml", &scenario("count = 3", "2026-01-07"), Path::new("."), &[]).expect("valid");
    let o = run_all_by_hour(&s, HourKind::Week).expect("runs");
    for rep in &o.reports {
        assert_eq!(rep.by_hour.len(), 168);
        let assigned = |b: usize| rep.by_hour[b][0].get(Metric::QueueAssigned).expect("counted");
        let total: f64 = (0..168).map(assigned).sum();
        assert_eq!(Some(total), rep.overall().get(Metric::QueueAssigned), "every assignment in one bucket");
        // Two days from Wednesday: Wednesday and Thursday, hours 48..96, and nothing else.
        assert!((0..48).chain(96..168).all(|b| assigned(b) == 0.0));
        assert!((48..96).filter(|&b| assigned(b) > 0.0).count() >= 40);
        // Occupancy on the overall row only, from capacity over on-shift capacity.
        let row = &rep.by_hour[58][0];
        assert_eq!(row.breakdown, Breakdown::Overall);
        let occ = row.get(Metric::Occupancy).expect("occupancy");
        let (used, avail) = (
            row.get(Metric::CapacityInUseMeanUnits).expect("in use"),
            row.get(Metric::CapacityAvailableMeanUnits).expect("available"),
        );
        assert_eq!(avail, 4.0, "3 + 1 agents on shift all hour");
        assert!((occ - used / avail).abs() < 1e-12);
        assert_eq!(rep.by_hour[58][1].get(Metric::Occupancy), None, "not on the channel row");
    }
    // By hour of day: the two days fold onto 24 buckets.
    let o = run_all_by_hour(&s, HourKind::Day).expect("runs");
    let rep = &o.reports[0];
    let total: f64 = (0..24).map(|b| rep.by_hour[b][0].get(Metric::QueueAssigned).expect("counted")).sum();
    assert_eq!(Some(total), rep.overall().get(Metric::QueueAssigned));
}

#[test]
fn the_flat_comparison_counts_only_the_hours_the_horizon_reaches() {
    // 18 hours: the profile's other 6 hours get 0 agents, so the flat answer is counted over 18.
    let dir = out_dir("flat");
    let o = Command::new(BIN)
        .args(["plan", "scenarios/quickstart.toml", "--target", "service_level(60s)>=0.80", "--groups"])
        .args(["generalists", "--by", "hour", "--set", "scenario.horizon=18h", "--set", "scenario.warmup=2h"])
        .args(["--replications", "3", "--no-charts", "--out", dir.to_str().expect("UTF-8 path")])
        .output()
        .expect("the binary should start");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    let line = text.lines().find(|l| l.contains("by hour:")).expect("the profile line");
    let counts: Vec<u32> = line
        .split(": ")
        .nth(1)
        .expect("counts")
        .split(" (")
        .next()
        .expect("counts")
        .split(' ')
        .map(|c| c.parse().expect("a count"))
        .collect();
    assert_eq!(counts.len(), 24);
    assert!(counts[18..].iter().all(|&c| c == 0), "{counts:?}");
    let flat: u32 = text
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("base"))
        .expect("the table row")
        .split_whitespace()
        .nth(1)
        .expect("agents")
        .parse()
        .expect("a count");
    let sum: u32 = counts.iter().sum();
    assert!(line.ends_with(&format!("({sum} agent-hours against {} flat)", flat * 18)), "{line}");
    let _ = fs::remove_dir_all(&dir);
}
