//! Measurements: the observer that turns engine reports into figures, the report types and
//! the statistics over replications. No I/O.

pub mod collector;
pub mod report;
pub mod stats;

pub use collector::Metrics;
pub use report::{aggregate, AggregateRow, Breakdown, GroupRow, Metric, RepReport, TsRow, METRICS};
pub use stats::Estimate;
