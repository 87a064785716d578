//! Conversation states and the only transitions seed 002 allows.
//!
//! ```text
//!            assign                 end / disconnect / auto-close(voice)
//!   Open ───────────────▶ Active ──────────────────────────▶ Wrap-up
//!    │  ▲                 │ │ ▲                                  │
//!    │  └─ transfer ──────┘ │ │ agent revives                    │ agent closes / auto-close
//!    │  ▲                   │ park           │                    ▼
//!    │  └── customer revives ─ Waiting ──────┘                  Closed
//!    │                          │ auto-close                      ▲
//!    └── abandon / auto-close ──┴─────────────────────────────────┘
//!                     (Active ──record resolved / auto-close──▶ Closed)
//! ```
//!
//! Pure: no clock, no I/O. The engine asks `transition` for every change and treats an
//! `IllegalTransition` as a bug it reports, never as something to recover from.

use std::fmt;

/// The five status reasons of a conversation (`msdyn_liveconversation`, seed 004).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum State {
    Open = 0,
    Active = 1,
    Waiting = 2,
    WrapUp = 3,
    Closed = 4,
}

impl State {
    /// Every state, in discriminant order.
    pub const ALL: [State; 5] = [State::Open, State::Active, State::Waiting, State::WrapUp, State::Closed];

    /// The four states a conversation can be in before it is closed, in export order.
    pub const OPEN_STATES: [State; 4] = [State::Open, State::Active, State::Waiting, State::WrapUp];

    /// Index into arrays over `OPEN_STATES` (Closed has none).
    /// Arithmetic on the discriminant, not a `match`: the hot paths call it at every state
    /// change, and a jump table there costs a mispredicted indirect branch.
    #[inline]
    pub fn open_index(self) -> Option<usize> {
        let i = self as usize;
        (i < State::OPEN_STATES.len()).then_some(i)
    }

    /// Name used in scenario files and CSV columns.
    pub fn key(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Active => "active",
            State::Waiting => "waiting",
            State::WrapUp => "wrap_up",
            State::Closed => "closed",
        }
    }

    /// `msdyn_statecode` option value (seed 004).
    pub fn msdyn_statecode(self) -> u8 {
        match self {
            State::Open => 0,
            State::Active => 1,
            State::Waiting => 2,
            State::Closed => 3,
            State::WrapUp => 4,
        }
    }

    /// `msdyn_statuscode` option value (seed 004).
    pub fn msdyn_statuscode(self) -> u8 {
        match self {
            State::Open => 1,
            State::Active => 2,
            State::Waiting => 3,
            State::Closed => 4,
            State::WrapUp => 5,
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// What happened to a conversation. Each trigger names its cause, so the same target state
/// reached for different reasons stays distinguishable in the rules below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Trigger {
    /// Routing pushes the conversation to an agent.
    Assign,
    /// The customer leaves the queue before assignment (live chat disconnect).
    QueueAbandon,
    /// The agent ends the dialogue with the End button.
    AgentEnd,
    /// A live-chat customer disconnects during the dialogue.
    CustomerDisconnect,
    /// The agent transfers the conversation to another queue (skill).
    Transfer,
    /// The agent closes the session without ending the conversation (messaging only).
    Park,
    /// The customer writes into a parked conversation: it is queued again.
    CustomerRevive,
    /// An agent revives a parked conversation from their own work items.
    AgentRevive,
    /// The agent closes the session after wrap-up.
    WrapUpDone,
    /// The agent resolves the record and closes the session while Active.
    RecordResolved,
    /// An auto-close rule closes the conversation.
    AutoClose,
    /// An auto-close rule that moves Active to Wrap-up (Dynamics voice) instead of closing.
    AutoCloseToWrapUp,
    /// The platform's hard cap on inactivity (LivePerson: 90 days).
    HardCap,
    /// The agent releases the conversation to the queue (seed 002): its shift ended under
    /// `shift_end = "requeue"`.
    Release,
}

/// A transition seed 002 does not list. Reaching one is a simulator bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("illegal transition: {trigger:?} in state {from}")]
pub struct IllegalTransition {
    pub from: State,
    pub trigger: Trigger,
}

impl Trigger {
    /// Every trigger, in discriminant order.
    pub const ALL: [Trigger; 14] = [
        Trigger::Assign,
        Trigger::QueueAbandon,
        Trigger::AgentEnd,
        Trigger::CustomerDisconnect,
        Trigger::Transfer,
        Trigger::Park,
        Trigger::CustomerRevive,
        Trigger::AgentRevive,
        Trigger::WrapUpDone,
        Trigger::RecordResolved,
        Trigger::AutoClose,
        Trigger::AutoCloseToWrapUp,
        Trigger::HardCap,
        Trigger::Release,
    ];
}

/// The next state after `trigger` in state `from`, or the error for every pair seed 002 does
/// not list. A lookup in `TABLE`, which `seed_002_next` fills at compile time: the engine asks
/// at every state change, and a `match` there compiles to a jump table whose indirect branch
/// the processor mispredicts.
#[inline]
pub fn transition(from: State, trigger: Trigger) -> Result<State, IllegalTransition> {
    TABLE[from as usize][trigger as usize].ok_or(IllegalTransition { from, trigger })
}

/// `seed_002_next` for every (state, trigger), indexed by their discriminants.
static TABLE: [[Option<State>; Trigger::ALL.len()]; State::ALL.len()] = {
    let mut table = [[None; Trigger::ALL.len()]; State::ALL.len()];
    let mut i = 0;
    while i < State::ALL.len() {
        assert!(State::ALL[i] as usize == i, "State::ALL is in discriminant order");
        let mut j = 0;
        while j < Trigger::ALL.len() {
            assert!(Trigger::ALL[j] as usize == j, "Trigger::ALL is in discriminant order");
            table[i][j] = seed_002_next(State::ALL[i], Trigger::ALL[j]);
            j += 1;
        }
        i += 1;
    }
    table
};

/// Seed 002's table: the next state after `trigger` in state `from`, `None` for every pair it
/// does not list. Written without a catch-all arm so that a new state or trigger forces a
/// review.
const fn seed_002_next(from: State, trigger: Trigger) -> Option<State> {
    use State::*;
    use Trigger::*;
    match (from, trigger) {
        (Open, Assign) => Some(Active),
        (Open, QueueAbandon | AutoClose | HardCap) => Some(Closed),
        (Open, AgentEnd | CustomerDisconnect | Transfer | Park | CustomerRevive | AgentRevive | Release) => None,
        (Open, WrapUpDone | RecordResolved | AutoCloseToWrapUp) => None,

        (Active, AgentEnd | CustomerDisconnect | AutoCloseToWrapUp) => Some(WrapUp),
        (Active, Transfer | Release) => Some(Open),
        (Active, Park) => Some(Waiting),
        (Active, RecordResolved | AutoClose | HardCap) => Some(Closed),
        (Active, Assign | QueueAbandon | CustomerRevive | AgentRevive | WrapUpDone) => None,

        (WrapUp, WrapUpDone | AutoClose | HardCap) => Some(Closed),
        (WrapUp, Assign | QueueAbandon | AgentEnd | CustomerDisconnect | Transfer | Park) => None,
        (WrapUp, CustomerRevive | AgentRevive | RecordResolved | AutoCloseToWrapUp | Release) => None,

        (Waiting, AutoClose | HardCap) => Some(Closed),
        (Waiting, AgentRevive) => Some(Active),
        (Waiting, CustomerRevive) => Some(Open),
        (Waiting, Assign | QueueAbandon | AgentEnd | CustomerDisconnect | Transfer | Park) => None,
        (Waiting, WrapUpDone | RecordResolved | AutoCloseToWrapUp | Release) => None,

        (Closed, Assign | QueueAbandon | AgentEnd | CustomerDisconnect | Transfer | Park) => None,
        (Closed, CustomerRevive | AgentRevive | WrapUpDone | RecordResolved) => None,
        (Closed, AutoClose | AutoCloseToWrapUp | HardCap | Release) => None,
    }
}

/// Whether seed 002's table lists `from -> to` (for any trigger).
pub fn seed_002_allows(from: State, to: State) -> bool {
    use State::*;
    matches!(
        (from, to),
        (Open, Active)
            | (Open, Closed)
            | (Active, WrapUp)
            | (Active, Open)
            | (Active, Waiting)
            | (Active, Closed)
            | (WrapUp, Closed)
            | (Waiting, Closed)
            | (Waiting, Active)
            | (Waiting, Open)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_allowed_transition_is_in_seed_002() {
        for from in State::ALL {
            for trigger in Trigger::ALL {
                if let Ok(to) = transition(from, trigger) {
                    assert!(seed_002_allows(from, to), "{from} -> {to} via {trigger:?}");
                }
            }
        }
    }

    #[test]
    fn every_seed_002_transition_is_reachable() {
        for from in State::ALL {
            for to in State::ALL {
                if seed_002_allows(from, to) {
                    assert!(
                        Trigger::ALL.iter().any(|&t| transition(from, t) == Ok(to)),
                        "{from} -> {to} has no trigger"
                    );
                }
            }
        }
    }

    #[test]
    fn closed_is_final() {
        for trigger in Trigger::ALL {
            assert!(transition(State::Closed, trigger).is_err());
        }
    }

    #[test]
    fn live_chat_disconnect_goes_to_wrap_up() {
        assert_eq!(transition(State::Active, Trigger::CustomerDisconnect), Ok(State::WrapUp));
        assert_eq!(transition(State::Open, Trigger::QueueAbandon), Ok(State::Closed));
    }

    #[test]
    fn msdyn_codes_follow_seed_004() {
        assert_eq!(State::WrapUp.msdyn_statecode(), 4);
        assert_eq!(State::Closed.msdyn_statuscode(), 4);
        assert_eq!(State::Waiting.msdyn_statuscode(), 3);
    }
}
