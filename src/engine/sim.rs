//! The run loop: one replication of a scenario as a pure function of (scenario, replication),
//! reporting to an observer.
//!
//! Conversation records live in a slab and are freed when they close. Events refer to a
//! conversation by (slot, tag) and carry the epoch they were scheduled in; a handler first
//! checks that the event still applies (lazy deletion). Auto-close eligibility is kept in one
//! index per sweep (a min-heap of lower bounds, refreshed on pop), so a sweep costs what it
//! closes, not what is open.
//!
//! Draw order per conversation (common random numbers across configurations): at creation the
//! number of exchanges; at each entry into the queue the patience; when an agent message is
//! scheduled its response time; at each agent message the customer's response time, whether
//! the agent will park, the park delay and the disconnect delay; at wrap-up its duration. Side
//! events (reader joins, manual response time, transfers) use a second stream per conversation.

use super::observer::{AutoMove, CloseReason, ConvMeta, ConversationRecord, Observer, SweepRecord};
use super::queue::{EventQueue, ScheduledInPast};
use super::rng::{self, Purpose, StreamRng};
use super::routing::{QueueEntry, Routing};
use crate::model::dist::round_ms;
use crate::model::state::{transition, IllegalTransition, State, Trigger};
use crate::policy::{eligible_at, CloseAction, Eligibility, Readings, SchedulerKind, SweepSpec};
use crate::scenario::{ChannelKind, Scenario, ShiftEnd, Staffing, WrapUpBlock};
use crate::time::{SimDuration, SimTime, MS_PER_HOUR};
use chrono::Datelike;
use rand::Rng;
use rand_distr::Exp1;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};

/// Why a run stopped: a bug the engine detected in itself, or a run whose simulated time
/// stopped advancing.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error(transparent)]
    Illegal(#[from] IllegalTransition),
    #[error(transparent)]
    Past(#[from] ScheduledInPast),
    /// More than `MAX_EVENTS_PER_INSTANT` events at one instant: the run would never end. The
    /// reader's bounds should make this unreachable from a valid scenario; it is an error, not
    /// a hang, all the same.
    #[error(
        "simulated time stopped advancing at {at}: more than {limit} events at that instant, the last for {what}; look for zero-length loops (many exchanges with zero response times)"
    )]
    Stalled { at: SimTime, what: String, limit: u64 },
    /// More than `MAX_LIVE_CONVERSATIONS` open at once: the scenario's load far exceeds its
    /// agents and the run would exhaust memory before it ends.
    #[error(
        "more than {MAX_LIVE_CONVERSATIONS} conversations open at once at {at}: the arrivals far exceed what the agents serve; lower the rates or add agents"
    )]
    Overloaded { at: SimTime },
}

/// Most conversation records alive at once in one replication (a few gigabytes).
pub const MAX_LIVE_CONVERSATIONS: u64 = 5_000_000;

/// Most events one instant of simulated time may hold before the run is stopped as stalled;
/// far above what any sweep or burst of a valid scenario brings (a sweep closes at most the
/// conversations open, and a conversation has at most 1000 exchanges).
pub const MAX_EVENTS_PER_INSTANT: u64 = 10_000_000;

/// Totals of one run, for invariants and throughput figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Events popped from the event queue.
    pub events: u64,
    pub arrived: u64,
    pub closed: u64,
    pub open_at_horizon: u64,
    /// Most conversation records alive at once.
    pub peak_live: u64,
}

const NO_AGENT: u32 = u32::MAX;
/// Most exchanges of one conversation (`scenario::dists::MAX_COUNT`).
const MAX_EXCHANGES: u32 = crate::scenario::dists::MAX_COUNT as u32;

/// An event; 16 bytes, so that a queue entry (time, sequence, event) is 32.
#[derive(Debug, Clone, Copy)]
enum Ev {
    Arrival { stream: u32 },
    Recontact { idx: u32 },
    AgentMessage { slot: u32, tag: u32, epoch: u32 },
    CustomerReply { slot: u32, tag: u32, turn: u32 },
    Park { slot: u32, tag: u32, turn_epoch: u32 },
    Disconnect { slot: u32, tag: u32, turn_epoch: u32 },
    Patience { slot: u32, tag: u32, epoch: u32 },
    WrapUpRelease { slot: u32, tag: u32, epoch: u32 },
    WrapUpDone { slot: u32, tag: u32, epoch: u32 },
    Timer { slot: u32, tag: u32, epoch: u32 },
    Reader { slot: u32, tag: u32, epoch: u32 },
    Transfer { slot: u32, tag: u32, epoch: u32 },
    SweepRun { sched: u32 },
    SweepClose { sched: u32, run: u32 },
    Shift,
}

struct Conv {
    meta: ConvMeta,
    tag: u32,
    rng: StreamRng,
    side_rng: StreamRng,
    state: State,
    /// Bumped at every state change; events scheduled in an earlier state are stale.
    epoch: u32,
    state_entered: SimTime,
    state_modified: SimTime,
    last_activity: SimTime,
    last_activity_excl_reader: SimTime,
    last_customer_message: SimTime,
    pending_consumer_since: Option<SimTime>,
    pending_reply_at: Option<SimTime>,
    wrap_up_initiated: Option<SimTime>,
    first_assigned: Option<SimTime>,
    last_assigned: Option<SimTime>,
    exchanges: u32,
    /// Agent messages sent so far.
    turn: u32,
    /// Bumped at every agent message and every state change: a park or disconnect timer
    /// stands only while the silence it was set for lasts.
    turn_epoch: u32,
    agent: u32,
    held: u32,
    /// Start of the current period of constant eligibility and held capacity.
    episode_start: SimTime,
    /// Key of this conversation's live entry in its scheduler's index (a lower bound of its
    /// eligibility), or `None` when it has none.
    indexed_key: Option<SimTime>,
    manual_response: bool,
    /// This turn's park delay, if the agent will park while the customer is silent.
    silence_park: Option<SimDuration>,
    /// This turn's time from the agent's message to a live-chat disconnect, if any.
    silence_disconnect: Option<SimDuration>,
    /// Capacity (unit-milliseconds) held during the current customer silence before
    /// eligibility: the cost of the timeout, reported when the silence ends (the customer
    /// writes, an auto-close, the dialogue's end or the horizon).
    silent_unit_ms: u64,
    /// The state that capacity was last held in during this silence (what it is reported under).
    silent_state: State,
    recontact_of: Option<u64>,
    transfers: u32,
    /// An auto-close rule moved it to Wrap-up: (eligible, premature, race) of that move.
    auto_moved: Option<(SimTime, bool, bool)>,
    /// (stream, generation, index): the seed of its random streams.
    key: (u32, u32, u64),
}

impl Conv {
    fn readings(&self) -> Readings {
        Readings {
            state: self.state,
            created: self.meta.created,
            state_entered: self.state_entered,
            state_modified: self.state_modified,
            wrap_up_initiated: self.wrap_up_initiated,
            last_activity: self.last_activity,
            last_activity_excluding_reader: self.last_activity_excl_reader,
            last_customer_message: self.last_customer_message,
            pending_consumer_since: self.pending_consumer_since,
            manual_response_time: self.manual_response,
        }
    }

    /// Records a message or metadata change that is not a reader join.
    fn touch(&mut self, t: SimTime) {
        self.last_activity = t;
        self.last_activity_excl_reader = t;
    }
}

struct ArrivalGen {
    rng: StreamRng,
    /// Next candidate instant in fractional milliseconds (thinning works in continuous time;
    /// only the accepted instant is floored onto the integer clock).
    next_ms: f64,
    max_rate_per_ms: f64,
    count: u64,
}

struct RecontactInfo {
    channel: u16,
    skill: u16,
    parent: u64,
    key: (u32, u32, u64),
}

struct BatchItem {
    slot: u32,
    tag: u32,
    epoch: u32,
    /// The state the run saw it in: a closure decided without recheck is reported under it.
    state: State,
    eligibility: Eligibility,
}

/// An entry of a sweep's eligibility index: (lower bound of eligibility, conversation id,
/// slot, tag, state epoch), ordered so that the oldest eligible pops first.
type IndexEntry = Reverse<(SimTime, u64, u32, u32, u32)>;

struct SweepState {
    spec: SweepSpec,
    heap: BinaryHeap<IndexEntry>,
    jitter_rng: StreamRng,
    runs: u64,
    batch: VecDeque<BatchItem>,
    current: Option<SweepRecord>,
}

enum SchedState {
    Exact,
    Sweep(Box<SweepState>),
}

struct Sim<'a, O: Observer> {
    s: &'a Scenario,
    replication: u32,
    obs: &'a mut O,
    q: EventQueue<Ev>,
    horizon: SimTime,
    convs: Vec<Option<Conv>>,
    free_slots: Vec<u32>,
    live: u64,
    next_id: u64,
    next_tag: u32,
    routing: Routing,
    arrivals: Vec<ArrivalGen>,
    recontacts: Vec<RecontactInfo>,
    scheds: Vec<SchedState>,
    /// Open conversations in a state with a rule, per scheduler.
    in_scope: Vec<u64>,
    has_rule: Vec<bool>,
    stats: RunStats,
    weekday0: usize,
    /// While a sweep commits a batch, agents freed by its closures wait here and take new
    /// work only once the whole batch is closed.
    held_refills: Option<Vec<u32>>,
}

/// Runs replication `replication` of `s`, reporting to `obs`; `progress`, if given, is kept
/// at the simulated milliseconds done.
pub fn run<O: Observer>(
    s: &Scenario,
    replication: u32,
    obs: &mut O,
    progress: Option<&AtomicU64>,
) -> Result<RunStats, SimError> {
    run_limited(s, replication, obs, progress, MAX_EVENTS_PER_INSTANT)
}

/// `run` with another bound on the events at one instant than `MAX_EVENTS_PER_INSTANT`, so
/// that tests reach the stall error without ten million events.
pub fn run_limited<O: Observer>(
    s: &Scenario,
    replication: u32,
    obs: &mut O,
    progress: Option<&AtomicU64>,
    max_events_per_instant: u64,
) -> Result<RunStats, SimError> {
    let mut sim = Sim::new(s, replication, obs);
    sim.start()?;
    let mut done_ms = 0u64;
    let (mut instant, mut at_instant) = (SimTime::ZERO, 0u64);
    while let Some((t, ev)) = sim.q.pop_until(SimTime(sim.horizon.0.saturating_sub(1))) {
        if t == instant {
            at_instant += 1;
            if at_instant > max_events_per_instant {
                return Err(SimError::Stalled { at: t, what: sim.describe(&ev), limit: max_events_per_instant });
            }
        } else {
            (instant, at_instant) = (t, 1);
        }
        sim.handle(t, ev)?;
        if let Some(p) = progress {
            if sim.q.popped() & 0xFFFF == 0 {
                p.fetch_add(t.0 - done_ms, Ordering::Relaxed);
                done_ms = t.0;
            }
        }
    }
    if let Some(p) = progress {
        p.fetch_add(sim.horizon.0 - done_ms, Ordering::Relaxed);
    }
    sim.finish();
    sim.stats.events = sim.q.popped();
    Ok(sim.stats)
}

fn check_live(convs: &[Option<Conv>], e: &QueueEntry) -> bool {
    matches!(&convs[e.slot as usize], Some(c) if c.tag == e.tag && c.epoch == e.epoch && c.state == State::Open)
}

impl<'a, O: Observer> Sim<'a, O> {
    fn new(s: &'a Scenario, replication: u32, obs: &'a mut O) -> Self {
        let n_rules = s.policy.rules.len();
        let mut has_rule = vec![false; n_rules];
        for (i, r) in s.policy.rules.iter().enumerate() {
            has_rule[i] = r.timeout.is_some() || s.policy.hard_cap.is_some();
        }
        let scheds = s
            .policy
            .schedulers
            .iter()
            .enumerate()
            .map(|(i, sc)| match &sc.kind {
                SchedulerKind::Exact => SchedState::Exact,
                SchedulerKind::Sweep(spec) => SchedState::Sweep(Box::new(SweepState {
                    spec: spec.clone(),
                    heap: BinaryHeap::new(),
                    jitter_rng: rng::stream(s.seed, replication, Purpose::SweepJitter, i as u64, 0),
                    runs: 0,
                    batch: VecDeque::new(),
                    current: None,
                })),
            })
            .collect();
        Sim {
            s,
            replication,
            obs,
            q: EventQueue::new(),
            horizon: SimTime(s.horizon.ms()),
            convs: Vec::new(),
            free_slots: Vec::new(),
            live: 0,
            next_id: 1,
            next_tag: 0,
            routing: Routing::new(s),
            arrivals: Vec::new(),
            recontacts: Vec::new(),
            in_scope: vec![0; s.policy.schedulers.len()],
            has_rule,
            scheds,
            stats: RunStats::default(),
            weekday0: s.start_date.weekday().num_days_from_monday() as usize,
            held_refills: None,
        }
    }

    fn start(&mut self) -> Result<(), SimError> {
        for (i, a) in self.s.arrivals.iter().enumerate() {
            let peak = a.intraday.iter().copied().fold(0.0, f64::max) * a.weekly.iter().copied().fold(0.0, f64::max);
            self.arrivals.push(ArrivalGen {
                rng: rng::stream(self.s.seed, self.replication, Purpose::Arrivals, i as u64, 0),
                next_ms: 0.0,
                max_rate_per_ms: a.rate_per_hour * peak / MS_PER_HOUR as f64,
                count: 0,
            });
            self.schedule_next_arrival(i)?;
        }
        self.apply_staffing(SimTime::ZERO)?;
        if self.s.agent_groups.iter().any(|g| matches!(g.staffing, Staffing::Weekly(_))) {
            self.at(SimTime(MS_PER_HOUR), Ev::Shift)?;
        }
        for i in 0..self.scheds.len() {
            if let SchedState::Sweep(st) = &mut self.scheds[i] {
                let at = st.spec.nominal_run(0) + jitter(st);
                self.at_last(at, Ev::SweepRun { sched: i as u32 })?;
            }
        }
        Ok(())
    }

    // ---- arrivals -------------------------------------------------------------------------

    /// Draws candidates from the stream's peak-rate Poisson process and thins them down to the
    /// hour-of-day and weekday profile (exact for piecewise-constant rates).
    fn schedule_next_arrival(&mut self, i: usize) -> Result<(), SimError> {
        let a = &self.s.arrivals[i];
        let g = &mut self.arrivals[i];
        if g.max_rate_per_ms <= 0.0 {
            return Ok(());
        }
        loop {
            g.next_ms += g.rng.sample::<f64, _>(Exp1) / g.max_rate_per_ms;
            if g.next_ms >= self.horizon.0 as f64 {
                return Ok(());
            }
            let t = SimTime(g.next_ms as u64);
            let weekday = (self.weekday0 + t.day() as usize) % 7;
            let rate = a.rate_per_hour * a.intraday[t.hour_of_day()] * a.weekly[weekday] / MS_PER_HOUR as f64;
            let accept: f64 = g.rng.gen();
            if accept * g.max_rate_per_ms < rate {
                self.at(t, Ev::Arrival { stream: i as u32 })?;
                return Ok(());
            }
        }
    }

    fn on_arrival(&mut self, t: SimTime, stream: usize) -> Result<(), SimError> {
        let index = self.arrivals[stream].count;
        self.arrivals[stream].count += 1;
        let a = &self.s.arrivals[stream];
        let (channel, skill) = (a.channel as u16, a.skill as u16);
        self.create(t, channel, skill, (stream as u32, 0, index), None)?;
        self.schedule_next_arrival(stream)
    }

    fn create(
        &mut self,
        t: SimTime,
        channel: u16,
        skill: u16,
        key: (u32, u32, u64),
        recontact_of: Option<u64>,
    ) -> Result<(), SimError> {
        let (seed, rep) = (self.s.seed, self.replication);
        let stream_word = ((key.1 as u64) << 32) | key.0 as u64;
        let mut rng = rng::stream(seed, rep, Purpose::Dialogue, stream_word, key.2);
        let side_rng = rng::stream(seed, rep, Purpose::SideEvents, stream_word, key.2);
        let b = self.s.behaviour(channel as usize, skill as usize);
        // Capped like the reader caps the distribution's parameters: a long tail must not run
        // one conversation for millions of exchanges.
        let exchanges = b.exchanges.sample_count(&mut rng, 1).unwrap_or(1).min(MAX_EXCHANGES);
        let meta = ConvMeta { id: self.next_id, channel, skill, arrival_skill: skill, created: t };
        self.next_id += 1;
        let tag = self.next_tag;
        self.next_tag = self.next_tag.wrapping_add(1);
        let conv = Conv {
            meta,
            tag,
            rng,
            side_rng,
            state: State::Open,
            epoch: 0,
            state_entered: t,
            state_modified: t,
            last_activity: t,
            last_activity_excl_reader: t,
            last_customer_message: t,
            pending_consumer_since: None,
            pending_reply_at: None,
            wrap_up_initiated: None,
            first_assigned: None,
            last_assigned: None,
            exchanges,
            turn: 0,
            turn_epoch: 0,
            agent: NO_AGENT,
            held: 0,
            episode_start: t,
            indexed_key: None,
            manual_response: false,
            silence_park: None,
            silence_disconnect: None,
            silent_unit_ms: 0,
            silent_state: State::Active,
            recontact_of,
            transfers: 0,
            auto_moved: None,
            key,
        };
        let slot = match self.free_slots.pop() {
            Some(s) => {
                self.convs[s as usize] = Some(conv);
                s
            }
            None => {
                self.convs.push(Some(conv));
                (self.convs.len() - 1) as u32
            }
        };
        self.live += 1;
        if self.live > MAX_LIVE_CONVERSATIONS {
            return Err(SimError::Overloaded { at: t });
        }
        self.stats.peak_live = self.stats.peak_live.max(self.live);
        self.stats.arrived += 1;
        self.obs.arrival(t, &meta, recontact_of.is_some());
        self.obs.state_change(t, &meta, None, State::Open);
        self.scope_enter(slot);
        self.enqueue(slot, t)
    }

    /// Schedules an event, unless it falls at or after the horizon (it would never run).
    fn at(&mut self, t: SimTime, ev: Ev) -> Result<(), SimError> {
        if t < self.horizon {
            self.q.schedule(t, ev)?;
        }
        Ok(())
    }

    /// Schedules an event after every other event of its instant (sweep runs).
    fn at_last(&mut self, t: SimTime, ev: Ev) -> Result<(), SimError> {
        if t < self.horizon {
            self.q.schedule_last(t, ev)?;
        }
        Ok(())
    }

    /// What an event is about, for the stall error: its conversation, stream or scheduler.
    fn describe(&self, ev: &Ev) -> String {
        let slot = match ev {
            Ev::Arrival { stream } => return format!("the arrivals of stream arrivals.{stream}"),
            Ev::Recontact { idx } => {
                return format!("a recontact of conversation {}", self.recontacts[*idx as usize].parent)
            }
            Ev::SweepRun { sched } | Ev::SweepClose { sched, .. } => {
                return format!("scheduler `{}`", self.s.policy.schedulers[*sched as usize].name)
            }
            Ev::Shift => return "a staffing change".to_string(),
            Ev::AgentMessage { slot, .. }
            | Ev::CustomerReply { slot, .. }
            | Ev::Park { slot, .. }
            | Ev::Disconnect { slot, .. }
            | Ev::Patience { slot, .. }
            | Ev::WrapUpRelease { slot, .. }
            | Ev::WrapUpDone { slot, .. }
            | Ev::Timer { slot, .. }
            | Ev::Reader { slot, .. }
            | Ev::Transfer { slot, .. } => *slot,
        };
        match self.convs.get(slot as usize) {
            Some(Some(c)) => {
                let (ch, sk) = (c.meta.channel as usize, c.meta.skill as usize);
                format!("conversation {} ({}/{})", c.meta.id, self.s.channels[ch].name, self.s.skills[sk].name)
            }
            _ => "a conversation already closed".to_string(),
        }
    }

    fn conv(&self, slot: u32) -> &Conv {
        self.convs[slot as usize].as_ref().expect("a live slot should hold a conversation")
    }

    fn conv_mut(&mut self, slot: u32) -> &mut Conv {
        self.convs[slot as usize].as_mut().expect("a live slot should hold a conversation")
    }

    /// The slot if it still holds the conversation with `tag`.
    fn valid(&self, slot: u32, tag: u32) -> bool {
        matches!(self.convs.get(slot as usize), Some(Some(c)) if c.tag == tag)
    }

    fn rule_index(&self, c: &Conv) -> Option<usize> {
        c.state.open_index().map(|s| (c.meta.channel as usize * self.s.skills.len() + c.meta.skill as usize) * 4 + s)
    }

    fn scope_enter(&mut self, slot: u32) {
        let c = self.conv(slot);
        if let Some(i) = self.rule_index(c) {
            if self.has_rule[i] {
                self.in_scope[self.s.policy.rules[i].scheduler] += 1;
            }
        }
    }

    fn scope_leave(&mut self, slot: u32) {
        let c = self.conv(slot);
        if let Some(i) = self.rule_index(c) {
            if self.has_rule[i] {
                self.in_scope[self.s.policy.rules[i].scheduler] -= 1;
            }
        }
    }

    // ---- eligibility ----------------------------------------------------------------------

    fn eligibility(&self, c: &Conv) -> Option<Eligibility> {
        let i = self.rule_index(c)?;
        eligible_at(&self.s.policy.rules[i], self.s.policy.hard_cap, &c.readings())
    }

    /// Ends the current period of constant eligibility and capacity at `t`, reporting any
    /// capacity it held past its eligibility (zombie capacity). Call before every change.
    fn end_episode(&mut self, slot: u32, t: SimTime) {
        let c = self.conv(slot);
        if c.held > 0 {
            let eligible = self.eligibility(c).map(Eligibility::at);
            let (meta, state, held, start, pending) =
                (c.meta, c.state, c.held, c.episode_start, c.pending_consumer_since);
            if let Some(e) = eligible {
                let from = e.max(start);
                if from < t {
                    self.obs.zombie(&meta, state, held, from, t);
                }
            }
            if let Some(since) = pending {
                let (from, to) = (start.max(since), eligible.map_or(t, |e| e.min(t)));
                if from < to {
                    let c = self.conv_mut(slot);
                    c.silent_unit_ms += held as u64 * (to - from).ms();
                    c.silent_state = state;
                }
            }
        }
        self.conv_mut(slot).episode_start = t;
    }

    /// Makes sure the conversation's scheduler will look at it no later than its eligibility.
    fn reindex(&mut self, slot: u32) -> Result<(), SimError> {
        let c = self.conv(slot);
        let Some(i) = self.rule_index(c) else { return Ok(()) };
        let Some(e) = eligible_at(&self.s.policy.rules[i], self.s.policy.hard_cap, &c.readings()) else {
            return Ok(());
        };
        let at = e.at();
        if c.indexed_key.is_some_and(|k| k <= at) {
            return Ok(());
        }
        let (id, tag, epoch, sched) = (c.meta.id, c.tag, c.epoch, self.s.policy.rules[i].scheduler);
        self.conv_mut(slot).indexed_key = Some(at);
        if at >= self.horizon {
            return Ok(());
        }
        match &mut self.scheds[sched] {
            SchedState::Exact => self.at(at.max(self.q.now()), Ev::Timer { slot, tag, epoch })?,
            SchedState::Sweep(st) => st.heap.push(Reverse((at, id, slot, tag, epoch))),
        }
        Ok(())
    }

    // ---- state changes --------------------------------------------------------------------

    /// Moves the conversation to the next state for `trigger`, as a metadata change.
    fn enter(&mut self, slot: u32, t: SimTime, trigger: Trigger) -> Result<State, SimError> {
        self.end_episode(slot, t);
        self.scope_leave(slot);
        let c = self.conv_mut(slot);
        let from = c.state;
        let to = transition(from, trigger)?;
        let entered = c.state_entered;
        c.state = to;
        c.epoch = c.epoch.wrapping_add(1);
        c.turn_epoch = c.turn_epoch.wrapping_add(1);
        c.state_entered = t;
        c.state_modified = t;
        c.touch(t);
        c.indexed_key = None;
        let meta = c.meta;
        self.obs.state_change(t, &meta, Some((from, entered)), to);
        if from == State::Open {
            // Left the queue other than by being taken from it.
            if to != State::Active {
                self.routing.forget(meta.skill as usize);
                self.obs.queue(t, meta.skill as usize, self.routing.queue_len_total());
            }
        }
        if to != State::Closed {
            self.scope_enter(slot);
        }
        Ok(to)
    }

    /// Releases the capacity the conversation holds; returns the agent to refill.
    fn release(&mut self, slot: u32, t: SimTime) -> Option<u32> {
        let c = self.conv_mut(slot);
        if c.held == 0 {
            return None;
        }
        let (agent, held, meta) = (c.agent, c.held, c.meta);
        c.held = 0;
        self.routing.adjust(agent, -(held as i64));
        self.obs.capacity(t, &meta, -(held as i64));
        Some(agent)
    }

    /// Queues the conversation (already Open), or hands it straight to an agent.
    fn enqueue(&mut self, slot: u32, t: SimTime) -> Result<(), SimError> {
        let c = self.conv(slot);
        let (channel, skill) = (c.meta.channel as usize, c.meta.skill as usize);
        let b = self.s.behaviour(channel, skill);
        let patience = b.patience.sample_duration(&mut self.conv_mut(slot).rng);
        let (tag, epoch) = (self.conv(slot).tag, self.conv(slot).epoch);
        let units = self.s.skills[skill].capacity_units;
        match self.routing.best_agent(skill, units) {
            Some(agent) => self.assign(slot, agent, t),
            None => {
                // Patience is drawn at every queue entry, but only a real wait needs its timer.
                if let Some(p) = patience {
                    self.at(t + p, Ev::Patience { slot, tag, epoch })?;
                }
                self.routing.enqueue(skill, QueueEntry { enqueued: t, seq: 0, slot, tag, epoch, units });
                self.obs.queue(t, skill, self.routing.queue_len_total());
                self.reindex(slot)
            }
        }
    }

    fn assign(&mut self, slot: u32, agent: u32, t: SimTime) -> Result<(), SimError> {
        self.enter(slot, t, Trigger::Assign)?;
        let units = self.s.skills[self.conv(slot).meta.skill as usize].capacity_units;
        let c = self.conv_mut(slot);
        c.agent = agent;
        c.held = units;
        let first = c.first_assigned.is_none();
        c.first_assigned.get_or_insert(t);
        c.last_assigned = Some(t);
        let (meta, epoch, tag) = (c.meta, c.epoch, c.tag);
        self.routing.adjust(agent, units as i64);
        self.obs.assigned(t, &meta, agent);
        self.obs.capacity(t, &meta, units as i64);
        let b = self.s.behaviour(meta.channel as usize, meta.skill as usize);
        if first {
            let c = self.conv_mut(slot);
            let draw: f64 = c.side_rng.gen();
            c.manual_response = draw < b.manual_response_probability;
        }
        match self.conv(slot).pending_consumer_since {
            None => self.schedule_agent_message(slot, t)?,
            // Reassigned (after a transfer) while the customer is silent: the new agent parks,
            // or the live-chat customer drops, as the turn's draws say.
            Some(since) => self.schedule_silence_timers(slot, t, since)?,
        }
        self.schedule_side_events(slot, t, epoch, tag)?;
        self.reindex(slot)
    }

    fn schedule_side_events(&mut self, slot: u32, t: SimTime, epoch: u32, tag: u32) -> Result<(), SimError> {
        let c = self.conv(slot);
        let b = self.s.behaviour(c.meta.channel as usize, c.meta.skill as usize);
        let (reader, transfer) = (b.reader_per_hour, b.transfer_per_hour);
        let state = c.state;
        if reader > 0.0 && matches!(state, State::Active | State::Waiting) {
            let d = exp_ms(&mut self.conv_mut(slot).side_rng, reader);
            self.at(t + d, Ev::Reader { slot, tag, epoch })?;
        }
        if transfer > 0.0 && state == State::Active {
            let d = exp_ms(&mut self.conv_mut(slot).side_rng, transfer);
            self.at(t + d, Ev::Transfer { slot, tag, epoch })?;
        }
        Ok(())
    }

    fn schedule_agent_message(&mut self, slot: u32, t: SimTime) -> Result<(), SimError> {
        let c = self.conv(slot);
        let b = self.s.behaviour(c.meta.channel as usize, c.meta.skill as usize);
        let (tag, epoch) = (c.tag, c.epoch);
        // `never`: the agent never answers; only auto-close or the horizon ends it.
        if let Some(d) = b.agent_response.sample_duration(&mut self.conv_mut(slot).rng) {
            self.at(t + d, Ev::AgentMessage { slot, tag, epoch })?;
        }
        Ok(())
    }

    /// Schedules the park (after the turn's park delay from `t`) or the live-chat disconnect
    /// (the turn's delay after the agent's message at `since`) of a silent customer, unless
    /// the reply comes first.
    fn schedule_silence_timers(&mut self, slot: u32, t: SimTime, since: SimTime) -> Result<(), SimError> {
        let c = self.conv(slot);
        let (tag, turn_epoch, reply) = (c.tag, c.turn_epoch, c.pending_reply_at);
        let before_reply = |at: SimTime| reply.is_none_or(|r| at < r);
        match self.s.channels[c.meta.channel as usize].kind {
            ChannelKind::Messaging => {
                if let Some(at) = c.silence_park.map(|d| t + d).filter(|&at| before_reply(at)) {
                    self.at(at, Ev::Park { slot, tag, turn_epoch })?;
                }
            }
            ChannelKind::LiveChat => {
                if let Some(at) = c.silence_disconnect.map(|d| (since + d).max(t)).filter(|&at| before_reply(at)) {
                    self.at(at, Ev::Disconnect { slot, tag, turn_epoch })?;
                }
            }
        }
        Ok(())
    }

    /// Refills an agent from the queues until nothing more fits. An agent off shift takes
    /// nothing; under `no_new_until_below` the capacity it freed may open its group's gate,
    /// and then the group's on-shift agents are refilled in index order.
    fn refill(&mut self, agent: u32, t: SimTime) -> Result<(), SimError> {
        if !self.routing.agents[agent as usize].on_shift {
            let g = self.routing.agents[agent as usize].group;
            if self.routing.gated_and_open(g) {
                self.refill_group(g, t)?;
            }
            return Ok(());
        }
        if let Some(held) = self.held_refills.as_mut() {
            held.push(agent);
            return Ok(());
        }
        loop {
            let convs = &self.convs;
            let Some((skill, e)) = self.routing.take_for(agent, &|e| check_live(convs, e)) else { break };
            self.obs.queue(t, skill, self.routing.queue_len_total());
            self.assign(e.slot, agent, t)?;
        }
        Ok(())
    }

    fn begin_wrap_up(&mut self, slot: u32, t: SimTime) -> Result<(), SimError> {
        // The dialogue is over: the silence it had ends here, unreplied.
        self.report_silence(slot, t, false);
        let c = self.conv_mut(slot);
        c.wrap_up_initiated = Some(t);
        c.pending_consumer_since = None;
        let (tag, epoch, skill, channel) = (c.tag, c.epoch, c.meta.skill as usize, c.meta.channel as usize);
        let b = self.s.behaviour(channel, skill);
        // `never`: the agent never closes the wrap-up; only auto-close or the horizon ends it.
        let d = b.wrap_up.sample_duration(&mut self.conv_mut(slot).rng);
        if let Some(d) = d {
            self.at(t + d, Ev::WrapUpDone { slot, tag, epoch })?;
        }
        let d = d.unwrap_or(SimDuration(u64::MAX));
        match self.s.skills[skill].wrap_up {
            WrapUpBlock::Always => {}
            WrapUpBlock::Never => {
                if let Some(agent) = self.release(slot, t) {
                    self.reindex(slot)?;
                    return self.refill(agent, t);
                }
            }
            WrapUpBlock::For(block) => {
                if block < d {
                    self.at(t + block, Ev::WrapUpRelease { slot, tag, epoch })?;
                }
            }
        }
        self.reindex(slot)
    }

    /// Closes the conversation, frees its record and refills its agent.
    fn close(
        &mut self,
        slot: u32,
        t: SimTime,
        trigger: Trigger,
        reason: CloseReason,
        eligible: Option<SimTime>,
        race: bool,
    ) -> Result<(), SimError> {
        let from = self.conv(slot).state;
        // Whatever closes it, a silence still running ends here without a reply.
        self.report_silence(slot, t, false);
        // The record shows the readings the closure was decided on, not the closing change.
        let before = self.conv(slot);
        let (last_activity, state_entered) = (before.last_activity, before.state_entered);
        self.enter(slot, t, trigger)?;
        let agent = self.release(slot, t);
        let mut c = self.convs[slot as usize].take().expect("a live slot should hold a conversation");
        c.last_activity = last_activity;
        c.state_entered = state_entered;
        self.free_slots.push(slot);
        self.live -= 1;
        self.stats.closed += 1;
        let premature = reason.is_auto() && c.pending_reply_at.is_some();
        // A customer who writes to a closed conversation starts a new one (a reply can still
        // be on its way after an auto-close, or after a wrap-up an auto-close began).
        if let Some(at) = c.pending_reply_at {
            if at < self.horizon {
                self.recontacts.push(RecontactInfo {
                    channel: c.meta.channel,
                    skill: c.meta.skill,
                    parent: c.meta.id,
                    key: (c.key.0, c.key.1 + 1, c.key.2),
                });
                self.at(at, Ev::Recontact { idx: (self.recontacts.len() - 1) as u32 })?;
            }
        }
        let rec = record(&c, Some(t), from, Some(reason), eligible, premature, race);
        self.obs.conversation(&rec);
        if let Some(a) = agent {
            self.refill(a, t)?;
        }
        Ok(())
    }

    /// Reports the capacity held before eligibility during the customer silence that ends at
    /// `t` (`replied`: the customer wrote), and starts the count afresh.
    fn report_silence(&mut self, slot: u32, t: SimTime, replied: bool) {
        self.end_episode(slot, t);
        let c = self.conv_mut(slot);
        let (meta, state, unit_ms) = (c.meta, c.silent_state, std::mem::take(&mut c.silent_unit_ms));
        if unit_ms > 0 {
            self.obs.silent_before_eligible(&meta, state, unit_ms, replied);
        }
    }

    // ---- events ---------------------------------------------------------------------------

    fn handle(&mut self, t: SimTime, ev: Ev) -> Result<(), SimError> {
        match ev {
            Ev::Arrival { stream } => self.on_arrival(t, stream as usize),
            Ev::Recontact { idx } => {
                let r = &self.recontacts[idx as usize];
                let (channel, skill, parent, key) = (r.channel, r.skill, r.parent, r.key);
                self.create(t, channel, skill, key, Some(parent))
            }
            Ev::AgentMessage { slot, tag, epoch } => {
                if !self.valid(slot, tag) {
                    return Ok(());
                }
                let c = self.conv(slot);
                if c.epoch != epoch || c.state != State::Active || c.pending_consumer_since.is_some() {
                    return Ok(());
                }
                self.on_agent_message(slot, t)
            }
            Ev::CustomerReply { slot, tag, turn } => {
                if !self.valid(slot, tag) {
                    return Ok(());
                }
                let c = self.conv(slot);
                if c.turn != turn || c.pending_reply_at != Some(t) {
                    return Ok(());
                }
                self.on_customer_reply(slot, t)
            }
            Ev::Park { slot, tag, turn_epoch } => {
                if !self.silent_in_active(slot, tag, turn_epoch) {
                    return Ok(());
                }
                self.enter(slot, t, Trigger::Park)?;
                let meta = self.conv(slot).meta;
                self.obs.parked(t, &meta);
                let agent = self.release(slot, t);
                let (tag, epoch) = (self.conv(slot).tag, self.conv(slot).epoch);
                self.schedule_side_events(slot, t, epoch, tag)?;
                self.reindex(slot)?;
                if let Some(a) = agent {
                    self.refill(a, t)?;
                }
                Ok(())
            }
            Ev::Disconnect { slot, tag, turn_epoch } => {
                if !self.silent_in_active(slot, tag, turn_epoch) {
                    return Ok(());
                }
                // The customer left: a reply still on its way will never come.
                self.conv_mut(slot).pending_reply_at = None;
                self.enter(slot, t, Trigger::CustomerDisconnect)?;
                let meta = self.conv(slot).meta;
                self.obs.disconnected(t, &meta);
                self.begin_wrap_up(slot, t)
            }
            Ev::Patience { slot, tag, epoch } => {
                if !self.valid(slot, tag) {
                    return Ok(());
                }
                let c = self.conv(slot);
                if c.epoch != epoch || c.state != State::Open {
                    return Ok(());
                }
                self.close(slot, t, Trigger::QueueAbandon, CloseReason::QueueAbandon, None, false)
            }
            Ev::WrapUpRelease { slot, tag, epoch } => {
                if !self.valid(slot, tag) || self.conv(slot).epoch != epoch {
                    return Ok(());
                }
                self.end_episode(slot, t);
                if let Some(a) = self.release(slot, t) {
                    self.refill(a, t)?;
                }
                Ok(())
            }
            Ev::WrapUpDone { slot, tag, epoch } => {
                if !self.valid(slot, tag) || self.conv(slot).epoch != epoch {
                    return Ok(());
                }
                self.close(slot, t, Trigger::WrapUpDone, CloseReason::AgentEnd, None, false)
            }
            Ev::Timer { slot, tag, epoch } => {
                if !self.valid(slot, tag) {
                    return Ok(());
                }
                let c = self.conv(slot);
                if c.epoch != epoch || c.indexed_key.is_none_or(|k| k > t) {
                    return Ok(());
                }
                self.conv_mut(slot).indexed_key = None;
                match self.eligibility(self.conv(slot)) {
                    Some(e) if e.at() <= t => self.auto_close(slot, t, e, false),
                    Some(_) => self.reindex(slot),
                    None => Ok(()),
                }
            }
            Ev::Reader { slot, tag, epoch } => {
                if !self.valid(slot, tag) || self.conv(slot).epoch != epoch {
                    return Ok(());
                }
                self.end_episode(slot, t);
                let c = self.conv_mut(slot);
                // A metadata change (LivePerson); whether it resets a rule's clock is the rule's
                // `reader_resets_clock`. Dynamics recomputes on monitor: state_modified.
                c.last_activity = t;
                c.state_modified = t;
                let meta = c.meta;
                self.obs.reader_joined(t, &meta);
                let rate = self.s.behaviour(meta.channel as usize, meta.skill as usize).reader_per_hour;
                let d = exp_ms(&mut self.conv_mut(slot).side_rng, rate);
                self.at(t + d, Ev::Reader { slot, tag, epoch })?;
                self.reindex(slot)
            }
            Ev::Transfer { slot, tag, epoch } => {
                if !self.valid(slot, tag) {
                    return Ok(());
                }
                let c = self.conv(slot);
                if c.epoch != epoch || c.state != State::Active {
                    return Ok(());
                }
                self.on_transfer(slot, t)
            }
            Ev::SweepRun { sched } => self.on_sweep_run(sched as usize, t),
            Ev::SweepClose { sched, run } => {
                let current = match &self.scheds[sched as usize] {
                    SchedState::Sweep(st) => st.current.as_ref().map(|r| r.run as u32),
                    SchedState::Exact => None,
                };
                if current != Some(run) {
                    return Ok(());
                }
                self.on_sweep_close(sched as usize, t)
            }
            Ev::Shift => {
                self.apply_staffing(t)?;
                self.at(t + SimDuration(MS_PER_HOUR), Ev::Shift)?;
                Ok(())
            }
        }
    }

    fn silent_in_active(&self, slot: u32, tag: u32, turn_epoch: u32) -> bool {
        if !self.valid(slot, tag) {
            return false;
        }
        let c = self.conv(slot);
        c.turn_epoch == turn_epoch && c.state == State::Active && c.pending_consumer_since.is_some()
    }

    fn on_agent_message(&mut self, slot: u32, t: SimTime) -> Result<(), SimError> {
        let c = self.conv(slot);
        if c.turn >= c.exchanges {
            self.enter(slot, t, Trigger::AgentEnd)?;
            return self.begin_wrap_up(slot, t);
        }
        let meta = c.meta;
        self.end_episode(slot, t);
        let kind = self.s.channels[meta.channel as usize].kind;
        let b = self.s.behaviour(meta.channel as usize, meta.skill as usize);
        let c = self.convs[slot as usize].as_mut().expect("a live slot should hold a conversation");
        c.touch(t);
        c.pending_consumer_since = Some(t);
        c.turn += 1;
        c.turn_epoch = c.turn_epoch.wrapping_add(1);
        let reply = b.customer_response.sample_duration(&mut c.rng);
        let park = c.rng.gen::<f64>() < b.park_probability;
        let park_delay = b.park_delay.sample_duration(&mut c.rng);
        let disconnect = b.disconnect.sample_duration(&mut c.rng);
        let (tag, turn) = (c.tag, c.turn);
        c.pending_reply_at = reply.map(|d| t + d);
        c.silence_park = park_delay.filter(|_| park && kind == ChannelKind::Messaging);
        c.silence_disconnect = disconnect.filter(|_| kind == ChannelKind::LiveChat);
        if let Some(d) = reply {
            self.at(t + d, Ev::CustomerReply { slot, tag, turn })?;
        }
        // A park or disconnect due after the reply would find the turn over: the draws above
        // are always made (common random numbers), but such events are not scheduled.
        self.schedule_silence_timers(slot, t, t)?;
        self.reindex(slot)
    }

    fn on_customer_reply(&mut self, slot: u32, t: SimTime) -> Result<(), SimError> {
        self.report_silence(slot, t, true);
        let c = self.conv_mut(slot);
        c.touch(t);
        c.last_customer_message = t;
        c.pending_consumer_since = None;
        c.pending_reply_at = None;
        match c.state {
            State::Active => {
                self.schedule_agent_message(slot, t)?;
                self.reindex(slot)
            }
            State::Waiting => {
                self.enter(slot, t, Trigger::CustomerRevive)?;
                self.enqueue(slot, t)
            }
            State::Open | State::WrapUp | State::Closed => self.reindex(slot),
        }
    }

    fn on_transfer(&mut self, slot: u32, t: SimTime) -> Result<(), SimError> {
        let old = self.conv(slot).meta;
        let b = self.s.behaviour(old.channel as usize, old.skill as usize);
        // To another skill: the conversation's own skill is left out of the choice.
        let targets: Vec<usize> = b.transfer_to.iter().copied().filter(|&k| k != old.skill as usize).collect();
        let u: f64 = self.conv_mut(slot).side_rng.gen();
        let Some(&to_skill) = targets.get((u * targets.len() as f64) as usize) else {
            return self.reschedule_transfer(slot, t);
        };
        self.enter(slot, t, Trigger::Transfer)?;
        let agent = self.release(slot, t);
        // Leave the old skill's scope and enter the new one's as Open.
        self.scope_leave(slot);
        let c = self.conv_mut(slot);
        c.meta.skill = to_skill as u16;
        c.transfers += 1;
        let new = c.meta;
        self.scope_enter(slot);
        self.obs.transferred(t, &old, &new);
        // The freed agent first takes the longest-waiting work it can; the transferred
        // conversation then queues behind what already waits (or goes to a free agent).
        if let Some(a) = agent {
            self.refill(a, t)?;
        }
        self.enqueue(slot, t)
    }

    /// No other skill to go to: the agent keeps the conversation; the next transfer attempt
    /// follows at the transfer rate.
    fn reschedule_transfer(&mut self, slot: u32, t: SimTime) -> Result<(), SimError> {
        let c = self.conv(slot);
        let (tag, epoch) = (c.tag, c.epoch);
        let rate = self.s.behaviour(c.meta.channel as usize, c.meta.skill as usize).transfer_per_hour;
        let d = exp_ms(&mut self.conv_mut(slot).side_rng, rate);
        self.at(t + d, Ev::Transfer { slot, tag, epoch })
    }

    fn auto_close(&mut self, slot: u32, t: SimTime, e: Eligibility, race: bool) -> Result<(), SimError> {
        let c = self.conv(slot);
        let i = self.rule_index(c).expect("an indexed conversation is in an open state");
        let state = c.state;
        match (e, self.s.policy.rules[i].action) {
            (Eligibility::HardCap(at), _) => {
                self.close(slot, t, Trigger::HardCap, CloseReason::HardCap(state), Some(at), race)
            }
            (Eligibility::Rule(at), CloseAction::ToWrapUp) if state == State::Active => {
                self.report_silence(slot, t, false);
                // A reply on its way makes the move premature; it re-contacts if it arrives
                // after the wrap-up closed (see `close`).
                let c = self.conv_mut(slot);
                let m = AutoMove {
                    eligible: at,
                    last_customer_message: c.last_customer_message,
                    premature: c.pending_reply_at.is_some(),
                    race,
                };
                c.auto_moved = Some((at, m.premature, race));
                let meta = c.meta;
                self.obs.auto_wrap_up(t, &meta, &m);
                self.enter(slot, t, Trigger::AutoCloseToWrapUp)?;
                self.begin_wrap_up(slot, t)
            }
            (Eligibility::Rule(at), _) => {
                self.close(slot, t, Trigger::AutoClose, CloseReason::AutoClose(state), Some(at), race)
            }
        }
    }

    // ---- sweeps ---------------------------------------------------------------------------

    fn on_sweep_run(&mut self, si: usize, t: SimTime) -> Result<(), SimError> {
        self.flush_batch(si)?;
        let SchedState::Sweep(st) = &mut self.scheds[si] else { return Ok(()) };
        let run = st.runs;
        st.runs += 1;
        let mut candidates: Vec<(SimTime, u64, BatchItem)> = Vec::new();
        while let Some(&Reverse((key, id, slot, tag, epoch))) = st.heap.peek() {
            if key > t {
                break;
            }
            st.heap.pop();
            let Some(Some(c)) = self.convs.get_mut(slot as usize) else { continue };
            if c.tag != tag || c.epoch != epoch || c.indexed_key != Some(key) {
                continue;
            }
            let i = c
                .state
                .open_index()
                .map(|s| (c.meta.channel as usize * self.s.skills.len() + c.meta.skill as usize) * 4 + s)
                .expect("an indexed conversation is in an open state");
            match eligible_at(&self.s.policy.rules[i], self.s.policy.hard_cap, &c.readings()) {
                None => c.indexed_key = None,
                Some(e) if e.at() > t => {
                    c.indexed_key = Some(e.at());
                    if e.at() < self.horizon {
                        st.heap.push(Reverse((e.at(), id, slot, tag, epoch)));
                    }
                }
                Some(e) => {
                    c.indexed_key = Some(e.at());
                    candidates.push((e.at(), id, BatchItem { slot, tag, epoch, state: c.state, eligibility: e }));
                }
            }
        }
        candidates.sort_by_key(|(at, id, _)| (*at, *id));
        let limit = st.spec.max_closures_per_run.map_or(usize::MAX, |m| m as usize);
        let eligible = candidates.len() as u64;
        let mut deferred = 0;
        for (at, id, item) in candidates.drain(limit.min(candidates.len())..) {
            st.heap.push(Reverse((at, id, item.slot, item.tag, item.epoch)));
            deferred += 1;
        }
        st.batch.extend(candidates.into_iter().map(|(_, _, item)| item));
        st.current = Some(SweepRecord {
            scheduler: si,
            run,
            started: t,
            in_scope: self.in_scope[si],
            eligible,
            closed: 0,
            deferred,
            race_closures: 0,
            rescued: 0,
            duration: SimDuration::ZERO,
        });
        let next = st.spec.nominal_run(run + 1) + jitter(st);
        self.at_last(next, Ev::SweepRun { sched: si as u32 })?;
        self.on_sweep_close(si, t)
    }

    /// Closes the next conversations of the current batch: all at once without a closure
    /// rate, else one now and the next after 1/rate seconds.
    fn on_sweep_close(&mut self, si: usize, t: SimTime) -> Result<(), SimError> {
        self.held_refills = Some(Vec::new());
        let result = self.sweep_close_batch(si, t);
        let held = self.held_refills.take().unwrap_or_default();
        result?;
        for agent in held {
            self.refill(agent, t)?;
        }
        Ok(())
    }

    fn sweep_close_batch(&mut self, si: usize, t: SimTime) -> Result<(), SimError> {
        loop {
            let SchedState::Sweep(st) = &mut self.scheds[si] else { return Ok(()) };
            let Some(item) = st.batch.pop_front() else {
                if let Some(rec) = st.current.take() {
                    self.obs.sweep_run(&rec);
                }
                return Ok(());
            };
            let (recheck, rate) = (st.spec.recheck, st.spec.closures_per_second);
            let started = st.current.as_ref().map_or(t, |r| r.started);
            self.sweep_close_one(si, t, item, recheck, started)?;
            self.tally(si, |r| r.duration = t.saturating_since(r.started));
            if let Some(rate) = rate {
                let SchedState::Sweep(st) = &mut self.scheds[si] else { return Ok(()) };
                if st.batch.is_empty() {
                    if let Some(rec) = st.current.take() {
                        self.obs.sweep_run(&rec);
                    }
                    return Ok(());
                }
                // The k-th item of the run (0-based) is due at start + k / rate, rounded to the
                // millisecond from the start so that rounding does not accumulate; several may
                // fall in the same millisecond.
                let rec = st.current.as_ref().expect("a run with a batch has its record");
                let k = (rec.closed + rec.rescued) as f64;
                let next = rec.started + SimDuration(round_ms(k * 1000.0 / rate));
                if next > t {
                    let run = rec.run as u32;
                    return self.at(next, Ev::SweepClose { sched: si as u32, run });
                }
            }
        }
    }

    fn tally(&mut self, si: usize, f: impl FnOnce(&mut SweepRecord)) {
        if let SchedState::Sweep(st) = &mut self.scheds[si] {
            if let Some(r) = st.current.as_mut() {
                f(r);
            }
        }
    }

    fn sweep_close_one(
        &mut self,
        si: usize,
        t: SimTime,
        item: BatchItem,
        recheck: bool,
        started: SimTime,
    ) -> Result<(), SimError> {
        if !self.valid(item.slot, item.tag) {
            // Closed by other means before its turn came.
            self.tally(si, |r| r.rescued += 1);
            return Ok(());
        }
        let slot = item.slot;
        let c = self.conv(slot);
        if recheck {
            let now = if c.epoch == item.epoch { self.eligibility(c).filter(|e| e.at() <= t) } else { None };
            let Some(e) = now else {
                self.tally(si, |r| r.rescued += 1);
                // A state change has indexed it already; otherwise it left the index when the
                // run took it, and goes back with its new eligibility.
                if self.conv(slot).epoch == item.epoch {
                    self.conv_mut(slot).indexed_key = None;
                    return self.reindex(slot);
                }
                return Ok(());
            };
            self.tally(si, |r| r.closed += 1);
            return self.auto_close(slot, t, e, false);
        }
        // Decided at the start of the run from what it saw then: a customer who wrote since is
        // closed all the same (a race closure).
        let race = c.last_customer_message > started;
        let moved_on = c.epoch != item.epoch;
        self.tally(si, |r| r.closed += 1);
        if race {
            self.tally(si, |r| r.race_closures += 1);
        }
        if !moved_on {
            return self.auto_close(slot, t, item.eligibility, race);
        }
        // Its state changed since the run looked: it is closed for what the run saw, under the
        // state it was seen in (the rule of its new state never made it eligible).
        let (trigger, reason) = match item.eligibility {
            Eligibility::HardCap(_) => (Trigger::HardCap, CloseReason::HardCap(item.state)),
            Eligibility::Rule(_) => (Trigger::AutoClose, CloseReason::AutoClose(item.state)),
        };
        self.close(slot, t, trigger, reason, Some(item.eligibility.at()), race)
    }

    /// A new run starts while the last one still has conversations to close: they are
    /// deferred to the new run (indexed again).
    fn flush_batch(&mut self, si: usize) -> Result<(), SimError> {
        let SchedState::Sweep(st) = &mut self.scheds[si] else { return Ok(()) };
        let left: Vec<BatchItem> = st.batch.drain(..).collect();
        let Some(mut rec) = st.current.take() else { return Ok(()) };
        for item in left {
            if self.still_as_seen(&item) {
                rec.deferred += 1;
                self.conv_mut(item.slot).indexed_key = None;
                self.reindex(item.slot)?;
            } else {
                rec.rescued += 1;
            }
        }
        self.obs.sweep_run(&rec);
        Ok(())
    }

    /// Whether a batch item's conversation is still open in the state the run saw it in.
    fn still_as_seen(&self, item: &BatchItem) -> bool {
        self.valid(item.slot, item.tag) && self.conv(item.slot).epoch == item.epoch
    }

    // ---- staffing -------------------------------------------------------------------------

    /// Refills the on-shift agents of group `g` with free capacity, in index order.
    fn refill_group(&mut self, g: usize, t: SimTime) -> Result<(), SimError> {
        for a in self.routing.group_agents[g].clone() {
            let agent = &self.routing.agents[a as usize];
            if agent.on_shift && agent.free() > 0 {
                self.refill(a, t)?;
            }
        }
        Ok(())
    }

    /// Puts the first k agents of each group on shift for this hour. Agents going off shift
    /// follow their group's `shift_end`: they finish their conversations (`finish`, and
    /// `no_new_until_below`, whose group then takes no new work while its capacity in use is
    /// at least the new on-shift capacity), or release their Active conversations to the
    /// queue (`requeue`, oldest conversation first, each queued at the cut instant behind what
    /// already waits, as a transfer is).
    fn apply_staffing(&mut self, t: SimTime) -> Result<(), SimError> {
        let weekday = (self.weekday0 + t.day() as usize) % 7;
        let hour = t.hour_of_day();
        let mut joined = Vec::new();
        let mut leaving: Vec<u32> = Vec::new();
        let mut gated: Vec<usize> = Vec::new();
        for (g, group) in self.s.agent_groups.iter().enumerate() {
            let k = group.staffing.on_shift(weekday, hour) as usize;
            for (i, &a) in self.routing.group_agents[g].clone().iter().enumerate() {
                let on = i < k;
                let was = self.routing.agents[a as usize].on_shift;
                if on && !was {
                    joined.push(a);
                }
                if !on && was && group.shift_end == ShiftEnd::Requeue {
                    leaving.push(a);
                }
                self.routing.set_on_shift(a, on);
            }
            if group.shift_end == ShiftEnd::NoNewUntilBelow {
                self.routing.update_gate(g);
                gated.push(g);
            }
        }
        self.obs.available(t, self.routing.on_shift_units);
        if !leaving.is_empty() {
            self.requeue_from(&leaving, t)?;
        }
        for a in joined {
            self.refill(a, t)?;
        }
        // A gate opened by more staff lets every on-shift agent of the group take work.
        for g in gated {
            if self.routing.gated_and_open(g) {
                self.refill_group(g, t)?;
            }
        }
        Ok(())
    }

    /// `requeue`: the Active conversations of agents going off shift go back to the queue
    /// (Active to Open), oldest first. Their wrap-ups they finish (Wrap-up cannot go back to
    /// the queue in seed 002's table); parked conversations hold no agent already and queue
    /// when their customer writes.
    fn requeue_from(&mut self, leaving: &[u32], t: SimTime) -> Result<(), SimError> {
        let mut is_leaving = vec![false; self.routing.agents.len()];
        for &a in leaving {
            is_leaving[a as usize] = true;
        }
        let mut slots: Vec<(u64, u32)> = self
            .convs
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.as_ref().map(|c| (i, c)))
            .filter(|(_, c)| c.state == State::Active && c.held > 0 && is_leaving.get(c.agent as usize) == Some(&true))
            .map(|(i, c)| (c.meta.id, i as u32))
            .collect();
        slots.sort_unstable();
        for (_, slot) in slots {
            let agent = self.conv(slot).agent;
            self.enter(slot, t, Trigger::Release)?;
            self.release(slot, t);
            let meta = self.conv(slot).meta;
            self.obs.released(t, &meta, agent);
            self.enqueue(slot, t)?;
        }
        Ok(())
    }

    fn finish(&mut self) {
        // A run still closing at the horizon is reported with what it did.
        for si in 0..self.scheds.len() {
            let SchedState::Sweep(st) = &mut self.scheds[si] else { continue };
            let Some(mut rec) = st.current.take() else { continue };
            let left: Vec<BatchItem> = st.batch.drain(..).collect();
            for item in &left {
                if self.still_as_seen(item) {
                    rec.deferred += 1;
                } else {
                    rec.rescued += 1;
                }
            }
            self.obs.sweep_run(&rec);
        }
        let h = self.horizon;
        let mut slots: Vec<u32> = (0..self.convs.len() as u32).filter(|&s| self.convs[s as usize].is_some()).collect();
        slots.sort_by_key(|&s| self.conv(s).meta.id);
        for slot in slots {
            // A silence still running at the horizon counts as unreplied.
            self.report_silence(slot, h, false);
            let c = self.conv(slot);
            let rec = record(c, None, c.state, None, None, false, false);
            self.obs.conversation(&rec);
            self.stats.open_at_horizon += 1;
        }
    }
}

const _: () = assert!(std::mem::size_of::<Ev>() == 16);

fn jitter(st: &mut SweepState) -> SimDuration {
    match st.spec.jitter {
        Some(j) if j.ms() > 0 => SimDuration(st.jitter_rng.gen_range(0..j.ms())),
        _ => SimDuration::ZERO,
    }
}

/// An exponential delay for a Poisson process of `per_hour` events an hour.
/// At least 1 ms, so that a side event never repeats at the instant it happened.
fn exp_ms(rng: &mut StreamRng, per_hour: f64) -> SimDuration {
    SimDuration(round_ms(rng.sample::<f64, _>(Exp1) / per_hour * MS_PER_HOUR as f64).max(1))
}

fn record(
    c: &Conv,
    closed: Option<SimTime>,
    last_state: State,
    reason: Option<CloseReason>,
    eligible: Option<SimTime>,
    premature: bool,
    race: bool,
) -> ConversationRecord {
    let (eligible, premature, race) = match c.auto_moved {
        Some((e, p, r)) if eligible.is_none() => (Some(e), p, r),
        _ => (eligible, premature, race),
    };
    ConversationRecord {
        meta: c.meta,
        first_assigned: c.first_assigned,
        last_assigned: c.last_assigned,
        wrap_up_initiated: c.wrap_up_initiated,
        closed,
        last_state,
        reason,
        eligible_at: eligible,
        last_customer_message: c.last_customer_message,
        last_activity: c.last_activity,
        state_entered: c.state_entered,
        premature,
        race,
        recontact_of: c.recontact_of,
        transfers: c.transfers,
        exchanges: c.turn,
        auto_wrap_up: c.auto_moved.is_some(),
    }
}
