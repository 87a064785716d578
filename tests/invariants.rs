//! Invariants on randomised scenarios: only seed 002's transitions, Closed is final, time never
//! goes back, capacity stays within 0 and the agents' total, every conversation is accounted
//! for exactly once, a conversation's silent capacity never exceeds the capacity it held, and
//! the closure-latency law of each scheduler; a conversation's messages come in its time order
//! (played ahead by the fast-forward, not in the run's), the agent's only while Active, one per
//! exchange. And the fast-forward changes nothing: every figure, record and message of a run is
//! the same with it as without it.

use autoclose::engine::{self, CloseReason, ConvMeta, ConversationRecord, Observer, Sender, SweepRecord};
use autoclose::model::state::{seed_002_allows, State};
use autoclose::policy::SchedulerKind;
use autoclose::scenario::{parse_str, Scenario};
use autoclose::time::SimTime;
use proptest::prelude::*;
use std::collections::HashMap;
use std::path::Path;

/// Checks every report against the invariants; panics with the first violation.
#[derive(Default)]
struct Checker {
    last_t: SimTime,
    state: HashMap<u64, State>,
    records: HashMap<u64, ConversationRecord>,
    capacity_by_cell: HashMap<(u16, u16), i64>,
    capacity_total: i64,
    capacity_max: i64,
    /// (latency, eligible at the instant it entered its state).
    latencies_ms: Vec<(u64, bool)>,
    horizon: SimTime,
    /// Per conversation: (units held, since, unit-ms held so far).
    held: HashMap<u64, (i64, SimTime, u128)>,
    /// Per conversation: unit-ms of silent capacity reported.
    silent: HashMap<u64, u128>,
    silences: u64,
    /// Per conversation: agent messages reported.
    agent_messages: HashMap<u64, u32>,
    /// Per conversation: the instant of its last report.
    last_own: HashMap<u64, SimTime>,
}

impl Checker {
    fn tick(&mut self, t: SimTime) {
        assert!(t >= self.last_t, "time went back from {} to {}", self.last_t, t);
        self.last_t = t;
    }

    /// `tick`, for a report about conversation `id` that comes in time order (an arrival, a
    /// capacity change): `own_order` too.
    fn tick_own(&mut self, t: SimTime, id: u64) {
        self.tick(t);
        self.own_order(t, id);
    }

    /// A report about conversation `id` never comes before its own reports already made, even
    /// one played ahead of the run's time by the fast-forward (its messages, the agent's
    /// closing of its dialogue).
    fn own_order(&mut self, t: SimTime, id: u64) {
        let own = self.last_own.entry(id).or_insert(t);
        assert!(t >= *own, "conversation {id}: a report at {t} after its report at {own}");
        *own = t;
    }
}

impl Observer for Checker {
    fn arrival(&mut self, t: SimTime, c: &ConvMeta, _recontact: bool) {
        self.tick_own(t, c.id);
        assert!(self.state.insert(c.id, State::Open).is_none(), "conversation {} created twice", c.id);
    }

    fn state_change(&mut self, t: SimTime, c: &ConvMeta, from: Option<(State, SimTime)>, to: State) {
        let ahead = match from {
            // The agent's closing of the dialogue, which the fast-forward may play ahead.
            Some((State::Active, _)) => to == State::WrapUp,
            // The agent's closing of a wrap-up that holds no capacity, which may come ahead too.
            Some((State::WrapUp, _)) => to == State::Closed,
            _ => false,
        };
        if ahead {
            self.own_order(t, c.id);
        } else {
            self.tick_own(t, c.id);
        }
        match from {
            None => assert_eq!(to, State::Open, "a conversation is created Open"),
            Some((f, entered)) => {
                assert!(entered <= t, "left {f} before entering it");
                let tracked = self.state.get(&c.id).copied().expect("a known conversation");
                assert_eq!(tracked, f, "conversation {} reported leaving {f} while in {tracked}", c.id);
                assert_ne!(f, State::Closed, "Closed is final");
                assert!(seed_002_allows(f, to), "{f} -> {to} is not in seed 002");
                self.state.insert(c.id, to);
            }
        }
    }

    fn capacity(&mut self, t: SimTime, c: &ConvMeta, delta: i64) {
        self.tick_own(t, c.id);
        let cell = self.capacity_by_cell.entry((c.channel, c.skill)).or_default();
        *cell += delta;
        assert!(*cell >= 0, "capacity in use went below zero");
        self.capacity_total += delta;
        assert!(self.capacity_total <= self.capacity_max, "capacity in use above the agents' total");
        let h = self.held.entry(c.id).or_insert((0, t, 0));
        h.2 += h.0 as u128 * (t.ms() - h.1.ms()) as u128;
        h.0 += delta;
        h.1 = t;
    }

    fn silent_before_eligible(&mut self, c: &ConvMeta, s: State, unit_ms: u64, _replied: bool) {
        assert!(unit_ms > 0, "an empty silence is not reported");
        assert!(s.open_index().is_some(), "silence in {s}");
        assert!(!self.records.contains_key(&c.id), "silence of conversation {} after its record", c.id);
        *self.silent.entry(c.id).or_default() += unit_ms as u128;
        self.silences += 1;
    }

    fn sweep_run(&mut self, w: &SweepRecord) {
        assert_eq!(
            w.closed + w.parked + w.rescued + w.deferred,
            w.eligible,
            "run {}: every candidate accounted for once",
            w.run
        );
        assert!(w.race_closures <= w.closed);
    }

    fn needs_time_order(&self) -> bool {
        false
    }

    fn message(&mut self, t: SimTime, c: &ConvMeta, sender: Sender) {
        // Played ahead of the run's time by the fast-forward, but never before the
        // conversation's own last report.
        self.own_order(t, c.id);
        let state = self.state.get(&c.id).copied().expect("a message of a known conversation");
        assert_ne!(state, State::Closed, "conversation {}: a message after its closure", c.id);
        if sender == Sender::Agent {
            assert_eq!(state, State::Active, "conversation {}: the agent wrote while {state}", c.id);
            *self.agent_messages.entry(c.id).or_default() += 1;
        }
    }

    fn conversation(&mut self, rec: &ConversationRecord) {
        let answers = self.agent_messages.get(&rec.meta.id).copied().unwrap_or(0);
        assert_eq!(answers, rec.exchanges, "conversation {}: agent messages against exchanges", rec.meta.id);
        assert!(self.records.insert(rec.meta.id, rec.clone()).is_none(), "conversation {} reported twice", rec.meta.id);
        // Silent capacity is capacity held during silences: never more than it held in all.
        let end = rec.closed.unwrap_or(self.horizon);
        let held = self.held.get(&rec.meta.id).map_or(0, |h| h.2 + h.0 as u128 * (end.ms() - h.1.ms()) as u128);
        let silent = self.silent.get(&rec.meta.id).copied().unwrap_or(0);
        assert!(silent <= held, "conversation {}: {silent} unit-ms silent, {held} held", rec.meta.id);
        if let (Some(closed), Some(CloseReason::AutoClose(_) | CloseReason::HardCap(_))) = (rec.closed, rec.reason) {
            let eligible = rec.eligible_at.expect("an auto-closure has an eligibility");
            assert!(closed >= eligible, "closed before eligible");
            self.latencies_ms.push((closed.ms() - eligible.ms(), eligible == rec.state_entered));
        }
    }
}

fn run_checked(s: &Scenario, replication: u32) -> (Checker, engine::RunStats) {
    let mut ch = Checker {
        capacity_max: s.agent_groups.iter().map(|g| g.staffing.head_count() as i64 * g.capacity_units as i64).sum(),
        horizon: SimTime(s.horizon.ms()),
        ..Default::default()
    };
    let stats = engine::run(s, replication, &mut ch, None).expect("the engine reports no bug");
    // Every conversation accounted for exactly once: closed or open at the horizon.
    assert_eq!(stats.arrived, stats.closed + stats.open_at_horizon);
    assert_eq!(ch.records.len() as u64, stats.arrived);
    assert_eq!(ch.state.len() as u64, stats.arrived);
    let closed = ch.records.values().filter(|r| r.closed.is_some()).count() as u64;
    assert_eq!(closed, stats.closed);
    for (id, st) in &ch.state {
        let rec = &ch.records[id];
        assert_eq!(rec.closed.is_some(), *st == State::Closed, "conversation {id} record disagrees with its state");
    }
    (ch, stats)
}

/// A random but valid scenario, as TOML text.
fn scenario_text(p: &Params) -> String {
    let mut t = String::new();
    t += &format!(
        "[scenario]\nname = \"prop\"\nhorizon = \"{}h\"\nwarmup = \"2h\"\nseed = {}\nreplications = 1\n\n",
        p.horizon_h, p.seed
    );
    for (i, live) in p.channels.iter().enumerate() {
        t += &format!("[channels.c{i}]\nkind = \"{}\"\n\n", if *live { "live_chat" } else { "messaging" });
    }
    for (i, w) in p.wrap_up.iter().enumerate() {
        let rule = match w {
            0 => "\"always\"".to_string(),
            1 => "\"never\"".to_string(),
            m => format!("\"{m}m\""),
        };
        t += &format!("[skills.s{i}]\ncapacity_units = {}\nwrap_up = {rule}\n\n", 1 + (i % 2));
    }
    let n_sk = p.wrap_up.len();
    for (g, (count, cap, weekly)) in p.groups.iter().enumerate() {
        let mut skills: Vec<String> =
            (0..n_sk).filter(|k| g == 0 || k % 2 == g % 2).map(|k| format!("\"s{k}\"")).collect();
        if skills.is_empty() {
            skills.push("\"s0\"".into());
        }
        t += &format!("[agents.g{g}]\nskills = [{}]\ncapacity = {}\n", skills.join(", "), cap.max(&2));
        // Every staffing-cut rule, picked from the seed so that the strategy keeps its shape.
        let rule = ["finish", "no_new_until_below", "requeue"][((p.seed >> (2 * g)) % 3) as usize];
        t += &format!("shift_end = \"{rule}\"\n");
        if *weekly {
            let hours: Vec<String> = (0..24).map(|h| ((count * (h % 7 + 1)) / 7).to_string()).collect();
            t += &format!("[agents.g{g}.staffing]\ndefault = [{}]\n\n", hours.join(", "));
        } else {
            t += &format!("count = {count}\n\n");
        }
    }
    for c in 0..p.channels.len() {
        for k in 0..n_sk {
            t += &format!(
                "[[arrivals]]\nchannel = \"c{c}\"\nskill = \"s{k}\"\nrate_per_hour = {}\n\n",
                p.rate * (1 + c + k) as f64
            );
        }
    }
    let reply = match p.reply {
        0 => "{ dist = \"exponential\", mean = \"2m\" }",
        1 => "{ dist = \"mixture\", components = [ { weight = 0.7, dist = \"exponential\", mean = \"1m\" }, { weight = 0.2, dist = \"lognormal\", median = \"1h\", p90 = \"6h\" }, { weight = 0.1, dist = \"never\" } ] }",
        _ => "{ dist = \"mixture\", components = [ { weight = 0.5, dist = \"weibull\", shape = 0.7, scale = \"20m\" }, { weight = 0.5, dist = \"never\" } ] }",
    };
    t += &format!(
        "[behaviour]\nexchanges = {{ dist = \"uniform\", min = 1, max = 4 }}\nagent_response = {{ dist = \"mixture\", components = [ {{ weight = 0.2, dist = \"constant\", value = \"0s\" }}, {{ weight = 0.8, dist = \"gamma\", shape = 2.0, mean = \"40s\" }} ] }}\n\
         customer_response = {reply}\npatience = {}\npark_probability = {}\npark_delay = \"{}m\"\n\
         wrap_up = {{ dist = \"uniform\", min = \"0s\", max = \"5m\" }}\ndisconnect = {}\n\
         reader_per_hour = {}\nmanual_response_probability = {}\ntransfer_per_hour = {}\ntransfer_to = [\"s0\"]\n\n",
        if p.patience { "{ dist = \"exponential\", mean = \"3m\" }" } else { "\"never\"" },
        p.park_probability,
        p.park_delay_min,
        if p.disconnect { "\"4m\"" } else { "\"never\"" },
        p.reader_per_hour,
        p.manual,
        p.transfer_per_hour,
    );
    let clocks =
        ["created", "state_entered", "last_activity", "last_customer_message", "last_message", "customer_idle"];
    t += &format!(
        "[policy]\nclock = \"{}\"\npending_consumer_only = {}\nexempt_manual_response_time = {}\nreader_resets_clock = {}\n",
        clocks[p.clock], p.pending_only, p.exempt_manual, p.reader_resets
    );
    if p.hard_cap {
        t += "hard_cap = \"5h\"\n";
    }
    let timeouts: Vec<String> = ["open", "active", "waiting", "wrap_up"]
        .iter()
        .zip(&p.timeouts_min)
        .map(|(s, m)| if *m == 0 { format!("{s} = \"none\"") } else { format!("{s} = \"{m}m\"") })
        .collect();
    t += &format!("timeouts = {{ {} }}\n\n", timeouts.join(", "));
    // Two-stage inactivity on some messaging channels (picked from the seed, so that the
    // strategy keeps its shape): the Active rule parks instead of closing.
    for (i, live) in p.channels.iter().enumerate() {
        if !*live && (p.seed >> (8 + i)) & 1 == 1 {
            t += &format!("[policy.channels.c{i}.states.active]\naction = \"park\"\n\n");
        }
    }
    if p.exact {
        t += "[policy.schedulers.main]\nkind = \"exact\"\n";
    } else {
        t += &format!(
            "[policy.schedulers.main]\nkind = \"sweep\"\ninterval = \"{}m\"\nphase = \"{}m\"\nrecheck = {}\n",
            p.interval_min,
            p.phase_min % p.interval_min,
            p.recheck
        );
        if let Some(m) = p.max_per_run {
            t += &format!("max_closures_per_run = {m}\n");
        }
        if let Some(r) = p.rate_per_s {
            t += &format!("closures_per_second = {r}\n");
        }
    }
    t
}

#[derive(Debug, Clone)]
struct Params {
    seed: u64,
    horizon_h: u32,
    channels: Vec<bool>,
    wrap_up: Vec<u32>,
    groups: Vec<(u32, u32, bool)>,
    rate: f64,
    reply: u8,
    patience: bool,
    park_probability: f64,
    park_delay_min: u32,
    disconnect: bool,
    reader_per_hour: f64,
    manual: f64,
    transfer_per_hour: f64,
    clock: usize,
    pending_only: bool,
    exempt_manual: bool,
    reader_resets: bool,
    hard_cap: bool,
    timeouts_min: Vec<u32>,
    exact: bool,
    interval_min: u32,
    phase_min: u32,
    recheck: bool,
    max_per_run: Option<u32>,
    rate_per_s: Option<f64>,
}

fn params() -> impl Strategy<Value = Params> {
    let world = (
        0u64..i64::MAX as u64,
        8u32..30,
        prop::collection::vec(any::<bool>(), 1..4),
        prop::collection::vec(prop_oneof![Just(0u32), Just(1), 1u32..61], 1..4),
        prop::collection::vec((1u32..6, 1u32..5, any::<bool>()), 1..3),
        1.0f64..12.0,
    );
    let behaviour = (
        0u8..3,
        any::<bool>(),
        prop_oneof![Just(0.0), Just(0.5), Just(1.0)],
        1u32..20,
        any::<bool>(),
        prop_oneof![Just(0.0), Just(0.5)],
        prop_oneof![Just(0.0), Just(0.3)],
        prop_oneof![Just(0.0), Just(0.2)],
    );
    let policy = (
        0usize..6,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(prop_oneof![Just(0u32), 1u32..240], 4),
        any::<bool>(),
        1u32..90,
        0u32..90,
        any::<bool>(),
        prop::option::of(1u32..5),
        prop::option::of(prop_oneof![Just(0.05), Just(1.0)]),
    );
    (world, behaviour, policy).prop_map(|(w, b, p)| Params {
        seed: w.0,
        horizon_h: w.1,
        channels: w.2,
        wrap_up: w.3,
        groups: w.4,
        rate: w.5,
        reply: b.0,
        patience: b.1,
        park_probability: b.2,
        park_delay_min: b.3,
        disconnect: b.4,
        reader_per_hour: b.5,
        manual: b.6,
        transfer_per_hour: b.7,
        clock: p.0,
        pending_only: p.1,
        exempt_manual: p.2,
        reader_resets: p.3,
        hard_cap: p.4,
        timeouts_min: p.5,
        exact: p.6,
        interval_min: p.7,
        phase_min: p.8,
        recheck: p.9,
        max_per_run: p.10,
        rate_per_s: p.11,
    })
}

/// The scenario `p` describes, read as a file would be.
fn generated(p: &Params) -> Scenario {
    let text = scenario_text(p);
    parse_str("prop.toml", &text, Path::new("."), &[])
        .unwrap_or_else(|d| panic!("generated scenario should be valid:\n{d}\n{text}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_on_random_scenarios(p in params()) {
        let s = generated(&p);
        let (ch, _) = run_checked(&s, 0);
        // The latency law of each scheduler, where no limit or jitter bends it.
        match &s.policy.schedulers[0].kind {
            SchedulerKind::Exact => prop_assert!(ch.latencies_ms.iter().all(|&(l, _)| l == 0)),
            SchedulerKind::Sweep(sp) if sp.max_closures_per_run.is_none() && sp.closures_per_second.is_none() => {
                // Below the interval; exactly the interval only for a conversation that became
                // eligible by entering its state at a run's instant, after the run (a run sees
                // the changes its own closures cause at the next run).
                let t = sp.interval.ms();
                prop_assert!(
                    ch.latencies_ms.iter().all(|&(l, at_entry)| l < t || (l == t && at_entry)),
                    "latency above the law for interval {t}"
                );
            }
            SchedulerKind::Sweep(_) => {}
        }
    }
}

/// What a run reports that the fast-forward could change: the metrics, every conversation
/// record (in any order: a wrap-up's closing may be played ahead), every sweep run in the
/// order reported, and each conversation's messages.
#[derive(Default)]
struct Reports {
    records: Vec<String>,
    sweeps: Vec<String>,
    messages: HashMap<u64, Vec<(SimTime, Sender)>>,
    silences: Vec<String>,
}

impl Observer for Reports {
    fn needs_time_order(&self) -> bool {
        false
    }
    fn message(&mut self, t: SimTime, c: &ConvMeta, sender: Sender) {
        self.messages.entry(c.id).or_default().push((t, sender));
    }
    fn silent_before_eligible(&mut self, c: &ConvMeta, s: State, unit_ms: u64, replied: bool) {
        self.silences.push(format!("{} {s} {unit_ms} {replied}", c.id));
    }
    fn conversation(&mut self, rec: &ConversationRecord) {
        self.records.push(format!("{rec:?}"));
    }
    fn sweep_run(&mut self, rec: &SweepRecord) {
        self.sweeps.push(format!("{rec:?}"));
    }
}

/// An observer that asks for every report in time order, which turns the fast-forward off.
struct InTimeOrder;
impl Observer for InTimeOrder {}

/// Runs `s` with the fast-forward (`fast`) or without; the reports and the run's totals.
fn run_reports(s: &Scenario, fast: bool) -> (String, Reports, engine::RunStats) {
    let mut metrics = autoclose::metrics::Metrics::new(s, 0);
    let mut reports = Reports::default();
    let mut both = engine::Both(&mut metrics, &mut reports);
    let stats = if fast {
        engine::run(s, 0, &mut both, None)
    } else {
        engine::run(s, 0, &mut engine::Both(&mut both, &mut InTimeOrder), None)
    }
    .expect("the engine reports no bug");
    // The events popped and the records alive at once are the figures the fast-forward
    // changes (a wrap-up closed ahead frees its record early).
    let report = format!("{:?}", metrics.finish(engine::RunStats { events: 0, peak_live: 0, ..stats.clone() }));
    (report, reports, stats)
}

/// The fast-forward's promise: the same run, in fewer events.
fn assert_fast_forward_changes_nothing(s: &Scenario) -> (u64, u64) {
    let (fast_report, fast, fast_stats) = run_reports(s, true);
    let (report, mut exact, stats) = run_reports(s, false);
    let mut fast = fast;
    fast.records.sort();
    exact.records.sort();
    for (a, b) in fast.records.iter().zip(&exact.records) {
        assert_eq!(a, b, "first differing record");
    }
    assert_eq!(fast.records, exact.records, "conversation records");
    assert_eq!(fast_report, report, "metrics");
    assert_eq!(fast.sweeps, exact.sweeps, "sweep runs");
    assert_eq!(fast.messages, exact.messages, "messages");
    let (mut a, mut b) = (fast.silences, exact.silences);
    a.sort();
    b.sort();
    assert_eq!(a, b, "silences");
    // Fewer events, and records freed no later (a wrap-up closed ahead frees its record).
    let same = |r: &engine::RunStats| engine::RunStats { events: 0, peak_live: 0, ..r.clone() };
    assert_eq!(same(&fast_stats), same(&stats));
    assert!(fast_stats.events <= stats.events);
    assert!(fast_stats.peak_live <= stats.peak_live);
    (fast_stats.events, stats.events)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn fast_forward_changes_nothing_on_random_scenarios(p in params()) {
        let s = generated(&p);
        assert_fast_forward_changes_nothing(&s);
    }
}

#[test]
fn fast_forward_plays_most_of_the_small_benchmark_without_events_and_changes_nothing() {
    // All 28 days: 42,000 conversations, where events of one millisecond do meet.
    let s = autoclose::scenario::load_file(Path::new("scenarios/bench_small.toml"), &[]).expect("valid");
    let (fast, exact) = assert_fast_forward_changes_nothing(&s);
    // About 5 messages a conversation, most replies within minutes of a 1-hour timeout: of
    // about 7 events a conversation, 3 stay (the arrival, the wrap-up's release of capacity and
    // its end; the agent's closing of the dialogue is played ahead too).
    assert!(fast * 10 < exact * 6, "{fast} events with the fast-forward, {exact} without");
}

/// Whole-second response times and many arrivals a second: events of different
/// conversations meet in one millisecond all the time, so the order of an instant must not
/// depend on when its events were scheduled (the fast-forward schedules earlier).
#[test]
fn fast_forward_changes_nothing_when_events_of_one_millisecond_meet() {
    let text = r#"
[scenario]
name = "collisions"
horizon = "8h"
warmup = "1h"
seed = 11
replications = 1

[channels.chat]
kind = "messaging"

[skills.s]
wrap_up = "1m"

[agents.a]
count = 120
skills = ["s"]
capacity = 3

[[arrivals]]
channel = "chat"
skill = "s"
rate_per_hour = 6000.0

[behaviour]
exchanges = { dist = "uniform", min = 1, max = 4 }
agent_response = { dist = "constant", value = "30s" }
customer_response = { dist = "mixture", components = [
    { weight = 0.8, dist = "constant", value = "1m" },
    { weight = 0.1, dist = "constant", value = "20m" },
    { weight = 0.1, dist = "never" },
] }
wrap_up = { dist = "constant", value = "2m" }
patience = { dist = "constant", value = "3m" }
park_probability = 0.5
park_delay = "10m"

[policy]
clock = "last_activity"
scheduler = "main"
timeouts = { active = "15m", waiting = "30m" }

[policy.schedulers.main]
kind = "sweep"
interval = "1m"
"#;
    let s = parse_str("collisions.toml", text, Path::new("."), &[]).unwrap_or_else(|d| panic!("{d}"));
    let (fast, exact) = assert_fast_forward_changes_nothing(&s);
    assert!(fast < exact);
}

/// Every bundled scenario but the benchmarks, each cut to at most `days` of horizon and 6
/// hours of warm-up, with its file name.
fn bundled_scenarios(days: u64) -> Vec<(String, Scenario)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("scenarios").expect("scenarios/") {
        let path = entry.expect("entry").path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.extension().is_none_or(|e| e != "toml") || name.contains("bench") {
            continue;
        }
        let mut s = autoclose::scenario::load_file(&path, &[]).unwrap_or_else(|d| panic!("{name}: {d}"));
        s.horizon = s.horizon.min(autoclose::time::SimDuration::from_days(days));
        s.warmup = s.warmup.min(autoclose::time::SimDuration::from_hours(6));
        out.push((name, s));
    }
    out
}

#[test]
fn fast_forward_changes_nothing_on_the_bundled_scenarios() {
    for (_, s) in bundled_scenarios(2) {
        assert_fast_forward_changes_nothing(&s);
    }
}

fn quickstart(overrides: &[(&str, &str)]) -> Scenario {
    let text = std::fs::read_to_string("scenarios/quickstart.toml").expect("the quickstart scenario");
    let ov: Vec<_> = overrides
        .iter()
        .map(|(k, v)| autoclose::scenario::overrides::Override { key: k.to_string(), value: v.to_string() })
        .collect();
    parse_str("scenarios/quickstart.toml", &text, Path::new("scenarios"), &ov).expect("valid")
}

#[test]
fn sweep_latency_lies_in_zero_to_interval_and_spreads_over_it() {
    for interval_min in [5u64, 25, 60] {
        let s = quickstart(&[("policy.schedulers.main.interval", &format!("{interval_min}m"))]);
        let (ch, _) = run_checked(&s, 0);
        let t = interval_min * 60_000;
        assert!(ch.latencies_ms.len() > 100, "enough auto-closures to look at");
        assert!(ch.latencies_ms.iter().all(|&(l, _)| l < t));
        // Spread over the whole interval, not bunched at one end.
        let max = ch.latencies_ms.iter().map(|x| x.0).max().unwrap();
        let min = ch.latencies_ms.iter().map(|x| x.0).min().unwrap();
        assert!(max > t * 9 / 10 && min < t / 10, "latencies {min}..{max} should cover [0, {t})");
    }
}

#[test]
fn exact_scheduler_closes_at_eligibility() {
    let s = quickstart(&[("policy.schedulers.timer.kind", "exact"), ("policy.scheduler", "timer")]);
    let (ch, _) = run_checked(&s, 1);
    assert!(ch.latencies_ms.len() > 100);
    assert!(ch.latencies_ms.iter().all(|&(l, _)| l == 0));
}

#[test]
fn every_bundled_scenario_keeps_the_invariants() {
    for (name, s) in bundled_scenarios(3) {
        let (ch, _) = run_checked(&s, 0);
        assert!(ch.silences > 100, "{name}: {} silences reported", ch.silences);
    }
}
