//! Agents, their capacity and the per-skill queues. Push routing: a new conversation goes to
//! the on-shift agent with the most free capacity among those serving its skill (lowest agent
//! index on a tie); when capacity frees, the agent takes the longest-waiting conversation among
//! its skills that fits (earliest enqueue time, then enqueue sequence). A group under
//! `shift_end = "no_new_until_below"` is closed to new work while its capacity in use (agents
//! who went off shift included) is at least its on-shift capacity.

use super::conversation::ConvKey;
use crate::scenario::{Scenario, ShiftEnd, SkillId};
use crate::time::SimTime;
use std::collections::VecDeque;

/// The listed agents of one group, by free capacity: `levels[f]` is a bitset of the agents
/// (numbered from the group's first) with exactly `f` units free, and `summary[f]` a bitset of
/// its non-zero words. Finding the agent with the most free capacity (lowest index on a tie)
/// scans levels from the top, skipping empty ones by their count, then finds the first non-zero
/// word through the summary: one word per 4,096 agents, so the cost does not grow with the
/// agents until then. An update moves one bit (and its summary bit). Kept per group, not per
/// skill, so that a capacity change moves the agent in one index whatever its skills (a group's
/// agents all serve the same skills). Profiling showed an ordered set here costing 12% of a run.
#[derive(Debug, Clone, Default)]
struct FreeIndex {
    /// `levels[f * words + w]`: word `w` of level `f` (one allocation, no pointer to follow).
    levels: Vec<u64>,
    /// `summary[f * summary_words + sw]`: which words of level `f` are non-zero.
    summary: Vec<u64>,
    counts: Vec<u32>,
    words: usize,
    summary_words: usize,
}

impl FreeIndex {
    fn new(max_free: u32, n_agents: usize) -> Self {
        let (words, levels) = (n_agents.div_ceil(64), max_free as usize + 1);
        let summary_words = words.div_ceil(64);
        FreeIndex {
            levels: vec![0; words * levels],
            summary: vec![0; summary_words * levels],
            counts: vec![0; levels],
            words,
            summary_words,
        }
    }

    #[inline]
    fn insert(&mut self, free: u32, agent: u32) {
        let (f, w) = (free as usize, agent as usize / 64);
        self.levels[f * self.words + w] |= 1 << (agent % 64);
        self.summary[f * self.summary_words + w / 64] |= 1 << (w % 64);
        self.counts[f] += 1;
    }

    #[inline]
    fn remove(&mut self, free: u32, agent: u32) {
        let (f, w) = (free as usize, agent as usize / 64);
        let word = &mut self.levels[f * self.words + w];
        *word &= !(1 << (agent % 64));
        if *word == 0 {
            self.summary[f * self.summary_words + w / 64] &= !(1 << (w % 64));
        }
        self.counts[f] -= 1;
    }

    /// Moves `agent` from level `from` to level `to` (its capacity in use changed).
    #[inline]
    fn shift(&mut self, from: u32, to: u32, agent: u32) {
        self.remove(from, agent);
        self.insert(to, agent);
    }

    /// The most free capacity any of its agents has, if it has any agent.
    #[inline]
    fn top(&self) -> Option<u32> {
        self.counts.iter().rposition(|&c| c > 0).map(|f| f as u32)
    }

    /// The lowest agent with exactly `free` units free, if any.
    fn first_at(&self, free: u32) -> Option<u32> {
        let f = free as usize;
        let summary = &self.summary[f * self.summary_words..(f + 1) * self.summary_words];
        let (sw, sbits) = summary.iter().enumerate().find(|(_, &b)| b != 0)?;
        let w = sw * 64 + sbits.trailing_zeros() as usize;
        Some((w * 64) as u32 + self.levels[f * self.words + w].trailing_zeros())
    }

    /// The agent with the most free capacity, if it has at least `units` free.
    #[cfg(test)]
    fn best(&self, units: u32) -> Option<u32> {
        self.top().filter(|&top| top >= units).and_then(|top| self.first_at(top))
    }
}

/// One agent.
#[derive(Debug, Clone)]
pub struct Agent {
    pub group: usize,
    pub capacity: u32,
    pub used: u32,
    pub on_shift: bool,
}

impl Agent {
    pub fn free(&self) -> u32 {
        self.capacity - self.used
    }
}

/// A queued conversation. Entries are removed lazily: its key (stamped with the state epoch
/// it was queued in) must still be current when the entry reaches the head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueEntry {
    pub enqueued: SimTime,
    pub seq: u64,
    pub key: ConvKey,
    pub units: u32,
}

/// One agent group as routing sees it, in one record so that a capacity change reaches all of
/// it through one index.
#[derive(Debug, Clone)]
struct Group {
    /// Skills its agents serve.
    skills: Vec<SkillId>,
    /// Its listed agents by free capacity, numbered from `start`.
    free: FreeIndex,
    /// The index of its first agent (a group's agents are numbered in a row).
    start: u32,
    /// Whether it is gated (`no_new_until_below`), its capacity in use by all its agents, on
    /// shift or not, its on-shift capacity, and whether the gate is closed now (its agents are
    /// then left out of `free` and take nothing from the queues).
    gated: bool,
    used: u64,
    on_units: u64,
    closed: bool,
}

/// Agents, who serves what, and the queues.
pub struct Routing {
    pub agents: Vec<Agent>,
    groups: Vec<Group>,
    /// Agent indices of each group, in order (the first k are on shift when k are staffed).
    pub group_agents: Vec<Vec<u32>>,
    /// Per skill: the groups serving it, in order.
    skill_groups: Vec<Vec<usize>>,
    queues: Vec<VecDeque<QueueEntry>>,
    /// Live (not abandoned) entries per skill.
    live: Vec<u32>,
    live_total: u32,
    next_seq: u64,
    /// Capacity units of on-shift agents.
    pub on_shift_units: u64,
}

impl Routing {
    /// Every agent of every group, none on shift yet.
    pub fn new(s: &Scenario) -> Routing {
        let mut agents = Vec::new();
        let mut group_agents = Vec::new();
        for (g, group) in s.agent_groups.iter().enumerate() {
            let mut ids = Vec::new();
            for _ in 0..group.staffing.head_count() {
                ids.push(agents.len() as u32);
                agents.push(Agent { group: g, capacity: group.capacity_units, used: 0, on_shift: false });
            }
            group_agents.push(ids);
        }
        let groups = (s.agent_groups.iter().zip(&group_agents))
            .map(|(g, ids)| Group {
                skills: g.skills.clone(),
                free: FreeIndex::new(g.capacity_units, ids.len()),
                start: ids.first().copied().unwrap_or(0),
                gated: g.shift_end == ShiftEnd::NoNewUntilBelow,
                used: 0,
                on_units: 0,
                closed: false,
            })
            .collect();
        let skill_groups = (0..s.skills.len())
            .map(|k| (0..s.agent_groups.len()).filter(|&g| s.agent_groups[g].skills.contains(&k)).collect())
            .collect();
        Routing {
            agents,
            groups,
            group_agents,
            skill_groups,
            queues: vec![VecDeque::new(); s.skills.len()],
            live: vec![0; s.skills.len()],
            live_total: 0,
            next_seq: 0,
            on_shift_units: 0,
        }
    }

    /// Whether a group is under `no_new_until_below` with its gate open: an agent of it who
    /// went off shift and frees capacity may let the group's on-shift agents take work.
    pub fn gated_and_open(&self, group: usize) -> bool {
        let g = &self.groups[group];
        g.gated && !g.closed
    }

    /// Whether the agent is in its group's `free` index: on shift, and its group's gate open.
    fn listed(&self, agent: u32) -> bool {
        let a = &self.agents[agent as usize];
        a.on_shift && !self.groups[a.group].closed
    }

    /// Opens or closes a gated group's gate from its capacity in use and on-shift capacity,
    /// listing or unlisting its on-shift agents. Called after every capacity change of a gated
    /// group (an ungated group's gate never closes), and after a staffing change once all its
    /// agents have moved.
    #[inline]
    pub fn update_gate(&mut self, group: usize) {
        let g = &self.groups[group];
        let closed = g.gated && g.used >= g.on_units;
        if closed != g.closed {
            self.set_gate(group, closed);
        }
    }

    /// Closes or opens a group's gate, unlisting or listing its on-shift agents.
    fn set_gate(&mut self, group: usize, closed: bool) {
        let members = self.group_agents[group].clone();
        if closed {
            for &a in &members {
                self.unlist(a);
            }
            self.groups[group].closed = true;
        } else {
            self.groups[group].closed = false;
            for &a in &members {
                self.list(a);
            }
        }
    }

    pub fn skills_of(&self, agent: u32) -> &[SkillId] {
        &self.groups[self.agents[agent as usize].group].skills
    }

    fn unlist(&mut self, agent: u32) {
        if !self.listed(agent) {
            return;
        }
        let a = &self.agents[agent as usize];
        let (free, g) = (a.free(), &mut self.groups[a.group]);
        g.free.remove(free, agent - g.start);
    }

    fn list(&mut self, agent: u32) {
        if !self.listed(agent) {
            return;
        }
        let a = &self.agents[agent as usize];
        let (free, g) = (a.free(), &mut self.groups[a.group]);
        g.free.insert(free, agent - g.start);
    }

    /// Puts an agent on or off shift. Off-shift agents keep their conversations but get no new
    /// ones. Call `update_gate` for the group once its shift changes are all made.
    pub fn set_on_shift(&mut self, agent: u32, on: bool) {
        if self.agents[agent as usize].on_shift == on {
            return;
        }
        let (cap, group) = (self.agents[agent as usize].capacity as u64, self.agents[agent as usize].group);
        if on {
            self.agents[agent as usize].on_shift = true;
            self.list(agent);
            self.on_shift_units += cap;
            self.groups[group].on_units += cap;
        } else {
            self.unlist(agent);
            self.agents[agent as usize].on_shift = false;
            self.on_shift_units -= cap;
            self.groups[group].on_units -= cap;
        }
    }

    /// The on-shift agent serving `skill` with the most free capacity, if it has `units` free.
    pub fn best_agent(&self, skill: SkillId, units: u32) -> Option<u32> {
        // The most free capacity among the groups serving the skill; on a tie the first such
        // group, whose agents have the lower indices.
        let mut best: Option<(u32, usize)> = None;
        for &g in &self.skill_groups[skill] {
            if let Some(top) = self.groups[g].free.top() {
                if best.is_none_or(|(t, _)| top > t) {
                    best = Some((top, g));
                }
            }
        }
        let (top, g) = best.filter(|&(top, _)| top >= units)?;
        let g = &self.groups[g];
        Some(g.start + g.free.first_at(top)?)
    }

    /// Changes an agent's capacity in use by `delta` units, and re-judges its group's gate
    /// (the engine's `refill` offers the queues to the group when an opened gate allows).
    #[inline]
    pub fn adjust(&mut self, agent: u32, delta: i64) {
        let a = &mut self.agents[agent as usize];
        let used = a.used as i64 + delta;
        assert!(
            (0..=a.capacity as i64).contains(&used),
            "capacity of agent {agent} should stay within 0..={}, got {used}",
            a.capacity
        );
        let before = a.free();
        a.used = used as u32;
        let (after, group, on_shift) = (a.free(), a.group, a.on_shift);
        let g = &mut self.groups[group];
        if on_shift && !g.closed && before != after {
            // Listed: the agent moves from one level to another in its group's index.
            g.free.shift(before, after, agent - g.start);
        }
        g.used = (g.used as i64 + delta) as u64;
        if g.gated {
            self.update_gate(group);
        }
    }

    pub fn enqueue(&mut self, skill: SkillId, mut entry: QueueEntry) {
        entry.seq = self.next_seq;
        self.next_seq += 1;
        self.queues[skill].push_back(entry);
        self.live[skill] += 1;
        self.live_total += 1;
    }

    /// Records that a queued conversation left the queue without being taken from it (it
    /// abandoned or was closed); its entry is skipped when it reaches the head.
    pub fn forget(&mut self, skill: SkillId) {
        self.live[skill] -= 1;
        self.live_total -= 1;
    }

    pub fn queue_len(&self, skill: SkillId) -> u32 {
        self.live[skill]
    }

    pub fn queue_len_total(&self) -> u32 {
        self.live_total
    }

    /// Drops stale entries at the head of `skill`'s queue; `is_live` says whether an entry
    /// still stands.
    fn clean_head(&mut self, skill: SkillId, is_live: &impl Fn(&QueueEntry) -> bool) {
        while let Some(e) = self.queues[skill].front() {
            if is_live(e) {
                break;
            }
            self.queues[skill].pop_front();
        }
    }

    /// Takes, for `agent`, the longest-waiting live conversation among its skills that fits
    /// in its free capacity.
    pub fn take_for(&mut self, agent: u32, is_live: &impl Fn(&QueueEntry) -> bool) -> Option<(SkillId, QueueEntry)> {
        let free = self.agents[agent as usize].free();
        let group = self.agents[agent as usize].group;
        if self.groups[group].closed || self.live_total == 0 {
            return None;
        }
        let mut best: Option<(SkillId, (SimTime, u64))> = None;
        for i in 0..self.groups[group].skills.len() {
            let s = self.groups[group].skills[i];
            if self.live[s] == 0 {
                // Every entry left is stale.
                self.queues[s].clear();
                continue;
            }
            self.clean_head(s, is_live);
            if let Some(e) = self.queues[s].front() {
                if e.units <= free && best.is_none_or(|(_, k)| (e.enqueued, e.seq) < k) {
                    best = Some((s, (e.enqueued, e.seq)));
                }
            }
        }
        let (s, _) = best?;
        let e = self.queues[s].pop_front().expect("the head was just seen");
        self.live[s] -= 1;
        self.live_total -= 1;
        Some((s, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_str;
    use std::path::Path;

    fn routing() -> Routing {
        let text = r#"
[scenario]
name = "r"
horizon = "1h"
[channels.web]
kind = "live_chat"
[skills.a]
[skills.b]
capacity_units = 2
[agents.both]
count = 3
skills = ["a", "b"]
capacity = 4
[agents.only_a]
count = 1
skills = ["a"]
capacity = 4
[[arrivals]]
channel = "web"
skill = "a"
rate_per_hour = 1.0
"#;
        let s = parse_str("r.toml", text, Path::new("."), &[]).expect("valid");
        let mut r = Routing::new(&s);
        for a in 0..4 {
            r.set_on_shift(a, true);
        }
        r
    }

    fn entry(t: u64, slot: u32, units: u32) -> QueueEntry {
        QueueEntry { enqueued: SimTime(t), seq: 0, key: ConvKey::for_test(slot), units }
    }

    #[test]
    fn new_work_goes_to_the_most_free_agent_lowest_index_first() {
        let mut r = routing();
        assert_eq!(r.best_agent(0, 1), Some(0), "all equal: lowest index");
        r.adjust(0, 1);
        assert_eq!(r.best_agent(0, 1), Some(1));
        r.adjust(1, 3);
        r.adjust(2, 2);
        // Free: agent 0: 3, 1: 1, 2: 2, 3: 4 (serves only a).
        assert_eq!(r.best_agent(0, 1), Some(3));
        assert_eq!(r.best_agent(1, 2), Some(0), "skill b: agent 3 does not serve it");
        r.adjust(0, 2);
        assert_eq!(r.best_agent(1, 2), Some(2));
        assert_eq!(r.best_agent(1, 3), None, "nobody has 3 free for b");
        r.set_on_shift(3, false);
        assert_eq!(r.best_agent(0, 1), Some(2), "off shift takes no new work");
        assert_eq!(r.on_shift_units, 12);
    }

    #[test]
    fn freed_capacity_takes_the_longest_waiting_that_fits() {
        let mut r = routing();
        r.enqueue(1, entry(5, 10, 2));
        r.enqueue(0, entry(7, 11, 1));
        r.enqueue(0, entry(9, 12, 1));
        assert_eq!(r.queue_len_total(), 3);
        let live = |_: &QueueEntry| true;
        // Agent 3 serves only a: the oldest of a.
        assert_eq!(r.take_for(3, &live).map(|(s, e)| (s, e.key.slot)), Some((0, 11)));
        // Agent 0 serves a and b: b's head waited longest.
        assert_eq!(r.take_for(0, &live).map(|(s, e)| (s, e.key.slot)), Some((1, 10)));
        // With one unit free, b's 2-unit work does not fit; a's does.
        r.enqueue(1, entry(10, 13, 2));
        r.adjust(1, 3);
        assert_eq!(r.take_for(1, &live).map(|(s, e)| (s, e.key.slot)), Some((0, 12)));
        assert_eq!(r.take_for(1, &live), None);
        // Stale entries are skipped.
        assert_eq!(r.take_for(2, &|e: &QueueEntry| e.key.slot != 13), None);
    }

    #[test]
    fn a_gated_group_takes_nothing_while_its_work_fills_its_new_staffing() {
        let text = r#"
[scenario]
name = "g"
horizon = "1h"
[channels.web]
kind = "live_chat"
[skills.a]
[agents.team]
count = 3
skills = ["a"]
shift_end = "no_new_until_below"
[[arrivals]]
channel = "web"
skill = "a"
rate_per_hour = 1.0
"#;
        let s = parse_str("g.toml", text, Path::new("."), &[]).expect("valid");
        let mut r = Routing::new(&s);
        for a in 0..3 {
            r.set_on_shift(a, true);
            r.adjust(a, 1);
        }
        r.update_gate(0);
        // The cut: 3 busy agents down to 1 on shift.
        r.set_on_shift(1, false);
        r.set_on_shift(2, false);
        r.update_gate(0);
        r.enqueue(0, entry(1, 7, 1));
        let live = |_: &QueueEntry| true;
        r.adjust(0, -1);
        assert_eq!((r.best_agent(0, 1), r.take_for(0, &live)), (None, None), "2 busy >= 1 on shift");
        r.adjust(1, -1);
        assert_eq!((r.best_agent(0, 1), r.take_for(0, &live)), (None, None), "1 busy >= 1 on shift");
        r.adjust(2, -1);
        assert_eq!(r.best_agent(0, 1), Some(0), "0 busy < 1: open");
        assert_eq!(r.take_for(0, &live).map(|(_, e)| e.key.slot), Some(7));
        r.adjust(0, 1);
        assert_eq!(r.best_agent(0, 1), None, "full again");
    }

    #[test]
    fn a_shift_is_a_removal_then_an_insertion() {
        let (mut shifted, mut moved) = (FreeIndex::new(4, 5_000), FreeIndex::new(4, 5_000));
        for agent in [3, 64, 130, 4_200] {
            shifted.insert(4, agent);
            moved.insert(4, agent);
        }
        for (agent, from, to) in [(3, 4, 2), (4_200, 4, 0), (3, 2, 4), (64, 4, 1)] {
            shifted.shift(from, to, agent);
            moved.remove(from, agent);
            moved.insert(to, agent);
            assert_eq!(
                (&shifted.levels, &shifted.summary, &shifted.counts),
                (&moved.levels, &moved.summary, &moved.counts),
                "agent {agent} from {from} to {to}"
            );
        }
        assert_eq!(shifted.best(4), Some(3));
        assert_eq!(shifted.best(1), Some(3));
        shifted.shift(4, 0, 3);
        shifted.shift(4, 0, 130);
        assert_eq!(shifted.best(1), Some(64), "agent 64 at level 1 is the only one left with capacity");
        assert_eq!(shifted.best(2), None);
    }

    #[test]
    fn free_index_prefers_most_free_then_lowest_index() {
        let mut ix = FreeIndex::new(4, 130);
        ix.insert(2, 5);
        ix.insert(3, 100);
        ix.insert(3, 70);
        assert_eq!(ix.best(1), Some(70));
        assert_eq!(ix.best(4), None);
        ix.remove(3, 70);
        assert_eq!(ix.best(3), Some(100));
        ix.remove(3, 100);
        assert_eq!(ix.best(2), Some(5));
        assert_eq!(ix.best(3), None);
        ix.remove(2, 5);
        assert_eq!(ix.best(0), None);
        // Past 4,096 agents the summary takes a second word.
        let mut big = FreeIndex::new(2, 10_000);
        big.insert(1, 9_999);
        big.insert(1, 4_200);
        assert_eq!(big.best(1), Some(4_200));
        big.remove(1, 4_200);
        assert_eq!(big.best(1), Some(9_999));
        big.insert(2, 64);
        big.insert(2, 65);
        big.remove(2, 64);
        assert_eq!(big.best(1), Some(65), "a word with a bit left stays in the summary");
    }
}
