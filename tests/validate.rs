//! Scenario validation: every broken fixture reports its problems at the exact line and
//! column, valid files resolve to the expected values, and `--set` overrides are applied and
//! blamed correctly.

use autoclose::model::dist::Dist;
use autoclose::model::state::State;
use autoclose::policy::{Clock, CloseAction, Preset, SchedulerKind};
use autoclose::scenario::overrides::Override;
use autoclose::scenario::{load_file, parse_str, ChannelKind, Diagnostic, Scenario, Staffing, WrapUpBlock};
use autoclose::time::SimDuration;
use std::path::Path;

fn load(path: &str) -> Scenario {
    load_file(Path::new(path), &[]).unwrap_or_else(|d| panic!("{path} should load, got:\n{d}"))
}

fn load_with(path: &str, sets: &[&str]) -> Result<Scenario, Vec<Diagnostic>> {
    let ovs: Vec<Override> = sets.iter().map(|s| Override::parse(s).expect("test overrides should parse")).collect();
    load_file(Path::new(path), &ovs).map_err(|d| d.0)
}

/// The diagnostics of a broken fixture.
fn broken(name: &str) -> Vec<Diagnostic> {
    let path = format!("tests/fixtures/broken/{name}");
    match load_file(Path::new(&path), &[]) {
        Ok(_) => panic!("{path} should be refused"),
        Err(d) => d.0,
    }
}

#[track_caller]
fn assert_diag(d: &Diagnostic, line: usize, column: usize, field: &str, message: &str) {
    assert_eq!((d.line, d.column), (line, column), "position of {d}");
    assert_eq!(d.field, field, "field of {d}");
    assert!(d.message.contains(message), "{d}\nshould contain: {message}");
}

#[track_caller]
fn only(name: &str) -> Diagnostic {
    let mut all = broken(name);
    assert_eq!(all.len(), 1, "{name}: expected one problem, got {all:#?}");
    all.remove(0)
}

fn mins(m: u64) -> Option<SimDuration> {
    Some(SimDuration::from_mins(m))
}

// ---------------------------------------------------------------- broken files

#[test]
fn unknown_key_suggests_the_close_one() {
    let d = only("unknown_key.toml");
    assert_diag(&d, 5, 1, "scenario.replicatons", "unknown key `replicatons`; did you mean `replications`?");
    assert_eq!(d.file, "tests/fixtures/broken/unknown_key.toml");
}

#[test]
fn bad_duration_says_what_was_expected_and_got() {
    let d = only("bad_duration.toml");
    assert_diag(
        &d,
        5,
        10,
        "scenario.warmup",
        "expected a duration such as 90s, 25m, 2h, 1d or 1h30m, got \"ten minutes\"",
    );
}

#[test]
fn wrap_up_block_longer_than_an_hour_is_refused() {
    let d = only("wrap_up_90m.toml");
    assert_diag(&d, 10, 11, "skills.billing.wrap_up", "must be always, never or 1m..60m, got 90m");
    assert_eq!(
        d.to_string(),
        "tests/fixtures/broken/wrap_up_90m.toml:10:11: skills.billing.wrap_up: must be always, never or 1m..60m, got 90m"
    );
}

#[test]
fn missing_required_key_is_reported_at_its_table() {
    let d = only("missing_required.toml");
    assert_diag(&d, 6, 1, "channels.chat.kind", "missing required key `kind`");
}

#[test]
fn unknown_skill_reference_suggests_the_declared_one() {
    let d = only("unknown_skill.toml");
    assert_diag(&d, 17, 9, "arrivals.0.skill", "unknown skill `biling`; did you mean `billing`?");
}

#[test]
fn msdyn_channel_must_be_a_seed_004_option_value() {
    let d = only("bad_msdyn.toml");
    assert_diag(&d, 8, 17, "channels.chat.msdyn_channel", "must be one of seed 004's option values (19241000 Teams,");
    assert!(d.message.ends_with("got 123"), "{d}");
}

#[test]
fn intraday_profile_needs_24_values() {
    let d = only("intraday_23.toml");
    assert_diag(
        &d,
        19,
        12,
        "arrivals.0.intraday",
        "must have exactly 24 values (one multiplier per hour of day), got 23",
    );
}

#[test]
fn bad_distribution_parameter_is_reported_at_the_distribution() {
    let d = only("bad_dist_param.toml");
    assert_diag(&d, 21, 18, "behaviour.agent_response", "shape must be a finite number greater than 0, got -2");
}

#[test]
fn lognormal_p90_must_exceed_the_median() {
    let d = only("p90_not_above_median.toml");
    assert_diag(
        &d,
        21,
        21,
        "behaviour.skills.billing.customer_response",
        "p90 (5m) must be greater than the median (10m)",
    );
}

#[test]
fn every_problem_of_a_file_is_reported_in_order() {
    let all = broken("three_problems.toml");
    assert_eq!(all.len(), 3, "{all:#?}");
    assert_diag(&all[0], 5, 1, "scenario.sed", "unknown key `sed`; did you mean `seed`?");
    assert_diag(&all[1], 11, 11, "skills.billing.wrap_up", "must be always, never or 1m..60m, got 2h");
    assert_diag(&all[2], 18, 11, "arrivals.0.channel", "unknown channel `chta`; did you mean `chat`?");
}

#[test]
fn preset_range_violation_quotes_the_rule() {
    let d = only("preset_range.toml");
    assert_diag(
        &d,
        24,
        23,
        "policy.skills.billing.timeouts.active",
        "liveperson: auto-close timeout must be between 25m and 90d, got 10m",
    );
}

#[test]
fn policy_problems_are_all_reported() {
    let all = broken("policy_problems.toml");
    assert_eq!(all.len(), 4, "{all:#?}");
    assert_diag(&all[0], 24, 16, "policy.states.wating", "unknown state `wating`");
    assert!(all[0].message.ends_with("did you mean `waiting`?"));
    assert_diag(&all[1], 28, 10, "policy.states.open.action", "allowed only for state active");
    assert_diag(
        &all[2],
        29,
        13,
        "policy.states.open.scheduler",
        "unknown scheduler `dynamics_jobs`; did you mean `dynamics_job`?",
    );
    assert_diag(
        &all[3],
        32,
        11,
        "policy.channels.chat.states.wrap_up.timeout",
        "dynamics: msdyn_autocloseliveworkitemafter is in whole minutes, got 90s",
    );
}

#[test]
fn empirical_csv_errors_name_the_csv_and_its_line() {
    let d = only("empirical_bad_csv.toml");
    assert_eq!(d.file, "tests/fixtures/broken/data/bad.csv");
    assert_eq!(d.line, 4);
    assert_eq!(d.field, "seconds");
    assert!(d.message.contains("expected a number >= 0, got \"abc\""), "{d}");
}

#[test]
fn toml_syntax_error_has_a_position() {
    let d = only("syntax_error.toml");
    assert_eq!(d.line, 3);
    assert!(d.message.starts_with("invalid TOML"), "{d}");
}

#[test]
fn arrivals_for_an_unserved_skill_are_refused() {
    let d = only("unserved_skill.toml");
    assert_diag(&d, 19, 9, "arrivals.0.skill", "skill `tech` is served by no agent group");
}

#[test]
fn unreadable_file_is_one_diagnostic_at_0_0() {
    let err = load_file(Path::new("tests/fixtures/no_such_file.toml"), &[]).unwrap_err();
    assert_eq!(err.0.len(), 1);
    assert_eq!((err.0[0].line, err.0[0].column), (0, 0));
}

// ---------------------------------------------------------------- valid files

#[test]
fn quickstart_loads_with_its_documented_values() {
    let s = load("scenarios/quickstart.toml");
    assert_eq!(s.name, "quickstart");
    assert_eq!(s.source_path, "scenarios/quickstart.toml");
    assert_eq!(s.horizon, SimDuration::from_days(3));
    assert_eq!(s.warmup, SimDuration::from_hours(12));
    assert_eq!(s.replications, 5);
    let names: Vec<&str> = s.channels.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["webchat", "whatsapp"]);
    assert_eq!(s.channels[1].msdyn_channel, Some(192_300_000));
    let agents: u32 = s.agent_groups.iter().map(|g| g.staffing.head_count()).sum();
    assert!((10..=15).contains(&agents));
    // WhatsApp customers go silent for good about 15% of the time.
    let wa = s.behaviour(1, 0);
    assert!((wa.customer_response.happen_probability() - 0.85).abs() < 1e-9);
    assert_eq!(wa.park_probability, 0.6);
    assert_eq!(s.policy.rule(0, 0, State::Open).timeout, mins(20));
    assert_eq!(s.policy.rule(1, 1, State::Waiting).timeout, mins(240));
    assert_eq!(s.policy.rule(1, 0, State::Active).timeout, mins(120));
    assert_eq!(s.policy.rule(0, 0, State::Active).timeout, None);
    assert_eq!(s.policy.rule(1, 0, State::Waiting).clock, Clock::LastActivity);
    match &s.policy.schedulers[..] {
        [only] => match &only.kind {
            SchedulerKind::Sweep(sw) => assert_eq!(sw.interval, SimDuration::from_mins(25)),
            other => panic!("expected a sweep, got {other:?}"),
        },
        other => panic!("expected one scheduler, got {other:?}"),
    }
}

#[test]
fn layered_fixture_resolves_exactly() {
    let s = load("tests/fixtures/valid/layered.toml");
    assert_eq!(s.start_date.to_string(), "2026-03-02");
    assert_eq!((s.seed, s.replications), (11, 3));
    assert_eq!(s.bucket, SimDuration::from_mins(30));
    assert_eq!(s.service_level_target, SimDuration::from_secs(30));
    assert_eq!(s.channels[0].kind, ChannelKind::LiveChat);
    assert_eq!(s.skills[0].wrap_up, WrapUpBlock::Never);
    assert_eq!(s.skills[1].wrap_up, WrapUpBlock::For(SimDuration::from_mins(10)));
    assert_eq!(s.skills[0].capacity_units, 2);

    let day = &s.agent_groups[0];
    assert_eq!(day.name, "day");
    assert_eq!(day.skills, vec![0, 1]);
    assert_eq!(day.capacity_units, 4);
    assert!(matches!(day.staffing, Staffing::Weekly(_)));
    assert_eq!(day.staffing.on_shift(0, 8), 6);
    assert_eq!(day.staffing.on_shift(6, 8), 0);
    assert_eq!(day.staffing.head_count(), 6);
    assert_eq!(s.agent_groups[1].capacity_units, 1);

    assert_eq!(s.arrivals[0].rate_per_hour, 6.0);
    assert_eq!(s.arrivals[0].intraday, [1.0; 24]);
    assert_eq!(s.arrivals[1].weekly, [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.0]);

    // Behaviour: built-in < [behaviour] < channel < skill < cell.
    let chat_billing = s.behaviour(0, 0);
    assert!(matches!(chat_billing.exchanges, Dist::Constant(x) if x == 4.0));
    assert!(
        matches!(chat_billing.agent_response, Dist::LogNormal { mu, .. } if (mu - (4.0 + 1000f64.ln())).abs() < 1e-12)
    );
    assert!(matches!(chat_billing.patience, Dist::Weibull { shape, scale, .. } if shape == 1.5 && scale == 600_000.0));
    assert!(matches!(chat_billing.customer_response, Dist::Exponential { mean } if mean == 120_000.0));
    assert_eq!(chat_billing.transfer_per_hour, 0.5);
    assert_eq!(chat_billing.transfer_to, vec![1]);
    let sms_tech = s.behaviour(1, 1);
    assert_eq!(sms_tech.park_probability, 0.25, "the skill layer beats the channel layer");
    assert_eq!(sms_tech.transfer_per_hour, 0.0);
    match &sms_tech.customer_response {
        Dist::Empirical { samples } => assert_eq!(&samples[..], &[30_000.0, 60_000.0, 90_000.0]),
        other => panic!("expected the CSV's samples, got {other:?}"),
    }
    let sms_billing = s.behaviour(1, 0);
    assert_eq!(sms_billing.park_probability, 0.5);
    assert!(matches!(sms_billing.exchanges, Dist::Mixture { ref cumulative, .. } if cumulative[0] == 0.75));
    assert!(matches!(sms_billing.park_delay, Dist::Gamma { shape, scale, .. } if shape == 2.0 && scale == 30_000.0));
    assert!(matches!(s.behaviour(0, 1).exchanges, Dist::Constant(x) if x == 4.0), "cells apply to their cell only");

    // Policy.
    let p = &s.policy;
    assert_eq!(p.preset, None);
    assert_eq!(p.hard_cap, Some(SimDuration::from_days(30)));
    let names: Vec<&str> = p.schedulers.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["fast", "ideal"]);
    match &p.schedulers[0].kind {
        SchedulerKind::Sweep(sw) => {
            assert_eq!(sw.interval, SimDuration::from_mins(5));
            assert_eq!(sw.phase, SimDuration::from_mins(1));
            assert_eq!(sw.jitter, Some(SimDuration::from_secs(30)));
            assert_eq!(sw.max_closures_per_run, Some(100));
            assert_eq!(sw.closures_per_second, Some(2.5));
            assert!(!sw.recheck);
        }
        other => panic!("expected a sweep, got {other:?}"),
    }
    assert_eq!(p.schedulers[1].kind, SchedulerKind::Exact);

    let open = p.rule(0, 0, State::Open);
    assert_eq!((open.timeout, open.clock, open.scheduler), (mins(60), Clock::StateEntered, 0));
    assert_eq!(p.rule(0, 0, State::Waiting).timeout, mins(24 * 60), "[policy] timeouts apply where nothing overrides");
    assert_eq!(p.rule(1, 0, State::Waiting).timeout, mins(4 * 60), "channel state beats [policy]");
    assert_eq!(p.rule(1, 1, State::Waiting).timeout, mins(2 * 60), "skill state beats channel state");
    assert_eq!(p.rule(0, 1, State::Waiting).timeout, mins(2 * 60));
    let waiting = p.rule(1, 0, State::Waiting);
    assert_eq!(waiting.clock, Clock::LastCustomerMessage);
    assert_eq!(waiting.scheduler, 1);
    assert!(!waiting.reader_resets_clock);
    assert!(!waiting.pending_consumer_only);
    assert!(p.rule(0, 1, State::Waiting).pending_consumer_only);
    assert!(p.rule(0, 0, State::Waiting).reader_resets_clock);
    assert_eq!(p.rule(0, 0, State::WrapUp).timeout, None);
    let active = p.rule(1, 0, State::Active);
    assert_eq!((active.timeout, active.action, active.scheduler), (mins(180), CloseAction::ToWrapUp, 0));
    assert_eq!(p.rule(1, 1, State::Active).scheduler, 1, "a skill layer beats a channel state layer");
    assert_eq!(p.rule(0, 0, State::Active).timeout, None);
    assert_eq!(p.rule(0, 0, State::Active).action, CloseAction::Close);
}

#[test]
fn presets_fill_in_the_documented_defaults() {
    let text = std::fs::read_to_string("tests/fixtures/valid/layered.toml").expect("fixture should be readable");
    // Keep everything before [policy] and put a preset policy in its place.
    let head = &text[..text.find("[policy]").expect("fixture has a policy")];
    let base = Path::new("tests/fixtures/valid");
    let with = |policy: &str| parse_str("preset.toml", &format!("{head}{policy}"), base, &[]);

    let s = with("[policy]\npreset = \"dynamics\"\n").unwrap_or_else(|d| panic!("{d}"));
    let p = &s.policy;
    assert_eq!(p.preset, Some(Preset::Dynamics));
    assert_eq!(p.schedulers[0].name, "dynamics_job");
    assert_eq!(p.rule(0, 0, State::Open).timeout, mins(20));
    assert_eq!(p.rule(0, 0, State::Open).clock, Clock::Created);
    assert_eq!(p.rule(0, 0, State::WrapUp).timeout, mins(15));
    assert_eq!(p.rule(0, 0, State::Active).timeout, None);
    assert_eq!(p.rule(1, 0, State::Open).timeout, mins(30 * 24 * 60));
    assert_eq!(p.rule(1, 0, State::Waiting).clock, Clock::LastActivity);

    let s = with("[policy]\npreset = \"liveperson\"\n[policy.skills.tech]\ntimeouts = { active = \"2h\" }\n")
        .unwrap_or_else(|d| panic!("{d}"));
    let p = &s.policy;
    assert_eq!(p.hard_cap, Some(SimDuration::from_days(90)));
    assert_eq!(p.rule(1, 1, State::Active).timeout, mins(120));
    assert_eq!(p.rule(1, 0, State::Active).timeout, mins(90 * 24 * 60));
    assert!(p.rule(1, 0, State::Waiting).pending_consumer_only);
    assert!(p.rule(1, 0, State::Waiting).exempt_manual_response_time);

    let s = with("[policy]\npreset = \"whatsapp4dynamics\"\n[policy.schedulers.w4d_flow]\ninterval = \"2h\"\n")
        .unwrap_or_else(|d| panic!("{d}"));
    let p = &s.policy;
    assert_eq!(p.rule(1, 0, State::Waiting).clock, Clock::LastCustomerMessage);
    assert_eq!(p.rule(1, 0, State::Waiting).timeout, mins(24 * 60));
    match &p.schedulers[0].kind {
        SchedulerKind::Sweep(sw) => assert_eq!(sw.interval, SimDuration::from_hours(2)),
        other => panic!("expected the flow's sweep, got {other:?}"),
    }

    let err = with("[policy]\npreset = \"whatsapp4dynamics\"\n[policy.schedulers.w4d_flow]\ninterval = \"6h\"\n")
        .unwrap_err();
    assert!(err.0[0].message.contains("whatsapp4dynamics: the flow runs every 12h, 2h, 1h or 30m, got 6h"), "{err}");
    let err = with("[policy]\npreset = \"liveperson\"\nhard_cap = \"none\"\n").unwrap_err();
    assert!(err.0[0].message.contains("after 90 days of inactivity"), "{err}");

    let s = with("[policy]\npreset = \"exact\"\ntimeouts = { waiting = \"1h\" }\n").unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(s.policy.schedulers[0].kind, SchedulerKind::Exact);
    assert_eq!(s.policy.rule(1, 0, State::Waiting).timeout, mins(60));
}

// ---------------------------------------------------------------- overrides

#[test]
fn set_changes_the_seed_and_keeps_the_source_text() {
    let s = load_with("scenarios/quickstart.toml", &["scenario.seed=7"]).unwrap_or_else(|d| panic!("{d:#?}"));
    assert_eq!(s.seed, 7);
    assert!(s.source_text.contains("seed = 7"));
}

#[test]
fn set_reaches_nested_tables_and_arrays_of_tables() {
    let s = load_with(
        "scenarios/quickstart.toml",
        &["policy.schedulers.main.interval=5m", "arrivals.2.rate_per_hour=20", "agents.tech_team.count=9"],
    )
    .unwrap_or_else(|d| panic!("{d:#?}"));
    match &s.policy.schedulers[0].kind {
        SchedulerKind::Sweep(sw) => assert_eq!(sw.interval, SimDuration::from_mins(5)),
        other => panic!("expected a sweep, got {other:?}"),
    }
    assert_eq!(s.arrivals[2].rate_per_hour, 20.0);
    assert_eq!(s.agent_groups[1].staffing, Staffing::Constant(9));
}

#[test]
fn a_bad_override_value_is_blamed_on_set() {
    let err = load_with("scenarios/quickstart.toml", &["policy.schedulers.main.interval=soon"]).unwrap_err();
    assert_eq!(err.len(), 1, "{err:#?}");
    let d = &err[0];
    assert_eq!((d.file.as_str(), d.line, d.column), ("--set", 0, 0));
    assert_eq!(d.field, "policy.schedulers.main.interval");
    assert!(d.message.ends_with(" (from --set policy.schedulers.main.interval=soon)"), "{d}");
}

#[test]
fn an_override_into_a_non_table_is_refused() {
    let err = load_with("scenarios/quickstart.toml", &["scenario.seed.x=1"]).unwrap_err();
    assert_eq!(err.len(), 1);
    assert_eq!(err[0].file, "--set");
    assert!(err[0].message.contains("is an integer, not a table"), "{}", err[0]);
    assert!(err[0].message.ends_with("(from --set scenario.seed.x=1)"));
}

#[test]
fn inserted_keys_keep_the_file_line_numbers_of_other_problems() {
    // `description` is inserted into [scenario] (a new line); the bad wrap-up further down
    // must still be reported at its line in the file.
    let err = load_with(
        "tests/fixtures/broken/wrap_up_90m.toml",
        &["scenario.description=added", "policy.schedulers.x.kind=sweep"],
    )
    .unwrap_err();
    let wrap =
        err.iter().find(|d| d.field == "skills.billing.wrap_up").expect("the wrap-up problem should be reported");
    assert_eq!((wrap.file.as_str(), wrap.line, wrap.column), ("tests/fixtures/broken/wrap_up_90m.toml", 10, 11));
    // The scheduler created by the override lacks its interval: blamed on the override.
    let sched = err
        .iter()
        .find(|d| d.field.starts_with("policy.schedulers.x"))
        .expect("the scheduler problem should be reported");
    assert_eq!(sched.file, "--set", "{sched}");
}

// ---------------------------------------------------------------- robustness

#[test]
fn no_input_panics_mutated_quickstart() {
    // Delete each line, and replace each value with values of every other type: the reader
    // must answer with diagnostics (or a scenario), never panic.
    let text = std::fs::read_to_string("scenarios/quickstart.toml").expect("quickstart should be readable");
    let lines: Vec<&str> = text.lines().collect();
    let base = Path::new("scenarios");
    let garbage = [
        "-1",
        "0",
        "1e308",
        "\"\"",
        "\"never\"",
        "true",
        "[]",
        "{}",
        "{ dist = \"mixture\", components = [] }",
        "\"1ms\"",
        "nan",
    ];
    for i in 0..lines.len() {
        let mut without = lines.clone();
        without.remove(i);
        let _ = parse_str("m.toml", &without.join("\n"), base, &[]);
        if let Some((key, _)) = lines[i].split_once(" = ") {
            for g in garbage {
                let mut changed = lines.clone();
                let replaced = format!("{key} = {g}");
                changed[i] = &replaced;
                let _ = parse_str("m.toml", &changed.join("\n"), base, &[]);
            }
        }
    }
    for bad in [
        "",
        "[",
        "[scenario",
        "x = 1",
        "[scenario]\nname = 1",
        "[[scenario]]",
        "arrivals = 5",
        "[policy]\npreset = \"dynamics\"",
    ] {
        assert!(parse_str("m.toml", bad, base, &[]).is_err(), "{bad:?} should be refused");
    }
}

// ---------------------------------------------------------------- hostile input (issue 15)

#[test]
fn start_date_beyond_year_9999_is_refused_with_the_range() {
    let d = only("start_date_far_future.toml");
    assert_diag(
        &d,
        5,
        14,
        "scenario.start_date",
        "must be a date from 1900-01-01 to 9999-12-31, got \"+262142-12-31\"",
    );
    let d = only("start_date_year_zero.toml");
    assert_diag(&d, 5, 14, "scenario.start_date", "must be a date from 1900-01-01 to 9999-12-31, got \"0000-01-01\"");
}

#[test]
fn start_date_plus_horizon_must_end_by_9999_12_31() {
    let d = only("start_date_horizon_past_9999.toml");
    assert_diag(
        &d,
        5,
        14,
        "scenario.start_date",
        "start_date + horizon (1d) must end by 9999-12-31: start by 9999-12-30",
    );
    // The last start a 1-day horizon allows, and the first year allowed.
    for ok in ["9999-12-30", "1900-01-01"] {
        let set = format!("scenario.start_date={ok}");
        assert!(load_with("tests/fixtures/broken/start_date_horizon_past_9999.toml", &[&set]).is_ok(), "{ok}");
    }
    let err = load_with("scenarios/quickstart.toml", &["scenario.start_date=-0001-01-01"]).unwrap_err();
    assert!(err[0].message.starts_with("must be a date from 1900-01-01 to 9999-12-31"), "{}", err[0]);
    let err = load_with("scenarios/quickstart.toml", &["scenario.start_date=+10000-01-01"]).unwrap_err();
    assert!(err[0].message.starts_with("must be a date from 1900-01-01 to 9999-12-31"), "{}", err[0]);
}

#[test]
fn exchanges_are_bounded_counts() {
    let d = only("exchanges_1e300.toml");
    assert_diag(
        &d,
        21,
        13,
        "behaviour.exchanges",
        "a count's value (constant, mean, median, scale, max or sample) must be at most 1000, got 1e300",
    );
    let d = only("exchanges_mean_too_high.toml");
    assert_diag(&d, 21, 13, "behaviour.exchanges", "must be at most 1000, got 5000");
    let ok = load_with("tests/fixtures/broken/exchanges_1e300.toml", &["behaviour.exchanges=1000"]);
    assert!(ok.is_ok(), "{ok:?}");
}

#[test]
fn durations_take_each_unit_once_largest_first() {
    let msg = |s: &str| format!("{s:?}: each unit at most once, largest first (d, h, m, s, ms), e.g. 1h30m");
    assert_diag(&only("duration_repeated_unit.toml"), 5, 10, "scenario.warmup", &msg("1h1h"));
    assert_diag(&only("duration_out_of_order.toml"), 5, 10, "scenario.warmup", &msg("30m1h"));
}

#[test]
fn months_and_years_are_refused_by_name() {
    let msg =
        |s: &str| format!("{s:?}: months, years and weeks vary in length or are not units here: write days, e.g. 30d");
    assert_diag(&only("duration_month.toml"), 5, 10, "scenario.warmup", &msg("1month"));
    assert_diag(&only("duration_year_ms.toml"), 5, 10, "scenario.warmup", &msg("1y1ms"));
}

#[test]
fn a_rate_is_bounded_after_its_multipliers_at_the_stream() {
    let d = only("rate_after_multipliers.toml");
    assert_diag(
        &d,
        15,
        1,
        "arrivals.0",
        "rate_per_hour x largest intraday x largest weekly multiplier must be at most 1000000 per hour, got 900000 x 2 x 1 = 1800000",
    );
}

#[test]
fn scenario_names_are_short_and_safe_in_a_file_name() {
    assert_diag(&only("name_too_long.toml"), 3, 8, "scenario.name", "a name is at most 100 characters, got 101");
    assert_diag(
        &only("name_with_slash.toml"),
        3,
        8,
        "scenario.name",
        "names may use only a-z, 0-9, _ and -, got \"../escape\"",
    );
}

#[test]
fn huge_values_are_echoed_cut_to_40_characters() {
    let d = only("huge_value_echo.toml");
    let nines = "9".repeat(40);
    assert_diag(
        &d,
        5,
        8,
        "scenario.seed",
        &format!("expected an integer from 0 to 9223372036854775807, got a string \"{nines}...\""),
    );
    assert!(d.message.len() < 150, "{d}");
}

#[test]
fn a_syntax_error_is_one_line() {
    let d = only("syntax_two_line_message.toml");
    assert_eq!(
        d.to_string(),
        "tests/fixtures/broken/syntax_two_line_message.toml:2:10: invalid TOML: invalid table header; expected `.`, `]`"
    );
}

#[test]
fn a_sweep_rate_is_bounded() {
    let d = only("closures_per_second_huge.toml");
    assert_diag(
        &d,
        27,
        23,
        "policy.schedulers.main.closures_per_second",
        "must be a rate > 0 and at most 1000000 per second, got 1e300",
    );
}

#[test]
fn a_file_that_is_not_utf8_is_reported_at_its_first_bad_byte() {
    let d = only("not_utf8.toml");
    assert_eq!(
        d.to_string(),
        "tests/fixtures/broken/not_utf8.toml:3:22: the file is not UTF-8 text: byte 0xe9 cannot start a character here"
    );
}

#[test]
fn an_unknown_key_from_set_is_blamed_on_set_with_the_closest_keys() {
    let err = load_with("scenarios/quickstart.toml", &["agents.generalists.cont=3"]).unwrap_err();
    assert_eq!(err.len(), 1, "{err:#?}");
    assert_eq!(
        err[0].to_string(),
        "--set: agents.generalists.cont: unknown key `cont`; did you mean `count`? (from --set agents.generalists.cont=3); \
         the closest valid keys are: agents.generalists.count, agents.generalists, agents.generalists.capacity, \
         agents.generalists.skills, agents.generalists.shift_end"
    );
    // A new key in a table the file has: still the override's, not the table's line.
    let err = load_with("scenarios/quickstart.toml", &["scenario.horizn=2d"]).unwrap_err();
    assert_eq!(err.len(), 1, "{err:#?}");
    assert_eq!((err[0].file.as_str(), err[0].line, err[0].column), ("--set", 0, 0));
    assert!(err[0].message.starts_with("unknown key `horizn`; did you mean `horizon`? (from --set scenario.horizn=2d); the closest valid keys are: scenario.horizon,"), "{}", err[0]);
}

#[test]
fn a_set_under_a_table_the_scenario_lacks_is_an_unknown_key_not_a_missing_one() {
    // `generalist` for `generalists`: the override would create a new group and the reader
    // would ask for its skills.
    let err = load_with("scenarios/quickstart.toml", &["agents.generalist.count=3"]).unwrap_err();
    assert_eq!(err.len(), 1, "{err:#?}");
    assert_eq!(
        err[0].to_string(),
        "--set: agents.generalist.count: unknown key: the scenario has no `agents.generalist` (from --set \
         agents.generalist.count=3); the closest valid keys are: agents.generalists.count, agents.generalists, \
         agents.generalists.capacity, agents.generalists.skills, agents.generalists.shift_end"
    );
    // A whole new table, and a documented key of a declared channel, are still allowed.
    let ok = ["agents.extra={count=2, skills=[\"billing\"], capacity=2}", "policy.channels.webchat.timeouts.active=1h"];
    assert!(load_with("scenarios/quickstart.toml", &ok).is_ok());
}

#[test]
fn counts_of_tables_are_bounded() {
    let mut text =
        std::fs::read_to_string("tests/fixtures/broken/unknown_key.toml").expect("fixture should be readable");
    text = text.replace("replicatons = 3\n", "");
    for i in 0..101 {
        text.push_str(&format!("\n[channels.c{i}]\nkind = \"messaging\"\n"));
    }
    let err = parse_str("many.toml", &text, Path::new("."), &[]).unwrap_err();
    let d = err.iter().find(|d| d.field == "channels").expect("the channel count should be refused");
    assert_eq!((d.line, d.column), (6, 2), "at `channels` in the first header");
    assert_eq!(d.message, "at most 100 of them (each channel), got 102");
}

#[test]
fn the_busiest_rates_of_all_streams_together_are_bounded() {
    let err = load_with(
        "scenarios/quickstart.toml",
        &["arrivals.0.rate_per_hour=400000", "arrivals.1.rate_per_hour=400000", "arrivals.2.rate_per_hour=400000"],
    )
    .unwrap_err();
    assert_eq!(err.len(), 1, "{err:#?}");
    // 400000 x 1.6 = 640000 for each of the first two streams: the second crosses 1000000.
    assert_eq!(
        (err[0].file.as_str(), err[0].line, err[0].column, err[0].field.as_str()),
        ("scenarios/quickstart.toml", 60, 1, "arrivals.1")
    );
    assert_eq!(
        err[0].message,
        "the streams' busiest rates (rate_per_hour x largest intraday x largest weekly multiplier) add up to more than 1000000 per hour here: 1280000"
    );
}

#[test]
fn a_profile_value_that_is_not_a_number_is_shown_with_the_range() {
    let d = only("weekly_string.toml");
    assert_diag(
        &d,
        19,
        16,
        "arrivals.0.weekly.1",
        "expected a number (must be a multiplier from 0 to 1000), got a string \"x\"",
    );
}
