//! Measurements: the observer that turns engine reports into figures, the capacity episodes'
//! accounting (zombie and silent capacity), the integrals of levels over time, the report
//! types and the statistics over replications. No I/O.

pub mod collector;
pub mod episodes;
mod levels;
pub mod report;
pub mod stats;

pub use collector::{HourKind, Metrics};
pub use report::{
    aggregate, aggregate_by_hour, aggregate_rows, AggregateRow, Breakdown, GroupRow, Metric, RepReport, TsRow, METRICS,
};
pub use stats::Estimate;
