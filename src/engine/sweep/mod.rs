//! The sweep scheduler (SPEC section 4): which conversations are in scope, their eligibility
//! and the index that keeps it (lower bounds filed by run, refreshed when a run takes them, so
//! a sweep costs what it closes, not what is open: `index`), exact timers, and a sweep's runs,
//! batches, recheck, deferral and closure rate.

mod index;

use super::conversation::{Conv, ConvKey, Stamp};
use super::kernel::Step;
use super::observer::{CloseReason, Observer, SweepRecord};
use super::rng::StreamRng;
use super::rng::{self, Purpose};
use super::world::{Ev, Sim};
use crate::model::dist::round_ms;
use crate::model::state::{State, Trigger};
use crate::policy::SchedulerKind;
use crate::policy::{eligible_at, Eligibility, SweepSpec};
use crate::scenario::Scenario;
use crate::time::{SimDuration, SimTime};
use index::SweepIndex;
use rand::Rng;
use std::collections::VecDeque;

/// A conversation a sweep run found eligible, waiting in its batch to be closed.
pub(super) struct BatchItem {
    /// Stamped with the state epoch the run saw.
    pub(super) key: ConvKey,
    /// The state the run saw it in: a closure decided without recheck is reported under it.
    pub(super) state: State,
    pub(super) eligibility: Eligibility,
}

pub(super) struct SweepState {
    pub(super) spec: SweepSpec,
    pub(super) index: SweepIndex,
    /// The entries a run is looking at (kept for its allocation).
    pub(super) due: Vec<index::IndexEntry>,
    pub(super) jitter_rng: StreamRng,
    pub(super) runs: u64,
    pub(super) batch: VecDeque<BatchItem>,
    pub(super) current: Option<SweepRecord>,
    /// The instant of its next run (`SimTime::MAX` if none before the horizon).
    pub(super) next_run: SimTime,
    /// Changes of its scope count played ahead of the clock for instants after its next run
    /// (instant, change): each counted by the runs from its instant on. A few at most (the
    /// changes played ahead across one run), so kept unsorted.
    pub(super) scope_later: Vec<(SimTime, i64)>,
}

pub(super) enum SchedState {
    Exact,
    Sweep(Box<SweepState>),
}

impl SchedState {
    /// One state per scheduler of the policy, each sweep with its own jitter stream.
    pub(super) fn for_policy(s: &Scenario, replication: u32) -> Vec<SchedState> {
        let new_sweep = |i: usize, spec: &SweepSpec| SweepState {
            spec: spec.clone(),
            index: SweepIndex::new(spec),
            due: Vec::new(),
            jitter_rng: rng::stream(s.seed, replication, Purpose::SweepJitter, i as u64, 0),
            runs: 0,
            batch: VecDeque::new(),
            current: None,
            next_run: SimTime::MAX,
            scope_later: Vec::new(),
        };
        let states = s.policy.schedulers.iter().enumerate().map(|(i, sc)| match &sc.kind {
            SchedulerKind::Exact => SchedState::Exact,
            SchedulerKind::Sweep(spec) => SchedState::Sweep(Box::new(new_sweep(i, spec))),
        });
        states.collect()
    }
}

impl<O: Observer> Sim<'_, O> {
    /// Schedules every sweep's first run (after every other event of its instant).
    pub(super) fn start_sweeps(&mut self) -> Step {
        for i in 0..self.scheds.len() {
            if let SchedState::Sweep(st) = &mut self.scheds[i] {
                let at = st.spec.nominal_run(0) + jitter(st);
                st.next_run = at;
                self.at_last(at, Ev::SweepRun { sched: i as u32 })?;
            }
        }
        Ok(())
    }

    /// A run still closing at the horizon is reported with what it did.
    pub(super) fn finish_sweeps(&mut self) {
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
    }

    /// An exact scheduler's timer: closes the conversation if it is eligible now, else looks
    /// again at its new eligibility.
    pub(super) fn on_timer(&mut self, slot: u32, t: SimTime) -> Step {
        self.conv_mut(slot).indexed_key = None;
        match self.eligibility(self.conv(slot)) {
            Some(e) if e.at() <= t => self.auto_close(slot, t, e, false),
            Some(_) => self.reindex(slot),
            None => Ok(()),
        }
    }

    /// The next closure of a rate-limited run, unless that run is over.
    pub(super) fn on_sweep_close_event(&mut self, si: usize, run: u32, t: SimTime) -> Step {
        let current = match &self.scheds[si] {
            SchedState::Sweep(st) => st.current.as_ref().map(|r| r.run as u32),
            SchedState::Exact => None,
        };
        if current != Some(run) {
            return Ok(());
        }
        self.on_sweep_close(si, t)
    }

    /// The index of the rule that applies to `c` now, if it is in an open state (kept in the
    /// record by `scope_enter`).
    #[inline]
    pub(super) fn rule_index(&self, c: &Conv) -> Option<usize> {
        debug_assert_eq!(c.rule.map(|r| r as usize), rule_index(self.s, c), "the record's rule should be its state's");
        c.rule.map(|r| r as usize)
    }

    /// Counts the conversation in `slot` in the scope it is in now: that of its state's rule's
    /// scheduler, if that rule (or the hard cap) can close it. The scope and the rule are kept
    /// in the record, for `scope_leave` and `rule_index`.
    pub(super) fn scope_enter(&mut self, slot: u32) {
        let rule = rule_index(self.s, self.conv(slot));
        let scope = rule.and_then(|i| self.scope_by_rule[i]);
        let c = self.conv_mut(slot);
        (c.scope, c.rule) = (scope, rule.map(|i| i as u32));
        if let Some(sched) = scope {
            self.count_in_scope(sched as usize, 1);
        }
    }

    /// Takes the conversation in `slot` out of the scope it was counted in.
    pub(super) fn scope_leave(&mut self, slot: u32) {
        let c = self.conv_mut(slot);
        c.rule = None;
        if let Some(sched) = c.scope.take() {
            self.count_in_scope(sched as usize, -1);
        }
    }

    /// Changes a scheduler's scope count by `delta`, now or, for a change played ahead of the
    /// clock (`Sim::ahead`), from its instant: only runs read the count, so a change for an
    /// instant no later than the next run counts at once, a later one from the first run at
    /// or after its instant (a run comes after every other event of its instant).
    fn count_in_scope(&mut self, sched: usize, delta: i64) {
        match (self.ahead, &mut self.scheds[sched]) {
            (Some(at), SchedState::Sweep(st)) if at > st.next_run => st.scope_later.push((at, delta)),
            _ => self.in_scope[sched] += delta,
        }
    }

    /// The scope count of sweep `si` at its run at `t`, with the changes played ahead for
    /// instants up to `t`.
    fn in_scope_at(&mut self, si: usize, t: SimTime) -> u64 {
        if let SchedState::Sweep(st) = &mut self.scheds[si] {
            let count = &mut self.in_scope[si];
            st.scope_later.retain(|&(at, delta)| {
                let due = at <= t;
                if due {
                    *count += delta;
                }
                !due
            });
        }
        u64::try_from(self.in_scope[si]).expect("a scope counts no fewer than no conversations")
    }

    /// The first instant the rule of `c`'s state (or the hard cap) would close it.
    pub(super) fn eligibility(&self, c: &Conv) -> Option<Eligibility> {
        let i = self.rule_index(c)?;
        eligible_at(&self.s.policy.rules[i], self.s.policy.hard_cap, &c.r)
    }

    /// Whether a sweep without recheck has a batch still to close: it closes what its run saw,
    /// whatever happened since, so nothing may be played ahead meanwhile.
    pub(super) fn unchecked_batch_pending(&self) -> bool {
        self.scheds.iter().any(|st| matches!(st, SchedState::Sweep(st) if !st.spec.recheck && !st.batch.is_empty()))
    }

    /// Makes sure the conversation's scheduler will look at it no later than its eligibility.
    pub(super) fn reindex(&mut self, slot: u32) -> Step {
        let c = self.conv(slot);
        let Some(i) = self.rule_index(c) else { return Ok(()) };
        let Some(e) = eligible_at(&self.s.policy.rules[i], self.s.policy.hard_cap, &c.r) else {
            return Ok(());
        };
        let at = e.at();
        if c.indexed_key.is_some_and(|k| k <= at) {
            return Ok(());
        }
        let (id, key, sched) = (c.meta.id, c.key(slot, Stamp::Epoch), self.s.policy.rules[i].scheduler);
        self.conv_mut(slot).indexed_key = Some(at);
        if at >= self.horizon {
            return Ok(());
        }
        match &mut self.scheds[sched] {
            SchedState::Exact => self.at(at.max(self.now), Ev::Timer(key))?,
            SchedState::Sweep(st) => st.index.push((at, id, key)),
        }
        Ok(())
    }

    pub(super) fn on_sweep_run(&mut self, si: usize, t: SimTime) -> Step {
        self.flush_batch(si)?;
        let SchedState::Sweep(st) = &mut self.scheds[si] else { return Ok(()) };
        let run = st.runs;
        st.runs += 1;
        let mut candidates: Vec<(SimTime, u64, BatchItem)> = Vec::new();
        let mut due = std::mem::take(&mut st.due);
        st.index.take_due(t, &mut due);
        for (bound, id, key) in due.drain(..) {
            if bound > t {
                st.index.push((bound, id, key));
                continue;
            }
            let current = key.resolve_mut(&mut self.convs, Stamp::Epoch);
            let Some(c) = current.filter(|c| c.indexed_key == Some(bound)) else { continue };
            let i = c.rule.expect("an indexed conversation is in an open state") as usize;
            match eligible_at(&self.s.policy.rules[i], self.s.policy.hard_cap, &c.r) {
                None => c.indexed_key = None,
                Some(e) if e.at() > t => {
                    c.indexed_key = Some(e.at());
                    if e.at() < self.horizon {
                        st.index.push((e.at(), id, key));
                    }
                }
                Some(e) => {
                    c.indexed_key = Some(e.at());
                    candidates.push((e.at(), id, BatchItem { key, state: c.r.state, eligibility: e }));
                }
            }
        }
        st.due = due;
        candidates.sort_by_key(|(at, id, _)| (*at, *id));
        let limit = st.spec.max_closures_per_run.map_or(usize::MAX, |m| m as usize);
        let eligible = candidates.len() as u64;
        let mut deferred = 0;
        for (at, id, item) in candidates.drain(limit.min(candidates.len())..) {
            st.index.push((at, id, item.key));
            deferred += 1;
        }
        st.batch.extend(candidates.into_iter().map(|(_, _, item)| item));
        let in_scope = self.in_scope_at(si, t);
        let SchedState::Sweep(st) = &mut self.scheds[si] else { unreachable!("matched above") };
        st.current = Some(SweepRecord {
            scheduler: si,
            run,
            started: t,
            in_scope,
            eligible,
            closed: 0,
            parked: 0,
            deferred,
            race_closures: 0,
            rescued: 0,
            duration: SimDuration::ZERO,
        });
        let next = st.spec.nominal_run(run + 1) + jitter(st);
        st.next_run = next;
        self.at_last(next, Ev::SweepRun { sched: si as u32 })?;
        self.on_sweep_close(si, t)
    }

    /// Closes the next conversations of the current batch: all at once without a closure
    /// rate, else one now and the next after 1/rate seconds.
    pub(super) fn on_sweep_close(&mut self, si: usize, t: SimTime) -> Step {
        self.held_refills = Some(Vec::new());
        let result = self.sweep_close_batch(si, t);
        let held = self.held_refills.take().unwrap_or_default();
        result?;
        for agent in held {
            self.refill(agent, t)?;
        }
        Ok(())
    }

    pub(super) fn sweep_close_batch(&mut self, si: usize, t: SimTime) -> Step {
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
                let k = (rec.closed + rec.parked + rec.rescued) as f64;
                let next = rec.started + SimDuration(round_ms(k * 1000.0 / rate));
                if next > t {
                    let run = rec.run as u32;
                    return self.at(next, Ev::SweepClose { sched: si as u32, run });
                }
            }
        }
    }

    pub(super) fn tally(&mut self, si: usize, f: impl FnOnce(&mut SweepRecord)) {
        if let SchedState::Sweep(st) = &mut self.scheds[si] {
            if let Some(r) = st.current.as_mut() {
                f(r);
            }
        }
    }

    pub(super) fn sweep_close_one(
        &mut self,
        si: usize,
        t: SimTime,
        item: BatchItem,
        recheck: bool,
        started: SimTime,
    ) -> Step {
        if self.holder(item.key).is_none() {
            // Closed by other means before its turn came.
            self.tally(si, |r| r.rescued += 1);
            return Ok(());
        }
        let slot = item.key.slot;
        let c = self.conv(slot);
        let as_seen = self.current(item.key, Stamp::Epoch).is_some();
        if recheck {
            let now = if as_seen { self.eligibility(c).filter(|e| e.at() <= t) } else { None };
            let Some(e) = now else {
                self.tally(si, |r| r.rescued += 1);
                // A state change has indexed it already; otherwise it left the index when the
                // run took it, and goes back with its new eligibility.
                if as_seen {
                    self.conv_mut(slot).indexed_key = None;
                    return self.reindex(slot);
                }
                return Ok(());
            };
            let parks = self.acts_as_park(slot, e);
            self.tally(si, |r| if parks { r.parked += 1 } else { r.closed += 1 });
            return self.auto_close(slot, t, e, false);
        }
        // Decided at the start of the run from what it saw then: a customer who wrote since is
        // closed all the same (a race closure).
        let race = c.r.last_customer_message > started;
        let moved_on = !as_seen;
        if moved_on && self.parks_from(slot, &item) {
            // A park moves an Active conversation only: one that has moved on is left alone
            // (its state change has indexed it under its new state's rule).
            self.tally(si, |r| r.rescued += 1);
            return Ok(());
        }
        if !moved_on && self.acts_as_park(slot, item.eligibility) {
            // Parked although the customer wrote since: not a closure, so not a race closure.
            self.tally(si, |r| r.parked += 1);
            return self.auto_close(slot, t, item.eligibility, race);
        }
        self.tally(si, |r| {
            r.closed += 1;
            r.race_closures += u64::from(race);
        });
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
    pub(super) fn flush_batch(&mut self, si: usize) -> Step {
        let SchedState::Sweep(st) = &mut self.scheds[si] else { return Ok(()) };
        let left: Vec<BatchItem> = st.batch.drain(..).collect();
        let Some(mut rec) = st.current.take() else { return Ok(()) };
        for item in left {
            if self.still_as_seen(&item) {
                rec.deferred += 1;
                self.conv_mut(item.key.slot).indexed_key = None;
                self.reindex(item.key.slot)?;
            } else {
                rec.rescued += 1;
            }
        }
        self.obs.sweep_run(&rec);
        Ok(())
    }

    /// Whether the rule that made the item eligible parks (`action = "park"`) rather than closes.
    pub(super) fn parks_from(&self, slot: u32, item: &BatchItem) -> bool {
        let m = self.conv(slot).meta;
        let rule = self.s.policy.rule(m.channel as usize, m.skill as usize, item.state);
        matches!(item.eligibility, Eligibility::Rule(_)) && rule.action == crate::policy::CloseAction::Park
    }

    /// Whether `auto_close` parks the conversation in `slot` (in the state it is in now) for
    /// eligibility `e` rather than closing it: a rule, not the hard cap, with `action = "park"`
    /// on an Active conversation.
    pub(super) fn acts_as_park(&self, slot: u32, e: Eligibility) -> bool {
        let c = self.conv(slot);
        let park = |i: usize| self.s.policy.rules[i].action == crate::policy::CloseAction::Park;
        c.r.state == State::Active && matches!(e, Eligibility::Rule(_)) && self.rule_index(c).is_some_and(park)
    }

    /// Whether a batch item's conversation is still open in the state the run saw it in.
    pub(super) fn still_as_seen(&self, item: &BatchItem) -> bool {
        self.current(item.key, Stamp::Epoch).is_some()
    }
}

pub(super) fn jitter(st: &mut SweepState) -> SimDuration {
    match st.spec.jitter {
        Some(j) if j.ms() > 0 => SimDuration(st.jitter_rng.gen_range(0..j.ms())),
        _ => SimDuration::ZERO,
    }
}

/// The index of the rule that applies to `c` now, if it is in an open state.
fn rule_index(s: &Scenario, c: &Conv) -> Option<usize> {
    s.policy.rule_index(c.meta.channel as usize, c.meta.skill as usize, c.r.state)
}
