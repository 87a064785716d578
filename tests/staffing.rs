//! Staffing cuts under each `shift_end` rule, and the two service-level definitions, on
//! constructed cases with exact expectations.
//!
//! The cut: 10 single-unit agents until 12:00, then 2; 200 live chats an hour where 10 agents
//! serve 20, so the queue is long at the cut. Every conversation is Active for exactly 30
//! minutes (agent 10m, customer 10m, agent 10m) and releases its agent at wrap-up, so a busy
//! agent holds exactly one Active conversation.

use autoclose::engine::{self, Both, CloseReason, ConvMeta, ConversationRecord, Observer};
use autoclose::metrics::{Breakdown, Metric, Metrics, RepReport};
use autoclose::model::state::State;
use autoclose::scenario::{parse_str, Scenario, ShiftEnd};
use autoclose::time::{SimTime, MS_PER_HOUR, MS_PER_MIN};
use std::collections::HashMap;
use std::path::Path;

const CUT: SimTime = SimTime(12 * MS_PER_HOUR);

fn cut_scenario(rule: &str) -> Scenario {
    let hours: Vec<String> = (0..24).map(|h| if h < 12 { "10" } else { "2" }.to_string()).collect();
    let text = format!(
        r#"
[scenario]
name = "cut"
horizon = "14h"
replications = 1
seed = 7
[channels.web]
kind = "live_chat"
[skills.a]
wrap_up = "never"
[agents.team]
skills = ["a"]
shift_end = "{rule}"
[agents.team.staffing]
default = [{}]
[[arrivals]]
channel = "web"
skill = "a"
rate_per_hour = 200.0
[behaviour]
exchanges = 1
agent_response = "10m"
customer_response = "10m"
wrap_up = "1m"
"#,
        hours.join(", ")
    );
    parse_str("cut.toml", &text, Path::new("."), &[]).unwrap_or_else(|d| panic!("{d}"))
}

#[derive(Default)]
struct Log {
    /// (time, conversation, agent) of every assignment.
    assigned: Vec<(SimTime, u64, u32)>,
    /// (time, conversation, agent) of every release to the queue.
    released: Vec<(SimTime, u64, u32)>,
    /// (time, conversation, delta) of every capacity change.
    capacity: Vec<(SimTime, u64, i64)>,
    /// Active to Open changes: (time, conversation).
    requeued: Vec<(SimTime, u64)>,
    queue_total: Vec<(SimTime, u32)>,
}

impl Observer for Log {
    fn assigned(&mut self, t: SimTime, c: &ConvMeta, agent: u32) {
        self.assigned.push((t, c.id, agent));
    }
    fn released(&mut self, t: SimTime, c: &ConvMeta, agent: u32) {
        self.released.push((t, c.id, agent));
    }
    fn capacity(&mut self, t: SimTime, c: &ConvMeta, delta: i64) {
        self.capacity.push((t, c.id, delta));
    }
    fn state_change(&mut self, t: SimTime, c: &ConvMeta, from: Option<(State, SimTime)>, to: State) {
        if matches!(from, Some((State::Active, _))) && to == State::Open {
            self.requeued.push((t, c.id));
        }
    }
    fn queue(&mut self, t: SimTime, _skill: usize, total: u32) {
        self.queue_total.push((t, total));
    }
}

fn simulate(s: &Scenario) -> (Log, RepReport) {
    let mut log = Log::default();
    let mut metrics = Metrics::new(s, 0);
    let stats = engine::run(s, 0, &mut Both(&mut metrics, &mut log), None).expect("no engine bug");
    (log, metrics.finish(stats))
}

/// Per agent, the conversation it holds just before the cut (assigned before it and not yet
/// released at it), with the time that conversation releases its agent.
fn held_at_cut(log: &Log) -> Vec<(u32, u64, Option<SimTime>)> {
    let mut agent_of: HashMap<u64, u32> = HashMap::new();
    let mut holding: HashMap<u32, u64> = HashMap::new();
    for &(_, id, a) in log.assigned.iter().filter(|x| x.0 < CUT) {
        agent_of.insert(id, a);
    }
    // Replay capacity before the cut to know who holds what.
    for &(_, id, d) in log.capacity.iter().filter(|x| x.0 < CUT) {
        let a = agent_of[&id];
        if d > 0 {
            holding.insert(a, id);
        } else if holding.get(&a) == Some(&id) {
            holding.remove(&a);
        }
    }
    let mut out: Vec<(u32, u64, Option<SimTime>)> = holding
        .iter()
        .map(|(&a, &id)| {
            let release = log.capacity.iter().find(|&&(t, c, d)| c == id && d < 0 && t >= CUT).map(|x| x.0);
            (a, id, release)
        })
        .collect();
    out.sort();
    out
}

/// Busy agents (holding capacity) just before each instant, from the capacity log.
fn busy_before(log: &Log, agent_of: &HashMap<u64, u32>, at: SimTime) -> usize {
    let mut used: HashMap<u32, i64> = HashMap::new();
    for &(t, id, d) in &log.capacity {
        if t >= at {
            break;
        }
        *used.entry(agent_of[&id]).or_default() += d;
    }
    used.values().filter(|&&u| u > 0).count()
}

fn agent_map(log: &Log) -> HashMap<u64, u32> {
    let mut m = HashMap::new();
    for &(_, id, a) in &log.assigned {
        m.insert(id, a);
    }
    m
}

#[test]
fn the_rule_is_read_per_group_with_a_scenario_default() {
    assert_eq!(cut_scenario("requeue").agent_groups[0].shift_end, ShiftEnd::Requeue);
    let base = r#"
[scenario]
name = "d"
horizon = "1h"
shift_end = "no_new_until_below"
[channels.web]
kind = "live_chat"
[skills.a]
[agents.one]
count = 1
skills = ["a"]
[agents.two]
count = 1
skills = ["a"]
shift_end = "finish"
[[arrivals]]
channel = "web"
skill = "a"
rate_per_hour = 1.0
"#;
    let s = parse_str("d.toml", base, Path::new("."), &[]).expect("valid");
    assert_eq!(s.agent_groups[0].shift_end, ShiftEnd::NoNewUntilBelow);
    assert_eq!(s.agent_groups[1].shift_end, ShiftEnd::Finish);
    let s = parse_str("d.toml", &base.replace("shift_end = \"no_new_until_below\"\n", ""), Path::new("."), &[])
        .expect("valid");
    assert_eq!(s.agent_groups[0].shift_end, ShiftEnd::Finish, "the default is today's rule");
    let bad = base.replace("shift_end = \"finish\"", "shift_end = \"requeu\"");
    let e = parse_str("d.toml", &bad, Path::new("."), &[]).expect_err("refused").to_string();
    assert_eq!(
        e,
        "d.toml:15:13: agents.two.shift_end: must be finish, no_new_until_below or requeue, got \"requeu\"; did you mean `requeue`?"
    );
}

#[test]
fn finish_the_leaving_agents_finish_and_the_two_left_keep_taking_the_queue() {
    let s = cut_scenario("finish");
    let (log, _) = simulate(&s);
    let held = held_at_cut(&log);
    assert_eq!(held.len(), 10, "all ten agents are busy at the cut: {held:?}");
    assert!(log.released.is_empty() && log.requeued.is_empty());
    // Every conversation held at the cut is finished by its own agent, no later than 30
    // minutes after the cut.
    for &(a, id, release) in &held {
        let r = release.unwrap_or_else(|| panic!("agent {a} finishes conversation {id}"));
        assert!(r <= CUT + autoclose::time::SimDuration(30 * MS_PER_MIN), "agent {a}: {r}");
    }
    // After the cut only agents 0 and 1 take work, each the instant it frees.
    let after: Vec<_> = log.assigned.iter().filter(|x| x.0 >= CUT).collect();
    assert!(after.iter().all(|x| x.2 < 2), "only the two on-shift agents take work");
    for a in 0..2u32 {
        let freed = held.iter().find(|h| h.0 == a).and_then(|h| h.2).expect("agent frees");
        let next = after.iter().find(|x| x.2 == a).expect("takes queued work").0;
        assert_eq!(next, freed, "agent {a} takes the queue's head as soon as it frees");
    }
}

#[test]
fn no_new_until_below_takes_nothing_until_the_busy_agents_fall_below_the_new_staffing() {
    let s = cut_scenario("no_new_until_below");
    let (log, _) = simulate(&s);
    let held = held_at_cut(&log);
    assert_eq!(held.len(), 10, "all ten agents are busy at the cut");
    let mut releases: Vec<SimTime> = held.iter().map(|h| h.2.expect("each finishes")).collect();
    releases.sort();
    let agent_of = agent_map(&log);
    let after: Vec<_> = log.assigned.iter().filter(|x| x.0 >= CUT).copied().collect();
    // The first queued conversation is assigned when the ninth of the ten finishes (busy 1 <
    // 2), the second when the tenth does; none before.
    assert_eq!(after[0].0, releases[8], "first assignment after the cut");
    assert_eq!(after[1].0, releases[9], "second assignment after the cut");
    assert!(after.iter().all(|x| x.2 < 2), "only the two on-shift agents take work");
    // At every assignment after the cut, fewer than 2 agents were busy just before it.
    for &(t, id, a) in &after {
        let busy = busy_before(&log, &agent_of, SimTime(t.0 + 1))
            - usize::from(log.capacity.iter().any(|&(ct, c, d)| ct == t && c == id && d > 0));
        assert!(busy < 2, "conversation {id} assigned to agent {a} at {t} with {busy} busy");
    }
    // Compare: under `finish` the first assignment after the cut comes earlier.
    let (fin, _) = simulate(&cut_scenario("finish"));
    let first_finish = fin.assigned.iter().find(|x| x.0 >= CUT).expect("assigned").0;
    assert!(first_finish < after[0].0, "{first_finish} vs {}", after[0].0);
}

#[test]
fn requeue_puts_the_leaving_agents_conversations_back_in_the_queue_at_the_cut() {
    let s = cut_scenario("requeue");
    let (log, _) = simulate(&s);
    // The same customers as under `finish` until the cut (common random numbers).
    let (fin, _) = simulate(&cut_scenario("finish"));
    let held = held_at_cut(&fin);
    assert_eq!(held.len(), 10);
    let leaving: Vec<(u64, u32)> = held.iter().filter(|h| h.0 >= 2).map(|h| (h.1, h.0)).collect();
    assert_eq!(leaving.len(), 8);
    // Exactly the eight leaving agents' conversations, released at the cut, oldest first.
    let mut want: Vec<(SimTime, u64, u32)> = leaving.iter().map(|&(id, a)| (CUT, id, a)).collect();
    want.sort_by_key(|x| x.1);
    assert_eq!(log.released, want);
    assert_eq!(log.requeued, want.iter().map(|x| (x.0, x.1)).collect::<Vec<_>>(), "Active to Open at the cut");
    // Their capacity came back at the cut, and the queue grew by eight there.
    for &(_, id, _) in &want {
        assert!(log.capacity.contains(&(CUT, id, -1)), "conversation {id} released its unit at the cut");
    }
    let before = log.queue_total.iter().rev().find(|x| x.0 < CUT).expect("a queue before the cut").1;
    let at_cut = log.queue_total.iter().rev().find(|x| x.0 == CUT).expect("the queue changes at the cut").1;
    assert_eq!(at_cut, before + 8);
    // None is assigned again to a leaving agent, and the two left never take more than two.
    assert!(log.assigned.iter().filter(|x| x.0 >= CUT).all(|x| x.2 < 2));
}

fn sl_case(extra: &str) -> RepReport {
    // One agent serving 6 an hour under 30 arrivals an hour: a queue where patience decides
    // who abandons, and when.
    let text = format!(
        r#"
[scenario]
name = "sl"
horizon = "3h"
replications = 1
service_level_target = "60s"
[channels.web]
kind = "live_chat"
[skills.a]
wrap_up = "never"
[agents.team]
count = 1
skills = ["a"]
[[arrivals]]
channel = "web"
skill = "a"
rate_per_hour = 30.0
[behaviour]
exchanges = 1
agent_response = "5m"
customer_response = "5m"
wrap_up = "1m"
{extra}
"#
    );
    let s = parse_str("sl.toml", &text, Path::new("."), &[]).unwrap_or_else(|d| panic!("{d}"));
    simulate(&s).1
}

#[test]
fn the_two_service_levels_count_short_abandons_differently() {
    // Patience 30 s: every customer not served within 30 s abandons within the 60 s target.
    let r = sl_case("patience = \"30s\"");
    let row = r.row(Breakdown::Overall, "all").expect("overall");
    let assigned = row.get(Metric::QueueAssigned).expect("assigned");
    let abandoned_share = row.get(Metric::QueueAbandonShare).expect("abandon share");
    let sl = row.get(Metric::ServiceLevel).expect("S/A");
    let excl = row.get(Metric::ServiceLevelExclShortAbandon).expect("S/(A-L)");
    // Every assignment is within 30 s (the rest abandoned by then), so S = assigned; every
    // abandon is short, so S/(A - L) = S / S = 1 while S/A = assigned / (assigned + abandoned).
    assert!(assigned > 10.0 && abandoned_share > 0.1, "a queue with abandons: {assigned} {abandoned_share}");
    assert_eq!(excl, 1.0);
    assert!((sl - (1.0 - abandoned_share)).abs() < 1e-12, "{sl} vs {abandoned_share}");
    // Patience 2 minutes: abandons after the target stay in both denominators.
    let r = sl_case("patience = \"2m\"");
    let row = r.row(Breakdown::Overall, "all").expect("overall");
    let sl = row.get(Metric::ServiceLevel).expect("S/A");
    let excl = row.get(Metric::ServiceLevelExclShortAbandon).expect("S/(A-L)");
    assert!(excl < 1.0 && (excl - sl).abs() < 1e-12, "no short abandons: the two agree: {sl} {excl}");
}

#[test]
fn service_levels_on_known_counts() {
    // Fed by hand: 4 assigned within the 60 s target, 1 assigned after it, 2 customers who
    // abandoned within it (L = 2), 1 who abandoned after it. S/A = 4/8; S/(A - L) = 4/6.
    let s = cut_scenario("finish");
    let mut m = Metrics::new(&s, 0);
    let meta = |id: u64| ConvMeta { id, channel: 0, skill: 0, arrival_skill: 0, created: SimTime(0) };
    let sec = |x: u64| SimTime(x * 1000);
    let waits_assigned = [0u64, 10, 59, 60, 61];
    for (i, &w) in waits_assigned.iter().enumerate() {
        let c = meta(i as u64 + 1);
        m.state_change(sec(0), &c, None, State::Open);
        m.state_change(sec(w), &c, Some((State::Open, sec(0))), State::Active);
    }
    for (i, &w) in [5u64, 60, 90].iter().enumerate() {
        let c = meta(i as u64 + 10);
        m.state_change(sec(0), &c, None, State::Open);
        m.state_change(sec(w), &c, Some((State::Open, sec(0))), State::Closed);
        m.conversation(&ConversationRecord {
            meta: c,
            first_assigned: None,
            last_assigned: None,
            wrap_up_initiated: None,
            closed: Some(sec(w)),
            last_state: State::Open,
            reason: Some(CloseReason::QueueAbandon),
            eligible_at: None,
            last_customer_message: sec(0),
            last_activity: sec(0),
            state_entered: sec(0),
            premature: false,
            race: false,
            recontact_of: None,
            transfers: 0,
            exchanges: 0,
            auto_wrap_up: false,
            auto_parks: 0,
        });
    }
    let r = m.finish(Default::default());
    let row = r.row(Breakdown::Overall, "all").expect("overall");
    assert_eq!(row.get(Metric::QueueAssigned), Some(5.0));
    assert_eq!(row.get(Metric::ServiceLevel), Some(4.0 / 8.0));
    assert_eq!(row.get(Metric::ServiceLevelExclShortAbandon), Some(4.0 / 6.0));
    assert_eq!(row.get(Metric::QueueAbandonShare), Some(3.0 / 8.0));
    assert_eq!(Metric::ServiceLevelExclShortAbandon.name(), "service_level_excl_short_abandon_share");
}
