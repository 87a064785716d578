//! The observer that turns engine reports into one replication's measurements.
//!
//! Two rules decide what counts (README, "What is measured"): per-conversation figures
//! (arrivals, closures by reason, closure latency, idle time, premature closures, open at the
//! horizon) count the cohort created at or after the warm-up; time-based figures (capacity,
//! zombie capacity, state counts, queue, waits, sweep load) count what happens inside the
//! window [warm-up, horizon). Integrals are kept in integer unit-milliseconds, so they are exact.
//! Also owns the saturation rule (`Validity`): whether a replication's figures describe a
//! steady state or a backlog.

use super::levels::{rest_of_window_ms, weighted, BucketClock, BucketIntegral};
use super::report::{Breakdown, GroupRow, Metric, RepReport, TsRow, METRICS};
use super::stats::{mean, percentile, SortedSummary};

/// Where each percentile a row reports is in `stats::PERCENTILES`.
const P50: usize = 0;
const P90: usize = 1;
const P95: usize = 2;
const P99: usize = 3;
use crate::engine::{AutoMove, CloseReason, ConvMeta, ConversationRecord, Observer, RunStats, SweepRecord};
use crate::model::state::State;
use crate::scenario::Scenario;
use crate::time::{SimTime, MS_PER_HOUR, MS_PER_MIN, MS_PER_S};

/// Saturated: occupancy at least this.
pub const SATURATED_OCCUPANCY_SHARE: f64 = 0.98;
/// Saturated: the queue grows each hour by at least this share of the hourly arrivals (a
/// steady queue's slope is noise, well under 0.1% of them in the bundled scenarios).
pub const SATURATED_QUEUE_GROWTH_SHARE: f64 = 0.01;
/// Saturated: at least this share of the cohort is open at the horizon while the queue grows
/// by at least `BACKLOG_QUEUE_GROWTH_SHARE` of the hourly arrivals each hour. Open
/// conversations alone are no sign (long timeouts keep many open in a healthy center).
pub const SATURATED_OPEN_AT_HORIZON_SHARE: f64 = 0.05;
pub const BACKLOG_QUEUE_GROWTH_SHARE: f64 = 0.001;

/// Whether a replication describes a steady state or a backlog, and the figures behind it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Validity {
    pub queue_growth_per_hour: Option<f64>,
    pub open_at_horizon_share: Option<f64>,
    pub saturated: bool,
}

impl Validity {
    /// The rule: a replication is saturated when its occupancy is at least 0.98, or its queue
    /// grows each hour by at least 1% of the hourly arrivals, or at least 5% of its cohort is
    /// open at the horizon while its queue grows by at least 0.1% of the hourly arrivals each
    /// hour. `arrivals_per_hour`: the cohort's arrivals over the window's hours.
    pub fn judge(
        occupancy: Option<f64>,
        queue_growth_per_hour: Option<f64>,
        arrivals_per_hour: f64,
        open_at_horizon_share: Option<f64>,
    ) -> Validity {
        let busy = occupancy.is_some_and(|o| o >= SATURATED_OCCUPANCY_SHARE);
        let grows_by = |share: f64| queue_growth_per_hour.is_some_and(|g| g > 0.0 && g >= share * arrivals_per_hour);
        let growing = grows_by(SATURATED_QUEUE_GROWTH_SHARE);
        let backlog = open_at_horizon_share.is_some_and(|s| s >= SATURATED_OPEN_AT_HORIZON_SHARE)
            && grows_by(BACKLOG_QUEUE_GROWTH_SHARE);
        Validity { queue_growth_per_hour, open_at_horizon_share, saturated: busy || growing || backlog }
    }
}

/// The least-squares slope of y against x; `None` with fewer than two distinct x.
fn least_squares_slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// Adds `value` times the overlap of [from, to) with each bucket.
fn spread(areas: &mut [i128], bucket_ms: u64, from: u64, to: u64, value: i64) {
    if value == 0 || to <= from {
        return;
    }
    let mut t = from;
    while t < to {
        let b = (t / bucket_ms) as usize;
        if b >= areas.len() {
            break;
        }
        let end = ((b as u64 + 1) * bucket_ms).min(to);
        areas[b] += value as i128 * (end - t) as i128;
        t = end;
    }
}

/// Counters of one (channel, skill) cell.
#[derive(Debug, Clone, Default)]
struct Cell {
    arrived: u64,
    recontacts: u64,
    closed: [u64; 4],
    auto_closed: [u64; 4],
    hard_cap: [u64; 4],
    /// Active conversations an auto-close rule moved to Wrap-up (Dynamics voice).
    auto_wrap_up: u64,
    /// Active conversations an auto-close rule parked (Active to Waiting).
    auto_parked: u64,
    open_at_horizon: u64,
    premature: u64,
    race: u64,
    parked: u64,
    disconnects: u64,
    transfers: u64,
    reader_joins: u64,
    queue_assigned: u64,
    queue_within_target: u64,
    /// Queue entries in the window that ended closed (abandoned or auto-closed while queued).
    queue_left: u64,
    /// Of those, the customer's own abandonment.
    queue_abandoned: u64,
    /// Of those, abandonments within the service-level target (L in S/(A - L)).
    queue_short_abandoned: u64,
    /// Integrals over the window (`levels`): capacity in use, and the count in each state.
    capacity_unit_ms: i128,
    state_conv_ms: [i128; 4],
    entries: [u64; 4],
    sojourn_ms: [u64; 4],
    exits: [u64; 4],
    zombie_unit_ms: [u128; 4],
    /// Cohort figure: capacity held before eligibility during customer silences that ended
    /// with the customer's reply, each reported whole when it ends.
    silent_replied_unit_ms: [u128; 4],
    /// The same for silences ended by an auto-close, the dialogue's end or the horizon.
    silent_unreplied_unit_ms: [u128; 4],
}

const CLOSED_AGENT_END: usize = 0;
const CLOSED_QUEUE_ABANDON: usize = 1;

/// A sample tagged with its cell and state, so that breakdowns are computed at the end; one
/// word, so that a list takes half the memory and its sort moves half the bytes: the
/// milliseconds in the high 40 bits (a sample is a span within the horizon, at most 400 days:
/// under 2^36 ms), the cell in the next 21 (at most 100 channels x 1,000 skills: under 2^17),
/// the state in the low 3. Ordered by the word: by milliseconds first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Sample(u64);

impl Sample {
    const STATE_BITS: u32 = 3;
    const CELL_BITS: u32 = 21;
    const TAG_BITS: u32 = Self::CELL_BITS + Self::STATE_BITS;
    /// The most milliseconds and cells a sample holds (`Metrics::new` checks the scenario's).
    const MAX_MS: u64 = (1 << (64 - Self::TAG_BITS)) - 1;
    const MAX_CELLS: usize = 1 << Self::CELL_BITS;

    #[inline]
    fn new(ms: u64, cell: usize, state: usize) -> Sample {
        debug_assert!(ms <= Self::MAX_MS && cell < Self::MAX_CELLS && state < 1 << Self::STATE_BITS);
        Sample(ms << Self::TAG_BITS | (cell as u64) << Self::STATE_BITS | state as u64)
    }

    fn ms(self) -> u64 {
        self.0 >> Self::TAG_BITS
    }

    fn cell(self) -> usize {
        (self.0 >> Self::STATE_BITS) as usize & (Self::MAX_CELLS - 1)
    }

    fn state(self) -> usize {
        self.0 as usize & ((1 << Self::STATE_BITS) - 1)
    }
}

/// The sweep figures of the window (runs started in it), kept as the runs are reported: the
/// count, the sum of `in_scope` (summed in run order, as a mean over the list was), the peak
/// closures, the deferrals and the longest duration.
#[derive(Debug, Clone, Default)]
struct SweepLoad {
    runs: u64,
    in_scope_sum: f64,
    closed_peak: u64,
    deferred: u64,
    duration_max_s: f64,
}

/// One replication's measurements; implements `Observer`.
pub struct Metrics {
    replication: u32,
    window: (u64, u64),
    bucket_ms: u64,
    n_skills: usize,
    sl_target_ms: u64,
    cells: Vec<Cell>,
    latency: Vec<Sample>,
    idle: Vec<Sample>,
    waits: Vec<Sample>,
    /// On-shift capacity now, and its integral over the window.
    available_units: i64,
    available_unit_ms: i128,
    /// The queue's length now, when it was last reported, and its integral over the window.
    queue_len: i64,
    queue_last_ms: u64,
    queue_conv_ms: i128,
    queue_peak: u64,
    /// The time-series buckets, for every `ts_` figure.
    ts_clock: BucketClock,
    ts_states: BucketIntegral<4>,
    ts_capacity: BucketIntegral<1>,
    ts_available: BucketIntegral<1>,
    ts_queue: BucketIntegral<1>,
    ts_zombie: Vec<i128>,
    ts_arrivals: Vec<u64>,
    ts_auto_closed: Vec<u64>,
    ts_auto_parked: Vec<u64>,
    ts_agent_end: Vec<u64>,
    ts_abandoned: Vec<u64>,
    auto_closures_per_minute: Vec<u32>,
    /// Every sweep run, unless they are streamed elsewhere (`streaming_sweeps`).
    sweeps: Vec<SweepRecord>,
    keep_sweeps: bool,
    /// The window's sweep figures, accumulated run by run.
    sweep_load: SweepLoad,
    scheduler_names: Vec<String>,
    channel_names: Vec<String>,
    skill_names: Vec<String>,
    units_per_agent: f64,
    /// Figures by hour of day or of week, when asked for (`with_hours`).
    hours: Option<Box<HourFigures>>,
}

/// What the hour buckets of `RepReport::by_hour` are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HourKind {
    /// 24 buckets, hour of day 0..23.
    Day,
    /// 168 buckets, weekday (0 = Monday, from `start_date`) x 24 + hour of day.
    Week,
}

impl HourKind {
    pub fn buckets(self) -> usize {
        match self {
            HourKind::Day => 24,
            HourKind::Week => 168,
        }
    }

    /// The bucket of instant `t_ms` of a run starting on weekday `weekday0` (0 = Monday).
    pub fn bucket_of(self, weekday0: usize, t_ms: u64) -> usize {
        let h = (t_ms / MS_PER_HOUR) as usize;
        match self {
            HourKind::Day => h % 24,
            HourKind::Week => (weekday0 * 24 + h) % 168,
        }
    }

    /// How many buckets the hours of a horizon of `horizon_ms` reach: consecutive hours fall
    /// in consecutive buckets (modulo their count), so as many as the hours, at most all.
    pub fn reached(self, horizon_ms: u64) -> usize {
        horizon_ms.div_ceil(MS_PER_HOUR).min(self.buckets() as u64) as usize
    }
}

/// The time-series integrals, per bucket, computed at the end.
struct TsAreas {
    states: Vec<[i128; 4]>,
    capacity: Vec<[i128; 1]>,
    available: Vec<[i128; 1]>,
    queue: Vec<[i128; 1]>,
}

/// What one summary row reports of its samples, in seconds (`SortedSummary`: taken in one
/// pass over the sorted samples, not a copy of them).
#[derive(Debug)]
struct RowSamples {
    latency_s: SortedSummary,
    idle_s: SortedSummary,
    waits_s: SortedSummary,
}

/// Which cells a breakdown row sums.
type CellPick = Box<dyn Fn(usize) -> bool>;

/// Queue counts of one (hour bucket, cell): the queue entries in the window that entered the
/// queue in that hour, and how they ended.
#[derive(Debug, Clone, Copy, Default)]
struct HourCell {
    assigned: u64,
    within_target: u64,
    left: u64,
    abandoned: u64,
    short_abandoned: u64,
}

/// The by-hour collection: queue figures by the hour of queue entry, capacity by the hour it
/// was held in (hours of the horizon that start inside the window, folded onto the bucket).
#[derive(Debug, Clone)]
struct HourFigures {
    kind: HourKind,
    weekday0: usize,
    cells: Vec<HourCell>,
    /// (wait, cell, bucket) of every assignment from the queue.
    waits: Vec<(u64, u32, u16)>,
    capacity: BucketIntegral<1>,
    available: BucketIntegral<1>,
    /// The hours of the horizon, for `capacity` and `available`.
    clock: BucketClock,
}

impl HourFigures {
    /// The bucket of an instant.
    fn bucket(&self, t: u64) -> usize {
        self.kind.bucket_of(self.weekday0, t)
    }

    fn change_capacity(&mut self, t_ms: u64, delta: i64) {
        if let Some(at) = self.clock.locate(t_ms) {
            self.capacity.add_at(at, 0, delta);
        }
    }

    fn change_available(&mut self, t_ms: u64, delta: i64) {
        if let Some(at) = self.clock.locate(t_ms) {
            self.available.add_at(at, 0, delta);
        }
    }
}

impl Metrics {
    /// Also collects the figures a plan judges by hour (`RepReport::by_hour`): queue figures
    /// by the hour of day (or of week) of queue entry, occupancy by the hour it was in.
    /// Keeps no sweep run in the report (`RepReport::sweeps` stays empty): for a caller that
    /// streams them (`output::SweepWriter`). The summary's sweep figures are the same.
    pub fn streaming_sweeps(mut self) -> Metrics {
        self.keep_sweeps = false;
        self
    }

    pub fn with_hours(mut self, s: &Scenario, kind: HourKind) -> Metrics {
        use chrono::Datelike;
        let n_hours = s.horizon.ms().div_ceil(MS_PER_HOUR) as usize;
        self.hours = Some(Box::new(HourFigures {
            kind,
            weekday0: s.start_date.weekday().num_days_from_monday() as usize,
            cells: vec![HourCell::default(); kind.buckets() * self.cells.len()],
            waits: Vec::new(),
            capacity: BucketIntegral::new(MS_PER_HOUR, n_hours),
            available: BucketIntegral::new(MS_PER_HOUR, n_hours),
            clock: BucketClock::new(MS_PER_HOUR, n_hours),
        }));
        self
    }

    pub fn new(s: &Scenario, replication: u32) -> Metrics {
        let horizon = s.horizon.ms();
        let bucket_ms = s.bucket.ms();
        let n_buckets = horizon.div_ceil(bucket_ms) as usize;
        let heads: u64 = s.agent_groups.iter().map(|g| g.staffing.head_count() as u64).sum();
        let units: u64 = s.agent_groups.iter().map(|g| g.staffing.head_count() as u64 * g.capacity_units as u64).sum();
        // The scenario's bounds (a horizon of at most 400 days, 100 channels, 1,000 skills)
        // keep every sample within its word.
        assert!(horizon <= Sample::MAX_MS && s.channels.len() * s.skills.len() <= Sample::MAX_CELLS);
        Metrics {
            replication,
            window: (s.warmup.ms(), horizon),
            bucket_ms,
            n_skills: s.skills.len(),
            sl_target_ms: s.service_level_target.ms(),
            cells: vec![Cell::default(); s.channels.len() * s.skills.len()],
            latency: Vec::new(),
            idle: Vec::new(),
            waits: Vec::new(),
            available_units: 0,
            available_unit_ms: 0,
            queue_len: 0,
            queue_last_ms: 0,
            queue_conv_ms: 0,
            queue_peak: 0,
            ts_clock: BucketClock::new(bucket_ms, n_buckets),
            ts_states: BucketIntegral::new(bucket_ms, n_buckets),
            ts_capacity: BucketIntegral::new(bucket_ms, n_buckets),
            ts_available: BucketIntegral::new(bucket_ms, n_buckets),
            ts_queue: BucketIntegral::new(bucket_ms, n_buckets),
            ts_zombie: vec![0; n_buckets],
            ts_arrivals: vec![0; n_buckets],
            ts_auto_closed: vec![0; n_buckets],
            ts_auto_parked: vec![0; n_buckets],
            ts_agent_end: vec![0; n_buckets],
            ts_abandoned: vec![0; n_buckets],
            auto_closures_per_minute: vec![0; horizon.div_ceil(MS_PER_MIN) as usize],
            sweeps: Vec::new(),
            keep_sweeps: true,
            sweep_load: SweepLoad::default(),
            scheduler_names: s.policy.schedulers.iter().map(|x| x.name.clone()).collect(),
            channel_names: s.channels.iter().map(|c| c.name.clone()).collect(),
            skill_names: s.skills.iter().map(|k| k.name.clone()).collect(),
            units_per_agent: if heads > 0 { units as f64 / heads as f64 } else { 1.0 },
            hours: None,
        }
    }

    /// The cell of what a conversation is doing now (time-based figures).
    fn cell_index(&self, c: &ConvMeta) -> usize {
        c.channel as usize * self.n_skills + c.skill as usize
    }

    /// The cell a conversation's cohort figures go to: the skill it arrived on, so that
    /// `arrived = closed + open at horizon` holds per skill even with transfers.
    fn cohort_cell(&self, c: &ConvMeta) -> usize {
        c.channel as usize * self.n_skills + c.arrival_skill as usize
    }

    fn in_cohort(&self, c: &ConvMeta) -> bool {
        c.created.ms() >= self.window.0
    }

    fn in_window(&self, t: u64) -> bool {
        t >= self.window.0 && t < self.window.1
    }

    fn bucket(&mut self, t: u64) -> Option<usize> {
        self.ts_clock.locate(t).map(|at| at.0)
    }

    /// Closes the integrals at the horizon and computes every figure.
    pub fn finish(mut self, stats: RunStats) -> RepReport {
        let h = self.window.1;
        if self.queue_last_ms < self.window.0 {
            // No queue report inside the window: the level it opened with.
            self.queue_peak = self.queue_peak.max(self.queue_len as u64);
        }
        let areas = TsAreas {
            states: self.ts_states.areas(h),
            capacity: self.ts_capacity.areas(h),
            available: self.ts_available.areas(h),
            queue: self.ts_queue.areas(h),
        };
        self.sort_samples();
        let rows = self.group_rows(&areas);
        let timeseries = self.ts_rows(&areas);
        let by_hour = self.hour_rows();
        RepReport {
            replication: self.replication,
            rows,
            timeseries,
            by_hour,
            sweeps: self.sweeps,
            scheduler_names: self.scheduler_names,
            stats,
        }
    }

    /// Per hour bucket, the overall, channel and skill rows of the figures a plan may target
    /// (service levels, abandon share, queue waits; occupancy on the overall row); empty
    /// unless asked for.
    fn hour_rows(&mut self) -> Vec<Vec<GroupRow>> {
        let Some(h) = self.hours.as_mut() else { return Vec::new() };
        let end = self.window.1;
        // By hour bucket, then wait: each bucket's waits are one run, in order (unstable: equal
        // waits are equal seconds, whatever their order).
        h.waits.sort_unstable_by_key(|w| (w.2, w.0));
        let h = self.hours.as_ref().expect("checked above");
        let n_cells = self.cells.len();
        let nb = h.kind.buckets();
        // Capacity areas of the hours of the horizon that start inside the window.
        let (mut cap, mut avail, mut span) = (vec![0i128; nb], vec![0i128; nb], vec![0u64; nb]);
        let (cap_areas, avail_areas) = (h.capacity.areas(end), h.available.areas(end));
        for i in 0..cap_areas.len() {
            let start = i as u64 * MS_PER_HOUR;
            if start < self.window.0 || start >= end {
                continue;
            }
            let b = h.bucket(start);
            cap[b] += cap_areas[i][0];
            avail[b] += avail_areas[i][0];
            span[b] += end.min(start + MS_PER_HOUR) - start;
        }
        let n_ch = self.channel_names.len();
        let mut picks: Vec<(Breakdown, String, CellPick)> =
            vec![(Breakdown::Overall, "all".into(), Box::new(|_| true))];
        let n_skills = self.n_skills;
        for ch in 0..n_ch {
            picks.push((Breakdown::Channel, self.channel_names[ch].clone(), Box::new(move |c| c / n_skills == ch)));
        }
        for sk in 0..n_skills {
            picks.push((Breakdown::Skill, self.skill_names[sk].clone(), Box::new(move |c| c % n_skills == sk)));
        }
        let ratio = |a: f64, b: f64| (b > 0.0).then(|| a / b);
        let mut rest = &h.waits[..];
        (0..nb)
            .map(|b| {
                let n = rest.partition_point(|w| w.2 as usize == b);
                let (in_bucket, after) = rest.split_at(n);
                rest = after;
                picks
                    .iter()
                    .map(|(breakdown, group, pick)| {
                        let cells: Vec<&HourCell> =
                            (0..n_cells).filter(|&c| pick(c)).map(|c| &h.cells[b * n_cells + c]).collect();
                        let sum = |f: &dyn Fn(&HourCell) -> u64| cells.iter().map(|c| f(c)).sum::<u64>() as f64;
                        let waits: Vec<f64> = in_bucket
                            .iter()
                            .filter(|w| pick(w.1 as usize))
                            .map(|w| w.0 as f64 / MS_PER_S as f64)
                            .collect();
                        let assigned = sum(&|c| c.assigned);
                        let offered = assigned + sum(&|c| c.left);
                        let within = sum(&|c| c.within_target);
                        let mut v = vec![None; METRICS.len()];
                        let mut set = |m: Metric, x: Option<f64>| v[m as usize] = x;
                        use Metric::*;
                        set(QueueAssigned, Some(assigned));
                        set(ServiceLevel, ratio(within, offered));
                        set(ServiceLevelExclShortAbandon, ratio(within, offered - sum(&|c| c.short_abandoned)));
                        set(QueueAbandonShare, ratio(sum(&|c| c.abandoned), offered));
                        set(QueueWaitMeanS, mean(&waits));
                        set(QueueWaitP50S, percentile(&waits, 0.5));
                        set(QueueWaitP90S, percentile(&waits, 0.9));
                        set(QueueWaitP95S, percentile(&waits, 0.95));
                        set(QueueWaitP99S, percentile(&waits, 0.99));
                        if *breakdown == Breakdown::Overall && span[b] > 0 {
                            set(CapacityInUseMeanUnits, Some(cap[b] as f64 / span[b] as f64));
                            set(CapacityAvailableMeanUnits, Some(avail[b] as f64 / span[b] as f64));
                            set(Occupancy, ratio(cap[b] as f64, avail[b] as f64));
                        }
                        GroupRow { breakdown: *breakdown, group: group.clone(), values: v }
                    })
                    .collect()
            })
            .collect()
    }

    fn ts_rows(&self, areas: &TsAreas) -> Vec<TsRow> {
        let mut rows = Vec::with_capacity(self.ts_arrivals.len());
        for b in 0..self.ts_arrivals.len() {
            let start = b as u64 * self.bucket_ms;
            let len = (self.window.1.min(start + self.bucket_ms) - start) as f64;
            let avg = |a: i128| a as f64 / len;
            rows.push(TsRow {
                start: SimTime(start),
                in_warmup: start < self.window.0,
                open: avg(areas.states[b][0]),
                active: avg(areas.states[b][1]),
                waiting: avg(areas.states[b][2]),
                wrap_up: avg(areas.states[b][3]),
                capacity_in_use: avg(areas.capacity[b][0]),
                capacity_available: avg(areas.available[b][0]),
                zombie_capacity: avg(self.ts_zombie[b]),
                queue_length: avg(areas.queue[b][0]),
                arrivals: self.ts_arrivals[b],
                auto_closed: self.ts_auto_closed[b],
                auto_parked: self.ts_auto_parked[b],
                agent_end: self.ts_agent_end[b],
                queue_abandon: self.ts_abandoned[b],
            });
        }
        rows
    }

    /// Sorts the samples once: every row's are then taken out in order. By the whole word
    /// (milliseconds, then cell and state): samples of equal milliseconds are equal seconds,
    /// whatever their order.
    fn sort_samples(&mut self) {
        for v in [&mut self.latency, &mut self.idle, &mut self.waits] {
            v.sort_unstable();
        }
    }

    /// How many samples each (cell, state) holds in each list (latency, idle, queue waits):
    /// what the rows of a breakdown reserve, so that none holds more than its samples.
    fn sample_counts(&self) -> Vec<[[usize; 4]; 3]> {
        let mut counts = vec![[[0usize; 4]; 3]; self.cells.len()];
        for (list, v) in [&self.latency, &self.idle, &self.waits].into_iter().enumerate() {
            v.iter().for_each(|s| counts[s.cell()][list][s.state()] += 1);
        }
        counts
    }

    /// The samples of the rows of one breakdown (`n_groups` rows; `group_of(cell, state)` says
    /// a sample's), in seconds, ascending, in one pass over the sorted samples; queue waits only
    /// if `with_waits`. Each row is told its count (`counts`) and keeps only what it reports
    /// (`SortedSummary`): no copy of the samples is made.
    fn samples_by(
        &self,
        counts: &[[[usize; 4]; 3]],
        n_groups: usize,
        group_of: impl Fn(usize, usize) -> usize,
        with_waits: bool,
    ) -> Vec<RowSamples> {
        let mut want = vec![[0usize; 3]; n_groups];
        for (cell, lists) in counts.iter().enumerate() {
            for (list, states) in lists.iter().enumerate() {
                states.iter().enumerate().for_each(|(state, n)| want[group_of(cell, state)][list] += n);
            }
        }
        let mut rows: Vec<RowSamples> = (want.iter())
            .map(|w| RowSamples {
                latency_s: SortedSummary::new(w[0]),
                idle_s: SortedSummary::new(w[1]),
                waits_s: SortedSummary::new(if with_waits { w[2] } else { 0 }),
            })
            .collect();
        // Through i64 (a sample is below the horizon, under 2^48 ms): the same value, converted
        // by one instruction where a u64's takes several.
        let secs = |s: &Sample| s.ms() as i64 as f64 / MS_PER_S as f64;
        let group = |s: &Sample| group_of(s.cell(), s.state());
        self.latency.iter().for_each(|s| rows[group(s)].latency_s.push(secs(s)));
        self.idle.iter().for_each(|s| rows[group(s)].idle_s.push(secs(s)));
        if with_waits {
            self.waits.iter().for_each(|s| rows[group(s)].waits_s.push(secs(s)));
        }
        rows
    }

    fn group_rows(&self, areas: &TsAreas) -> Vec<GroupRow> {
        let (n_ch, n_sk, counts) = (self.channel_names.len(), self.n_skills, self.sample_counts());
        let all = self.samples_by(&counts, 1, |_, _| 0, true);
        let mut rows = vec![self.row(Breakdown::Overall, "all".into(), &|_| true, None, &all[0])];
        drop(all);
        let by_channel = self.samples_by(&counts, n_ch, |cell, _| cell / n_sk, true);
        for (ch, samples) in by_channel.iter().enumerate() {
            let pick = move |cell: usize| cell / n_sk == ch;
            rows.push(self.row(Breakdown::Channel, self.channel_names[ch].clone(), &pick, None, samples));
        }
        drop(by_channel);
        let by_skill = self.samples_by(&counts, n_sk, |cell, _| cell % n_sk, true);
        for (sk, samples) in by_skill.iter().enumerate() {
            let pick = move |cell: usize| cell % n_sk == sk;
            rows.push(self.row(Breakdown::Skill, self.skill_names[sk].clone(), &pick, None, samples));
        }
        drop(by_skill);
        // State rows: no queue waits.
        let by_state = self.samples_by(&counts, State::OPEN_STATES.len(), |_, state| state, false);
        for (i, st) in State::OPEN_STATES.iter().enumerate() {
            rows.push(self.row(Breakdown::State, st.key().into(), &|_| true, Some(i), &by_state[i]));
        }
        // The validity of the run describes the whole run: the same on every row.
        let v = self.validity(&rows[0], &areas.queue);
        for r in &mut rows {
            r.values[Metric::QueueGrowthPerHour as usize] = v.queue_growth_per_hour;
            r.values[Metric::OpenAtHorizonShare as usize] = v.open_at_horizon_share;
            r.values[Metric::Saturated as usize] = Some(if v.saturated { 1.0 } else { 0.0 });
        }
        rows
    }

    /// The figures that say whether the run is saturated, from its overall row (see
    /// `Validity`).
    fn validity(&self, overall: &GroupRow, queue_areas: &[[i128; 1]]) -> Validity {
        let open = overall.get(Metric::OpenAtHorizon).expect("the overall row counts open conversations");
        let arrived = overall.get(Metric::Arrived).expect("the overall row counts arrivals");
        let open_at_horizon_share = (arrived > 0.0).then(|| open / arrived);
        let window_h = (self.window.1 - self.window.0) as f64 / MS_PER_HOUR as f64;
        let growth = self.queue_growth_per_hour(queue_areas);
        Validity::judge(overall.get(Metric::Occupancy), growth, arrived / window_h, open_at_horizon_share)
    }

    /// Least-squares slope, in conversations per hour, of the mean queue length of each
    /// time-series bucket that starts inside the window, against the bucket's midpoint; `None`
    /// with fewer than two such buckets.
    fn queue_growth_per_hour(&self, queue_areas: &[[i128; 1]]) -> Option<f64> {
        let (w0, w1) = self.window;
        let points: Vec<(f64, f64)> = (0..self.ts_arrivals.len())
            .filter_map(|b| {
                let start = b as u64 * self.bucket_ms;
                if start < w0 || start >= w1 {
                    return None;
                }
                let len = w1.min(start + self.bucket_ms) - start;
                let mid_h = (start as f64 + len as f64 / 2.0) / MS_PER_HOUR as f64;
                Some((mid_h, queue_areas[b][0] as f64 / len as f64))
            })
            .collect();
        least_squares_slope(&points)
    }

    /// One row of figures over the cells `pick` selects, restricted to one state if given.
    /// `samples`: the row's own (`samples_by`).
    fn row(
        &self,
        breakdown: Breakdown,
        group: String,
        pick: &dyn Fn(usize) -> bool,
        state: Option<usize>,
        samples: &RowSamples,
    ) -> GroupRow {
        let window_ms = (self.window.1 - self.window.0) as f64;
        let window_h = window_ms / MS_PER_HOUR as f64;
        let cells: Vec<&Cell> = self.cells.iter().enumerate().filter(|(i, _)| pick(*i)).map(|(_, c)| c).collect();
        let sum = |f: &dyn Fn(&Cell) -> u64| cells.iter().map(|c| f(c)).sum::<u64>() as f64;
        let states: Vec<usize> = state.map_or((0..4).collect(), |s| vec![s]);
        let by_state = |arr: &dyn Fn(&Cell) -> [u64; 4]| -> f64 {
            cells.iter().map(|c| states.iter().map(|&s| arr(c)[s]).sum::<u64>()).sum::<u64>() as f64
        };
        let wide = |arr: &dyn Fn(&Cell) -> [u128; 4]| -> f64 {
            cells.iter().map(|c| states.iter().map(|&s| arr(c)[s]).sum::<u128>()).sum::<u128>() as f64
        };
        let (lat, idle, waits) = (&samples.latency_s, &samples.idle_s, &samples.waits_s);
        let auto_rule = by_state(&|c| c.auto_closed);
        let hard = by_state(&|c| c.hard_cap);
        let auto_total = auto_rule + hard;
        let moved = if state.is_none_or(|s| s == 1) { sum(&|c| c.auto_wrap_up) } else { 0.0 };
        let premature = sum(&|c| c.premature);
        let zombie_h = wide(&|c| c.zombie_unit_ms) / MS_PER_HOUR as f64;
        let replied_h = wide(&|c| c.silent_replied_unit_ms) / MS_PER_HOUR as f64;
        let unreplied_h = wide(&|c| c.silent_unreplied_unit_ms) / MS_PER_HOUR as f64;
        let silent_h = replied_h + unreplied_h;
        let cap_area: f64 = cells.iter().map(|c| c.capacity_unit_ms as f64).sum();
        let state_area = |s: usize| cells.iter().map(|c| c.state_conv_ms[s] as f64).sum::<f64>() / window_ms;
        let assigned = sum(&|c| c.queue_assigned);
        let abandoned = sum(&|c| c.queue_abandoned);
        let offered = assigned + sum(&|c| c.queue_left);
        let ratio = |a: f64, b: f64| (b > 0.0).then(|| a / b);
        let all_states = state.is_none();
        let overall = breakdown == Breakdown::Overall;

        let mut v = vec![None; METRICS.len()];
        let mut set = |m: Metric, x: Option<f64>| v[m as usize] = x;
        use Metric::*;
        if all_states {
            set(Arrived, Some(sum(&|c| c.arrived)));
            set(Recontacts, Some(sum(&|c| c.recontacts)));
            set(ClosedAgentEnd, Some(sum(&|c| c.closed[CLOSED_AGENT_END])));
            set(ClosedQueueAbandon, Some(sum(&|c| c.closed[CLOSED_QUEUE_ABANDON])));
            set(OpenAtHorizon, Some(sum(&|c| c.open_at_horizon)));
            set(Parked, Some(sum(&|c| c.parked)));
            set(Disconnects, Some(sum(&|c| c.disconnects)));
            set(Transfers, Some(sum(&|c| c.transfers)));
            set(ReaderJoins, Some(sum(&|c| c.reader_joins)));
            set(QueueAssigned, Some(assigned));
            set(ServiceLevel, ratio(sum(&|c| c.queue_within_target), offered));
            let short = sum(&|c| c.queue_short_abandoned);
            set(ServiceLevelExclShortAbandon, ratio(sum(&|c| c.queue_within_target), offered - short));
            set(QueueAbandonShare, ratio(abandoned, offered));
            set(QueueWaitMeanS, waits.mean());
            set(QueueWaitP50S, waits.percentile(P50));
            set(QueueWaitP90S, waits.percentile(P90));
            set(QueueWaitP95S, waits.percentile(P95));
            set(QueueWaitP99S, waits.percentile(P99));
            set(CapacityInUseMeanUnits, Some(cap_area / window_ms));
            set(OpenMean, Some(state_area(0)));
            set(ActiveMean, Some(state_area(1)));
            set(WaitingMean, Some(state_area(2)));
            set(WrapUpMean, Some(state_area(3)));
            set(PrematureClosures, Some(premature));
            set(PrematureShare, ratio(premature, auto_total + moved));
            set(RaceClosures, Some(sum(&|c| c.race)));
        }
        if let Some(s) = state {
            let entries = sum(&|c| c.entries[s]);
            set(StateEntries, Some(entries));
            set(StateEntryRatePerHour, Some(entries / window_h));
            set(StateSojournMeanS, ratio(sum(&|c| c.sojourn_ms[s]) / MS_PER_S as f64, sum(&|c| c.exits[s])));
            set(StateCountMean, Some(state_area(s)));
        }
        if overall {
            set(CapacityAvailableMeanUnits, Some(self.available_unit_ms as f64 / window_ms));
            set(Occupancy, ratio(cap_area, self.available_unit_ms as f64));
            set(QueueLengthMean, Some(self.queue_conv_ms as f64 / window_ms));
            set(QueueLengthPeak, Some(self.queue_peak as f64));
            let load = &self.sweep_load;
            set(SweepRuns, Some(load.runs as f64));
            set(SweepInScopeMean, (load.runs > 0).then(|| load.in_scope_sum / load.runs as f64));
            set(SweepClosuresPeakPerRun, Some(load.closed_peak as f64));
            set(SweepDeferred, Some(load.deferred as f64));
            set(SweepDurationMaxS, Some(load.duration_max_s));
            let first_min = self.window.0.div_ceil(MS_PER_MIN) as usize;
            let peak = self.auto_closures_per_minute.iter().skip(first_min).max().copied().unwrap_or(0);
            set(AutoClosuresPeakPerMinute, Some(peak as f64));
        }
        set(AutoClosedOpen, Some(sum(&|c| c.auto_closed[0])).filter(|_| state.is_none_or(|s| s == 0)));
        set(AutoClosedActive, Some(sum(&|c| c.auto_closed[1])).filter(|_| state.is_none_or(|s| s == 1)));
        set(AutoClosedWaiting, Some(sum(&|c| c.auto_closed[2])).filter(|_| state.is_none_or(|s| s == 2)));
        set(AutoClosedWrapUp, Some(sum(&|c| c.auto_closed[3])).filter(|_| state.is_none_or(|s| s == 3)));
        set(ClosedHardCap, Some(hard));
        set(AutoClosed, Some(auto_total));
        set(AutoMovedToWrapUp, Some(moved).filter(|_| state.is_none_or(|s| s == 1)));
        set(AutoParked, Some(sum(&|c| c.auto_parked)).filter(|_| state.is_none_or(|s| s == 1)));
        set(LatencyMeanS, lat.mean());
        set(LatencyP50S, lat.percentile(P50));
        set(LatencyP90S, lat.percentile(P90));
        set(LatencyP95S, lat.percentile(P95));
        set(LatencyP99S, lat.percentile(P99));
        set(LatencyMaxS, lat.max());
        set(IdleToCloseMeanS, idle.mean());
        set(IdleToCloseP50S, idle.percentile(P50));
        set(IdleToCloseP90S, idle.percentile(P90));
        set(IdleToCloseP99S, idle.percentile(P99));
        set(IdleToCloseMaxS, idle.max());
        set(SilentCapacityHours, Some(silent_h));
        set(SilentCapacityAgents, Some(silent_h / window_h / self.units_per_agent));
        set(SilentCapacityRepliedHours, Some(replied_h));
        set(SilentCapacityRepliedAgents, Some(replied_h / window_h / self.units_per_agent));
        set(SilentCapacityUnrepliedHours, Some(unreplied_h));
        set(SilentCapacityUnrepliedAgents, Some(unreplied_h / window_h / self.units_per_agent));
        set(ZombieCapacityHours, Some(zombie_h));
        set(ZombieCapacityAgents, Some(zombie_h / window_h / self.units_per_agent));
        GroupRow { breakdown, group, values: v }
    }
}

impl Observer for Metrics {
    /// Takes a conversation's reports ahead of the others' (nothing here is kept in time order).
    fn needs_time_order(&self) -> bool {
        false
    }

    #[inline]
    fn arrival(&mut self, t: SimTime, c: &ConvMeta, recontact: bool) {
        if let Some(b) = self.bucket(t.ms()) {
            self.ts_arrivals[b] += 1;
        }
        if self.in_cohort(c) {
            let i = self.cohort_cell(c);
            self.cells[i].arrived += 1;
            if recontact {
                self.cells[i].recontacts += 1;
            }
        }
    }

    #[inline]
    fn state_change(&mut self, t: SimTime, c: &ConvMeta, from: Option<(State, SimTime)>, to: State) {
        let (w, i, tm) = (self.window, self.cell_index(c), t.ms());
        // A count changes by one: its window integral by what is left of the window.
        let rest = rest_of_window_ms(tm, w) as i128;
        let at = self.ts_clock.locate(tm);
        if let Some((f, entered)) = from {
            let fi = f.open_index().expect("only open states are left");
            self.cells[i].state_conv_ms[fi] -= rest;
            if let Some(at) = at {
                self.ts_states.add_at(at, fi, -1);
            }
            if entered.ms() >= w.0 {
                self.cells[i].sojourn_ms[fi] += tm - entered.ms();
                self.cells[i].exits[fi] += 1;
            }
            if f == State::Open && entered.ms() >= w.0 && entered.ms() < w.1 {
                let wait = tm - entered.ms();
                if let Some(h) = self.hours.as_mut() {
                    let b = h.bucket(entered.ms());
                    let hc = &mut h.cells[b * self.cells.len() + i];
                    match to {
                        State::Active => {
                            hc.assigned += 1;
                            hc.within_target += u64::from(wait <= self.sl_target_ms);
                            h.waits.push((wait, i as u32, b as u16));
                        }
                        _ => hc.left += 1,
                    }
                }
                match to {
                    State::Active => {
                        self.cells[i].queue_assigned += 1;
                        if wait <= self.sl_target_ms {
                            self.cells[i].queue_within_target += 1;
                        }
                        self.waits.push(Sample::new(wait, i, 0));
                    }
                    _ => self.cells[i].queue_left += 1,
                }
            }
        }
        if let Some(ti) = to.open_index() {
            self.cells[i].state_conv_ms[ti] += rest;
            if let Some(at) = at {
                self.ts_states.add_at(at, ti, 1);
            }
            if self.in_window(tm) {
                self.cells[i].entries[ti] += 1;
            }
        }
    }

    #[inline]
    fn capacity(&mut self, t: SimTime, c: &ConvMeta, delta: i64) {
        let (i, tm) = (self.cell_index(c), t.ms());
        self.cells[i].capacity_unit_ms += weighted(delta, rest_of_window_ms(tm, self.window));
        if let Some(at) = self.ts_clock.locate(tm) {
            self.ts_capacity.add_at(at, 0, delta);
        }
        if let Some(h) = self.hours.as_mut() {
            h.change_capacity(tm, delta);
        }
    }

    #[inline]
    fn available(&mut self, t: SimTime, units: u64) {
        let (delta, tm) = (units as i64 - self.available_units, t.ms());
        self.available_units = units as i64;
        self.available_unit_ms += weighted(delta, rest_of_window_ms(tm, self.window));
        if let Some(at) = self.ts_clock.locate(tm) {
            self.ts_available.add_at(at, 0, delta);
        }
        if let Some(h) = self.hours.as_mut() {
            h.change_available(tm, delta);
        }
    }

    #[inline]
    fn queue(&mut self, t: SimTime, _skill: usize, total: u32) {
        let tm = t.ms();
        if self.queue_last_ms < self.window.0 && tm >= self.window.0 {
            // The level held when the window opened.
            self.queue_peak = self.queue_peak.max(self.queue_len as u64);
        }
        let delta = total as i64 - self.queue_len;
        (self.queue_len, self.queue_last_ms) = (total as i64, tm);
        self.queue_conv_ms += weighted(delta, rest_of_window_ms(tm, self.window));
        if let Some(at) = self.ts_clock.locate(tm) {
            self.ts_queue.add_at(at, 0, delta);
        }
        if self.in_window(tm) {
            self.queue_peak = self.queue_peak.max(total as u64);
        }
    }

    #[inline]
    fn zombie(&mut self, c: &ConvMeta, state: State, units: u32, from: SimTime, to: SimTime) {
        let i = self.cell_index(c);
        let s = state.open_index().expect("zombies are open");
        let (a, b) = (from.ms().max(self.window.0), to.ms().min(self.window.1));
        if b > a {
            self.cells[i].zombie_unit_ms[s] += units as u128 * (b - a) as u128;
        }
        spread(&mut self.ts_zombie, self.bucket_ms, from.ms(), to.ms(), units as i64);
    }

    #[inline]
    fn silent_before_eligible(&mut self, c: &ConvMeta, state: State, unit_ms: u64, replied: bool) {
        if self.in_cohort(c) {
            let i = self.cohort_cell(c);
            let s = state.open_index().expect("silent conversations are open");
            let cell = &mut self.cells[i];
            match replied {
                true => cell.silent_replied_unit_ms[s] += unit_ms as u128,
                false => cell.silent_unreplied_unit_ms[s] += unit_ms as u128,
            }
        }
    }

    fn auto_wrap_up(&mut self, t: SimTime, c: &ConvMeta, m: &AutoMove) {
        if self.in_cohort(c) {
            let i = self.cohort_cell(c);
            let cell = &mut self.cells[i];
            cell.auto_wrap_up += 1;
            cell.premature += m.premature as u64;
            cell.race += m.race as u64;
            let tag = |ms: u64| Sample::new(ms, i, 1);
            self.latency.push(tag(t.saturating_since(m.eligible).ms()));
            self.idle.push(tag(t.saturating_since(m.last_customer_message).ms()));
        }
    }

    fn auto_parked(&mut self, t: SimTime, c: &ConvMeta, m: &AutoMove) {
        // A cohort figure like a closure, with its latency and idle time; never a closure, so
        // not in premature or race counts (a reply queues the same conversation again).
        if let Some(b) = self.bucket(t.ms()) {
            self.ts_auto_parked[b] += 1;
        }
        if self.in_cohort(c) {
            let i = self.cohort_cell(c);
            self.cells[i].auto_parked += 1;
            let tag = |ms: u64| Sample::new(ms, i, 1);
            self.latency.push(tag(t.saturating_since(m.eligible).ms()));
            self.idle.push(tag(t.saturating_since(m.last_customer_message).ms()));
        }
    }

    fn parked(&mut self, t: SimTime, c: &ConvMeta) {
        if self.in_window(t.ms()) {
            let i = self.cell_index(c);
            self.cells[i].parked += 1;
        }
    }

    fn disconnected(&mut self, t: SimTime, c: &ConvMeta) {
        if self.in_window(t.ms()) {
            let i = self.cell_index(c);
            self.cells[i].disconnects += 1;
        }
    }

    fn transferred(&mut self, t: SimTime, old: &ConvMeta, new: &ConvMeta) {
        // The conversation is Open now: move its Open count to the new skill's cell.
        let (i, j, tm) = (self.cell_index(old), self.cell_index(new), t.ms());
        let rest = rest_of_window_ms(tm, self.window) as i128;
        self.cells[i].state_conv_ms[0] -= rest;
        self.cells[j].state_conv_ms[0] += rest;
        if self.in_window(tm) {
            self.cells[i].transfers += 1;
        }
    }

    fn reader_joined(&mut self, t: SimTime, c: &ConvMeta) {
        if self.in_window(t.ms()) {
            let i = self.cell_index(c);
            self.cells[i].reader_joins += 1;
        }
    }

    fn conversation(&mut self, rec: &ConversationRecord) {
        let i = self.cohort_cell(&rec.meta);
        if rec.reason == Some(CloseReason::QueueAbandon) && self.in_window(rec.state_entered.ms()) {
            let now = self.cell_index(&rec.meta);
            self.cells[now].queue_abandoned += 1;
            let waited = rec.closed.map_or(u64::MAX, |t| t.saturating_since(rec.state_entered).ms());
            if waited <= self.sl_target_ms {
                self.cells[now].queue_short_abandoned += 1;
            }
            if let Some(h) = self.hours.as_mut() {
                let b = h.bucket(rec.state_entered.ms());
                let hc = &mut h.cells[b * self.cells.len() + now];
                hc.abandoned += 1;
                hc.short_abandoned += u64::from(waited <= self.sl_target_ms);
            }
        }
        if let (Some(t), Some(b)) = (rec.closed, rec.closed.and_then(|t| self.bucket(t.ms()))) {
            match rec.reason {
                Some(r) if r.is_auto() => {
                    self.ts_auto_closed[b] += 1;
                    if self.in_window(t.ms()) {
                        self.auto_closures_per_minute[(t.ms() / MS_PER_MIN) as usize] += 1;
                    }
                }
                Some(CloseReason::AgentEnd) => self.ts_agent_end[b] += 1,
                Some(CloseReason::QueueAbandon) => self.ts_abandoned[b] += 1,
                _ => {}
            }
        }
        if !self.in_cohort(&rec.meta) {
            return;
        }
        let cell = &mut self.cells[i];
        let Some(closed) = rec.closed else {
            cell.open_at_horizon += 1;
            return;
        };
        // An auto-closure counts under the state its rule saw (a sweep without recheck may
        // close a conversation that has moved on since).
        let s = match rec.reason {
            Some(CloseReason::AutoClose(st) | CloseReason::HardCap(st)) => st,
            _ => rec.last_state,
        }
        .open_index()
        .expect("a conversation closes from an open state");
        match rec.reason {
            Some(CloseReason::AgentEnd) => cell.closed[CLOSED_AGENT_END] += 1,
            Some(CloseReason::QueueAbandon) => cell.closed[CLOSED_QUEUE_ABANDON] += 1,
            Some(CloseReason::AutoClose(_)) => cell.auto_closed[s] += 1,
            Some(CloseReason::HardCap(_)) => cell.hard_cap[s] += 1,
            None => {}
        }
        if rec.reason.is_some_and(CloseReason::is_auto) {
            if rec.premature {
                cell.premature += 1;
            }
            if rec.race {
                cell.race += 1;
            }
            let eligible = rec.eligible_at.expect("an auto-closed conversation has an eligibility");
            let tag = |ms: u64| Sample::new(ms, i, s);
            self.latency.push(tag(closed.saturating_since(eligible).ms()));
            self.idle.push(tag(closed.saturating_since(rec.last_customer_message).ms()));
        }
    }

    fn sweep_run(&mut self, rec: &SweepRecord) {
        if self.in_window(rec.started.ms()) {
            let load = &mut self.sweep_load;
            load.runs += 1;
            load.in_scope_sum += rec.in_scope as f64;
            load.closed_peak = load.closed_peak.max(rec.closed);
            load.deferred += rec.deferred;
            load.duration_max_s = load.duration_max_s.max(rec.duration.as_secs_f64());
        }
        if self.keep_sweeps {
            self.sweeps.push(rec.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_percentile_positions_name_their_percentiles() {
        use super::super::stats::PERCENTILES;
        assert_eq!([PERCENTILES[P50], PERCENTILES[P90], PERCENTILES[P95], PERCENTILES[P99]], [0.5, 0.9, 0.95, 0.99]);
    }

    #[test]
    fn a_sample_keeps_its_fields_at_their_bounds_and_sorts_by_milliseconds() {
        use crate::scenario::reader::{MAX_CHANNELS, MAX_SKILLS};
        use crate::time::SimDuration;
        let horizon = SimDuration::from_days(400).ms();
        let max_cell = MAX_CHANNELS * MAX_SKILLS - 1;
        for (ms, cell, state) in
            [(0, 0, 0), (horizon, max_cell, 3), (Sample::MAX_MS, Sample::MAX_CELLS - 1, 7), (12_345, 77, 2)]
        {
            let s = Sample::new(ms, cell, state);
            assert_eq!((s.ms(), s.cell(), s.state()), (ms, cell, state));
        }
        assert!(Sample::MAX_MS >= horizon && Sample::MAX_CELLS > max_cell);
        // Milliseconds first, whatever the tags.
        assert!(Sample::new(1, Sample::MAX_CELLS - 1, 7) < Sample::new(2, 0, 0));
    }

    #[test]
    fn least_squares_slope_of_a_line_and_of_too_few_points() {
        let line: Vec<(f64, f64)> = (0..5).map(|x| (x as f64, 3.0 + 2.0 * x as f64)).collect();
        assert_eq!(least_squares_slope(&line), Some(2.0));
        // (0,0) (1,1) (2,0): the mean line is flat.
        assert_eq!(least_squares_slope(&[(0.0, 0.0), (1.0, 1.0), (2.0, 0.0)]), Some(0.0));
        assert_eq!(least_squares_slope(&[(1.0, 5.0)]), None);
        assert_eq!(least_squares_slope(&[(1.0, 5.0), (1.0, 6.0)]), None);
    }

    #[test]
    fn the_saturation_rule_at_its_thresholds() {
        let sat =
            |occ: f64, growth: f64, open: f64| Validity::judge(Some(occ), Some(growth), 100.0, Some(open)).saturated;
        assert!(!sat(0.979, 0.0, 0.0));
        assert!(sat(0.98, 0.0, 0.0), "occupancy at 0.98");
        // 100 arrivals an hour: a growth of 1 an hour is 1% of them.
        assert!(!sat(0.5, 0.99, 0.0) && sat(0.5, 1.0, 0.0));
        // Many open at the horizon: saturated only with the queue growing by 0.1% (0.1 an hour).
        assert!(!sat(0.5, 0.0, 0.5) && !sat(0.5, 0.099, 0.05) && sat(0.5, 0.1, 0.05));
        assert!(!sat(0.5, 0.5, 0.049));
        let none = Validity::judge(None, None, 0.0, None);
        assert_eq!(none, Validity { queue_growth_per_hour: None, open_at_horizon_share: None, saturated: false });
    }
}
