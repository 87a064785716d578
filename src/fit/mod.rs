//! `fit`: a scenario from an operator's export. The estimators (`km`, `families`, `select`,
//! `arrivals`) are pure functions over slices; `export` parses text, `observe` turns rows
//! into censored observations and `render` writes the commented scenario. No file I/O here.

pub mod arrivals;
pub mod export;
pub mod families;
pub mod km;
pub mod observe;
pub mod optim;
pub mod render;
pub mod select;

pub use export::{read_conversations, read_messages, ExportError};
pub use render::{fit, FitOptions, FitOutput, FitSummary};
