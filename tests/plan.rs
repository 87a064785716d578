//! `plan` against Erlang C: with auto-close off, exponential service and one unit per agent,
//! the fewest agents meeting a service level is the Erlang C staffing answer, or one more
//! only where Erlang C's service level at that count lies inside the simulated interval (the
//! plan judges the conservative end of the 95% interval).

use autoclose::metrics::Metric;
use autoclose::plan::search::Found;
use autoclose::plan::target::Target;
use autoclose::plan::{group_indices, plan};
use autoclose::scenario::parse_str;
use autoclose::validation::theory::erlang_c;
use std::path::Path;

/// An M/M/c scenario: `per_hour` arrivals, exponential handling of mean 5 minutes.
fn mmc(per_hour: f64, agents: u32) -> String {
    format!(
        r#"
[scenario]
name = "plan_erlang_c"
horizon = "3d"
warmup = "12h"
seed = 11
replications = 12
service_level_target = "20s"

[channels.chat]
kind = "live_chat"

[skills.support]
capacity_units = 1
wrap_up = "never"

[agents.team]
count = {agents}
skills = ["support"]
capacity = 1

[[arrivals]]
channel = "chat"
skill = "support"
rate_per_hour = {per_hour}

[behaviour]
exchanges = 1
agent_response = "0s"
customer_response = {{ dist = "exponential", mean = "5m" }}
wrap_up = "0s"
disconnect = "never"
"#
    )
}

/// Erlang C's service level: P(wait <= t) = 1 - C(s, a) exp(-(s mu - lambda) t).
fn erlang_c_service_level(servers: u32, lambda_per_s: f64, mu_per_s: f64, t_s: f64) -> f64 {
    let a = lambda_per_s / mu_per_s;
    if a >= f64::from(servers) {
        return 0.0;
    }
    let c = erlang_c(servers, a).expect("a stable queue");
    1.0 - c * (-(f64::from(servers) * mu_per_s - lambda_per_s) * t_s).exp()
}

#[test]
fn the_answer_is_the_erlang_c_staffing_at_three_loads() {
    let target = Target::parse("service_level(20s)>=0.80").expect("a valid target");
    let mu = 1.0 / 300.0;
    for per_hour in [36.0, 90.0, 180.0] {
        let lambda = per_hour / 3600.0;
        let erlang = (1..200).find(|&s| erlang_c_service_level(s, lambda, mu, 20.0) >= 0.80).expect("a staffing");
        // Start the search far from the answer, above it.
        let s = parse_str("plan.toml", &mmc(per_hour, erlang + 7), Path::new("."), &[]).expect("a valid scenario");
        let groups = group_indices(&s, &[]).expect("the team");
        let p = plan(&s, &groups, std::slice::from_ref(&target), 500).expect("a plan");
        let Found::Counts(c) = &p.found else { panic!("{per_hour}/h: reachable, got {:?}", p.found) };
        let n = c[0];
        let at = |k: u32| p.at(&[k]).unwrap_or_else(|| panic!("{k} agents were evaluated"));
        assert!(at(n).verdicts[0].holds && !at(n - 1).verdicts[0].holds);
        if n != erlang {
            assert_eq!(n, erlang + 1, "{per_hour}/h: plan {n}, Erlang C {erlang}");
            let e = at(erlang).rows[0].estimates[Metric::ServiceLevel as usize].expect("a service level");
            let theory = erlang_c_service_level(erlang, lambda, mu, 20.0);
            assert!(e.contains(theory), "{per_hour}/h: Erlang C's {theory} at {erlang} is outside {e:?}");
        }
        assert!(p.evaluations.len() <= 12, "{per_hour}/h: {} runs", p.evaluations.len());
    }
}

#[test]
fn an_unreachable_target_is_reported_not_looped_on() {
    // 7.5 Erlangs of load on at most 12 agents: occupancy stays above 60%, never 10%.
    let target = Target::parse("occupancy<=0.10").expect("a valid target");
    let s = parse_str("plan.toml", &mmc(90.0, 2), Path::new("."), &[]).expect("a valid scenario");
    let p = plan(&s, &[0], std::slice::from_ref(&target), 12).expect("a plan");
    match p.found {
        Found::Unreachable { best, worst_slack } => {
            assert_eq!(best, vec![12]);
            assert!(worst_slack < 0.0);
        }
        other => panic!("expected unreachable, got {other:?}"),
    }
}

#[test]
fn plan_output_does_not_depend_on_the_thread_count() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let run = |threads: &str| {
        let out = tmp.path().join(format!("t{threads}"));
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_autoclose"))
            .args(["plan", "scenarios/study_capacity_plan.toml", "--target", "service_level(60s)[skill=billing]>=0.80"])
            .args(["--target", "queue_wait_p90<=5m", "--vary", "policy.schedulers.job.interval=25m,2h"])
            .args(["--set", "scenario.horizon=2d", "--replications", "4", "--quiet", "--threads", threads])
            .arg("--out")
            .arg(&out)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("the binary runs");
        assert!(status.success());
        out
    };
    let (one, two) = (run("1"), run("2"));
    for f in ["plan.csv", "plan_runs.csv", "grid.csv"] {
        let a = std::fs::read(one.join(f)).expect("a file of the first plan");
        let b = std::fs::read(two.join(f)).expect("a file of the second plan");
        assert!(a == b, "{f} differs between 1 and 2 threads");
    }
    let plan = std::fs::read_to_string(one.join("plan.csv")).expect("plan.csv");
    assert_eq!(plan.lines().count(), 5, "two configurations x two groups:\n{plan}");
}

#[test]
fn a_group_named_twice_is_refused() {
    let s = parse_str("plan.toml", &mmc(90.0, 2), Path::new("."), &[]).expect("a valid scenario");
    let name = s.agent_groups[0].name.clone();
    let err = group_indices(&s, &[name.clone(), name.clone()]).expect_err("a group named twice");
    assert_eq!(err.to_string(), format!("--groups: {name:?} is named twice; name each planned group once"));
}

#[test]
fn plan_refuses_what_would_change_nothing_or_run_out_of_memory() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let out = tmp.path().join("p");
    let plan = |extra: &[&str]| {
        let mut args = vec![
            "plan",
            "scenarios/quickstart.toml",
            "--target",
            "abandon<=0.05",
            "--groups",
            "generalists",
            "--out",
            out.to_str().expect("UTF-8"),
            "-q",
        ];
        args.extend_from_slice(extra);
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_autoclose")).args(&args).output().expect("runs");
        assert_eq!(o.status.code(), Some(1), "{extra:?}");
        assert!(!out.exists());
        String::from_utf8_lossy(&o.stderr).trim_end().to_string()
    };
    assert_eq!(
        plan(&["--vary", "agents.generalists.count=1,2"]),
        "Error: --vary agents.generalists.count: group generalists is planned, so the search sets its head count and \
         this axis would change nothing; vary another group's, or leave generalists out of --groups"
    );
    assert_eq!(
        plan(&["--max-agents", "4000000000"]),
        "Error: --max-agents must be from 1 to 100000 (a group's largest head count), got 4000000000"
    );
}
