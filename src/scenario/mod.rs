//! Scenario files: TOML text -> checked, resolved `Scenario`. No engine, no RNG.
//!
//! Reading goes in two steps, like ripgrep's low/high args: `reader` walks the TOML document
//! (with byte spans) and collects every problem, `Scenario` is the resolved result the engine
//! takes. Overrides from the command line (`--set`, `--vary`) are applied to the document
//! before reading, so their errors carry positions too.

pub mod behaviour;
pub mod diag;
pub mod dists;
pub mod overrides;
pub mod policy_reader;
pub mod reader;
pub mod replay;
pub mod walk;

use crate::model::dist::Dist;
use crate::policy::Policy;
use crate::time::{SimDuration, SimTime};
use chrono::NaiveDate;

pub use diag::{Diagnostic, Diagnostics};
pub use reader::{load_file, parse_str};

/// Index of a channel in `Scenario::channels`.
pub type ChannelId = usize;
/// Index of a skill in `Scenario::skills`.
pub type SkillId = usize;

/// A checked scenario, ready to simulate.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// The file it came from, as given on the command line.
    pub source_path: String,
    /// The TOML text as run (after `--set` overrides), for the manifest.
    pub source_text: String,
    /// Calendar date of day 0, for exported timestamps and weekday profiles.
    pub start_date: NaiveDate,
    pub horizon: SimDuration,
    /// Statistics ignore what happens before this (see README: cohort and window rules).
    pub warmup: SimDuration,
    pub seed: u64,
    pub replications: u32,
    /// Width of a time-series bucket.
    pub bucket: SimDuration,
    /// Service level counts conversations assigned within this wait.
    pub service_level_target: SimDuration,
    pub channels: Vec<Channel>,
    pub skills: Vec<Skill>,
    pub agent_groups: Vec<AgentGroup>,
    pub arrivals: Vec<ArrivalStream>,
    /// One resolved behaviour per (channel, skill): index `channel * skills.len() + skill`.
    pub behaviour: Vec<Behaviour>,
    pub policy: Policy,
}

impl Scenario {
    pub fn behaviour(&self, channel: ChannelId, skill: SkillId) -> &Behaviour {
        &self.behaviour[channel * self.skills.len() + skill]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    /// Synchronous web chat: no Waiting state; a customer disconnect moves Active to Wrap-up.
    LiveChat,
    /// Asynchronous or persistent (SMS, WhatsApp, Facebook, Teams, custom): has Waiting.
    Messaging,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    pub name: String,
    pub kind: ChannelKind,
    /// `msdyn_channel` option value (seed 004), exported as is.
    pub msdyn_channel: Option<u32>,
}

/// How long a conversation in Wrap-up keeps blocking its agent's capacity (seed 002).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrapUpBlock {
    Always,
    Never,
    /// 1 to 60 minutes.
    For(SimDuration),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Skill {
    pub name: String,
    /// Capacity units one conversation of this skill consumes.
    pub capacity_units: u32,
    pub wrap_up: WrapUpBlock,
}

/// How many agents of a group are on shift.
#[derive(Debug, Clone, PartialEq)]
pub enum Staffing {
    Constant(u32),
    /// Agents on shift by weekday (0 = Monday) and hour of day.
    Weekly(Box<[[u32; 24]; 7]>),
}

impl Staffing {
    /// Agents on shift in `weekday` (0 = Monday) at `hour`.
    pub fn on_shift(&self, weekday: usize, hour: usize) -> u32 {
        match self {
            Staffing::Constant(n) => *n,
            Staffing::Weekly(t) => t[weekday][hour],
        }
    }
    /// The most agents ever on shift: the group's head count.
    pub fn head_count(&self) -> u32 {
        match self {
            Staffing::Constant(n) => *n,
            Staffing::Weekly(t) => t.iter().flat_map(|d| d.iter()).copied().max().unwrap_or(0),
        }
    }
}

/// What a staffing cut does to the agents going off shift and to the group (`shift_end`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ShiftEnd {
    /// The leaving agent finishes its conversations and takes no new ones; the agents still
    /// on shift keep taking queued work (the default).
    #[default]
    Finish,
    /// As `Finish`, but the group takes no new work (queued or new) while its capacity in use,
    /// counting what the leaving agents still hold, is at least the new staffing's capacity:
    /// with one unit per agent, until the busy agents fall below the new staffing
    /// (ContactCenters, umontreal-simul/contactcenters).
    NoNewUntilBelow,
    /// The leaving agent releases its Active conversations to the queue (Active to Open, seed
    /// 002); its wrap-ups it finishes, its parked (Waiting) ones hold no agent already.
    Requeue,
}

impl ShiftEnd {
    /// The names a scenario file uses, in the order of the variants.
    pub const KEYS: [&'static str; 3] = ["finish", "no_new_until_below", "requeue"];

    pub fn key(self) -> &'static str {
        match self {
            ShiftEnd::Finish => "finish",
            ShiftEnd::NoNewUntilBelow => "no_new_until_below",
            ShiftEnd::Requeue => "requeue",
        }
    }

    pub fn from_key(key: &str) -> Option<ShiftEnd> {
        match key {
            "finish" => Some(ShiftEnd::Finish),
            "no_new_until_below" => Some(ShiftEnd::NoNewUntilBelow),
            "requeue" => Some(ShiftEnd::Requeue),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AgentGroup {
    pub name: String,
    pub staffing: Staffing,
    /// What happens to agents going off shift (and to the group while they finish).
    pub shift_end: ShiftEnd,
    pub skills: Vec<SkillId>,
    /// Capacity units of each agent (e.g. 4 concurrent chats of 1 unit).
    pub capacity_units: u32,
}

/// A Poisson stream of new conversations for one (channel, skill).
#[derive(Debug, Clone, PartialEq)]
pub struct ArrivalStream {
    pub channel: ChannelId,
    pub skill: SkillId,
    pub rate_per_hour: f64,
    /// Multiplier by hour of day.
    pub intraday: [f64; 24],
    /// Multiplier by weekday, 0 = Monday.
    pub weekly: [f64; 7],
    /// `replay = "file.csv"`: these arrival instants (sorted, within the horizon) instead of
    /// drawn ones; `rate_per_hour` is then their mean rate, for information.
    pub replay: Option<std::sync::Arc<[SimTime]>>,
}

/// How customers and agents behave in one (channel, skill). Durations in milliseconds.
#[derive(Debug, Clone)]
pub struct Behaviour {
    /// Time a queued customer waits before leaving (drawn at every entry into the queue).
    pub patience: Dist,
    /// Number of exchanges (agent message + customer reply) before the agent ends.
    pub exchanges: Dist,
    pub agent_response: Dist,
    /// May be long (hours, days) or `never`: the customer went silent for good.
    pub customer_response: Dist,
    /// Probability that the agent parks a messaging conversation while the customer is silent.
    pub park_probability: f64,
    /// Time after the agent's message at which the agent parks it.
    pub park_delay: Dist,
    /// Time from the agent ending the dialogue to the agent closing the wrap-up.
    pub wrap_up: Dist,
    /// Live chat: time after the agent's message at which a silent customer is found
    /// disconnected (Active to Wrap-up).
    pub disconnect: Dist,
    /// Supervisor reader joins per hour while Active or Waiting (LivePerson).
    pub reader_per_hour: f64,
    /// Probability that the agent sets a manual response time when first assigned.
    pub manual_response_probability: f64,
    /// Transfers per hour while Active; each goes to a skill of `transfer_to`.
    pub transfer_per_hour: f64,
    pub transfer_to: Vec<SkillId>,
}
