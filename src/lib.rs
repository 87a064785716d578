//! autoclose: a discrete-event simulator of the auto-close of idle contact-center
//! conversations. The library does all the work; `main.rs` only parses arguments.

pub mod engine;
pub mod fit;
pub mod grid;
pub mod loadtest;
pub mod metrics;
pub mod model;
pub mod output;
pub mod plan;
pub mod policy;
pub mod runner;
pub mod scenario;
pub mod time;
pub mod validation;
