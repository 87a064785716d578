//! The dialogue and its side events: agent messages, customer replies, parks, live-chat
//! disconnects and wrap-up, and the reader joins and transfers drawn from a second stream.

use super::conversation::{Conv, Stamp};
use super::kernel::Step;
use super::observer::{CloseReason, Observer, Sender};
use super::rng::StreamRng;
use super::world::{Ev, Sim};
use crate::model::dist::round_ms;
use crate::model::state::{State, Trigger};
use crate::model::ziggurat::exp1;
use crate::policy::{eligible_at, Eligibility, Readings};
use crate::scenario::{Behaviour, ChannelKind, WrapUpBlock};
use crate::time::{SimDuration, SimTime, MS_PER_HOUR};
use rand::Rng;

impl<O: Observer> Sim<'_, O> {
    pub(super) fn schedule_agent_message(&mut self, slot: u32, t: SimTime) -> Step {
        let (t, over) = if self.fast_forward { self.fast_forward(slot, t) } else { (t, false) };
        let c = self.conv(slot);
        let b = self.s.behaviour(c.meta.channel as usize, c.meta.skill as usize);
        let key = c.key(slot, Stamp::Epoch);
        // `never`: the agent never answers; only auto-close or the horizon ends it.
        if let Some(d) = b.agent_response.sample_duration(&mut self.conv_mut(slot).rng) {
            if over {
                if let Some(eligible) = self.end_ahead_eligibility(slot, t + d) {
                    return self.end_ahead(slot, t + d, eligible);
                }
            } else if self.fast_forward && self.answer_ahead_ok(slot, t + d) {
                // The turn's reply is not certain, but its answer is: played ahead.
                return self.answer(slot, t + d);
            }
            self.at(t + d, Ev::AgentMessage(key))?;
        }
        Ok(())
    }

    /// Whether the agent's answer at `at` may be applied now, ahead of the clock, when the
    /// fast-forward could not play its turn whole (the reply may not come, or not before a
    /// park, a disconnect, an eligibility or the horizon): the fast-forward's conditions hold
    /// (`plays_ahead`), the answer is not the dialogue's closing, it comes before the horizon
    /// and the conversation is not eligible at any instant until then. What follows it (the
    /// reply, the silence's timers) is scheduled from its instant, as its event would.
    fn answer_ahead_ok(&self, slot: u32, at: SimTime) -> bool {
        let c = self.conv(slot);
        let (b, _) = self.behaviour_of(c);
        self.plays_ahead(c, b)
            && c.turn < c.exchanges
            && at < self.horizon
            && self.eligibility(c).is_none_or(|e| e.at() > at)
    }

    /// Whether the dialogue of `c` may be played ahead at all: it is Active and the agent's
    /// turn (the customer wrote last, or it was just taken), no reader join or transfer can
    /// come (`b` is its behaviour) and no sweep without recheck still has a batch to close.
    fn plays_ahead(&self, c: &Conv, b: &Behaviour) -> bool {
        c.r.state == State::Active
            && c.r.pending_consumer_since.is_none()
            && b.reader_per_hour == 0.0
            && b.transfer_per_hour == 0.0
            && !self.unchecked_batch_pending()
    }

    /// Whether the agent's closing of a dialogue played ahead (`fast_forward` says it is over)
    /// may be applied now for the instant `end`, ahead of the clock: if it comes before the
    /// horizon, the conversation is not eligible at any instant until then (no sweep run can
    /// touch it) and the wrap-up keeps the agent's capacity (routing sees a release only in
    /// time order, as an event), the eligibility its episode until `end` is accounted with
    /// (`episode_eligibility`).
    fn end_ahead_eligibility(&self, slot: u32, end: SimTime) -> Option<Option<SimTime>> {
        let c = self.conv(slot);
        if end >= self.horizon || self.s.skills[c.meta.skill as usize].wrap_up == WrapUpBlock::Never {
            return None;
        }
        let eligible = self.eligibility(c).map(Eligibility::at);
        if eligible.is_some_and(|e| e <= end) {
            return None;
        }
        Some(eligible.filter(|_| c.held > 0))
    }

    /// The agent closes the dialogue at `end`, ahead of the clock (`end_ahead_eligibility`):
    /// Active to Wrap-up, with the wrap-up's events scheduled from `end`; the changes of scope
    /// count from `end` (`Sim::ahead`).
    fn end_ahead(&mut self, slot: u32, end: SimTime, eligible: Option<SimTime>) -> Step {
        self.played_ahead(end, |sim| {
            sim.end_episode_with(slot, end, eligible);
            sim.change_state(slot, end, Trigger::AgentEnd)?;
            sim.begin_wrap_up(slot, end)
        })
    }

    /// Runs `f`, changes made ahead of the clock for the instant `at`: their changes of scope
    /// count from `at` (`Sim::ahead`, set only for `f`).
    #[inline]
    fn played_ahead<T>(&mut self, at: SimTime, f: impl FnOnce(&mut Self) -> Step<T>) -> Step<T> {
        self.ahead = Some(at);
        let r = f(self);
        self.ahead = None;
        r
    }

    pub(super) fn on_agent_message(&mut self, slot: u32, t: SimTime) -> Step {
        let c = self.conv(slot);
        if c.turn >= c.exchanges {
            self.enter(slot, t, Trigger::AgentEnd)?;
            return self.begin_wrap_up(slot, t);
        }
        self.answer(slot, t)?;
        self.reindex(slot)
    }

    /// The agent's answer at `t` (not the closing): the turn's draws, the message, and the
    /// reply and silence timers it schedules; the caller reindexes.
    fn answer(&mut self, slot: u32, t: SimTime) -> Step {
        let (b, fixed) = self.behaviour_of(self.conv(slot));
        let draws = TurnDraws::draw(b, fixed, &mut self.conv_mut(slot).rng);
        let eligible = self.episode_eligibility(slot, t);
        self.agent_writes(slot, t, draws, eligible);
        if let Some(at) = self.conv(slot).pending_reply_at {
            let key = self.key(slot, Stamp::Turn);
            self.at(at, Ev::CustomerReply(key))?;
        }
        // A park or disconnect due after the reply would find the turn over: the draws above
        // are always made (common random numbers), but such events are not scheduled.
        self.schedule_silence_timers(slot, t, t)
    }

    /// The agent's answer at `t` with this turn's draws: what changes in the conversation and
    /// what is reported, without the events it schedules. `eligible`: the episode's
    /// eligibility until then (`episode_eligibility`).
    #[inline(always)]
    fn agent_writes(&mut self, slot: u32, t: SimTime, draws: TurnDraws, eligible: Option<SimTime>) {
        let meta = self.conv(slot).meta;
        self.obs.message(t, &meta, Sender::Agent);
        self.end_episode_with(slot, t, eligible);
        let kind = self.s.channels[meta.channel as usize].kind;
        let c = self.conv_mut(slot);
        c.touch(t);
        c.r.pending_consumer_since = Some(t);
        c.turn += 1;
        c.turn_epoch = c.turn_epoch.wrapping_add(1);
        c.pending_reply_at = draws.reply.map(|d| t + d);
        c.silence_park = draws.park_delay.filter(|_| draws.park && kind == ChannelKind::Messaging);
        c.silence_disconnect = draws.disconnect.filter(|_| kind == ChannelKind::LiveChat);
    }

    /// The customer's reply at `t`: what changes and what is reported, without what follows.
    /// `eligible`: the episode's eligibility until then (`episode_eligibility`).
    #[inline(always)]
    fn customer_writes(&mut self, slot: u32, t: SimTime, eligible: Option<SimTime>) {
        self.report_silence_with(slot, t, true, eligible);
        let meta = self.conv(slot).meta;
        self.obs.message(t, &meta, Sender::Customer);
        let c = self.conv_mut(slot);
        c.touch(t);
        c.r.last_customer_message = t;
        c.r.pending_consumer_since = None;
        c.pending_reply_at = None;
    }

    /// Fast-forward (issue 11): plays ahead, without events, the exchanges of an Active
    /// conversation that nothing else can touch. From `t` (the customer has just written or
    /// the agent just took it), while the next turn is certain to run as the events would run
    /// it (the agent answers and the customer replies before the horizon, no park or
    /// disconnect is due before the reply, and the conversation is not eligible at any instant
    /// of the turn under its rule or the hard cap), the turn's messages are applied at their
    /// own instants, with the same draws from the conversation's stream in the same order, the
    /// same reports and the same capacity accounting. Returns the instant of the last reply so
    /// played (`t` if none), from which the next agent message is scheduled as usual, and
    /// whether the dialogue is over there (its next agent message ends it, and may be played
    /// ahead too: `end_ahead_eligibility`).
    ///
    /// Exact because nothing reads a conversation between its events but its own events, a
    /// sweep run (which finds it not eligible either way) and the horizon (never crossed);
    /// events that could (reader joins, transfers, a shift cut that requeues) switch it off,
    /// and so does an observer that needs every report in time order (`Observer::needs_time_order`),
    /// and a sweep without recheck still closing a batch (it closes what it saw, whatever
    /// happened since).
    fn fast_forward(&mut self, slot: u32, t: SimTime) -> (SimTime, bool) {
        let c = self.conv(slot);
        let (b, fixed) = self.behaviour_of(c);
        if !self.plays_ahead(c, b) {
            return (t, false);
        }
        let kind = self.s.channels[c.meta.channel as usize].kind;
        // Its state, so its rule, stays the same throughout: looked up once.
        let (policy, rule) = (&self.s.policy, self.rule_index(c));
        let eligible = |r: &Readings| eligible_at(&policy.rules[rule?], policy.hard_cap, r).map(Eligibility::at);
        let mut now = t;
        loop {
            let c = self.conv(slot);
            if c.turn >= c.exchanges {
                return (now, true);
            }
            let mut rng = c.rng.clone();
            let Some(answer) = b.agent_response.sample_duration(&mut rng) else { return (now, false) };
            let draws = TurnDraws::draw(b, fixed, &mut rng);
            let agent_at = now + answer;
            let Some(reply_at) = draws.reply.map(|d| agent_at + d) else { return (now, false) };
            if reply_at >= self.horizon || draws.interrupts(kind, agent_at, reply_at) {
                return (now, false);
            }
            // Not eligible before the answer, nor between the answer and the reply.
            let before = eligible(&c.r);
            if before.is_some_and(|e| e <= agent_at) {
                return (now, false);
            }
            let mut r = c.r;
            (r.last_activity, r.last_activity_excluding_reader, r.pending_consumer_since) =
                (agent_at, agent_at, Some(agent_at));
            let after = eligible(&r);
            if after.is_some_and(|e| e <= reply_at) {
                return (now, false);
            }
            // The answer's own draw, then the turn's: the stream is where the events leave it.
            // Active, so it holds capacity: the episodes are accounted with these eligibilities.
            let c = self.conv_mut(slot);
            c.rng = rng;
            self.agent_writes(slot, agent_at, draws, before);
            self.customer_writes(slot, reply_at, after);
            now = reply_at;
        }
    }

    pub(super) fn on_customer_reply(&mut self, slot: u32, t: SimTime) -> Step {
        let eligible = self.episode_eligibility(slot, t);
        self.customer_writes(slot, t, eligible);
        match self.conv(slot).r.state {
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

    /// Schedules the park (after the turn's park delay from `t`) or the live-chat disconnect
    /// (the turn's delay after the agent's message at `since`) of a silent customer, unless
    /// the reply comes first.
    pub(super) fn schedule_silence_timers(&mut self, slot: u32, t: SimTime, since: SimTime) -> Step {
        let c = self.conv(slot);
        let (key, reply) = (c.key(slot, Stamp::TurnEpoch), c.pending_reply_at);
        let before_reply = |at: SimTime| reply.is_none_or(|r| at < r);
        match self.s.channels[c.meta.channel as usize].kind {
            ChannelKind::Messaging => {
                if let Some(at) = c.silence_park.map(|d| t + d).filter(|&at| before_reply(at)) {
                    self.at(at, Ev::Park(key))?;
                }
            }
            ChannelKind::LiveChat => {
                if let Some(at) = c.silence_disconnect.map(|d| (since + d).max(t)).filter(|&at| before_reply(at)) {
                    self.at(at, Ev::Disconnect(key))?;
                }
            }
        }
        Ok(())
    }

    /// The agent parks a silent customer's conversation (Active to Waiting), freeing capacity.
    pub(super) fn on_park(&mut self, slot: u32, t: SimTime) -> Step {
        self.park(slot, t, true)
    }

    /// Active to Waiting, capacity released at once and the agent refilled: the agent's park
    /// (`by_agent`, counted in `parked`) or an auto-close rule's (counted by the caller).
    pub(super) fn park(&mut self, slot: u32, t: SimTime, by_agent: bool) -> Step {
        self.enter(slot, t, Trigger::Park)?;
        let meta = self.conv(slot).meta;
        if by_agent {
            self.obs.parked(t, &meta);
        }
        let agent = self.release(slot, t);
        self.schedule_side_events(slot, t)?;
        self.reindex(slot)?;
        if let Some(a) = agent {
            self.refill(a, t)?;
        }
        Ok(())
    }

    /// A silent live-chat customer leaves: the agent wraps up.
    pub(super) fn on_disconnect(&mut self, slot: u32, t: SimTime) -> Step {
        // The customer left: a reply still on its way will never come.
        self.conv_mut(slot).pending_reply_at = None;
        self.enter(slot, t, Trigger::CustomerDisconnect)?;
        let meta = self.conv(slot).meta;
        self.obs.disconnected(t, &meta);
        self.begin_wrap_up(slot, t)
    }

    /// The wrap-up stops blocking capacity (`wrap_up = "<duration>"`); the agent's closing of
    /// it follows (`wrap_up_done`).
    pub(super) fn on_wrap_up_release(&mut self, slot: u32, t: SimTime) -> Step {
        self.end_episode(slot, t);
        let agent = self.release(slot, t);
        let done = self.conv_mut(slot).wrap_up_done.take();
        self.wrap_up_done(slot, done)?;
        if let Some(a) = agent {
            self.refill(a, t)?;
        }
        Ok(())
    }

    pub(super) fn begin_wrap_up(&mut self, slot: u32, t: SimTime) -> Step {
        // The dialogue is over: the silence it had ends here, unreplied.
        self.report_silence(slot, t, false);
        let c = self.conv_mut(slot);
        c.r.wrap_up_initiated = Some(t);
        c.r.pending_consumer_since = None;
        let (key, skill, channel) = (c.key(slot, Stamp::Epoch), c.meta.skill as usize, c.meta.channel as usize);
        let b = self.s.behaviour(channel, skill);
        // `never`: the agent never closes the wrap-up; only auto-close or the horizon ends it.
        let d = b.wrap_up.sample_duration(&mut self.conv_mut(slot).rng);
        let done = d.map(|d| t + d);
        let d = d.unwrap_or(SimDuration(u64::MAX));
        match self.s.skills[skill].wrap_up {
            WrapUpBlock::Always => {}
            WrapUpBlock::Never => {
                if let Some(agent) = self.release(slot, t) {
                    if !self.wrap_up_done(slot, done)? {
                        self.reindex(slot)?;
                    }
                    return self.refill(agent, t);
                }
            }
            WrapUpBlock::For(block) => {
                if block < d {
                    self.conv_mut(slot).wrap_up_done = done;
                    self.at(t + block, Ev::WrapUpRelease(key))?;
                    return self.reindex(slot);
                }
            }
        }
        if let Some(done) = done {
            self.at(done, Ev::WrapUpDone(key))?;
        }
        self.reindex(slot)
    }

    /// The agent's closing of a wrap-up that holds no capacity any more, due at `done` (if
    /// ever): played ahead, closed now for its instant, where nothing can touch the
    /// conversation until then (`can_close_ahead`), else scheduled. Whether it was closed.
    fn wrap_up_done(&mut self, slot: u32, done: Option<SimTime>) -> Step<bool> {
        let Some(done) = done else { return Ok(false) };
        if !self.can_close_ahead(slot, done) {
            let key = self.key(slot, Stamp::Epoch);
            self.at(done, Ev::WrapUpDone(key))?;
            return Ok(false);
        }
        // Its change of scope counts from `done`, as the closing played ahead's does.
        self.played_ahead(done, |sim| sim.close(slot, done, Trigger::WrapUpDone, CloseReason::AgentEnd, None, false))?;
        Ok(true)
    }

    /// Whether the closing at `done` of the wrap-up in `slot`, which holds no capacity (routing
    /// cannot see it), may be applied now: the run plays ahead (`Sim::close_ahead`), the
    /// closing comes before the horizon, no customer reply arrives before it (a reply during
    /// the wrap-up is a message of its own, with its readings), no sweep without recheck
    /// still has a batch to close (it could hold the conversation, seen in an earlier state)
    /// and the conversation is not eligible at any instant until then under the wrap-up's
    /// rule or the hard cap (no run or timer can close it first). Every other event still
    /// due for it was stamped before the wrap-up began and is stale.
    fn can_close_ahead(&self, slot: u32, done: SimTime) -> bool {
        let c = self.conv(slot);
        self.close_ahead
            && self.ahead.is_none()
            && done < self.horizon
            && c.held == 0
            && c.pending_reply_at.is_none_or(|at| at > done)
            && !self.unchecked_batch_pending()
            && self.eligibility(c).is_none_or(|e| e.at() > done)
    }

    pub(super) fn schedule_side_events(&mut self, slot: u32, t: SimTime) -> Step {
        if !self.side_draws {
            return Ok(());
        }
        let c = self.conv(slot);
        let key = c.key(slot, Stamp::Epoch);
        let b = self.s.behaviour(c.meta.channel as usize, c.meta.skill as usize);
        let (reader, transfer) = (b.reader_per_hour, b.transfer_per_hour);
        let state = c.r.state;
        if reader > 0.0 && matches!(state, State::Active | State::Waiting) {
            let d = exp_ms(self.side_rng(slot), reader);
            self.at(t + d, Ev::Reader(key))?;
        }
        if transfer > 0.0 && state == State::Active {
            let d = exp_ms(self.side_rng(slot), transfer);
            self.at(t + d, Ev::Transfer(key))?;
        }
        Ok(())
    }

    /// A reader (supervisor) joins: a metadata change (LivePerson); whether it resets a rule's
    /// clock is the rule's `reader_resets_clock`. Dynamics recomputes on monitor:
    /// state_modified. The next join follows at the reader rate.
    pub(super) fn on_reader(&mut self, slot: u32, t: SimTime) -> Step {
        self.end_episode(slot, t);
        let c = self.conv_mut(slot);
        c.r.last_activity = t;
        c.r.state_modified = t;
        let meta = c.meta;
        self.obs.reader_joined(t, &meta);
        let rate = self.s.behaviour(meta.channel as usize, meta.skill as usize).reader_per_hour;
        let d = exp_ms(self.side_rng(slot), rate);
        let key = self.key(slot, Stamp::Epoch);
        self.at(t + d, Ev::Reader(key))?;
        self.reindex(slot)
    }

    pub(super) fn on_transfer(&mut self, slot: u32, t: SimTime) -> Step {
        let old = self.conv(slot).meta;
        let b = self.s.behaviour(old.channel as usize, old.skill as usize);
        // To another skill: the conversation's own skill is left out of the choice.
        let targets: Vec<usize> = b.transfer_to.iter().copied().filter(|&k| k != old.skill as usize).collect();
        let u: f64 = self.side_rng(slot).gen();
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
    pub(super) fn reschedule_transfer(&mut self, slot: u32, t: SimTime) -> Step {
        let c = self.conv(slot);
        let key = c.key(slot, Stamp::Epoch);
        let rate = self.s.behaviour(c.meta.channel as usize, c.meta.skill as usize).transfer_per_hour;
        let d = exp_ms(self.side_rng(slot), rate);
        self.at(t + d, Ev::Transfer(key))
    }
}

/// The durations of a (channel, skill)'s turns that need no random number (`never` or a
/// constant park delay or disconnect, as most scenarios have), known once for the run: a turn
/// takes them as they are instead of dispatching on the distribution each time.
#[derive(Debug, Clone, Copy)]
pub(super) struct TurnFixed {
    park_delay: Option<Option<SimDuration>>,
    disconnect: Option<Option<SimDuration>>,
}

impl TurnFixed {
    pub(super) fn of(b: &Behaviour) -> TurnFixed {
        TurnFixed { park_delay: b.park_delay.fixed_duration(), disconnect: b.disconnect.fixed_duration() }
    }
}

/// The draws of one turn, at the agent's answer, in stream order: the customer's response
/// time, whether the agent will park while the customer is silent, the park delay and the
/// live-chat disconnect delay. Always all four (common random numbers; a fixed one draws no
/// random number either way).
#[derive(Debug, Clone, Copy)]
pub(super) struct TurnDraws {
    reply: Option<SimDuration>,
    park: bool,
    park_delay: Option<SimDuration>,
    disconnect: Option<SimDuration>,
}

impl TurnDraws {
    #[inline(always)]
    fn draw(b: &Behaviour, fixed: TurnFixed, rng: &mut StreamRng) -> TurnDraws {
        let reply = b.customer_response.sample_duration(rng);
        let park = rng.gen::<f64>() < b.park_probability;
        let park_delay = fixed.park_delay.unwrap_or_else(|| b.park_delay.sample_duration(rng));
        let disconnect = fixed.disconnect.unwrap_or_else(|| b.disconnect.sample_duration(rng));
        TurnDraws { reply, park, park_delay, disconnect }
    }

    /// Whether a park or a disconnect would come before the reply (as
    /// `schedule_silence_timers` schedules them for an answer at `agent_at`).
    fn interrupts(&self, kind: ChannelKind, agent_at: SimTime, reply_at: SimTime) -> bool {
        match kind {
            ChannelKind::Messaging => self.park && self.park_delay.is_some_and(|d| agent_at + d < reply_at),
            ChannelKind::LiveChat => self.disconnect.is_some_and(|d| agent_at + d < reply_at),
        }
    }
}

/// An exponential delay for a Poisson process of `per_hour` events an hour.
/// At least 1 ms, so that a side event never repeats at the instant it happened.
pub(super) fn exp_ms(rng: &mut StreamRng, per_hour: f64) -> SimDuration {
    SimDuration(round_ms(exp1(rng) / per_hour * MS_PER_HOUR as f64).max(1))
}
