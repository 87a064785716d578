//! What the engine reports while it runs. Metrics and the conversation export implement
//! `Observer`; the engine never formats or stores results itself.

use crate::model::state::State;
use crate::time::{SimDuration, SimTime};

/// Identity of a conversation as observers see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvMeta {
    pub id: u64,
    pub channel: u16,
    /// The skill it is queued on or served under now (transfers change it).
    pub skill: u16,
    /// The skill it arrived on: cohort figures are attributed to it.
    pub arrival_skill: u16,
    pub created: SimTime,
}

/// Why a conversation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseReason {
    /// The agent ended it and closed the wrap-up (or resolved the record).
    AgentEnd,
    /// The customer left the queue before assignment.
    QueueAbandon,
    /// An auto-close rule, from the given state.
    AutoClose(State),
    /// The platform's hard cap on inactivity, from the given state.
    HardCap(State),
}

impl CloseReason {
    pub fn key(self) -> &'static str {
        match self {
            CloseReason::AgentEnd => "agent_end",
            CloseReason::QueueAbandon => "queue_abandon",
            CloseReason::AutoClose(State::Open) => "auto_close_open",
            CloseReason::AutoClose(State::Active) => "auto_close_active",
            CloseReason::AutoClose(State::Waiting) => "auto_close_waiting",
            CloseReason::AutoClose(State::WrapUp) => "auto_close_wrap_up",
            CloseReason::AutoClose(State::Closed) => "auto_close_closed",
            CloseReason::HardCap(_) => "hard_cap",
        }
    }

    /// Closed by a policy (a rule or the hard cap).
    pub fn is_auto(self) -> bool {
        matches!(self, CloseReason::AutoClose(_) | CloseReason::HardCap(_))
    }
}

/// Everything known about a conversation when it closes, or at the horizon if it is still
/// open; one row of `conversations.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationRecord {
    pub meta: ConvMeta,
    pub first_assigned: Option<SimTime>,
    pub last_assigned: Option<SimTime>,
    pub wrap_up_initiated: Option<SimTime>,
    /// `None` while still open at the horizon.
    pub closed: Option<SimTime>,
    /// The state it was closed from, or its state at the horizon.
    pub last_state: State,
    pub reason: Option<CloseReason>,
    /// First instant the policy would have closed it (auto-closed conversations).
    pub eligible_at: Option<SimTime>,
    pub last_customer_message: SimTime,
    /// Last message or metadata change before the closure (or the horizon).
    pub last_activity: SimTime,
    /// Entry into `last_state`.
    pub state_entered: SimTime,
    /// Auto-closed while a customer reply was on its way.
    pub premature: bool,
    /// Closed by a sweep that did not recheck, after the customer wrote.
    pub race: bool,
    /// The conversation this one re-contacts (its customer replied after an auto-close).
    pub recontact_of: Option<u64>,
    pub transfers: u32,
    pub exchanges: u32,
    /// An auto-close rule moved it from Active to Wrap-up (its `eligible_at`, `premature` and
    /// `race` then describe that move; the agent closed the wrap-up).
    pub auto_wrap_up: bool,
    /// Times an auto-close rule with action `park` made it inactive (Active to Waiting).
    pub auto_parks: u32,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sender {
    Customer,
    Agent,
}

impl Sender {
    pub fn key(self) -> &'static str {
        match self {
            Sender::Customer => "customer",
            Sender::Agent => "agent",
        }
    }
}

/// An auto-close rule's move of an Active conversation to Wrap-up or to Waiting (park).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoMove {
    pub eligible: SimTime,
    pub last_customer_message: SimTime,
    /// A customer reply was on its way.
    pub premature: bool,
    /// Moved by a sweep that did not recheck, after the customer wrote.
    pub race: bool,
}

/// One run of a sweep scheduler.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRecord {
    pub scheduler: usize,
    pub run: u64,
    pub started: SimTime,
    /// Open conversations in states this scheduler has a rule for: what a real job scans.
    pub in_scope: u64,
    pub eligible: u64,
    /// Closed by the run (closures, and moves to Wrap-up: `action = "wrap_up"`).
    pub closed: u64,
    /// Made inactive by the run (`action = "park"`: Active to Waiting): never a closure.
    pub parked: u64,
    /// Still eligible but left for the next run (`max_closures_per_run`, or a closure rate too
    /// slow to finish before the next run or the horizon).
    pub deferred: u64,
    /// Closed although the customer had written since the run started (recheck off); a park
    /// is never one.
    pub race_closures: u64,
    /// Eligible at the start but no longer when its turn came: the customer wrote, its state
    /// changed (recheck on), or it was closed by other means.
    pub rescued: u64,
    /// From the start to the last closure.
    pub duration: SimDuration,
}

/// Receives the engine's reports. Every method has an empty default.
#[allow(unused_variables)]
pub trait Observer {
    /// A conversation is created (an arrival or a re-contact).
    fn arrival(&mut self, t: SimTime, c: &ConvMeta, recontact: bool) {}
    /// `c` left `from` (entered at the given instant) for `to`. `from` is `None` at creation.
    fn state_change(&mut self, t: SimTime, c: &ConvMeta, from: Option<(State, SimTime)>, to: State) {}
    /// Capacity in use by `c` changed by `delta` units.
    fn capacity(&mut self, t: SimTime, c: &ConvMeta, delta: i64) {}
    /// `c` was assigned to agent `agent` (an index over every group's agents, in file order).
    fn assigned(&mut self, t: SimTime, c: &ConvMeta, agent: u32) {}
    /// Agent `agent` went off shift and released `c` to the queue (`shift_end = "requeue"`).
    fn released(&mut self, t: SimTime, c: &ConvMeta, agent: u32) {}
    /// Capacity units of on-shift agents is now `units`.
    fn available(&mut self, t: SimTime, units: u64) {}
    /// The queue of `skill` changed; `total` is the length over all skills.
    fn queue(&mut self, t: SimTime, skill: usize, total: u32) {}
    /// `c` held `units` of capacity in `state` from `from` to `to` while past its eligibility
    /// (zombie capacity). Reported when the period ends.
    fn zombie(&mut self, c: &ConvMeta, state: State, units: u32, from: SimTime, to: SimTime) {}
    /// A customer silence of `c` ended after `c` held `unit_ms` unit-milliseconds of capacity
    /// during it before eligibility, last in `state`. `replied`: it ended because the customer
    /// wrote; otherwise an auto-close, the dialogue's end (Wrap-up, a closure) or the horizon
    /// ended it. Silences that held no capacity are not reported.
    fn silent_before_eligible(&mut self, c: &ConvMeta, state: State, unit_ms: u64, replied: bool) {}
    /// An auto-close rule moved `c` from Active to Wrap-up (Dynamics voice) at `t`.
    fn auto_wrap_up(&mut self, t: SimTime, c: &ConvMeta, m: &AutoMove) {}
    /// An auto-close rule with action `park` moved `c` from Active to Waiting at `t`.
    fn auto_parked(&mut self, t: SimTime, c: &ConvMeta, m: &AutoMove) {}
    /// Side events: an agent parked it, a live-chat customer disconnected.
    fn parked(&mut self, t: SimTime, c: &ConvMeta) {}
    fn disconnected(&mut self, t: SimTime, c: &ConvMeta) {}
    /// An agent transferred the conversation (now Open) from `old`'s skill to `new`'s.
    fn transferred(&mut self, t: SimTime, old: &ConvMeta, new: &ConvMeta) {}
    fn reader_joined(&mut self, t: SimTime, c: &ConvMeta) {}
    /// A message of the dialogue: the agent's answer (not the agent's closing of the dialogue,
    /// which is a state change to Wrap-up) or the customer's reply. The customer's first
    /// message is the conversation's creation (`arrival`), not reported here.
    fn message(&mut self, t: SimTime, c: &ConvMeta, sender: Sender) {}
    /// A conversation closed, or is still open at the horizon (`rec.closed` is `None`).
    fn conversation(&mut self, rec: &ConversationRecord) {}
    fn sweep_run(&mut self, rec: &SweepRecord) {}
    /// Whether this observer needs every report in time order across conversations. `false`
    /// lets the engine report a conversation's messages and silences, and the agent's closing
    /// of its dialogue (a state change that moves no capacity), ahead of the other
    /// conversations' events when nothing can change them (the dialogue's fast-forward);
    /// arrivals and capacity changes still come in time order, and each conversation's own
    /// reports in its time order. The default is the safe one.
    fn needs_time_order(&self) -> bool {
        true
    }
    /// Whether this observer needs the records of closed conversations (`conversation`) in
    /// the order of their closures (`conversations.csv` is written so). `false`, with
    /// `needs_time_order` false, lets the engine close a wrap-up that holds no capacity ahead
    /// of the other conversations' events (`dialogue::wrap_up_done`); its state change to
    /// Closed and its record then come early too. The default follows `needs_time_order`.
    fn closes_in_time_order(&self) -> bool {
        self.needs_time_order()
    }
}

/// Reports to two observers in turn.
pub struct Both<'a, A: Observer, B: Observer>(pub &'a mut A, pub &'a mut B);

impl<A: Observer, B: Observer> Observer for Both<'_, A, B> {
    fn arrival(&mut self, t: SimTime, c: &ConvMeta, r: bool) {
        self.0.arrival(t, c, r);
        self.1.arrival(t, c, r);
    }
    fn state_change(&mut self, t: SimTime, c: &ConvMeta, from: Option<(State, SimTime)>, to: State) {
        self.0.state_change(t, c, from, to);
        self.1.state_change(t, c, from, to);
    }
    fn capacity(&mut self, t: SimTime, c: &ConvMeta, d: i64) {
        self.0.capacity(t, c, d);
        self.1.capacity(t, c, d);
    }
    fn assigned(&mut self, t: SimTime, c: &ConvMeta, a: u32) {
        self.0.assigned(t, c, a);
        self.1.assigned(t, c, a);
    }
    fn released(&mut self, t: SimTime, c: &ConvMeta, a: u32) {
        self.0.released(t, c, a);
        self.1.released(t, c, a);
    }
    fn available(&mut self, t: SimTime, u: u64) {
        self.0.available(t, u);
        self.1.available(t, u);
    }
    fn queue(&mut self, t: SimTime, s: usize, total: u32) {
        self.0.queue(t, s, total);
        self.1.queue(t, s, total);
    }
    fn zombie(&mut self, c: &ConvMeta, s: State, u: u32, f: SimTime, t: SimTime) {
        self.0.zombie(c, s, u, f, t);
        self.1.zombie(c, s, u, f, t);
    }
    fn silent_before_eligible(&mut self, c: &ConvMeta, s: State, unit_ms: u64, replied: bool) {
        self.0.silent_before_eligible(c, s, unit_ms, replied);
        self.1.silent_before_eligible(c, s, unit_ms, replied);
    }
    fn auto_wrap_up(&mut self, t: SimTime, c: &ConvMeta, m: &AutoMove) {
        self.0.auto_wrap_up(t, c, m);
        self.1.auto_wrap_up(t, c, m);
    }
    fn auto_parked(&mut self, t: SimTime, c: &ConvMeta, m: &AutoMove) {
        self.0.auto_parked(t, c, m);
        self.1.auto_parked(t, c, m);
    }
    fn parked(&mut self, t: SimTime, c: &ConvMeta) {
        self.0.parked(t, c);
        self.1.parked(t, c);
    }
    fn disconnected(&mut self, t: SimTime, c: &ConvMeta) {
        self.0.disconnected(t, c);
        self.1.disconnected(t, c);
    }
    fn transferred(&mut self, t: SimTime, old: &ConvMeta, new: &ConvMeta) {
        self.0.transferred(t, old, new);
        self.1.transferred(t, old, new);
    }
    fn reader_joined(&mut self, t: SimTime, c: &ConvMeta) {
        self.0.reader_joined(t, c);
        self.1.reader_joined(t, c);
    }
    fn message(&mut self, t: SimTime, c: &ConvMeta, s: Sender) {
        self.0.message(t, c, s);
        self.1.message(t, c, s);
    }
    fn conversation(&mut self, r: &ConversationRecord) {
        self.0.conversation(r);
        self.1.conversation(r);
    }
    fn sweep_run(&mut self, r: &SweepRecord) {
        self.0.sweep_run(r);
        self.1.sweep_run(r);
    }
    fn needs_time_order(&self) -> bool {
        self.0.needs_time_order() || self.1.needs_time_order()
    }
    fn closes_in_time_order(&self) -> bool {
        self.0.closes_in_time_order() || self.1.closes_in_time_order()
    }
}
