//! Outputs: CSV writers over `impl Write`, the manifest and the results folder. The only module
//! that creates files (through `export::ResultsFolder`).

pub mod charts;
pub mod csv_out;
pub mod export;
pub mod load;
pub mod messages_csv;
mod numbers;
pub mod plan_csv;
pub mod report;
pub mod results;
mod sweeps_csv;
mod timeseries_csv;
pub mod visuals;

pub use csv_out::{write_sweeps, write_timeseries, Clock, ConversationWriter, SummaryWriter, SweepWriter};
pub use export::{replace_files, sha256_hex, shell_quote, CommandLine, Provenance, ResultsFolder};
pub use messages_csv::MessageWriter;
pub use results::{abandon_in_progress, Manifest, OutputError};
