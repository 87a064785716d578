//! The event engine: the event kernel, the world it drives (conversations, dialogue, sweeps,
//! arrivals, staffing and routing) and random streams. Reports to an `Observer`; owns no
//! output.
//!
//! One replication is a pure function of (scenario, replication). Draw order per conversation
//! (common random numbers across configurations): at creation the number of exchanges; at each
//! entry into the queue the patience; when an agent message is scheduled its response time; at
//! each agent message the customer's response time, whether the agent will park, the park delay
//! and the disconnect delay; at wrap-up its duration. Side events (reader joins, manual response
//! time, transfers) use a second stream per conversation.

mod arrivals;
mod conversation;
mod dialogue;
mod kernel;
mod lifecycle;
pub mod observer;
pub mod queue;
pub mod rng;
pub mod routing;
mod staffing;
mod sweep;
mod world;

pub use kernel::{run, run_limited, RunStats, SimError, MAX_EVENTS_PER_INSTANT, MAX_LIVE_CONVERSATIONS};
pub use observer::{AutoMove, Both, CloseReason, ConvMeta, ConversationRecord, Observer, Sender, SweepRecord};
