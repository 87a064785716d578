//! One replication's reports as the store's writes: an `Observer` that keeps every write the
//! platform's traffic makes (creation, messages, state changes, reader joins, transfers) in
//! simulated time order, and every sweep run with the place in that order where it began.
//!
//! The sweep job's own closures (and its moves to Wrap-up) are left out: the job under test
//! makes them in the store.

use crate::engine::{ConvMeta, ConversationRecord, Observer, Sender, SweepRecord};
use crate::model::state::State;
use crate::time::SimTime;

/// What one write changes in a conversation's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The row is created (Open).
    Insert {
        channel: u16,
        skill: u16,
    },
    /// A state change made by the traffic (agent, customer, routing), not by the job.
    State(State),
    CustomerMessage,
    AgentMessage,
    ReaderJoin,
    /// Transferred to another skill (queue); its state change is a separate write.
    Transfer {
        skill: u16,
    },
}

/// One write to the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Write {
    pub t: SimTime,
    /// The conversation (row) id.
    pub id: u64,
    pub change: Change,
}

/// One run of a sweep scheduler in the simulator, and where it began among the writes.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceRun {
    pub record: SweepRecord,
    /// Writes before this index happened before the run looked at the conversations.
    pub boundary: usize,
}

/// The writes and the sweep runs of one replication.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trace {
    pub writes: Vec<Write>,
    /// In order of (start, boundary).
    pub runs: Vec<TraceRun>,
    /// Conversations auto-closed by the simulator's sweeps (its `closed`, summed).
    pub sim_closures: u64,
}

/// Records a `Trace` while the engine runs.
#[derive(Debug, Default)]
pub struct TraceRecorder {
    trace: Trace,
    /// The next state change of this conversation to Wrap-up is the job's (an auto move).
    skip_wrap_up: Option<u64>,
    /// Where the first closure of the run being reported was left out.
    first_skip: Option<usize>,
}

impl TraceRecorder {
    pub fn new() -> TraceRecorder {
        TraceRecorder::default()
    }

    /// The trace, runs in order of their start.
    pub fn finish(mut self) -> Trace {
        self.trace.runs.sort_by_key(|r| (r.record.started, r.boundary));
        self.trace
    }

    fn push(&mut self, t: SimTime, id: u64, change: Change) {
        self.trace.writes.push(Write { t, id, change });
    }

    fn note_skip(&mut self, at: usize) {
        if self.first_skip.is_none() {
            self.first_skip = Some(at);
        }
    }
}

impl Observer for TraceRecorder {
    fn arrival(&mut self, t: SimTime, c: &ConvMeta, _recontact: bool) {
        self.push(t, c.id, Change::Insert { channel: c.channel, skill: c.skill });
    }

    fn state_change(&mut self, t: SimTime, c: &ConvMeta, from: Option<(State, SimTime)>, to: State) {
        if from.is_none() {
            return; // the creation: `arrival` wrote the row
        }
        if to == State::WrapUp && self.skip_wrap_up == Some(c.id) {
            self.skip_wrap_up = None;
            let at = self.trace.writes.len();
            self.note_skip(at);
            return;
        }
        self.push(t, c.id, Change::State(to));
    }

    fn auto_wrap_up(&mut self, _t: SimTime, c: &ConvMeta, _m: &crate::engine::AutoMove) {
        self.skip_wrap_up = Some(c.id);
    }

    fn message(&mut self, t: SimTime, c: &ConvMeta, sender: Sender) {
        let change = match sender {
            Sender::Customer => Change::CustomerMessage,
            Sender::Agent => Change::AgentMessage,
        };
        self.push(t, c.id, change);
    }

    fn reader_joined(&mut self, t: SimTime, c: &ConvMeta) {
        self.push(t, c.id, Change::ReaderJoin);
    }

    fn transferred(&mut self, t: SimTime, _old: &ConvMeta, new: &ConvMeta) {
        self.push(t, new.id, Change::Transfer { skill: new.skill });
    }

    fn conversation(&mut self, rec: &ConversationRecord) {
        let (Some(closed), Some(reason)) = (rec.closed, rec.reason) else { return };
        if !reason.is_auto() {
            return;
        }
        // The engine reports the closing state change just before the record: take it back,
        // the job under test makes that change.
        let w = &self.trace.writes;
        let found =
            w.iter().rposition(|x| x.id == rec.meta.id && x.t == closed && x.change == Change::State(State::Closed));
        if let Some(i) = found {
            self.trace.writes.remove(i);
            self.note_skip(i);
        }
    }

    fn sweep_run(&mut self, rec: &SweepRecord) {
        let boundary = match self.first_skip.take() {
            Some(i) => i,
            // No closure: the run came after every other event of its instant; one spread
            // over time began at its start.
            None if rec.duration.ms() == 0 => self.trace.writes.len(),
            None => self.trace.writes.partition_point(|w| w.t <= rec.started),
        };
        self.trace.sim_closures += rec.closed;
        self.trace.runs.push(TraceRun { record: rec.clone(), boundary });
    }
}
