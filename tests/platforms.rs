//! The platforms of PLATFORMS.md as presets: each documented example exact to the millisecond
//! on every conversation of a bundled scenario, each documented range refused with its quoted
//! rule, required figures, the `park` action's capacity effect and its seed 002 transitions.

use autoclose::engine::{self, AutoMove, CloseReason, ConvMeta, ConversationRecord, Observer, Sender};
use autoclose::metrics::{Breakdown, Metric, Metrics};
use autoclose::model::state::{seed_002_allows, State};
use autoclose::policy::{Clock, CloseAction, Preset};
use autoclose::scenario::{load_file, overrides::Override, parse_str, Scenario};
use autoclose::time::{SimDuration, SimTime, MS_PER_HOUR, MS_PER_MIN};
use proptest::prelude::*;
use std::collections::HashMap;
use std::path::Path;

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

/// What happened to one conversation, in order.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ev {
    Msg(Sender),
    State(State, State),
    Capacity(i64),
    AutoPark(SimTime),
}

#[derive(Default)]
struct Timeline {
    events: HashMap<u64, Vec<(SimTime, Ev)>>,
    records: Vec<ConversationRecord>,
}

impl Observer for Timeline {
    fn state_change(&mut self, t: SimTime, c: &ConvMeta, from: Option<(State, SimTime)>, to: State) {
        if let Some((f, _)) = from {
            self.events.entry(c.id).or_default().push((t, Ev::State(f, to)));
        }
    }
    fn capacity(&mut self, t: SimTime, c: &ConvMeta, delta: i64) {
        self.events.entry(c.id).or_default().push((t, Ev::Capacity(delta)));
    }
    fn message(&mut self, t: SimTime, c: &ConvMeta, sender: Sender) {
        self.events.entry(c.id).or_default().push((t, Ev::Msg(sender)));
    }
    fn auto_parked(&mut self, t: SimTime, c: &ConvMeta, m: &AutoMove) {
        self.events.entry(c.id).or_default().push((t, Ev::AutoPark(m.eligible)));
    }
    fn conversation(&mut self, rec: &ConversationRecord) {
        self.records.push(rec.clone());
    }
}

fn simulate(s: &Scenario) -> Timeline {
    let mut tl = Timeline::default();
    engine::run(s, 0, &mut tl, None).expect("no engine bug");
    tl
}

/// Per conversation, before event `i`: the last message of either side (the customer's first
/// message, the creation, if none since), the customer's last one, and when the current state
/// was entered.
struct Before {
    last_message: SimTime,
    last_customer: SimTime,
    entered: SimTime,
}

fn before(created: SimTime, evs: &[(SimTime, Ev)], i: usize) -> Before {
    let mut b = Before { last_message: created, last_customer: created, entered: created };
    for (t, e) in &evs[..i] {
        match e {
            Ev::Msg(s) => {
                b.last_message = *t;
                if *s == Sender::Customer {
                    b.last_customer = *t;
                }
            }
            Ev::State(_, _) => b.entered = *t,
            _ => {}
        }
    }
    b
}

fn whole(t: SimTime, unit_ms: u64) -> SimTime {
    SimTime(t.ms().div_ceil(unit_ms) * unit_ms)
}

/// Checks every auto-park of the run: the Active to Waiting move and the release of all the
/// capacity held happen at the park instant, which is `expected(before)`; returns the parks.
fn check_parks(tl: &Timeline, created: &HashMap<u64, SimTime>, expected: &dyn Fn(&Before) -> SimTime) -> usize {
    let mut n = 0;
    for (id, evs) in &tl.events {
        for (i, (t, e)) in evs.iter().enumerate() {
            let Ev::AutoPark(eligible) = e else { continue };
            let b = before(created[id], evs, i);
            assert_eq!(*t, expected(&b), "conversation {id}: parked at {t}");
            assert_eq!(*eligible, *t, "exact timer: latency 0");
            assert_eq!(evs[i + 1], (*t, Ev::State(State::Active, State::Waiting)), "conversation {id}");
            assert!(matches!(evs[i + 2], (t2, Ev::Capacity(d)) if t2 == *t && d < 0), "capacity released at {t}");
            n += 1;
        }
    }
    n
}

/// Checks every closure by the rule of `state`: at `expected(before)`; returns how many.
fn check_closures(
    tl: &Timeline,
    created: &HashMap<u64, SimTime>,
    state: State,
    expected: &dyn Fn(&Before) -> SimTime,
) -> usize {
    let mut n = 0;
    for r in &tl.records {
        if r.reason != Some(CloseReason::AutoClose(state)) {
            continue;
        }
        let evs = &tl.events[&r.meta.id];
        let i = evs.iter().position(|(_, e)| *e == Ev::State(state, State::Closed)).expect("a closure");
        let b = before(created[&r.meta.id], evs, i);
        assert_eq!(r.closed, Some(expected(&b)), "conversation {} closed from {state}", r.meta.id);
        n += 1;
    }
    n
}

fn created(tl: &Timeline) -> HashMap<u64, SimTime> {
    tl.records.iter().map(|r| (r.meta.id, r.meta.created)).collect()
}

const MIN: u64 = MS_PER_MIN;
const HOUR: u64 = MS_PER_HOUR;

// ---- Zendesk ---------------------------------------------------------------------------------

#[test]
fn zendesk_no_reply_for_10_minutes_releases_capacity_and_the_hourly_automation_closes_4_days_later() {
    let s = load("scenarios/zendesk.toml", &[]);
    let tl = simulate(&s);
    let c = created(&tl);
    // The agent wrote last; 10 minutes later to the millisecond the conversation is inactive.
    let parks = check_parks(&tl, &c, &|b| {
        assert!(b.last_message > b.last_customer, "parked only when the end user has not replied");
        b.last_message + SimDuration(10 * MIN)
    });
    assert!(parks > 1000, "{parks} parks");
    // Closed by the first whole-hour automation run at or after 96 hours in Waiting.
    let closed = check_closures(&tl, &c, State::Waiting, &|b| whole(b.entered + SimDuration(96 * HOUR), HOUR));
    assert!(closed > 100, "{closed} closures");
}

#[test]
fn zendesk_refuses_what_its_documents_do_not_allow() {
    let err = load_err("scenarios/zendesk.toml", &[("policy.zendesk.close_after", "90m")]);
    assert!(
        err.contains("zendesk: close_after: automations count whole hours and close a solved ticket 4 days after by default, 28 days at most (support.zendesk.com, articles 4408835051546 and 7043034053658), got 90m"),
        "{err}"
    );
    assert!(err.contains("--set policy.zendesk.close_after=90m"), "{err}");
    let err = load_err("scenarios/zendesk.toml", &[("policy.zendesk.close_after", "29d")]);
    assert!(err.contains("28 days at most") && err.contains("got 29d"), "{err}");
    let err = load_err("scenarios/zendesk.toml", &[("policy.timeouts.waiting", "100h30m")]);
    assert!(err.contains("zendesk: automations count whole hours") && err.contains("got 100h30m"), "{err}");
    let err = load_err("scenarios/zendesk.toml", &[("policy.schedulers.zendesk_automations.interval", "30m")]);
    assert!(
        err.contains("zendesk: automations run once an hour (support.zendesk.com, article 4408835051546), got 30m"),
        "{err}"
    );
}

// ---- Quiq ------------------------------------------------------------------------------------

#[test]
fn quiq_inactive_after_1_hour_closed_12_hours_later() {
    let s = load("scenarios/quiq.toml", &[]);
    let tl = simulate(&s);
    let c = created(&tl);
    let parks = check_parks(&tl, &c, &|b| (b.last_message + SimDuration(HOUR)).max(b.entered));
    assert!(parks > 200, "{parks} parks");
    let closed = check_closures(&tl, &c, State::Waiting, &|b| b.entered + SimDuration(12 * HOUR));
    assert!(closed > 200, "{closed} closures");
    // The example itself: inactive 1 h after the last message, closed 12 h later, for every
    // conversation whose customer stayed silent from its last park on.
    let mut examples = 0;
    for r in tl.records.iter().filter(|r| r.reason == Some(CloseReason::AutoClose(State::Waiting))) {
        let evs = &tl.events[&r.meta.id];
        let Some(i) = evs.iter().rposition(|(_, x)| matches!(x, Ev::AutoPark(_))) else { continue };
        if evs.len() != i + 4 {
            continue;
        }
        let lm = before(c[&r.meta.id], evs, i).last_message;
        assert_eq!(evs[i].0, lm + SimDuration(HOUR), "conversation {}", r.meta.id);
        assert_eq!(r.closed, Some(lm + SimDuration(13 * HOUR)), "conversation {}", r.meta.id);
        examples += 1;
    }
    assert!(examples > 100, "{examples} conversations parked then closed");
}

#[test]
fn quiq_needs_its_scheduler_declared() {
    let text = std::fs::read_to_string("scenarios/quiq.toml").unwrap();
    let cut = text.replace("[policy.schedulers.quiq_timer]\nkind = \"exact\"\n", "");
    let err = parse_str("quiq.toml", &cut, Path::new("scenarios"), &[]).unwrap_err().to_string();
    assert!(
        err.contains("quiq: [policy.schedulers.quiq_timer] is required: Quiq does not document when its inactivity rules run (knowledge.quiq.com, active-vs-inactive-conversations)"),
        "{err}"
    );
}

// ---- Twilio ----------------------------------------------------------------------------------

#[test]
fn twilio_timers_count_from_the_last_message() {
    let s = load("scenarios/twilio.toml", &[]);
    let tl = simulate(&s);
    let c = created(&tl);
    let parks = check_parks(&tl, &c, &|b| (b.last_message + SimDuration(30 * MIN)).max(b.entered));
    assert!(parks > 200, "{parks} parks");
    let day = SimDuration(24 * HOUR);
    let closed = check_closures(&tl, &c, State::Waiting, &|b| (b.last_message + day).max(b.entered));
    assert!(closed > 100, "{closed} closures");
}

#[test]
fn twilio_requires_both_timers_and_refuses_short_ones() {
    let text = std::fs::read_to_string("scenarios/twilio.toml").unwrap();
    let cut = text.replace("timers_closed = \"1d\"\n", "");
    let err = parse_str("twilio.toml", &cut, Path::new("scenarios"), &[]).unwrap_err().to_string();
    assert!(err.contains("twilio: policy.twilio.timers_closed is required: timers.closed closes an active or inactive conversation after at least 10 minutes from its last message, and has no published default"), "{err}");
    let line = cut.lines().position(|l| l.starts_with("[policy.twilio]")).unwrap() + 1;
    assert!(err.contains(&format!("twilio.toml:{line}:")), "{err}");
    let err = load_err("scenarios/twilio.toml", &[("policy.twilio.timers_closed", "5m")]);
    assert!(
        err.contains(
            "twilio: timers_closed: timers.closed closes an active or inactive conversation after at least 10 minutes"
        ) && err.contains("got 5m"),
        "{err}"
    );
    let err = load_err("scenarios/twilio.toml", &[("policy.twilio.timers_inactive", "30s")]);
    assert!(
        err.contains("timers.inactive moves an active conversation to inactive after at least 1 minute")
            && err.contains("got 30s"),
        "{err}"
    );
    // A closed timer no longer than the inactive one closes the active conversation first.
    let s = load("scenarios/twilio.toml", &[("policy.twilio.timers_inactive", "2d")]);
    let r = s.policy.rule(0, 0, State::Active);
    assert_eq!(
        (r.action, r.timeout, r.clock),
        (CloseAction::Close, Some(SimDuration::from_days(1)), Clock::LastMessage)
    );
}

// ---- Salesforce ------------------------------------------------------------------------------

#[test]
fn salesforce_inactive_after_the_limit_from_the_reps_reply_ended_24_hours_later() {
    let s = load("scenarios/salesforce.toml", &[]);
    let tl = simulate(&s);
    let c = created(&tl);
    let parks = check_parks(&tl, &c, &|b| {
        assert!(b.last_message > b.last_customer, "timed from the rep's reply the customer has not answered");
        b.last_message + SimDuration(10 * MIN)
    });
    assert!(parks > 1000, "{parks} parks");
    let closed = check_closures(&tl, &c, State::Waiting, &|b| b.entered + SimDuration(24 * HOUR));
    assert!(closed > 200, "{closed} closures");
}

#[test]
fn salesforce_refuses_a_limit_outside_5_to_30_minutes_and_needs_one() {
    let rule = "the customer-inactivity limit is 5 to 30 minutes, timed from the rep's first reply after the customer's last message, and has no published default (help.salesforce.com, service.livemessage_agent_inactivate_session)";
    let err = load_err("scenarios/salesforce.toml", &[("policy.salesforce.customer_inactivity", "45m")]);
    assert!(err.contains(&format!("salesforce: customer_inactivity: {rule}, got 45m")), "{err}");
    let err = load_err("scenarios/salesforce.toml", &[("policy.timeouts.active", "4m")]);
    assert!(err.contains(&format!("salesforce: {rule}, got 4m")), "{err}");
    let text = std::fs::read_to_string("scenarios/salesforce.toml").unwrap();
    let cut = text.replace("[policy.salesforce]\ncustomer_inactivity = \"10m\"\n", "");
    let err = parse_str("salesforce.toml", &cut, Path::new("scenarios"), &[]).unwrap_err().to_string();
    assert!(err.contains("salesforce: policy.salesforce.customer_inactivity is required"), "{err}");
    assert!(err.contains("field policy.preset") || err.contains("policy.preset"), "{err}");
}

// ---- Amazon Connect --------------------------------------------------------------------------

#[test]
fn amazon_connect_disconnects_after_idle_plus_auto_disconnect_from_the_customers_last_message() {
    let s = load("scenarios/amazon_connect.toml", &[]);
    let tl = simulate(&s);
    let c = created(&tl);
    let mut moved = 0;
    for r in tl.records.iter().filter(|r| r.auto_wrap_up) {
        let evs = &tl.events[&r.meta.id];
        let i = evs.iter().position(|(_, e)| *e == Ev::State(State::Active, State::WrapUp)).expect("moved");
        let b = before(c[&r.meta.id], evs, i);
        // Timers start when the agent joins, reset by each customer message: 15 + 15 minutes.
        assert_eq!(evs[i].0, b.last_customer.max(b.entered) + SimDuration(30 * MIN), "conversation {}", r.meta.id);
        moved += 1;
    }
    assert!(moved > 500, "{moved} disconnects");
    let limit = SimDuration(1500 * MIN);
    // Chats an agent parked end at the 25-hour chat limit, counted from their creation.
    let mut ended = 0;
    for r in
        tl.records.iter().filter(|r| matches!(r.reason, Some(CloseReason::AutoClose(State::Open | State::Waiting))))
    {
        assert_eq!(r.closed, Some(r.meta.created + limit), "conversation {}", r.meta.id);
        ended += 1;
    }
    assert!(ended > 50, "{ended} chats ended at the limit");
}

#[test]
fn amazon_connect_refuses_timers_outside_2_to_480_minutes() {
    let err = load_err("scenarios/amazon_connect.toml", &[("policy.amazon_connect.customer_idle_timer", "500m")]);
    assert!(
        err.contains("amazon_connect: customer_idle_timer: chat timers are set in whole minutes, 2 to 480 (8 hours)")
            && err.contains("got 500m"),
        "{err}"
    );
    let err =
        load_err("scenarios/amazon_connect.toml", &[("policy.amazon_connect.customer_auto_disconnect_timer", "90s")]);
    assert!(
        err.contains("customer_auto_disconnect_timer: chat timers are set in whole minutes") && err.contains("got 90s"),
        "{err}"
    );
    let err = load_err("scenarios/amazon_connect.toml", &[("policy.amazon_connect.chat_duration", "30m")]);
    assert!(err.contains("amazon_connect: chat_duration: a chat lasts at most 60 to 10,080 minutes, 1,500 minutes (25 hours) by default (docs.aws.amazon.com/connect, setup-chat-timeouts), got 30m"), "{err}");
}

// ---- Dynamics 365 Contact Center -------------------------------------------------------------

#[test]
fn dynamics_cc_counts_from_modifiedon_and_closes_at_the_next_5_minute_run() {
    let s = load("scenarios/dynamics_cc.toml", &[]);
    let ch = &s.channels[0];
    assert_eq!(ch.name, "messaging");
    for st in State::OPEN_STATES {
        let r = s.policy.rule(0, 0, st);
        assert_eq!((r.clock, r.reader_resets_clock), (Clock::StateEntered, true), "modifiedon in {st}");
    }
    let t = |st| s.policy.rule(0, 0, st).timeout;
    assert_eq!(
        [t(State::Open), t(State::Active), t(State::Waiting), t(State::WrapUp)],
        [
            Some(SimDuration::from_days(30)),
            Some(SimDuration::from_days(30)),
            Some(SimDuration::from_days(1)),
            Some(SimDuration::from_days(1))
        ]
    );
    let tl = simulate(&s);
    let c = created(&tl);
    let closed = check_closures(&tl, &c, State::Waiting, &|b| whole(b.entered + SimDuration(24 * HOUR), 5 * MIN));
    assert!(closed > 200, "{closed} closures");
    // Live chat keeps the page's chat defaults; a voice channel moves Active to Wrap-up at 2 h.
    let chat = load("scenarios/dynamics_cc.toml", &[("channels.messaging.kind", "\"live_chat\"")]);
    let r = chat.policy.rule(0, 0, State::Open);
    assert_eq!((r.timeout, r.clock), (Some(SimDuration::from_mins(20)), Clock::StateEntered));
    assert_eq!(chat.policy.preset, Some(Preset::DynamicsCc));
    let err = load_err("scenarios/dynamics_cc.toml", &[("policy.dynamics_cc.waiting_inactivity", "90s")]);
    assert!(err.contains("dynamics_cc: waiting_inactivity: a Waiting conversation closes after the workstream's \"auto-close after inactivity\", in whole minutes"), "{err}");
    let err = load_err("scenarios/dynamics_cc.toml", &[("policy.timeouts.open", "90s")]);
    assert!(err.contains("dynamics_cc: msdyn_autocloseliveworkitemafter is in whole minutes, got 90s"), "{err}");
}

// ---- ServiceNow ------------------------------------------------------------------------------

#[test]
fn servicenow_cancels_an_unanswered_chat_at_the_first_2_minute_job_after_360_seconds() {
    let s = load("scenarios/servicenow.toml", &[]);
    let tl = simulate(&s);
    let c = created(&tl);
    let closed = check_closures(&tl, &c, State::Active, &|b| {
        assert!(b.last_message > b.last_customer, "only when the requester has not answered");
        whole(b.last_message + SimDuration(360_000), 2 * MIN)
    });
    assert!(closed > 1000, "{closed} cancelled");
    // Queued and parked conversations: abandoned after 7200 s, by the hourly job.
    for st in [State::Open, State::Waiting] {
        let r = s.policy.rule(0, 0, st);
        assert_eq!((r.timeout, r.clock), (Some(SimDuration::from_secs(7200)), Clock::LastMessage));
        assert_eq!(s.policy.schedulers[r.scheduler].name, "servicenow_abandoned_job");
    }
    assert_eq!(s.policy.rule(0, 0, State::WrapUp).timeout, None);
    let n = check_closures(&tl, &c, State::Waiting, &|b| whole(b.last_message + SimDuration(2 * HOUR), HOUR));
    let m = check_closures(&tl, &c, State::Open, &|b| whole(b.last_message + SimDuration(2 * HOUR), HOUR));
    assert_eq!(n + m, 0, "every silent chat is cancelled before it could be abandoned here");
}

// ---- The park action -------------------------------------------------------------------------

#[test]
fn park_is_refused_outside_active_and_on_live_chat() {
    let err = load_err("scenarios/exact.toml", &[("policy.states.waiting.action", "park")]);
    assert!(
        err.contains("action park (Active to Waiting) is allowed only for state active; not in state waiting"),
        "{err}"
    );
    let err = load_err(
        "scenarios/exact.toml",
        &[("policy.states.active.action", "park"), ("channels.whatsapp.kind", "live_chat")],
    );
    assert!(err.contains("action park (Active to Waiting) does not apply to live chat channel `whatsapp`: seed 002 says that change \"isn't applicable to Live chat\""), "{err}");
    let err = load_err("scenarios/zendesk.toml", &[("channels.messaging.kind", "live_chat")]);
    assert!(
        err.contains("zendesk: action park (Active to Waiting) does not apply to live chat channel `messaging`"),
        "{err}"
    );
}

/// Two skills with their own agents: skill `a` gets the policy under test, skill `b` the same
/// close rule in both runs.
fn two_skills(active_a: &str) -> String {
    format!(
        r#"
[scenario]
name = "park_vs_close"
horizon = "6d"
warmup = "1d"
seed = 11
replications = 4
[channels.msg]
kind = "messaging"
[skills.a]
wrap_up = "never"
[skills.b]
wrap_up = "never"
[agents.team_a]
count = 40
skills = ["a"]
capacity = 4
[agents.team_b]
count = 40
skills = ["b"]
capacity = 4
[[arrivals]]
channel = "msg"
skill = "a"
rate_per_hour = 20.0
[[arrivals]]
channel = "msg"
skill = "b"
rate_per_hour = 20.0
[behaviour]
exchanges = {{ dist = "uniform", min = 2, max = 4 }}
agent_response = {{ dist = "exponential", mean = "2m" }}
customer_response = {{ dist = "mixture", components = [
    {{ weight = 0.75, dist = "exponential", mean = "5m" }},
    {{ weight = 0.15, dist = "lognormal", median = "3h", p90 = "12h" }},
    {{ weight = 0.10, dist = "never" }},
] }}
wrap_up = "2m"
[policy]
clock = "last_activity"
[policy.schedulers.job]
kind = "sweep"
interval = "1h"
[policy.skills.a.states.active]
{active_a}
[policy.skills.a.states.waiting]
timeout = "1d"
[policy.skills.b.states.active]
timeout = "2h"
"#
    )
}

fn figures(text: &str, rep: u32) -> Metrics {
    let s = parse_str("park_vs_close.toml", text, Path::new("."), &[]).expect("valid");
    let mut m = Metrics::new(&s, rep);
    engine::run(&s, rep, &mut m, None).expect("no engine bug");
    m
}

#[test]
fn a_park_rule_lowers_capacity_held_by_silent_customers_only_on_its_skill_and_closes_nothing_early() {
    // Same timeouts (2 h in Active, 1 d in Waiting, hourly sweep); skill a parks, or closes.
    let park = two_skills("timeout = \"2h\"\naction = \"park\"");
    let close = two_skills("timeout = \"2h\"");
    let get = |m: &autoclose::metrics::RepReport, b: Breakdown, g: &str, k: Metric| {
        m.row(b, g).unwrap_or_else(|| panic!("row {g}")).get(k).unwrap_or(0.0)
    };
    for rep in 0..4 {
        let p = figures(&park, rep).finish(Default::default());
        let c = figures(&close, rep).finish(Default::default());
        // Skill b is served by its own agents under the same rule: exactly the same figures.
        for k in [Metric::SilentCapacityHours, Metric::ZombieCapacityHours, Metric::AutoClosed, Metric::QueueWaitMeanS]
        {
            assert_eq!(get(&p, Breakdown::Skill, "b", k), get(&c, Breakdown::Skill, "b", k), "{k:?}, rep {rep}");
        }
        // Skill a: parked instead of closed, at the same instants of the first stage.
        assert!(get(&p, Breakdown::Skill, "a", Metric::AutoParked) > 100.0);
        assert_eq!(get(&p, Breakdown::Skill, "a", Metric::AutoClosedActive), 0.0);
        assert_eq!(get(&c, Breakdown::Skill, "a", Metric::AutoParked), 0.0);
        // Parked customers who answer later come back to the same conversation instead of
        // starting a new one (a whole new dialogue, with its own silences): less capacity is
        // held in silence, before and past eligibility, and far fewer re-contacts.
        for k in [Metric::SilentCapacityHours, Metric::ZombieCapacityHours] {
            assert!(get(&p, Breakdown::Skill, "a", k) < get(&c, Breakdown::Skill, "a", k), "{k:?}, rep {rep}");
        }
        assert!(
            get(&p, Breakdown::Skill, "a", Metric::Recontacts)
                < get(&c, Breakdown::Skill, "a", Metric::Recontacts) * 0.5
        );
        // Waiting holds no capacity under either rule.
        assert_eq!(get(&p, Breakdown::State, "waiting", Metric::ZombieCapacityHours), 0.0);
    }
}

// ---- Every preset: seed 002's transitions only ------------------------------------------------

#[derive(Default)]
struct Transitions(Vec<(State, State)>);

impl Observer for Transitions {
    fn state_change(&mut self, _t: SimTime, _c: &ConvMeta, from: Option<(State, SimTime)>, to: State) {
        if let Some((f, _)) = from {
            self.0.push((f, to));
        }
    }
}

#[test]
fn two_stage_conversations_move_only_along_seed_002() {
    for name in ["dynamics_cc", "salesforce", "zendesk", "twilio", "amazon_connect", "quiq", "servicenow"] {
        let s = load(&format!("scenarios/{name}.toml"), &[]);
        let mut tr = Transitions::default();
        engine::run(&s, 1, &mut tr, None).expect("no engine bug");
        assert!(
            tr.0.contains(&(State::Waiting, State::Open))
                || ["dynamics_cc", "amazon_connect", "servicenow"].contains(&name),
            "{name}: a customer revives an inactive conversation"
        );
        for (f, t) in &tr.0 {
            assert!(seed_002_allows(*f, *t), "{name}: {f} -> {t} is not in seed 002");
        }
    }
}

// ---- Property: capacity is released at the park instant --------------------------------------

/// Per conversation: capacity held now; the park instant awaiting its release.
#[derive(Default)]
struct ParkRelease {
    held: HashMap<u64, i64>,
    parked_at: HashMap<u64, SimTime>,
    parks: u64,
}

impl Observer for ParkRelease {
    fn capacity(&mut self, t: SimTime, c: &ConvMeta, delta: i64) {
        let h = self.held.entry(c.id).or_default();
        *h += delta;
        if let Some(p) = self.parked_at.remove(&c.id) {
            assert_eq!(t, p, "conversation {}: capacity released at {t}, parked at {p}", c.id);
            assert_eq!(*h, 0, "conversation {}: all its capacity is released at the park", c.id);
        }
    }
    fn auto_parked(&mut self, t: SimTime, c: &ConvMeta, m: &AutoMove) {
        assert!(m.eligible <= t);
        assert!(self.held.get(&c.id).copied().unwrap_or(0) > 0, "a parked conversation held capacity");
        self.parked_at.insert(c.id, t);
        self.parks += 1;
    }
    fn state_change(&mut self, _t: SimTime, c: &ConvMeta, _from: Option<(State, SimTime)>, _to: State) {
        assert!(!self.parked_at.contains_key(&c.id) || _to == State::Waiting, "released before any other change");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn capacity_is_released_at_the_park_instant(
        park_min in 1u64..120,
        interval_min in prop::option::of(1u64..90),
        rate in 5.0f64..40.0,
        agents in 2u32..40,
        recheck in any::<bool>(),
        seed in 0u64..1000,
    ) {
        let sched = match interval_min {
            Some(i) => format!("kind = \"sweep\"\ninterval = \"{i}m\"\nrecheck = {recheck}"),
            None => "kind = \"exact\"".to_string(),
        };
        let text = two_skills(&format!("timeout = \"{park_min}m\"\naction = \"park\""))
            .replace("seed = 11", &format!("seed = {seed}"))
            .replace("horizon = \"6d\"", "horizon = \"2d\"")
            .replace("rate_per_hour = 20.0", &format!("rate_per_hour = {rate}"))
            .replace("count = 40", &format!("count = {agents}"))
            .replace("kind = \"sweep\"\ninterval = \"1h\"", &sched);
        let s = parse_str("prop.toml", &text, Path::new("."), &[]).expect("valid");
        let mut o = ParkRelease::default();
        engine::run(&s, 0, &mut o, None).expect("no engine bug");
        prop_assert!(o.parks > 0);
        prop_assert!(o.parked_at.is_empty(), "every park released its capacity");
    }
}
