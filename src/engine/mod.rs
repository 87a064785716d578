//! The event engine: the event queue, random streams, routing and the run loop. Reports to an
//! `Observer`; owns no output.

pub mod observer;
pub mod queue;
pub mod rng;
pub mod routing;
pub mod sim;

pub use observer::{AutoMove, Both, CloseReason, ConvMeta, ConversationRecord, Observer, SweepRecord};
pub use sim::{run, run_limited, RunStats, SimError, MAX_EVENTS_PER_INSTANT, MAX_LIVE_CONVERSATIONS};
