//! The conversation lifecycle: state changes through the model's transition table, queueing
//! and assignment, capacity held and released, closure (and the recontact it may bring), and
//! the capacity episodes it hands to `metrics::episodes` (zombie and silent capacity).

use super::arrivals::RecontactInfo;
use super::conversation::{record, Stamp};
use super::kernel::Step;
use super::observer::{AutoMove, CloseReason, Observer};
use super::routing::QueueEntry;
use super::world::{Ev, Sim};
use crate::metrics::episodes::Episode;
use crate::model::state::{transition, State, Trigger};
use crate::policy::{CloseAction, Eligibility};
use crate::time::SimTime;
use rand::Rng;

impl<O: Observer> Sim<'_, O> {
    /// Moves the conversation to the next state for `trigger`, as a metadata change.
    pub(super) fn enter(&mut self, slot: u32, t: SimTime, trigger: Trigger) -> Step<State> {
        self.end_episode(slot, t);
        self.change_state(slot, t, trigger)
    }

    /// `enter` once the episode until `t` is accounted (`end_episode`).
    #[inline(always)]
    pub(super) fn change_state(&mut self, slot: u32, t: SimTime, trigger: Trigger) -> Step<State> {
        self.scope_leave(slot);
        let c = self.conv_mut(slot);
        let from = c.r.state;
        let to = transition(from, trigger)?;
        let entered = c.r.state_entered;
        c.r.state = to;
        c.epoch = c.epoch.wrapping_add(1);
        c.turn_epoch = c.turn_epoch.wrapping_add(1);
        c.r.state_entered = t;
        c.r.state_modified = t;
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
    pub(super) fn release(&mut self, slot: u32, t: SimTime) -> Option<u32> {
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
    pub(super) fn enqueue(&mut self, slot: u32, t: SimTime) -> Step {
        let c = self.conv(slot);
        let (channel, skill) = (c.meta.channel as usize, c.meta.skill as usize);
        let b = self.s.behaviour(channel, skill);
        let patience = b.patience.sample_duration(&mut self.conv_mut(slot).rng);
        let key = self.key(slot, Stamp::Epoch);
        let units = self.s.skills[skill].capacity_units;
        match self.routing.best_agent(skill, units) {
            Some(agent) => self.assign(slot, agent, t),
            None => {
                // Patience is drawn at every queue entry, but only a real wait needs its timer.
                if let Some(p) = patience {
                    self.at(t + p, Ev::Patience(key))?;
                }
                self.routing.enqueue(skill, QueueEntry { enqueued: t, seq: 0, key, units });
                self.obs.queue(t, skill, self.routing.queue_len_total());
                self.reindex(slot)
            }
        }
    }

    pub(super) fn assign(&mut self, slot: u32, agent: u32, t: SimTime) -> Step {
        self.enter(slot, t, Trigger::Assign)?;
        let units = self.s.skills[self.conv(slot).meta.skill as usize].capacity_units;
        let c = self.conv_mut(slot);
        c.agent = agent;
        c.held = units;
        let first = c.first_assigned.is_none();
        c.first_assigned.get_or_insert(t);
        c.last_assigned = Some(t);
        let meta = c.meta;
        self.routing.adjust(agent, units as i64);
        self.obs.assigned(t, &meta, agent);
        self.obs.capacity(t, &meta, units as i64);
        let b = self.s.behaviour(meta.channel as usize, meta.skill as usize);
        // The draw is made only where the side stream is ever drawn from: elsewhere it could
        // change nothing (a probability of 0, and no later draw it would move on).
        if first && self.side_draws {
            let p = b.manual_response_probability;
            let draw: f64 = self.side_rng(slot).gen();
            self.conv_mut(slot).r.manual_response_time = draw < p;
        }
        match self.conv(slot).r.pending_consumer_since {
            None => self.schedule_agent_message(slot, t)?,
            // Reassigned (after a transfer) while the customer is silent: the new agent parks,
            // or the live-chat customer drops, as the turn's draws say.
            Some(since) => self.schedule_silence_timers(slot, t, since)?,
        }
        self.schedule_side_events(slot, t)?;
        self.reindex(slot)
    }

    /// Closes the conversation, frees its record and refills its agent.
    pub(super) fn close(
        &mut self,
        slot: u32,
        t: SimTime,
        trigger: Trigger,
        reason: CloseReason,
        eligible: Option<SimTime>,
        race: bool,
    ) -> Step {
        let from = self.conv(slot).r.state;
        // Whatever closes it, a silence still running ends here without a reply.
        self.report_silence(slot, t, false);
        // The record shows the readings the closure was decided on, not the closing change.
        let before = self.conv(slot);
        let (last_activity, state_entered) = (before.r.last_activity, before.r.state_entered);
        self.enter(slot, t, trigger)?;
        let agent = self.release(slot, t);
        let c = self.conv_mut(slot);
        c.r.last_activity = last_activity;
        c.r.state_entered = state_entered;
        let premature = reason.is_auto() && c.pending_reply_at.is_some();
        let rec = record(c, Some(t), from, Some(reason), eligible, premature, race);
        let (reply_at, tag) = (c.pending_reply_at, c.tag);
        let info = RecontactInfo {
            channel: c.meta.channel,
            skill: c.meta.skill,
            parent: c.meta.id,
            key: (c.key.0, c.key.1 + 1, c.key.2),
        };
        // Freed where it lies: the record is not moved out.
        self.convs[slot as usize] = None;
        self.free_slots.push(slot);
        self.live -= 1;
        self.stats.closed += 1;
        // A customer who writes to a closed conversation starts a new one (a reply can still
        // be on its way after an auto-close, or after a wrap-up an auto-close began).
        if let Some(at) = reply_at.filter(|&at| at < self.horizon) {
            // Entries of recontacts already made are reused, so the table holds only the
            // recontacts still to come.
            let idx = match self.free_recontacts.pop() {
                Some(i) => {
                    self.recontacts[i as usize] = info;
                    i
                }
                None => {
                    self.recontacts.push(info);
                    (self.recontacts.len() - 1) as u32
                }
            };
            self.at(at, Ev::Recontact { idx, parent_tag: tag })?;
        }
        self.obs.conversation(&rec);
        if let Some(a) = agent {
            self.refill(a, t)?;
        }
        Ok(())
    }

    /// Ends the current period of constant eligibility and capacity at `t` and hands it to
    /// the episode accounting (`metrics::episodes`): the zombie capacity it held is reported,
    /// its silent capacity added to the silence's tally. Call before every change.
    pub(super) fn end_episode(&mut self, slot: u32, t: SimTime) {
        let eligible = self.episode_eligibility(slot, t);
        self.end_episode_with(slot, t, eligible);
    }

    /// The eligibility an episode of the conversation in `slot` is accounted with: its
    /// eligibility now if it holds capacity (an episode without capacity costs nothing, and
    /// neither does one that began at `t`, a second change at one instant).
    #[inline(always)]
    pub(super) fn episode_eligibility(&self, slot: u32, t: SimTime) -> Option<SimTime> {
        let c = self.conv(slot);
        if c.held > 0 && c.episode_start != t {
            self.eligibility(c).map(Eligibility::at)
        } else {
            None
        }
    }

    /// `end_episode` with the eligibility already known (`episode_eligibility`; the dialogue's
    /// fast-forward has computed it to know the turn is safe).
    #[inline(always)]
    pub(super) fn end_episode_with(&mut self, slot: u32, t: SimTime, eligible: Option<SimTime>) {
        let c = self.conv(slot);
        if c.held > 0 {
            let ep = Episode {
                state: c.r.state,
                held: c.held,
                start: c.episode_start,
                end: t,
                eligible,
                silent_since: c.r.pending_consumer_since,
            };
            if let Some((from, to)) = ep.zombie() {
                let meta = c.meta;
                self.obs.zombie(&meta, ep.state, ep.held, from, to);
            }
            self.conv_mut(slot).silence.add(&ep);
        }
        self.conv_mut(slot).episode_start = t;
    }

    /// Reports the capacity held before eligibility during the customer silence that ends at
    /// `t` (`replied`: the customer wrote), and starts the count afresh.
    pub(super) fn report_silence(&mut self, slot: u32, t: SimTime, replied: bool) {
        let eligible = self.episode_eligibility(slot, t);
        self.report_silence_with(slot, t, replied, eligible);
    }

    /// `report_silence` with the episode's eligibility already known.
    #[inline(always)]
    pub(super) fn report_silence_with(&mut self, slot: u32, t: SimTime, replied: bool, eligible: Option<SimTime>) {
        self.end_episode_with(slot, t, eligible);
        let c = self.conv_mut(slot);
        let meta = c.meta;
        if let Some((state, unit_ms)) = c.silence.take() {
            self.obs.silent_before_eligible(&meta, state, unit_ms, replied);
        }
    }

    pub(super) fn auto_close(&mut self, slot: u32, t: SimTime, e: Eligibility, race: bool) -> Step {
        let c = self.conv(slot);
        let i = self.rule_index(c).expect("an indexed conversation is in an open state");
        let state = c.r.state;
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
                    last_customer_message: c.r.last_customer_message,
                    premature: c.pending_reply_at.is_some(),
                    race,
                };
                c.auto_moved = Some((at, m.premature, race));
                let meta = c.meta;
                self.obs.auto_wrap_up(t, &meta, &m);
                self.enter(slot, t, Trigger::AutoCloseToWrapUp)?;
                self.begin_wrap_up(slot, t)
            }
            (Eligibility::Rule(at), CloseAction::Park) if state == State::Active => self.auto_park(slot, t, at, race),
            (Eligibility::Rule(at), _) => {
                self.close(slot, t, Trigger::AutoClose, CloseReason::AutoClose(state), Some(at), race)
            }
        }
    }

    /// An auto-close rule with action `park`: the conversation becomes inactive (Active to
    /// Waiting) and releases its capacity now, as when an agent parks it; its Waiting rule then
    /// times it, and a customer reply queues it again. The customer's silence goes on (it ends
    /// when the customer writes or the conversation closes), holding no capacity.
    fn auto_park(&mut self, slot: u32, t: SimTime, eligible: SimTime, race: bool) -> Step {
        let c = self.conv_mut(slot);
        c.auto_parks += 1;
        let m = AutoMove {
            eligible,
            last_customer_message: c.r.last_customer_message,
            premature: c.pending_reply_at.is_some(),
            race,
        };
        let meta = c.meta;
        self.obs.auto_parked(t, &meta, &m);
        self.park(slot, t, false)
    }
}
