//! Auto-close policies: the documents' worked examples with exact timestamps, every condition,
//! batch limits, race closures, re-contacts, several sweeps and the presets' range rules.

use autoclose::engine::{self, CloseReason, ConversationRecord, Observer, SweepRecord};
use autoclose::model::state::State;
use autoclose::policy::{eligible_at, Clock, Eligibility, Readings, SchedulerKind, SweepSpec};
use autoclose::scenario::{load_file, overrides::Override, parse_str, Scenario};
use autoclose::time::{SimDuration, SimTime, MS_PER_DAY, MS_PER_HOUR, MS_PER_MIN};
use std::path::Path;

fn at(day: u64, hour: u64, min: u64) -> SimTime {
    SimTime(day * MS_PER_DAY + hour * MS_PER_HOUR + min * MS_PER_MIN)
}

fn load(path: &str, overrides: &[(&str, &str)]) -> Scenario {
    let ov: Vec<Override> =
        overrides.iter().map(|(k, v)| Override { key: k.to_string(), value: v.to_string() }).collect();
    load_file(Path::new(path), &ov).unwrap_or_else(|d| panic!("{path}: {d}"))
}

fn load_err(path: &str, overrides: &[(&str, &str)]) -> String {
    let ov: Vec<Override> =
        overrides.iter().map(|(k, v)| Override { key: k.to_string(), value: v.to_string() }).collect();
    match load_file(Path::new(path), &ov) {
        Ok(_) => panic!("{path} with {overrides:?} should be refused"),
        Err(d) => d.to_string(),
    }
}

fn sweep(s: &Scenario, name: &str) -> SweepSpec {
    let sc = s.policy.schedulers.iter().find(|x| x.name == name).expect("scheduler");
    match &sc.kind {
        SchedulerKind::Sweep(spec) => spec.clone(),
        SchedulerKind::Exact => panic!("{name} is not a sweep"),
    }
}

fn channel(s: &Scenario, name: &str) -> usize {
    s.channels.iter().position(|c| c.name == name).expect("channel")
}

fn skill(s: &Scenario, name: &str) -> usize {
    s.skills.iter().position(|c| c.name == name).expect("skill")
}

/// Readings of a conversation silent since `last` (agent's message), created at `created`.
fn silent_since(state: State, created: SimTime, last: SimTime, last_customer: SimTime) -> Readings {
    Readings {
        state,
        created,
        state_entered: created,
        state_modified: created,
        wrap_up_initiated: None,
        last_activity: last,
        last_activity_excluding_reader: last,
        last_customer_message: last_customer,
        pending_consumer_since: Some(last),
        manual_response_time: false,
    }
}

#[derive(Default)]
struct Recorder {
    records: Vec<ConversationRecord>,
    sweeps: Vec<SweepRecord>,
}

impl Observer for Recorder {
    fn conversation(&mut self, rec: &ConversationRecord) {
        self.records.push(rec.clone());
    }
    fn sweep_run(&mut self, rec: &SweepRecord) {
        self.sweeps.push(rec.clone());
    }
}

fn simulate(s: &Scenario, replication: u32) -> Recorder {
    let mut r = Recorder::default();
    engine::run(s, replication, &mut r, None).expect("no engine bug");
    r
}

fn auto_closed(r: &Recorder) -> Vec<&ConversationRecord> {
    r.records.iter().filter(|c| c.reason.is_some_and(CloseReason::is_auto)).collect()
}

// ---- LivePerson (seed 001) -----------------------------------------------------------------

#[test]
fn liveperson_two_hours_after_1pm_closes_between_3_and_3_25_pm() {
    let s = load("scenarios/liveperson.toml", &[]);
    let rule = s.policy.rule(channel(&s, "web_messaging"), skill(&s, "sales"), State::Active);
    assert_eq!((rule.clock, rule.timeout), (Clock::LastActivity, Some(SimDuration::from_hours(2))));
    let r = silent_since(State::Active, at(0, 12, 0), at(0, 13, 0), at(0, 12, 50));
    let e = eligible_at(rule, s.policy.hard_cap, &r).expect("eligible");
    assert_eq!(e, Eligibility::Rule(at(0, 15, 0)));
    let mut spec = sweep(&s, "liveperson_sweep");
    assert_eq!(spec.interval, SimDuration::from_mins(25));
    // Whatever the sweep's phase, the closure falls in [3:00 pm, 3:25 pm).
    for phase_min in 0..25 {
        spec.phase = SimDuration::from_mins(phase_min);
        let closed = spec.first_run_at_or_after(e.at());
        assert!(closed >= at(0, 15, 0) && closed < at(0, 15, 25), "phase {phase_min}: {closed}");
    }
    // With runs at hh:10, hh:35, 11:00, ...: 14:45 is too early, 15:10 closes it.
    spec.phase = SimDuration::from_mins(10);
    assert_eq!(spec.first_run_at_or_after(e.at()), at(0, 15, 10));
    spec.phase = SimDuration::ZERO;
    assert_eq!(spec.first_run_at_or_after(e.at()), at(0, 15, 0), "run 36 of a 25-minute cadence is 15:00");
}

#[test]
fn liveperson_engine_closes_at_the_first_run_after_inactivity_plus_timeout() {
    let s = load("scenarios/liveperson.toml", &[("policy.schedulers.liveperson_sweep.phase", "10m")]);
    let spec = sweep(&s, "liveperson_sweep");
    let r = simulate(&s, 0);
    let closed = auto_closed(&r);
    assert!(closed.len() > 50);
    for c in closed {
        let rule = s.policy.rule(c.meta.channel as usize, c.meta.skill as usize, c.last_state);
        let timeout = rule.timeout.expect("a timeout");
        assert_eq!(c.eligible_at, Some(c.last_activity + timeout), "eligible = last activity + timeout");
        assert_eq!(c.closed, Some(spec.first_run_at_or_after(c.eligible_at.unwrap())));
    }
}

#[test]
fn liveperson_refuses_a_timeout_outside_25_minutes_to_90_days() {
    let err = load_err("scenarios/liveperson.toml", &[("policy.skills.sales.timeouts", "{ active = \"10m\" }")]);
    assert!(err.contains("liveperson: auto-close timeout must be between 25m and 90d, got 10m"), "{err}");
    let text = std::fs::read_to_string("scenarios/liveperson.toml").unwrap();
    let bad = text.replace(
        "timeouts = { active = \"4h\", waiting = \"4h\" }",
        "timeouts = { active = \"91d\", waiting = \"4h\" }",
    );
    let line = bad.lines().position(|l| l.contains("91d")).unwrap() + 1;
    let err = parse_str("scenarios/liveperson.toml", &bad, Path::new("scenarios"), &[]).unwrap_err().to_string();
    assert!(err.contains(&format!("scenarios/liveperson.toml:{line}:")), "{err}");
    assert!(err.contains("got 91d"), "{err}");
}

#[test]
fn pending_consumer_only_never_closes_a_conversation_awaiting_the_agent() {
    // Agents take an hour to answer, customers answer within minutes: every silence longer than
    // the 25-minute timeout is the agent's.
    let common = [
        ("behaviour.agent_response", "1h"),
        ("behaviour.customer_response", "{ dist = \"exponential\", mean = \"30s\" }"),
        ("behaviour.reader_per_hour", "0"),
        ("policy.skills.sales.timeouts", "{ active = \"25m\", waiting = \"25m\" }"),
        ("policy.skills.care.timeouts", "{ active = \"25m\", waiting = \"25m\" }"),
        ("agents.care_team.count", "40"),
    ];
    let s = load("scenarios/liveperson.toml", &common);
    assert!(auto_closed(&simulate(&s, 0)).is_empty(), "LivePerson closes only pending a consumer response");
    let mut off = common.to_vec();
    off.push(("policy.pending_consumer_only", "false"));
    let s = load("scenarios/liveperson.toml", &off);
    assert!(auto_closed(&simulate(&s, 0)).len() > 100, "without the condition the agent's silence closes them");
}

#[test]
fn manual_response_time_exempts_from_auto_close() {
    let s = load("scenarios/liveperson.toml", &[("behaviour.manual_response_probability", "1.0")]);
    let r = simulate(&s, 0);
    assert!(auto_closed(&r).is_empty(), "every conversation has a manual response time");
    let s = load(
        "scenarios/liveperson.toml",
        &[("behaviour.manual_response_probability", "1.0"), ("policy.exempt_manual_response_time", "false")],
    );
    assert!(auto_closed(&simulate(&s, 0)).len() > 50, "with the exemption off they close");
}

#[test]
fn a_reader_join_moves_eligibility() {
    let base = [("behaviour.reader_per_hour", "3.0")];
    let with_reset = simulate(&load("scenarios/liveperson.toml", &base), 0);
    let mut no = base.to_vec();
    no.push(("policy.reader_resets_clock", "false"));
    let without = simulate(&load("scenarios/liveperson.toml", &no), 0);
    let mean_wait = |r: &Recorder| {
        let v: Vec<f64> = auto_closed(r)
            .iter()
            .map(|c| (c.eligible_at.unwrap().ms() - c.last_customer_message.ms()) as f64)
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    // Reader joins reset the clock: eligibility comes later after the customer's last word.
    assert!(mean_wait(&with_reset) > mean_wait(&without) * 1.05, "reader joins should delay eligibility");
    // And eligibility is then exactly the last activity (reader joins included) plus the timeout.
    for c in auto_closed(&with_reset) {
        let t = s_timeout(&load("scenarios/liveperson.toml", &base), c);
        assert_eq!(c.eligible_at, Some(c.last_activity + t));
    }
    // Without the reset, some conversations closed although a reader joined after the timer
    // started: last activity (a reader join) is later than eligibility minus the timeout.
    let s = load("scenarios/liveperson.toml", &no);
    assert!(auto_closed(&without).iter().any(|c| c.eligible_at.unwrap() < c.last_activity + s_timeout(&s, c)));
}

fn s_timeout(s: &Scenario, c: &ConversationRecord) -> SimDuration {
    s.policy.rule(c.meta.channel as usize, c.meta.skill as usize, c.last_state).timeout.expect("timeout")
}

#[test]
fn the_90_day_hard_cap_closes_whatever_the_setting() {
    // Every conversation is parked in silence with a manual response time, so LivePerson's rule
    // never closes it; the 90-day protection still does.
    let text = r#"
[scenario]
name = "hard_cap"
horizon = "93d"
seed = 5
replications = 1
bucket = "1d"
[channels.web]
kind = "messaging"
[skills.care]
wrap_up = "never"
[agents.team]
count = 2
skills = ["care"]
capacity = 5
[[arrivals]]
channel = "web"
skill = "care"
rate_per_hour = 1.0
[behaviour]
exchanges = 1
customer_response = "never"
park_probability = 1.0
park_delay = "1m"
manual_response_probability = 1.0
[policy]
preset = "liveperson"
"#;
    let s = parse_str("hard_cap.toml", text, Path::new("."), &[]).expect("valid");
    let r = simulate(&s, 0);
    let closed = auto_closed(&r);
    assert!(closed.len() > 50);
    for c in &closed {
        assert_eq!(c.reason, Some(CloseReason::HardCap(State::Waiting)));
        assert_eq!(c.eligible_at, Some(c.last_activity + SimDuration::from_days(90)));
        assert!(c.closed.unwrap() >= c.meta.created + SimDuration::from_days(90));
    }
    let err = parse_str("hard_cap.toml", &format!("{text}hard_cap = \"100d\"\n"), Path::new("."), &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("liveperson: the hard cap cannot be turned off or changed"), "{err}");
}

// ---- Dynamics (seeds 000, 002) -------------------------------------------------------------

#[test]
fn dynamics_five_minutes_with_the_job_24_hours_later_closes_when_the_job_runs() {
    let s = load(
        "scenarios/dynamics.toml",
        &[
            ("policy.channels.live_chat.timeouts", "{ open = \"5m\" }"),
            ("policy.schedulers.dynamics_job.interval", "24h"),
            ("policy.schedulers.dynamics_job.phase", "10h"),
            // Short-staffed, so that some chats wait in the queue longer than 5 minutes.
            ("agents.support_team.count", "9"),
        ],
    );
    let rule = s.policy.rule(channel(&s, "live_chat"), skill(&s, "support"), State::Open);
    assert_eq!((rule.clock, rule.timeout), (Clock::Created, Some(SimDuration::from_mins(5))));
    let mut r = silent_since(State::Open, at(0, 10, 0), at(0, 10, 0), at(0, 10, 0));
    r.pending_consumer_since = None;
    let e = eligible_at(rule, None, &r).expect("eligible").at();
    assert_eq!(e, at(0, 10, 5));
    // The job ran at 10:00 and runs again 24 hours later: closed then, not at 10:05.
    assert_eq!(sweep(&s, "dynamics_job").first_run_at_or_after(e), at(1, 10, 0));

    // In the engine: every Open auto-closure waits for the next daily run.
    let spec = sweep(&s, "dynamics_job");
    let rec = simulate(&s, 0);
    let open_closed: Vec<_> =
        auto_closed(&rec).into_iter().filter(|c| c.reason == Some(CloseReason::AutoClose(State::Open))).collect();
    assert!(!open_closed.is_empty());
    for c in open_closed {
        assert_eq!(c.eligible_at, Some(c.meta.created + SimDuration::from_mins(5)), "counted from createdon");
        assert_eq!(c.closed, Some(spec.first_run_at_or_after(c.eligible_at.unwrap())));
        assert_eq!(c.closed.unwrap().ms() % MS_PER_DAY, 10 * MS_PER_HOUR, "closed at the job's 10:00 run");
    }
}

#[test]
fn dynamics_counts_wrap_up_from_its_initiation_and_waiting_from_last_activity() {
    let s = load("scenarios/dynamics.toml", &[]);
    let (lc, sms, sk) = (channel(&s, "live_chat"), channel(&s, "sms"), skill(&s, "support"));
    let wrap = s.policy.rule(lc, sk, State::WrapUp);
    let mut r = silent_since(State::WrapUp, at(0, 9, 0), at(0, 9, 40), at(0, 9, 30));
    r.wrap_up_initiated = Some(at(0, 9, 45));
    r.state_entered = at(0, 9, 45);
    assert_eq!(eligible_at(wrap, None, &r).unwrap().at(), at(0, 10, 0), "15 minutes after wrap-up began");
    let waiting = s.policy.rule(sms, sk, State::Waiting);
    assert_eq!((waiting.clock, waiting.timeout), (Clock::LastActivity, Some(SimDuration::from_days(1))));
    assert_eq!(s.policy.rule(lc, sk, State::Active).timeout, None, "Live Chat - Active: none (seed 000)");
    assert_eq!(sweep(&s, "dynamics_job").interval, SimDuration::from_mins(5));
    let err = load_err("scenarios/dynamics.toml", &[("policy.channels.live_chat.timeouts", "{ open = \"90s\" }")]);
    assert!(err.contains("dynamics: msdyn_autocloseliveworkitemafter is in whole minutes, got 90s"), "{err}");
}

// ---- WhatsApp4Dynamics (seed 003) ----------------------------------------------------------

#[test]
fn whatsapp4dynamics_24h_after_3pm_with_flow_at_2am_and_2pm_closes_at_2am_day_2() {
    let s = load("scenarios/whatsapp4dynamics.toml", &[]);
    let (ch, sk) = (channel(&s, "whatsapp"), skill(&s, "service"));
    let rule = s.policy.rule(ch, sk, State::Waiting);
    assert_eq!((rule.clock, rule.timeout), (Clock::LastCustomerMessage, Some(SimDuration::from_hours(24))));
    let r = silent_since(State::Waiting, at(0, 14, 0), at(0, 15, 5), at(0, 15, 0));
    let e = eligible_at(rule, None, &r).unwrap().at();
    assert_eq!(e, at(1, 15, 0), "eligible 3:00 pm the next day");
    let spec = sweep(&s, "w4d_flow");
    assert_eq!(spec.nominal_run(1), at(0, 14, 0), "the flow last ran at 2:00 pm");
    assert_eq!(spec.first_run_at_or_after(e), at(2, 2, 0), "2:00 am the day after, not the document's 3:00 am");

    let rec = simulate(&s, 0);
    let closed = auto_closed(&rec);
    assert!(closed.len() > 100);
    for c in closed {
        // 24 hours after the customer's last message, and no earlier than entry into the state.
        let expected = (c.last_customer_message + SimDuration::from_hours(24)).max(c.state_entered);
        assert_eq!(c.eligible_at, Some(expected));
        let t = c.closed.unwrap();
        assert_eq!(t, spec.first_run_at_or_after(c.eligible_at.unwrap()), "{c:?}");
        assert!(matches!((t.ms() % MS_PER_DAY) / MS_PER_HOUR, 2 | 14), "the flow runs at 02:00 and 14:00");
    }
    // "All open states": Wrap-up closes 24 h after the customer's last message too.
    assert_eq!(s.policy.rule(ch, sk, State::WrapUp).timeout, Some(SimDuration::from_hours(24)));
    let err = load_err("scenarios/whatsapp4dynamics.toml", &[("policy.schedulers.w4d_flow.interval", "3h")]);
    assert!(err.contains("whatsapp4dynamics: the flow runs every 12h, 2h, 1h or 30m, got 3h"), "{err}");
}

// ---- Scheduler limits ----------------------------------------------------------------------

#[test]
fn batch_limits_defer_the_oldest_last_and_close_later() {
    let s = load("scenarios/quickstart.toml", &[("policy.schedulers.main.max_closures_per_run", "2")]);
    let r = simulate(&s, 0);
    assert!(r.sweeps.iter().all(|w| w.closed <= 2));
    assert!(r.sweeps.iter().any(|w| w.deferred > 0), "some runs hit the limit");
    let interval = sweep(&s, "main").interval.ms();
    let lat: Vec<u64> = auto_closed(&r).iter().map(|c| c.closed.unwrap().ms() - c.eligible_at.unwrap().ms()).collect();
    assert!(lat.iter().any(|&l| l >= interval), "deferred conversations close at a later run");
    // Oldest eligible first: within a run, what is closed was eligible no later than what waits.
    let unlimited = simulate(&load("scenarios/quickstart.toml", &[]), 0);
    assert!(auto_closed(&unlimited).len() >= auto_closed(&r).len());
}

#[test]
fn race_closures_happen_only_with_recheck_off() {
    let slow = [("policy.schedulers.main.closures_per_second", "0.01")];
    let mut off = slow.to_vec();
    off.push(("policy.schedulers.main.recheck", "false"));
    let with = simulate(&load("scenarios/quickstart.toml", &slow), 0);
    let without = simulate(&load("scenarios/quickstart.toml", &off), 0);
    assert!(with.records.iter().all(|c| !c.race));
    assert_eq!(with.sweeps.iter().map(|w| w.race_closures).sum::<u64>(), 0);
    assert!(with.sweeps.iter().map(|w| w.rescued).sum::<u64>() > 0, "rechecking rescues customers who wrote");
    let races: Vec<_> = without.records.iter().filter(|c| c.race).collect();
    assert!(!races.is_empty(), "without recheck a customer who wrote meanwhile is closed anyway");
    assert_eq!(races.len() as u64, without.sweeps.iter().map(|w| w.race_closures).sum::<u64>());
    // Closures inside a run are spread at the closure rate: 100 s apart.
    assert!(without.sweeps.iter().any(|w| w.duration >= SimDuration::from_secs(100)));
}

#[test]
fn jitter_delays_each_run_within_its_bound() {
    let s = load("scenarios/quickstart.toml", &[("policy.schedulers.main.jitter", "3m")]);
    let spec = sweep(&s, "main");
    let r = simulate(&s, 0);
    assert!(r.sweeps.len() > 100);
    let late: Vec<u64> = r.sweeps.iter().map(|w| w.started.ms() - spec.nominal_run(w.run).ms()).collect();
    assert!(late.iter().all(|&l| l < 3 * MS_PER_MIN));
    assert!(late.iter().any(|&l| l > 0) && late.iter().collect::<std::collections::HashSet<_>>().len() > 50);
}

#[test]
fn recontacts_link_to_premature_closures() {
    let r = simulate(&load("scenarios/quickstart.toml", &[]), 0);
    let premature: Vec<_> = r.records.iter().filter(|c| c.premature).collect();
    let recontacts: Vec<_> = r.records.iter().filter(|c| c.recontact_of.is_some()).collect();
    assert!(!recontacts.is_empty() && recontacts.len() <= premature.len());
    for rc in &recontacts {
        let parent = r.records.iter().find(|p| Some(p.meta.id) == rc.recontact_of).expect("the parent");
        assert!(parent.premature && parent.reason.is_some_and(CloseReason::is_auto));
        assert!(rc.meta.created > parent.closed.unwrap(), "the customer wrote after the closure");
        assert_eq!((rc.meta.channel, rc.meta.skill), (parent.meta.channel, parent.meta.skill));
    }
    assert!(r.records.iter().filter(|c| c.premature).all(|c| c.reason.is_some_and(CloseReason::is_auto)));
}

#[test]
fn several_sweeps_coexist_one_per_channel() {
    let s = load(
        "scenarios/quickstart.toml",
        &[
            ("policy.schedulers.fast.kind", "sweep"),
            ("policy.schedulers.fast.interval", "5m"),
            ("policy.channels.webchat.scheduler", "fast"),
            ("policy.channels.webchat.timeouts", "{ open = \"3m\" }"),
        ],
    );
    let r = simulate(&s, 0);
    let fast = s.policy.schedulers.iter().position(|x| x.name == "fast").unwrap();
    let main = s.policy.schedulers.iter().position(|x| x.name == "main").unwrap();
    assert!(r.sweeps.iter().any(|w| w.scheduler == fast) && r.sweeps.iter().any(|w| w.scheduler == main));
    let web = channel(&s, "webchat") as u16;
    for c in auto_closed(&r) {
        let lat = c.closed.unwrap().ms() - c.eligible_at.unwrap().ms();
        let bound = if c.meta.channel == web { 5 } else { 25 } * MS_PER_MIN;
        assert!(lat < bound, "latency {lat} under its own sweep's interval {bound}");
    }
    assert!(auto_closed(&r).iter().any(|c| c.meta.channel == web));
}

#[test]
fn transfers_move_conversations_to_another_skill() {
    let s = load(
        "scenarios/quickstart.toml",
        &[
            ("behaviour.transfer_per_hour", "3.0"),
            ("behaviour.skills.tech.transfer_to", "[\"billing\"]"),
            ("behaviour.skills.billing.transfer_to", "[\"tech\"]"),
        ],
    );
    let r = simulate(&s, 0);
    let moved: Vec<_> = r.records.iter().filter(|c| c.transfers > 0).collect();
    assert!(moved.len() > 20);
}

#[test]
fn dynamics_voice_auto_close_moves_active_to_wrap_up_not_closed() {
    // Microsoft's product page: voice "Active 2 h" auto-close moves the conversation to Wrap-up.
    let text = r#"
[scenario]
name = "voice"
horizon = "2d"
seed = 3
replications = 1
[channels.voice]
kind = "live_chat"
msdyn_channel = 192370000
[skills.calls]
wrap_up = "always"
[agents.team]
count = 30
skills = ["calls"]
capacity = 1
[[arrivals]]
channel = "voice"
skill = "calls"
rate_per_hour = 6.0
[behaviour]
exchanges = 1
customer_response = { dist = "mixture", components = [ { weight = 0.7, dist = "exponential", mean = "2m" }, { weight = 0.3, dist = "never" } ] }
wrap_up = "5m"
[policy]
preset = "dynamics"
"#;
    let s = parse_str("voice.toml", text, Path::new("."), &[]).expect("valid");
    let rule = s.policy.rule(0, 0, State::Active);
    assert_eq!(
        (rule.timeout, rule.action),
        (Some(SimDuration::from_hours(2)), autoclose::policy::CloseAction::ToWrapUp)
    );
    let r = simulate(&s, 0);
    assert!(r.records.iter().all(|c| c.reason != Some(CloseReason::AutoClose(State::Active))));
    let spec = sweep(&s, "dynamics_job");
    // Silent callers: wrap-up begins at the first 5-minute job run after 2 h from creation.
    let moved: Vec<_> = r
        .records
        .iter()
        .filter(|c| c.wrap_up_initiated.is_some_and(|w| w >= c.meta.created + SimDuration::from_hours(2)))
        .collect();
    assert!(moved.len() > 10);
    for c in &moved {
        let eligible = (c.meta.created + SimDuration::from_hours(2)).max(c.first_assigned.unwrap());
        assert_eq!(c.wrap_up_initiated, Some(spec.first_run_at_or_after(eligible)));
        assert!(c.auto_wrap_up, "the export says the rule moved it");
    }
    // The summary counts the same moves, with their latency.
    let mut metrics = autoclose::metrics::Metrics::new(&s, 0);
    let stats = engine::run(&s, 0, &mut metrics, None).unwrap();
    let report = metrics.finish(stats);
    let o = report.overall();
    let all_moves = r.records.iter().filter(|c| c.auto_wrap_up).count() as f64;
    assert_eq!(o.get(autoclose::metrics::Metric::AutoMovedToWrapUp), Some(all_moves));
    assert!(o.get(autoclose::metrics::Metric::LatencyP99S).unwrap() < 300.0, "within the 5-minute job");
}
