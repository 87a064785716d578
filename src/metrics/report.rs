//! One replication's figures and their aggregation over replications.

use super::stats::Estimate;
use crate::engine::{RunStats, SweepRecord};
use crate::time::SimTime;

/// Every figure of `summary.csv`, in column order. Units are in the names (`_s` seconds,
/// `_units` capacity units, `_hours` capacity-hours, `_agents` equivalent agents; shares are
/// fractions 0..1 named `_share`; `saturated` is 1 or 0 per replication (its mean: the share
/// of replications saturated); other figures are counts or time-averaged counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Arrived,
    Recontacts,
    QueueAssigned,
    ClosedAgentEnd,
    ClosedQueueAbandon,
    AutoClosedOpen,
    AutoClosedActive,
    AutoClosedWaiting,
    AutoClosedWrapUp,
    ClosedHardCap,
    AutoClosed,
    AutoMovedToWrapUp,
    /// Active conversations an auto-close rule with action `park` made inactive (never closures).
    AutoParked,
    OpenAtHorizon,
    PrematureClosures,
    PrematureShare,
    RaceClosures,
    Parked,
    Disconnects,
    Transfers,
    ReaderJoins,
    LatencyMeanS,
    LatencyP50S,
    LatencyP90S,
    LatencyP95S,
    LatencyP99S,
    LatencyMaxS,
    IdleToCloseMeanS,
    IdleToCloseP50S,
    IdleToCloseP90S,
    IdleToCloseP99S,
    IdleToCloseMaxS,
    CapacityInUseMeanUnits,
    CapacityAvailableMeanUnits,
    Occupancy,
    SilentCapacityHours,
    SilentCapacityAgents,
    SilentCapacityRepliedHours,
    SilentCapacityRepliedAgents,
    SilentCapacityUnrepliedHours,
    SilentCapacityUnrepliedAgents,
    ZombieCapacityHours,
    ZombieCapacityAgents,
    QueueWaitMeanS,
    QueueWaitP50S,
    QueueWaitP90S,
    QueueWaitP95S,
    QueueWaitP99S,
    /// S/A: queue entries assigned within the target over queue entries that ended.
    ServiceLevel,
    /// S/(A - L): the same with customers who abandoned within the target left out.
    ServiceLevelExclShortAbandon,
    QueueAbandonShare,
    QueueLengthMean,
    QueueLengthPeak,
    OpenMean,
    ActiveMean,
    WaitingMean,
    WrapUpMean,
    StateEntries,
    StateEntryRatePerHour,
    StateSojournMeanS,
    StateCountMean,
    SweepRuns,
    SweepInScopeMean,
    SweepClosuresPeakPerRun,
    AutoClosuresPeakPerMinute,
    SweepDeferred,
    SweepDurationMaxS,
    QueueGrowthPerHour,
    OpenAtHorizonShare,
    Saturated,
}

/// Column names of `Metric`, in the same order.
pub const METRICS: [&str; 70] = [
    "arrived",
    "recontacts",
    "assigned",
    "closed_agent_end",
    "closed_queue_abandon",
    "auto_closed_open",
    "auto_closed_active",
    "auto_closed_waiting",
    "auto_closed_wrap_up",
    "closed_hard_cap",
    "auto_closed",
    "auto_moved_to_wrap_up",
    "auto_parked",
    "open_at_horizon",
    "premature_closures",
    "premature_share",
    "race_closures",
    "parked",
    "disconnects",
    "transfers",
    "reader_joins",
    "latency_mean_s",
    "latency_p50_s",
    "latency_p90_s",
    "latency_p95_s",
    "latency_p99_s",
    "latency_max_s",
    "idle_to_close_mean_s",
    "idle_to_close_p50_s",
    "idle_to_close_p90_s",
    "idle_to_close_p99_s",
    "idle_to_close_max_s",
    "capacity_in_use_mean_units",
    "capacity_available_mean_units",
    "occupancy_share",
    "silent_capacity_hours",
    "silent_capacity_agents",
    "silent_capacity_replied_hours",
    "silent_capacity_replied_agents",
    "silent_capacity_unreplied_hours",
    "silent_capacity_unreplied_agents",
    "zombie_capacity_hours",
    "zombie_capacity_agents",
    "queue_wait_mean_s",
    "queue_wait_p50_s",
    "queue_wait_p90_s",
    "queue_wait_p95_s",
    "queue_wait_p99_s",
    "service_level_share",
    "service_level_excl_short_abandon_share",
    "queue_abandon_share",
    "queue_length_mean",
    "queue_length_peak",
    "open_mean",
    "active_mean",
    "waiting_mean",
    "wrap_up_mean",
    "state_entries",
    "state_entry_rate_per_hour",
    "state_sojourn_mean_s",
    "state_count_mean",
    "sweep_runs",
    "sweep_in_scope_mean",
    "sweep_closures_peak_per_run",
    "auto_closures_peak_per_minute",
    "sweep_deferred",
    "sweep_duration_max_s",
    "queue_growth_per_hour",
    "open_at_horizon_share",
    "saturated",
];

// Every figure has its column name.
const _: () = assert!(Metric::Saturated as usize + 1 == METRICS.len());

impl Metric {
    pub fn name(self) -> &'static str {
        METRICS[self as usize]
    }
}

/// Which slice of the conversations a row describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Breakdown {
    Overall,
    Channel,
    Skill,
    State,
}

impl Breakdown {
    pub fn key(self) -> &'static str {
        match self {
            Breakdown::Overall => "overall",
            Breakdown::Channel => "channel",
            Breakdown::Skill => "skill",
            Breakdown::State => "state",
        }
    }
}

/// The figures of one breakdown group; `None` where a figure does not apply.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    pub breakdown: Breakdown,
    pub group: String,
    pub values: Vec<Option<f64>>,
}

impl GroupRow {
    pub fn get(&self, m: Metric) -> Option<f64> {
        self.values[m as usize]
    }
}

/// One time-series bucket: time-averaged levels and counts of events.
#[derive(Debug, Clone, PartialEq)]
pub struct TsRow {
    pub start: SimTime,
    pub in_warmup: bool,
    pub open: f64,
    pub active: f64,
    pub waiting: f64,
    pub wrap_up: f64,
    pub capacity_in_use: f64,
    pub capacity_available: f64,
    pub zombie_capacity: f64,
    pub queue_length: f64,
    pub arrivals: u64,
    pub auto_closed: u64,
    /// Parks by an auto-close rule (`action = "park"`), never closures.
    pub auto_parked: u64,
    pub agent_end: u64,
    pub queue_abandon: u64,
}

/// Everything one replication measured.
#[derive(Debug, Clone)]
pub struct RepReport {
    pub replication: u32,
    pub rows: Vec<GroupRow>,
    pub timeseries: Vec<TsRow>,
    /// Per hour bucket (`HourKind`), the overall, channel and skill rows of the figures a
    /// plan judges by hour; empty unless the collector was asked for them.
    pub by_hour: Vec<Vec<GroupRow>>,
    pub sweeps: Vec<SweepRecord>,
    pub scheduler_names: Vec<String>,
    pub stats: RunStats,
}

impl RepReport {
    /// The overall row.
    pub fn overall(&self) -> &GroupRow {
        self.rows.iter().find(|r| r.breakdown == Breakdown::Overall).expect("every report has an overall row")
    }

    pub fn row(&self, breakdown: Breakdown, group: &str) -> Option<&GroupRow> {
        self.rows.iter().find(|r| r.breakdown == breakdown && r.group == group)
    }
}

/// Mean and 95% confidence interval of each figure over replications, for one group.
#[derive(Debug, Clone)]
pub struct AggregateRow {
    pub breakdown: Breakdown,
    pub group: String,
    pub estimates: Vec<Option<Estimate>>,
}

/// Aggregates the replications' rows group by group (replications in index order, so the
/// floating-point sums are the same whatever order they finished in).
pub fn aggregate(reports: &[RepReport], level: f64) -> Vec<AggregateRow> {
    let rows: Vec<&[GroupRow]> = reports.iter().map(|r| r.rows.as_slice()).collect();
    aggregate_rows(&rows, level)
}

/// Aggregates each replication's rows (the same groups in the same order in each), group by
/// group, replications in the order given.
pub fn aggregate_rows(reps: &[&[GroupRow]], level: f64) -> Vec<AggregateRow> {
    let Some(first) = reps.first() else { return Vec::new() };
    first
        .iter()
        .enumerate()
        .map(|(gi, g)| {
            let estimates = (0..METRICS.len())
                .map(|m| {
                    let vals: Vec<f64> = reps.iter().filter_map(|r| r[gi].values[m]).collect();
                    Estimate::of(&vals, level)
                })
                .collect();
            AggregateRow { breakdown: g.breakdown, group: g.group.clone(), estimates }
        })
        .collect()
}

/// Aggregates the by-hour rows of the replications: one set of aggregate rows per hour
/// bucket (empty when the reports have none).
pub fn aggregate_by_hour(reports: &[RepReport], level: f64) -> Vec<Vec<AggregateRow>> {
    let n = reports.first().map_or(0, |r| r.by_hour.len());
    (0..n)
        .map(|b| {
            let rows: Vec<&[GroupRow]> = reports.iter().map(|r| r.by_hour[b].as_slice()).collect();
            aggregate_rows(&rows, level)
        })
        .collect()
}
