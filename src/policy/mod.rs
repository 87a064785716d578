//! Auto-close rules: which instant a timeout counts from, which conditions hold a closure back,
//! and which scheduler (periodic sweep or exact timer) carries it out.
//!
//! Pure functions of a conversation's clock readings and a policy; no engine, no I/O. The
//! engine asks `eligible_at` whenever a conversation's readings change and indexes the answer.

pub mod presets;

use crate::model::state::State;
use crate::time::{SimDuration, SimTime};

/// Which instant a timeout counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Dynamics `createdon`; in Wrap-up, `wrapupinitiatedon` (seed 000).
    Created,
    /// Entry into the current state, renewed by monitor, consult or transfer (Dynamics'
    /// "last modified" reading).
    StateEntered,
    /// Any message or metadata change (LivePerson).
    LastActivity,
    /// The customer's last message (WhatsApp4Dynamics).
    LastCustomerMessage,
    /// The last message of either side, the customer's first message at creation; state
    /// changes and reader joins do not count (Twilio's `timers.*`, Zendesk, Salesforce, Quiq).
    LastMessage,
    /// The customer's last message or the entry into the state, whichever is later (Amazon
    /// Connect: the customer's timers start when the agent joins and reset when the customer
    /// writes).
    CustomerIdle,
}

impl Clock {
    pub const ALL: [(&'static str, Clock); 6] = [
        ("created", Clock::Created),
        ("state_entered", Clock::StateEntered),
        ("last_activity", Clock::LastActivity),
        ("last_customer_message", Clock::LastCustomerMessage),
        ("last_message", Clock::LastMessage),
        ("customer_idle", Clock::CustomerIdle),
    ];
    pub fn key(self) -> &'static str {
        Clock::ALL.iter().find(|(_, c)| *c == self).map(|(k, _)| *k).expect("every clock is listed in ALL")
    }
}

/// What an auto-close does to the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseAction {
    /// Closed (every platform's default).
    Close,
    /// Active to Wrap-up (Dynamics voice: "Active 2 h to Wrap-up").
    ToWrapUp,
    /// Active to Waiting: the conversation becomes inactive and releases its capacity, to be
    /// closed later by its Waiting rule (the first stage of a two-stage platform).
    Park,
}

impl CloseAction {
    pub const ALL: [(&'static str, CloseAction); 3] =
        [("close", CloseAction::Close), ("wrap_up", CloseAction::ToWrapUp), ("park", CloseAction::Park)];
    pub fn key(self) -> &'static str {
        CloseAction::ALL.iter().find(|(_, a)| *a == self).map(|(k, _)| *k).expect("every action is listed in ALL")
    }
}

/// The resolved rule for one (channel, skill, state).
#[derive(Debug, Clone, PartialEq)]
pub struct StateRule {
    /// `None`: this state is never auto-closed (the hard cap still applies).
    pub timeout: Option<SimDuration>,
    pub clock: Clock,
    /// Close only while the last message is the agent's (LivePerson).
    pub pending_consumer_only: bool,
    /// A conversation whose agent set a manual response time is never auto-closed (LivePerson).
    pub exempt_manual_response_time: bool,
    /// A supervisor joining as reader counts as activity (LivePerson: it resets the timer).
    pub reader_resets_clock: bool,
    /// Index into `Policy::schedulers`.
    pub scheduler: usize,
    pub action: CloseAction,
}

/// A periodic sweep: the scheduled job of Dynamics, LivePerson's 25-minute process, the
/// WhatsApp4Dynamics Power Automate flow.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSpec {
    pub interval: SimDuration,
    /// Time of the first run after the scenario start (runs at phase + k * interval).
    pub phase: SimDuration,
    /// Each run starts up to this much after its nominal time, uniformly (its own RNG stream).
    pub jitter: Option<SimDuration>,
    /// Closures per run at most (pagination, API limits); the rest wait for the next run,
    /// oldest eligible first.
    pub max_closures_per_run: Option<u32>,
    /// Closures inside a run are spread at this rate; `None`: all at the run's start.
    pub closures_per_second: Option<f64>,
    /// Re-read each conversation just before closing it; off: decide from the run's start and
    /// possibly close one whose customer wrote meanwhile (a race closure).
    pub recheck: bool,
}

impl SweepSpec {
    /// Nominal start of run `k` (0-based), before jitter: `phase + k * interval`.
    pub fn nominal_run(&self, k: u64) -> SimTime {
        SimTime(self.phase.ms() + k * self.interval.ms())
    }

    /// The first nominal run at or after `t`: when a conversation eligible at `t` is closed by
    /// a sweep without jitter or limits.
    pub fn first_run_at_or_after(&self, t: SimTime) -> SimTime {
        let (p, i) = (self.phase.ms(), self.interval.ms());
        if t.ms() <= p {
            return SimTime(p);
        }
        self.nominal_run((t.ms() - p).div_ceil(i))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum SchedulerKind {
    /// A timer per conversation: the ideal, zero-latency baseline.
    Exact,
    Sweep(SweepSpec),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scheduler {
    pub name: String,
    pub kind: SchedulerKind,
}

/// Named platform whose documented rules a policy starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Dynamics,
    LivePerson,
    WhatsApp4Dynamics,
    Exact,
    /// Dynamics 365 Contact Center's current product page: the `modifiedon` clock.
    DynamicsCc,
    Salesforce,
    Zendesk,
    Twilio,
    AmazonConnect,
    Quiq,
    ServiceNow,
}

/// A fully resolved auto-close policy: one rule per (channel, skill, open state).
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub preset: Option<Preset>,
    /// Indexed by `rule_index(channel, skill, state)`.
    pub rules: Vec<StateRule>,
    pub n_skills: usize,
    pub schedulers: Vec<Scheduler>,
    /// Closes anything inactive (last activity) this long, whatever the rules (LivePerson 90 d).
    pub hard_cap: Option<SimDuration>,
}

impl Policy {
    /// The rule for a conversation of `channel` and `skill` in an open `state`.
    pub fn rule(&self, channel: usize, skill: usize, state: State) -> &StateRule {
        let i = self.rule_index(channel, skill, state).expect("only open states have auto-close rules");
        &self.rules[i]
    }

    /// Where the rule for (`channel`, `skill`, `state`) is in `rules`; `None` for a state
    /// that is not open (no rule applies).
    pub fn rule_index(&self, channel: usize, skill: usize, state: State) -> Option<usize> {
        state.open_index().map(|s| (channel * self.n_skills + skill) * 4 + s)
    }
}

/// The clock readings of one conversation that auto-close rules look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Readings {
    pub state: State,
    pub created: SimTime,
    pub state_entered: SimTime,
    /// State entry, renewed by a supervisor monitoring it (reader join): Dynamics' "last
    /// modified" reading, which the `state_entered` clock uses when reader joins count.
    pub state_modified: SimTime,
    pub wrap_up_initiated: Option<SimTime>,
    /// Last message or metadata change (reader joins included only when they reset the clock).
    pub last_activity: SimTime,
    /// Last change that is not a reader join, for rules where reader joins do not count.
    pub last_activity_excluding_reader: SimTime,
    pub last_customer_message: SimTime,
    /// Since when the conversation awaits the customer (last message is the agent's), if it does.
    pub pending_consumer_since: Option<SimTime>,
    pub manual_response_time: bool,
}

impl Readings {
    /// The last message of either side: the agent's while the customer is silent (it follows
    /// the customer's last one), else the customer's.
    pub fn last_message(&self) -> SimTime {
        self.pending_consumer_since.map_or(self.last_customer_message, |p| p.max(self.last_customer_message))
    }
}

/// Why a conversation is (or will be) auto-closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eligibility {
    /// The state's rule: closes (or moves to Wrap-up) from this instant on.
    Rule(SimTime),
    /// The platform's hard cap on inactivity.
    HardCap(SimTime),
}

impl Eligibility {
    pub fn at(self) -> SimTime {
        match self {
            Eligibility::Rule(t) | Eligibility::HardCap(t) => t,
        }
    }
}

/// The first instant `rule` would close a conversation with `r`, or `None` when it would
/// never close it as things stand (no timeout, a condition not met). The hard cap applies
/// whatever the rule says; the earlier of the two wins, the rule on a tie.
#[inline]
pub fn eligible_at(rule: &StateRule, hard_cap: Option<SimDuration>, r: &Readings) -> Option<Eligibility> {
    let by_rule = rule_eligible_at(rule, r).map(Eligibility::Rule);
    let by_cap = hard_cap.map(|cap| Eligibility::HardCap(r.last_activity + cap));
    match (by_rule, by_cap) {
        (Some(a), Some(b)) if b.at() < a.at() => Some(b),
        (Some(a), _) => Some(a),
        (None, b) => b,
    }
}

fn rule_eligible_at(rule: &StateRule, r: &Readings) -> Option<SimTime> {
    let timeout = rule.timeout?;
    if rule.exempt_manual_response_time && r.manual_response_time {
        return None;
    }
    let anchor = match rule.clock {
        Clock::Created => match r.state {
            State::WrapUp => r.wrap_up_initiated.unwrap_or(r.state_entered),
            _ => r.created,
        },
        // Dynamics recomputes on monitor: a reader join renews the reading when it counts.
        Clock::StateEntered if rule.reader_resets_clock => r.state_modified,
        Clock::StateEntered => r.state_entered,
        Clock::LastActivity if rule.reader_resets_clock => r.last_activity,
        Clock::LastActivity => r.last_activity_excluding_reader,
        Clock::LastCustomerMessage => r.last_customer_message,
        Clock::LastMessage => r.last_message(),
        Clock::CustomerIdle => r.last_customer_message.max(r.state_entered),
    };
    // A rule of this state cannot close the conversation before it entered the state.
    let mut at = (anchor + timeout).max(r.state_entered);
    if rule.pending_consumer_only {
        // Eligible only while the agent has the last word, and no earlier than that began.
        at = at.max(r.pending_consumer_since?);
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn rule(timeout_min: Option<u64>, clock: Clock) -> StateRule {
        StateRule {
            timeout: timeout_min.map(SimDuration::from_mins),
            clock,
            pending_consumer_only: false,
            exempt_manual_response_time: false,
            reader_resets_clock: true,
            scheduler: 0,
            action: CloseAction::Close,
        }
    }

    fn readings(state: State) -> Readings {
        Readings {
            state,
            created: SimTime(0),
            state_entered: SimTime(1_000),
            state_modified: SimTime(1_000),
            wrap_up_initiated: None,
            last_activity: SimTime(5_000),
            last_activity_excluding_reader: SimTime(4_000),
            last_customer_message: SimTime(3_000),
            pending_consumer_since: Some(SimTime(5_000)),
            manual_response_time: false,
        }
    }

    #[test]
    fn each_clock_counts_from_its_reading() {
        let r = readings(State::Active);
        let m = SimDuration::from_mins(1).ms();
        let at = |c| eligible_at(&rule(Some(1), c), None, &r).map(Eligibility::at);
        assert_eq!(at(Clock::Created), Some(SimTime(m)));
        assert_eq!(at(Clock::StateEntered), Some(SimTime(1_000 + m)));
        assert_eq!(at(Clock::LastActivity), Some(SimTime(5_000 + m)));
        assert_eq!(at(Clock::LastCustomerMessage), Some(SimTime(3_000 + m)));
        // The agent's message at 5 s follows the customer's at 3 s.
        assert_eq!(at(Clock::LastMessage), Some(SimTime(5_000 + m)));
        assert_eq!(at(Clock::CustomerIdle), Some(SimTime(3_000 + m)));
    }

    #[test]
    fn customer_idle_starts_no_earlier_than_the_state_and_last_message_skips_state_changes() {
        let mut r = readings(State::Active);
        // Assigned at 9 s, long after the customer's message at 3 s: the timer starts then.
        r.state_entered = SimTime(9_000);
        r.pending_consumer_since = None;
        let m = SimDuration::from_mins(1).ms();
        let at = |c, r: &Readings| eligible_at(&rule(Some(1), c), None, r).map(Eligibility::at);
        assert_eq!(at(Clock::CustomerIdle, &r), Some(SimTime(9_000 + m)));
        // The customer's message is the last one; state changes (9 s) are not messages, but a
        // rule never closes before the state's entry.
        assert_eq!(r.last_message(), SimTime(3_000));
        r.state_entered = SimTime(1_000);
        assert_eq!(at(Clock::LastMessage, &r), Some(SimTime(3_000 + m)));
    }

    #[test]
    fn created_clock_counts_wrap_up_from_its_initiation() {
        let mut r = readings(State::WrapUp);
        r.wrap_up_initiated = Some(SimTime(9_000));
        let e = eligible_at(&rule(Some(1), Clock::Created), None, &r).unwrap();
        assert_eq!(e, Eligibility::Rule(SimTime(9_000 + 60_000)));
    }

    #[test]
    fn no_timeout_means_never_unless_hard_cap() {
        let r = readings(State::Active);
        assert_eq!(eligible_at(&rule(None, Clock::LastActivity), None, &r), None);
        let cap = SimDuration::from_days(90);
        assert_eq!(
            eligible_at(&rule(None, Clock::LastActivity), Some(cap), &r),
            Some(Eligibility::HardCap(SimTime(5_000) + cap))
        );
    }

    #[test]
    fn pending_consumer_only_waits_for_the_agents_last_word() {
        let mut rl = rule(Some(1), Clock::Created);
        rl.pending_consumer_only = true;
        let mut r = readings(State::Active);
        r.pending_consumer_since = None;
        assert_eq!(eligible_at(&rl, None, &r), None);
        r.pending_consumer_since = Some(SimTime(600_000));
        assert_eq!(eligible_at(&rl, None, &r), Some(Eligibility::Rule(SimTime(600_000))));
    }

    #[test]
    fn manual_response_time_exempts_and_reader_flag_picks_the_reading() {
        let mut rl = rule(Some(1), Clock::LastActivity);
        rl.exempt_manual_response_time = true;
        let mut r = readings(State::Active);
        r.manual_response_time = true;
        assert_eq!(eligible_at(&rl, None, &r), None);
        r.manual_response_time = false;
        rl.reader_resets_clock = false;
        assert_eq!(eligible_at(&rl, None, &r), Some(Eligibility::Rule(SimTime(4_000 + 60_000))));
    }
}
