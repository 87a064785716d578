//! Staffing beside routing: who is on shift each hour, what agents going off shift do with
//! their work (`shift_end`), and refilling agents with free capacity from the queues.

use super::conversation::{Conv, Stamp};
use super::kernel::Step;
use super::observer::Observer;
use super::routing::QueueEntry;
use super::world::Sim;
use crate::model::state::{State, Trigger};
use crate::scenario::ShiftEnd;
use crate::time::SimTime;

impl<O: Observer> Sim<'_, O> {
    /// Refills an agent from the queues until nothing more fits. An agent off shift takes
    /// nothing; under `no_new_until_below` the capacity it freed may open its group's gate,
    /// and then the group's on-shift agents are refilled in index order.
    pub(super) fn refill(&mut self, agent: u32, t: SimTime) -> Step {
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
            self.assign(e.key.slot, agent, t)?;
        }
        Ok(())
    }

    /// Refills the on-shift agents of group `g` with free capacity, in index order.
    pub(super) fn refill_group(&mut self, g: usize, t: SimTime) -> Step {
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
    pub(super) fn apply_staffing(&mut self, t: SimTime) -> Step {
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
    pub(super) fn requeue_from(&mut self, leaving: &[u32], t: SimTime) -> Step {
        let mut is_leaving = vec![false; self.routing.agents.len()];
        for &a in leaving {
            is_leaving[a as usize] = true;
        }
        let mut slots: Vec<(u64, u32)> = self
            .convs
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.as_ref().map(|c| (i, c)))
            .filter(|(_, c)| {
                c.r.state == State::Active && c.held > 0 && is_leaving.get(c.agent as usize) == Some(&true)
            })
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
}

pub(super) fn check_live(convs: &[Option<Conv>], e: &QueueEntry) -> bool {
    e.key.resolve(convs, Stamp::Epoch).is_some_and(|c| c.r.state == State::Open)
}
