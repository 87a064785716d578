//! Outputs: CSV writers over `impl Write`, the manifest and the results folder. The only module
//! that creates files.

pub mod charts;
pub mod csv_out;
pub mod load;
pub mod report;
pub mod results;
pub mod visuals;

pub use csv_out::{write_sweeps, write_timeseries, Clock, ConversationWriter, SummaryWriter};
pub use results::{Manifest, OutputError, Staging};
