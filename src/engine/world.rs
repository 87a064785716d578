//! The world the kernel drives: the `Sim` that holds one replication's conversations,
//! agents, arrivals and schedulers, the events it schedules (`Ev`), and the dispatch of each
//! event to the room that owns it, after the one staleness check of its conversation key.
//! Arrivals and the hourly staffing clock are known ahead: they are the world's own events,
//! played beside the queue (`kernel::World::next_own`), not queued.

use super::arrivals::{ArrivalGen, RecontactInfo};
use super::conversation::{record, Conv, ConvKey, Stamp};
use super::dialogue::TurnFixed;
use super::kernel::{RunStats, Step};
use super::observer::{CloseReason, Observer};
use super::queue::EventQueue;
use super::rng::{Purpose, Streams};
use super::routing::Routing;
use super::sweep::SchedState;
use crate::model::state::{State, Trigger};
use crate::scenario::{Scenario, ShiftEnd, Staffing};
use crate::time::{SimDuration, SimTime, MS_PER_HOUR};
use chrono::Datelike;

/// An event; 16 bytes, so that a queue entry (time, sequence, event) is 32. A conversation's
/// event carries the key it was scheduled with (see `Ev::conv_key` for the stamp each uses).
#[derive(Debug, Clone, Copy)]
pub(super) enum Ev {
    /// A re-contact from the customer of the conversation with tag `parent_tag`.
    Recontact {
        idx: u32,
        parent_tag: u32,
    },
    AgentMessage(ConvKey),
    CustomerReply(ConvKey),
    Park(ConvKey),
    Disconnect(ConvKey),
    Patience(ConvKey),
    WrapUpRelease(ConvKey),
    WrapUpDone(ConvKey),
    Timer(ConvKey),
    Reader(ConvKey),
    Transfer(ConvKey),
    SweepRun {
        sched: u32,
    },
    SweepClose {
        sched: u32,
        run: u32,
    },
}

impl Ev {
    /// The order of the events of one instant (`EventQueue::with_tie`), from the event alone,
    /// so that it does not depend on when each was scheduled (the dialogue's fast-forward
    /// schedules an agent message earlier than the events would): after the world's own
    /// events (a staffing change, then arrivals by stream, which are not queued), the events
    /// of each conversation by its creation order
    /// (its tag; a re-contact under its parent's) and, within one conversation, by kind, then
    /// a rate-limited sweep's closures by scheduler. Sweep runs come after all of them (their
    /// own class) by scheduler.
    pub(super) fn tie(&self) -> u64 {
        const CONV: u64 = 1 << 24;
        const SWEEP: u64 = 1 << 48;
        let conv = |tag: u32, kind: u64| CONV + ((tag as u64) << 8 | kind);
        match *self {
            Ev::Patience(k) => conv(k.tag(), 0),
            Ev::AgentMessage(k) => conv(k.tag(), 1),
            Ev::CustomerReply(k) => conv(k.tag(), 2),
            Ev::Park(k) => conv(k.tag(), 3),
            Ev::Disconnect(k) => conv(k.tag(), 4),
            Ev::WrapUpRelease(k) => conv(k.tag(), 5),
            Ev::WrapUpDone(k) => conv(k.tag(), 6),
            Ev::Timer(k) => conv(k.tag(), 7),
            Ev::Reader(k) => conv(k.tag(), 8),
            Ev::Transfer(k) => conv(k.tag(), 9),
            Ev::Recontact { parent_tag, .. } => conv(parent_tag, 10),
            Ev::SweepClose { sched, .. } | Ev::SweepRun { sched } => SWEEP + sched as u64,
        }
    }

    /// The conversation an event is for, and the counter its key was stamped with: the turn
    /// for a reply, the turn epoch for a park or disconnect (a new message ends the silence
    /// they were set for), the state epoch for every other.
    pub(super) fn conv_key(&self) -> Option<(ConvKey, Stamp)> {
        match *self {
            Ev::CustomerReply(k) => Some((k, Stamp::Turn)),
            Ev::Park(k) | Ev::Disconnect(k) => Some((k, Stamp::TurnEpoch)),
            Ev::AgentMessage(k)
            | Ev::Patience(k)
            | Ev::WrapUpRelease(k)
            | Ev::WrapUpDone(k)
            | Ev::Timer(k)
            | Ev::Reader(k)
            | Ev::Transfer(k) => Some((k, Stamp::Epoch)),
            Ev::Recontact { .. } | Ev::SweepRun { .. } | Ev::SweepClose { .. } => None,
        }
    }
}

pub(super) struct Sim<'a, O: Observer> {
    pub(super) s: &'a Scenario,
    pub(super) replication: u32,
    pub(super) obs: &'a mut O,
    pub(super) q: EventQueue<Ev>,
    pub(super) horizon: SimTime,
    /// The instant of the event being handled (own or queued).
    pub(super) now: SimTime,
    pub(super) convs: Vec<Option<Conv>>,
    pub(super) free_slots: Vec<u32>,
    pub(super) live: u64,
    pub(super) next_id: u64,
    pub(super) next_tag: u32,
    pub(super) routing: Routing,
    pub(super) arrivals: Vec<ArrivalGen>,
    /// The next hourly staffing change (`SimTime::MAX` without a weekly rota).
    pub(super) next_shift: SimTime,
    /// The earliest of `next_shift` and every stream's next arrival: the world's next own event.
    pub(super) next_own: SimTime,
    pub(super) recontacts: Vec<RecontactInfo>,
    /// Entries of `recontacts` whose event has run, free for the next recontact.
    pub(super) free_recontacts: Vec<u32>,
    pub(super) scheds: Vec<SchedState>,
    /// Open conversations in a state with a rule, per scheduler (signed: a change played
    /// ahead may be counted after a later one made in time).
    pub(super) in_scope: Vec<i64>,
    /// The instant the changes being made are for, when the dialogue plays the agent's closing
    /// ahead of the clock (`dialogue::end_ahead`); `None` for changes made now.
    pub(super) ahead: Option<SimTime>,
    /// Per rule: the scheduler whose scope a conversation under it is in, if the rule (or the
    /// hard cap) can close it.
    pub(super) scope_by_rule: Vec<Option<u32>>,
    pub(super) stats: RunStats,
    pub(super) weekday0: usize,
    /// While a sweep commits a batch, agents freed by its closures wait here and take new
    /// work only once the whole batch is closed.
    pub(super) held_refills: Option<Vec<u32>>,
    /// Whether the dialogue may be played ahead without events (`dialogue::fast_forward`):
    /// the observer takes reports out of time order and no shift cut requeues.
    pub(super) fast_forward: bool,
    /// Whether any (channel, skill) draws from the side stream (reader joins, transfers, a
    /// manual response probability): if none does, the stream is never made.
    pub(super) side_draws: bool,
    /// Whether the agent's closing of a wrap-up that holds no capacity may be applied ahead of
    /// the clock (`dialogue::wrap_up_done`): the dialogue plays ahead (`fast_forward`) and the
    /// observer takes the records of closed conversations out of the order of their closures.
    pub(super) close_ahead: bool,
    /// Per (channel, skill), as `Scenario::behaviour` indexes them: the turn durations that
    /// need no random number (`TurnFixed`).
    pub(super) turn_fixed: Vec<TurnFixed>,
    /// The replication's conversation streams (`rng::Streams`), for each creation.
    pub(super) streams: ConvStreams,
}

/// The two streams of every conversation, by purpose.
pub(super) struct ConvStreams {
    pub(super) dialogue: Streams,
    pub(super) side: Streams,
}

impl<'a, O: Observer> Sim<'a, O> {
    pub(super) fn new(s: &'a Scenario, replication: u32, obs: &'a mut O) -> Self {
        let requeues = s
            .agent_groups
            .iter()
            .any(|g| g.shift_end == ShiftEnd::Requeue && matches!(g.staffing, Staffing::Weekly(_)));
        let fast_forward = !obs.needs_time_order() && !requeues;
        let close_ahead = fast_forward && !obs.closes_in_time_order();
        let side_draws = s
            .behaviour
            .iter()
            .any(|b| b.reader_per_hour > 0.0 || b.transfer_per_hour > 0.0 || b.manual_response_probability > 0.0);
        let can_close = |r: &crate::policy::StateRule| r.timeout.is_some() || s.policy.hard_cap.is_some();
        let scope_by_rule = s.policy.rules.iter().map(|r| can_close(r).then_some(r.scheduler as u32)).collect();
        Sim {
            s,
            replication,
            obs,
            q: EventQueue::with_tie(Ev::tie),
            horizon: SimTime(s.horizon.ms()),
            now: SimTime::ZERO,
            convs: Vec::new(),
            free_slots: Vec::new(),
            live: 0,
            next_id: 1,
            next_tag: 0,
            routing: Routing::new(s),
            arrivals: Vec::new(),
            next_shift: SimTime::MAX,
            next_own: SimTime::MAX,
            recontacts: Vec::new(),
            free_recontacts: Vec::new(),
            in_scope: vec![0; s.policy.schedulers.len()],
            ahead: None,
            scope_by_rule,
            scheds: SchedState::for_policy(s, replication),
            stats: RunStats::default(),
            weekday0: s.start_date.weekday().num_days_from_monday() as usize,
            held_refills: None,
            fast_forward,
            side_draws,
            close_ahead,
            turn_fixed: s.behaviour.iter().map(TurnFixed::of).collect(),
            streams: ConvStreams {
                dialogue: Streams::new(s.seed, replication, Purpose::Dialogue),
                side: Streams::new(s.seed, replication, Purpose::SideEvents),
            },
        }
    }

    pub(super) fn start(&mut self) -> Step {
        self.start_arrivals();
        self.apply_staffing(SimTime::ZERO)?;
        if self.s.agent_groups.iter().any(|g| matches!(g.staffing, Staffing::Weekly(_))) {
            self.next_shift = self.before_horizon(SimTime(MS_PER_HOUR));
        }
        self.refresh_own();
        self.start_sweeps()
    }

    /// `t`, or `SimTime::MAX` (never) if it falls at or after the horizon.
    pub(super) fn before_horizon(&self, t: SimTime) -> SimTime {
        if t < self.horizon {
            t
        } else {
            SimTime::MAX
        }
    }

    /// Recomputes the instant of the next own event after one has run or been set.
    pub(super) fn refresh_own(&mut self) {
        self.next_own = self.arrivals.iter().map(|g| g.next_at).fold(self.next_shift, SimTime::min);
    }

    /// Runs one own event due at `t`: the staffing change first, then the arrivals by stream.
    pub(super) fn run_own(&mut self, t: SimTime) -> Step {
        self.now = t;
        self.stats.events += 1;
        if self.next_shift == t {
            self.next_shift = self.before_horizon(t + SimDuration(MS_PER_HOUR));
            self.apply_staffing(t)?;
        } else {
            let stream = self.arrivals.iter().position(|g| g.next_at == t).expect("an own event is due at `t`");
            self.on_arrival(t, stream)?;
        }
        self.refresh_own();
        Ok(())
    }

    /// What the own event due at `t` is, for the stall error.
    pub(super) fn describe_own(&self, t: SimTime) -> String {
        match self.arrivals.iter().position(|g| g.next_at == t) {
            Some(stream) if self.next_shift != t => format!("the arrivals of stream arrivals.{stream}"),
            _ => "a staffing change".to_string(),
        }
    }

    /// Dispatches an event to the room that owns it. A conversation's event is dropped when
    /// its key is stale (lazy deletion) or the conversation no longer is where it applies.
    pub(super) fn handle(&mut self, t: SimTime, ev: Ev) -> Step {
        self.now = t;
        if let Some((key, stamp)) = ev.conv_key() {
            let Some(c) = self.current(key, stamp) else { return Ok(()) };
            let silent_in_active = c.r.state == State::Active && c.r.pending_consumer_since.is_some();
            let applies = match ev {
                Ev::AgentMessage(_) => c.r.state == State::Active && c.r.pending_consumer_since.is_none(),
                Ev::CustomerReply(_) => c.pending_reply_at == Some(t),
                Ev::Park(_) | Ev::Disconnect(_) => silent_in_active,
                Ev::Patience(_) => c.r.state == State::Open,
                Ev::Timer(_) => c.indexed_key.is_some_and(|k| k <= t),
                Ev::Transfer(_) => c.r.state == State::Active,
                _ => true,
            };
            return if applies { self.handle_conv(t, key.slot, ev) } else { Ok(()) };
        }
        match ev {
            Ev::Recontact { idx, .. } => self.on_recontact(t, idx as usize),
            Ev::SweepRun { sched } => self.on_sweep_run(sched as usize, t),
            Ev::SweepClose { sched, run } => self.on_sweep_close_event(sched as usize, run, t),
            _ => unreachable!("conversation events are dispatched above"),
        }
    }

    /// A conversation's event whose key is current and which still applies.
    fn handle_conv(&mut self, t: SimTime, slot: u32, ev: Ev) -> Step {
        match ev {
            Ev::AgentMessage(_) => self.on_agent_message(slot, t),
            Ev::CustomerReply(_) => self.on_customer_reply(slot, t),
            Ev::Park(_) => self.on_park(slot, t),
            Ev::Disconnect(_) => self.on_disconnect(slot, t),
            Ev::Patience(_) => self.close(slot, t, Trigger::QueueAbandon, CloseReason::QueueAbandon, None, false),
            Ev::WrapUpRelease(_) => self.on_wrap_up_release(slot, t),
            Ev::WrapUpDone(_) => self.close(slot, t, Trigger::WrapUpDone, CloseReason::AgentEnd, None, false),
            Ev::Timer(_) => self.on_timer(slot, t),
            Ev::Reader(_) => self.on_reader(slot, t),
            Ev::Transfer(_) => self.on_transfer(slot, t),
            _ => unreachable!("only conversation events come here"),
        }
    }

    /// What an event is about, for the stall error: its conversation, stream or scheduler.
    pub(super) fn describe(&self, ev: &Ev) -> String {
        let slot = match ev {
            Ev::Recontact { idx, .. } => {
                return format!("a recontact of conversation {}", self.recontacts[*idx as usize].parent)
            }
            Ev::SweepRun { sched } | Ev::SweepClose { sched, .. } => {
                return format!("scheduler `{}`", self.s.policy.schedulers[*sched as usize].name)
            }
            ev => ev.conv_key().expect("every other event is a conversation's").0.slot,
        };
        match self.convs.get(slot as usize) {
            Some(Some(c)) => {
                let (ch, sk) = (c.meta.channel as usize, c.meta.skill as usize);
                format!("conversation {} ({}/{})", c.meta.id, self.s.channels[ch].name, self.s.skills[sk].name)
            }
            _ => "a conversation already closed".to_string(),
        }
    }

    /// Reports what is still open at the horizon: a sweep run still closing, and every open
    /// conversation (by id).
    pub(super) fn finish(&mut self) {
        self.finish_sweeps();
        let h = self.horizon;
        let mut slots: Vec<u32> = (0..self.convs.len() as u32).filter(|&s| self.convs[s as usize].is_some()).collect();
        slots.sort_by_key(|&s| self.conv(s).meta.id);
        for slot in slots {
            // A silence still running at the horizon counts as unreplied.
            self.report_silence(slot, h, false);
            let c = self.conv(slot);
            let rec = record(c, None, c.r.state, None, None, false, false);
            self.obs.conversation(&rec);
            self.stats.open_at_horizon += 1;
        }
    }
}

const _: () = assert!(std::mem::size_of::<Ev>() == 16);
