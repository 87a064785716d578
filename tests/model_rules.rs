//! The model's rules one by one, with exact expectations: wrap-up capacity, routing, silent and
//! zombie capacity, cohort attribution with transfers, queue abandonment, `never` delays,
//! silence after a transfer, and inputs at the edge of the representable.

use autoclose::engine::{self, Both, CloseReason, ConvMeta, ConversationRecord, Observer, SweepRecord};
use autoclose::metrics::{Breakdown, Metric, Metrics, RepReport};
use autoclose::model::state::State;
use autoclose::scenario::{load_file, overrides::Override, parse_str, Scenario};
use autoclose::time::{SimDuration, SimTime, MS_PER_HOUR};
use std::collections::HashMap;
use std::path::Path;

fn ov(pairs: &[(&str, &str)]) -> Vec<Override> {
    pairs.iter().map(|(k, v)| Override { key: k.to_string(), value: v.to_string() }).collect()
}

fn quickstart(pairs: &[(&str, &str)]) -> Scenario {
    load_file(Path::new("scenarios/quickstart.toml"), &ov(pairs)).unwrap_or_else(|d| panic!("{d}"))
}

#[derive(Default)]
struct Recorder {
    records: Vec<ConversationRecord>,
    sweeps: Vec<SweepRecord>,
    /// Per conversation: (time, delta) of every capacity change.
    capacity: HashMap<u64, Vec<(SimTime, i64)>>,
    assignments: Vec<(SimTime, u64)>,
}

impl Observer for Recorder {
    fn conversation(&mut self, rec: &ConversationRecord) {
        self.records.push(rec.clone());
    }
    fn sweep_run(&mut self, rec: &SweepRecord) {
        self.sweeps.push(rec.clone());
    }
    fn capacity(&mut self, t: SimTime, c: &ConvMeta, delta: i64) {
        self.capacity.entry(c.id).or_default().push((t, delta));
    }
    fn state_change(&mut self, t: SimTime, c: &ConvMeta, from: Option<(State, SimTime)>, to: State) {
        if matches!(from, Some((State::Open, _))) && to == State::Active {
            self.assignments.push((t, c.id));
        }
    }
}

fn simulate(s: &Scenario) -> (Recorder, RepReport) {
    let mut rec = Recorder::default();
    let mut metrics = Metrics::new(s, 0);
    let stats = engine::run(s, 0, &mut Both(&mut metrics, &mut rec), None).expect("no engine bug");
    (rec, metrics.finish(stats))
}

fn get(r: &RepReport, b: Breakdown, g: &str, m: Metric) -> f64 {
    r.row(b, g).unwrap_or_else(|| panic!("row {b:?} {g}")).get(m).unwrap_or_else(|| panic!("{}", m.name()))
}

#[test]
fn wrap_up_capacity_follows_the_skills_rule() {
    for (rule, check) in [("always", 0u8), ("never", 1), ("5m", 2)] {
        let s = quickstart(&[("skills.tech.wrap_up", rule), ("behaviour.wrap_up", "10m")]);
        let (rec, _) = simulate(&s);
        let tech = s.skills.iter().position(|k| k.name == "tech").unwrap() as u16;
        let mut seen = 0;
        for c in rec.records.iter().filter(|c| c.meta.skill == tech && c.reason == Some(CloseReason::AgentEnd)) {
            let Some(w) = c.wrap_up_initiated else { continue };
            let release = rec.capacity[&c.meta.id].iter().rev().find(|(_, d)| *d < 0).expect("released").0;
            let want = match check {
                0 => c.closed.unwrap(),
                1 => w,
                _ => w + SimDuration::from_mins(5),
            };
            assert_eq!(release, want, "wrap_up = {rule}");
            seen += 1;
        }
        assert!(seen > 50, "{rule}: {seen}");
    }
}

#[test]
fn routing_serves_the_longest_waiting_first() {
    // One skill, a busy queue: conversations leave it in the order they entered it (the choice
    // of agent by most free capacity is unit-tested in src/engine/routing.rs).
    let text = r#"
[scenario]
name = "routing"
horizon = "6h"
seed = 9
replications = 1
[channels.web]
kind = "live_chat"
[skills.s]
wrap_up = "never"
[agents.team]
count = 4
skills = ["s"]
capacity = 3
[[arrivals]]
channel = "web"
skill = "s"
rate_per_hour = 60.0
[behaviour]
exchanges = 2
agent_response = "1m"
customer_response = { dist = "exponential", mean = "4m" }
wrap_up = "0s"
"#;
    let s = parse_str("routing.toml", text, Path::new("."), &[]).unwrap();
    #[derive(Default)]
    struct Loads {
        waits: Vec<(SimTime, SimTime)>,
    }
    impl Observer for Loads {
        fn state_change(&mut self, t: SimTime, _c: &ConvMeta, from: Option<(State, SimTime)>, to: State) {
            if let (Some((State::Open, entered)), State::Active) = (from, to) {
                self.waits.push((entered, t));
            }
        }
    }
    let mut loads = Loads::default();
    engine::run(&s, 0, &mut loads, None).unwrap();
    // FIFO: among conversations that waited, assignments happen in the order of queue entry.
    let waited: Vec<_> = loads.waits.iter().filter(|(e, t)| t > e).collect();
    assert!(waited.len() > 20, "the queue was used");
    assert!(waited.windows(2).all(|w| w[0].0 <= w[1].0), "longest waiting first");
}

/// Customers who never answer, agents who never park: every silence holds one unit from the
/// agent's message until the 30-minute timeout (silent), then until the sweep (zombie).
fn silent_world(pairs: &[(&str, &str)]) -> Scenario {
    let mut all = vec![
        ("scenario.warmup", "0s"),
        ("behaviour.customer_response", "never"),
        ("behaviour.channels.whatsapp.customer_response", "never"),
        ("behaviour.channels.whatsapp.park_probability", "0"),
        ("behaviour.channels.webchat.disconnect", "never"),
        ("policy.channels.whatsapp.timeouts", "{ active = \"30m\" }"),
        ("policy.channels.webchat.timeouts", "{ active = \"30m\" }"),
        ("agents.generalists.count", "40"),
    ];
    all.extend_from_slice(pairs);
    quickstart(&all)
}

#[test]
fn silent_and_zombie_capacity_are_exact() {
    let s = silent_world(&[]);
    let (rec, report) = simulate(&s);
    let auto: Vec<_> = rec.records.iter().filter(|c| c.reason.is_some_and(CloseReason::is_auto)).collect();
    assert!(auto.len() > 100);
    // Silence starts at the agent's message and the timeout counts from it: 30 min each; a
    // silence still running at the horizon counts up to it (or to its eligibility).
    let horizon = SimTime(s.horizon.ms());
    let mut silent_ms = auto.len() as u64 * 30 * 60_000;
    for c in rec.records.iter().filter(|c| c.closed.is_none() && c.last_state == State::Active) {
        // No agent message yet: the assignment was the last activity, no silence began.
        if Some(c.last_activity) != c.last_assigned {
            silent_ms += horizon.min(c.last_activity + SimDuration::from_mins(30)).ms() - c.last_activity.ms();
        }
    }
    let silent_h = get(&report, Breakdown::Overall, "all", Metric::SilentCapacityHours);
    let want_h = silent_ms as f64 / MS_PER_HOUR as f64;
    assert!((silent_h - want_h).abs() < 1e-9, "{silent_h} vs {want_h}");
    // No customer ever writes again: every silence is unreplied.
    assert_eq!(get(&report, Breakdown::Overall, "all", Metric::SilentCapacityRepliedHours), 0.0);
    assert_eq!(get(&report, Breakdown::Overall, "all", Metric::SilentCapacityUnrepliedHours), silent_h);
    // Zombie: from eligibility to closure, and to the horizon for those still open.
    let mut zombie_ms: u64 = auto.iter().map(|c| c.closed.unwrap().ms() - c.eligible_at.unwrap().ms()).sum();
    for c in rec.records.iter().filter(|c| c.closed.is_none() && c.last_state == State::Active) {
        let e = c.last_activity + SimDuration::from_mins(30);
        zombie_ms += horizon.saturating_since(e).ms();
    }
    let zombie_h = get(&report, Breakdown::Overall, "all", Metric::ZombieCapacityHours);
    assert!((zombie_h - zombie_ms as f64 / MS_PER_HOUR as f64).abs() < 1e-6, "{zombie_h} vs {zombie_ms} ms");
}

#[test]
fn parked_conversations_count_the_capacity_held_before_parking() {
    let s = silent_world(&[
        ("behaviour.channels.whatsapp.park_probability", "1.0"),
        ("behaviour.channels.whatsapp.park_delay", "10m"),
        ("policy.channels.whatsapp.timeouts", "{ waiting = \"1h\" }"),
    ]);
    let (rec, report) = simulate(&s);
    let wa = s.channels.iter().position(|c| c.name == "whatsapp").unwrap() as u16;
    let parked_closed = rec
        .records
        .iter()
        .filter(|c| c.meta.channel == wa && c.reason == Some(CloseReason::AutoClose(State::Waiting)))
        .count();
    assert!(parked_closed > 100);
    // Each held its unit for the 10 minutes between the agent's message and the park; those
    // still open at the horizon too (parked, or silent for less than 10 minutes yet).
    let horizon = SimTime(s.horizon.ms());
    let mut silent_ms = parked_closed as u64 * 10 * 60_000;
    for c in rec.records.iter().filter(|c| c.meta.channel == wa && c.closed.is_none()) {
        match c.last_state {
            State::Waiting => silent_ms += 10 * 60_000,
            State::Active if Some(c.last_activity) != c.last_assigned => {
                silent_ms += horizon.min(c.last_activity + SimDuration::from_mins(10)).ms() - c.last_activity.ms()
            }
            _ => {}
        }
    }
    let silent_h = get(&report, Breakdown::Channel, "whatsapp", Metric::SilentCapacityHours);
    let want_h = silent_ms as f64 / MS_PER_HOUR as f64;
    assert!((silent_h - want_h).abs() < 1e-9, "{silent_h} vs {want_h}");
}

#[test]
fn cohort_figures_follow_the_arrival_skill_through_transfers() {
    let s = quickstart(&[("behaviour.transfer_per_hour", "4.0"), ("behaviour.transfer_to", "[\"billing\", \"tech\"]")]);
    let (rec, report) = simulate(&s);
    assert!(rec.records.iter().filter(|c| c.transfers > 0).count() > 50);
    for (b, g) in [
        (Breakdown::Overall, "all"),
        (Breakdown::Skill, "billing"),
        (Breakdown::Skill, "tech"),
        (Breakdown::Channel, "webchat"),
    ] {
        let arrived = get(&report, b, g, Metric::Arrived);
        let closed: f64 = [
            Metric::ClosedAgentEnd,
            Metric::ClosedQueueAbandon,
            Metric::AutoClosedOpen,
            Metric::AutoClosedActive,
            Metric::AutoClosedWaiting,
            Metric::AutoClosedWrapUp,
            Metric::ClosedHardCap,
            Metric::OpenAtHorizon,
        ]
        .iter()
        .map(|&m| get(&report, b, g, m))
        .sum();
        assert_eq!(arrived, closed, "{g}: arrived = closed + open at horizon");
    }
    // Never to the conversation's own skill.
    let err = load_file(
        Path::new("scenarios/quickstart.toml"),
        &ov(&[
            ("skills.orphan.capacity_units", "1"),
            ("behaviour.transfer_per_hour", "2"),
            ("behaviour.transfer_to", "[\"orphan\"]"),
        ]),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("skill `orphan` is served by no agent group"), "{err}");
}

#[test]
fn queue_abandonment_counts_only_customers_who_left() {
    let s = quickstart(&[
        ("behaviour.channels.webchat.patience", "never"),
        ("agents.generalists.count", "2"),
        ("agents.tech_team.count", "1"),
    ]);
    let (_, report) = simulate(&s);
    assert!(get(&report, Breakdown::Overall, "all", Metric::AutoClosedOpen) > 100.0, "the queue is auto-closed");
    assert_eq!(get(&report, Breakdown::Overall, "all", Metric::ClosedQueueAbandon), 0.0);
    assert_eq!(get(&report, Breakdown::Overall, "all", Metric::QueueAbandonShare), 0.0);
    assert!(
        get(&report, Breakdown::Overall, "all", Metric::ServiceLevel) < 0.5,
        "auto-closed entries still count as not served"
    );
}

#[test]
fn silence_after_a_transfer_still_parks_or_disconnects() {
    let s = quickstart(&[
        ("behaviour.channels.webchat.customer_response", "never"),
        ("behaviour.cells.\"webchat/billing\".transfer_per_hour", "6"),
        ("behaviour.cells.\"webchat/billing\".transfer_to", "[\"tech\"]"),
    ]);
    let (rec, _) = simulate(&s);
    let web = s.channels.iter().position(|c| c.name == "webchat").unwrap() as u16;
    assert!(rec.records.iter().any(|c| c.meta.channel == web && c.transfers > 0));
    let horizon = SimTime(s.horizon.ms());
    let stuck: Vec<_> = rec
        .records
        .iter()
        .filter(|c| c.meta.channel == web && c.closed.is_none() && c.last_state == State::Active)
        .filter(|c| c.last_activity + SimDuration::from_hours(1) < horizon)
        .collect();
    assert!(stuck.is_empty(), "silent live chats disconnect within 10 minutes, transferred or not: {stuck:?}");
}

#[test]
fn never_means_the_event_does_not_happen() {
    let s = quickstart(&[
        ("behaviour.agent_response", "never"),
        ("policy.channels.webchat.timeouts", "{ active = \"30m\" }"),
        ("scenario.warmup", "0s"),
    ]);
    let (rec, _) = simulate(&s);
    assert!(rec.records.iter().all(|c| c.exchanges == 0), "no agent ever answered");
    assert!(rec.records.iter().any(|c| c.reason == Some(CloseReason::AutoClose(State::Active))));
    assert!(rec.records.iter().all(|c| c.reason != Some(CloseReason::AgentEnd)));
}

#[test]
fn race_closures_need_a_customer_who_wrote() {
    // Nobody ever writes back; parks happen while slow batches close: no race closures.
    let s = quickstart(&[
        ("behaviour.channels.whatsapp.customer_response", "never"),
        ("behaviour.channels.whatsapp.park_probability", "1.0"),
        ("behaviour.channels.whatsapp.park_delay", "1m"),
        ("policy.channels.whatsapp.timeouts", "{ active = \"1m\", waiting = \"30m\" }"),
        ("policy.schedulers.main.closures_per_second", "0.02"),
        ("policy.schedulers.main.recheck", "false"),
    ]);
    let (rec, _) = simulate(&s);
    assert!(rec.sweeps.iter().map(|w| w.closed).sum::<u64>() > 100);
    assert_eq!(rec.sweeps.iter().map(|w| w.race_closures).sum::<u64>(), 0);
    assert!(rec.records.iter().all(|c| !c.race));
}

#[test]
fn every_sweep_run_is_reported_and_accounts_for_its_candidates() {
    let s = quickstart(&[
        ("policy.schedulers.main.closures_per_second", "0.05"),
        ("policy.schedulers.main.max_closures_per_run", "20"),
    ]);
    let (rec, _) = simulate(&s);
    let runs = (s.horizon.ms() - 1) / SimDuration::from_mins(25).ms() + 1;
    assert_eq!(rec.sweeps.len() as u64, runs, "the last run, still closing at the horizon, is reported too");
    let mut by_run: Vec<u64> = rec.sweeps.iter().map(|w| w.run).collect();
    by_run.sort();
    assert_eq!(by_run, (0..runs).collect::<Vec<_>>());
    for w in &rec.sweeps[..rec.sweeps.len() - 1] {
        assert_eq!(
            w.closed + w.parked + w.rescued + w.deferred,
            w.eligible,
            "run {}: every candidate accounted for",
            w.run
        );
    }
}

#[test]
fn extreme_but_valid_inputs_run_to_the_end() {
    for pairs in [
        vec![("behaviour.reader_per_hour", "1e-13")],
        vec![("behaviour.customer_response", "{ dist = \"lognormal\", mu = 60.0, sigma = 1.0, unit = \"s\" }")],
        vec![("behaviour.customer_response", "200000000000d")],
        vec![("policy.channels.whatsapp.timeouts", "{ waiting = \"213503982333d\", active = \"2h\" }")],
    ] {
        let s = quickstart(&pairs);
        let (rec, _) = simulate(&s);
        assert!(!rec.records.is_empty(), "{pairs:?}");
        if pairs[0].0.starts_with("policy") {
            assert!(
                rec.records.iter().all(|c| c.reason != Some(CloseReason::AutoClose(State::Waiting))),
                "a timeout beyond any horizon never fires"
            );
        }
    }
}

#[test]
fn state_entered_clock_resets_on_reader_joins_only_when_they_count() {
    let base = [("policy.clock", "state_entered"), ("behaviour.reader_per_hour", "1.0")];
    let with = simulate(&quickstart(&base)).0;
    let mut off = base.to_vec();
    off.push(("policy.reader_resets_clock", "false"));
    let without = simulate(&quickstart(&off)).0;
    let count = |r: &Recorder| r.records.iter().filter(|c| c.reason.is_some_and(CloseReason::is_auto)).count();
    assert!(count(&without) > count(&with), "monitoring renews the reading only when reader joins count");
    for c in without.records.iter().filter(|c| c.reason == Some(CloseReason::AutoClose(c.last_state))) {
        assert!(c.eligible_at.unwrap() >= c.state_entered);
    }
}

#[test]
fn a_transfer_does_not_jump_the_queue() {
    // One agent serving both skills, one conversation at a time: whenever it takes work, it
    // takes the longest-waiting queued conversation, transferred ones included.
    let text = r#"
[scenario]
name = "transfer_queue"
horizon = "1d"
seed = 4
replications = 1
[channels.web]
kind = "live_chat"
[skills.a]
wrap_up = "never"
[skills.b]
wrap_up = "never"
[agents.solo]
count = 1
skills = ["a", "b"]
capacity = 1
[[arrivals]]
channel = "web"
skill = "a"
rate_per_hour = 20.0
[behaviour]
exchanges = 2
agent_response = "30s"
customer_response = "1m"
wrap_up = "0s"
transfer_per_hour = 30.0
transfer_to = ["b"]
"#;
    let s = parse_str("tq.toml", text, Path::new("."), &[]).unwrap();
    #[derive(Default)]
    struct Fifo {
        queued: HashMap<u64, SimTime>,
        checked: usize,
    }
    impl Observer for Fifo {
        fn state_change(&mut self, t: SimTime, c: &ConvMeta, from: Option<(State, SimTime)>, to: State) {
            if let Some((State::Open, entered)) = from {
                self.queued.remove(&c.id);
                if to == State::Active {
                    let oldest = self.queued.values().min().copied();
                    assert!(
                        oldest.is_none_or(|o| o >= entered),
                        "conversation {} entered at {entered} jumped one waiting since {oldest:?}",
                        c.id
                    );
                    self.checked += 1;
                }
            }
            if to == State::Open {
                self.queued.insert(c.id, t);
            }
        }
    }
    let mut fifo = Fifo::default();
    engine::run(&s, 0, &mut fifo, None).unwrap();
    assert!(fifo.checked > 100);
}

#[test]
fn side_event_rates_are_bounded() {
    let err = load_file(Path::new("scenarios/quickstart.toml"), &ov(&[("behaviour.reader_per_hour", "1e12")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("behaviour.reader_per_hour") && err.contains("from 0 to 3600"), "{err}");
}

#[test]
fn without_recheck_a_closure_counts_under_the_state_the_run_saw() {
    let s = quickstart(&[
        ("policy.channels.whatsapp.timeouts", "{ waiting = \"30m\" }"),
        ("policy.channels.webchat.timeouts", "{ open = \"none\" }"),
        ("policy.schedulers.main.closures_per_second", "0.01"),
        ("policy.schedulers.main.recheck", "false"),
    ]);
    let (rec, report) = simulate(&s);
    let auto: Vec<_> = rec.records.iter().filter(|c| c.reason.is_some_and(CloseReason::is_auto)).collect();
    assert!(auto.len() > 100);
    assert!(auto.iter().all(|c| c.reason == Some(CloseReason::AutoClose(State::Waiting))), "only Waiting has a rule");
    assert!(auto.iter().any(|c| c.last_state != State::Waiting), "some moved on before their turn");
    assert_eq!(get(&report, Breakdown::Overall, "all", Metric::AutoClosedActive), 0.0);
    assert_eq!(get(&report, Breakdown::Overall, "all", Metric::AutoClosedOpen), 0.0);
}

#[test]
fn a_wrap_up_closed_by_auto_close_has_no_silent_cost_only_zombie() {
    // Live chats disconnect after 10 silent minutes; the agent never closes the wrap-up, which
    // blocks capacity until auto-close after 15 minutes.
    let s = quickstart(&[
        ("scenario.warmup", "0s"),
        ("behaviour.channels.webchat.customer_response", "never"),
        ("behaviour.channels.webchat.disconnect", "10m"),
        ("behaviour.wrap_up", "never"),
        ("skills.billing.wrap_up", "always"),
        ("skills.tech.wrap_up", "always"),
        ("policy.channels.webchat.timeouts", "{ wrap_up = \"15m\" }"),
        ("policy.channels.whatsapp.timeouts", "{ waiting = \"none\", active = \"none\" }"),
        ("agents.generalists.count", "40"),
    ]);
    let (rec, report) = simulate(&s);
    let wrapped = rec.records.iter().filter(|c| c.reason == Some(CloseReason::AutoClose(State::WrapUp))).count();
    assert!(wrapped > 100);
    // The silence before the disconnect counts (unreplied, in Active); the wrap-up's own time
    // is zombie capacity only.
    assert_eq!(get(&report, Breakdown::State, "wrap_up", Metric::SilentCapacityHours), 0.0);
    assert!(get(&report, Breakdown::State, "active", Metric::SilentCapacityUnrepliedHours) > 0.0);
    assert_eq!(get(&report, Breakdown::Channel, "webchat", Metric::SilentCapacityRepliedHours), 0.0);
    assert!(get(&report, Breakdown::State, "wrap_up", Metric::ZombieCapacityHours) > 0.0);
}

#[test]
fn closures_are_spread_exactly_at_the_closure_rate() {
    for rate in [600.0, 10_000.0, 0.5] {
        let s = quickstart(&[("policy.schedulers.main.closures_per_second", &rate.to_string())]);
        let (rec, _) = simulate(&s);
        let mut seen = 0;
        for w in rec.sweeps.iter().filter(|w| w.closed + w.parked + w.rescued >= 2 && w.deferred == 0) {
            let k = (w.closed + w.parked + w.rescued - 1) as f64;
            assert_eq!(
                w.duration.ms(),
                autoclose::model::dist::round_ms(k * 1000.0 / rate),
                "rate {rate}, run {}",
                w.run
            );
            seen += 1;
        }
        assert!(seen > 5, "rate {rate}: {seen} runs with several closures");
    }
}
