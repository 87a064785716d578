//! `messages.csv`: the message log of a run, one row per message or conversation event, in the
//! shape of LivePerson's Messaging Interactions message records (conversation id, time, sent
//! by). An `Observer` over any `impl Write`; it never opens a file.

use super::csv_out::Clock;
use crate::engine::{ConvMeta, Observer, Sender};
use crate::scenario::Scenario;
use crate::time::SimTime;
use std::io::{self, Write};

/// Header of `messages.csv`.
pub const MESSAGE_HEADER: [&str; 5] = ["replication", "conversation_id", "time", "sent_by", "event"];

/// What a row of `messages.csv` records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageEvent {
    /// A message (the customer's first one creates the conversation).
    Message,
    /// An agent took the conversation (LivePerson's agent participant joining).
    Assign,
    /// The agent parked the conversation (Active to Waiting: the session closed, not the
    /// conversation).
    Park,
    /// A supervisor opened it as a reader.
    ReaderJoin,
    /// The agent transferred it to another queue.
    Transfer,
}

impl MessageEvent {
    pub fn key(self) -> &'static str {
        match self {
            MessageEvent::Message => "message",
            MessageEvent::Assign => "assign",
            MessageEvent::Park => "park",
            MessageEvent::ReaderJoin => "reader_join",
            MessageEvent::Transfer => "transfer",
        }
    }

    /// The event named `key` in `messages.csv`.
    pub fn parse(key: &str) -> Option<MessageEvent> {
        [Self::Message, Self::Assign, Self::Park, Self::ReaderJoin, Self::Transfer].into_iter().find(|e| e.key() == key)
    }
}

/// Streams `messages.csv` rows as the run goes. I/O errors are kept and returned by `finish`,
/// since observers cannot fail mid-run.
pub struct MessageWriter<W: Write> {
    w: csv::Writer<W>,
    clock: Clock,
    replication: String,
    error: Option<io::Error>,
}

impl<W: Write> MessageWriter<W> {
    /// A writer that writes the header only if `header` is true (parts are concatenated).
    pub fn new(out: W, s: &Scenario, replication: u32, header: bool) -> Self {
        let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(out);
        let mut error = None;
        if header {
            error = w.write_record(MESSAGE_HEADER).err().map(io::Error::other);
        }
        MessageWriter { w, clock: Clock::new(s.start_date), replication: replication.to_string(), error }
    }

    pub fn finish(self) -> io::Result<W> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.w.into_inner().map_err(|e| io::Error::other(e.to_string()))
    }

    fn row(&mut self, t: SimTime, c: &ConvMeta, sender: Sender, event: MessageEvent) {
        if self.error.is_some() {
            return;
        }
        let id = c.id.to_string();
        let time = self.clock.iso(t);
        let rec = [self.replication.as_str(), id.as_str(), time.as_str(), sender.key(), event.key()];
        if let Err(e) = self.w.write_record(rec) {
            self.error = Some(io::Error::other(e));
        }
    }
}

impl<W: Write> Observer for MessageWriter<W> {
    fn arrival(&mut self, t: SimTime, c: &ConvMeta, _recontact: bool) {
        self.row(t, c, Sender::Customer, MessageEvent::Message);
    }
    fn assigned(&mut self, t: SimTime, c: &ConvMeta, _agent: u32) {
        self.row(t, c, Sender::Agent, MessageEvent::Assign);
    }
    fn parked(&mut self, t: SimTime, c: &ConvMeta) {
        self.row(t, c, Sender::Agent, MessageEvent::Park);
    }
    fn reader_joined(&mut self, t: SimTime, c: &ConvMeta) {
        self.row(t, c, Sender::Agent, MessageEvent::ReaderJoin);
    }
    fn transferred(&mut self, t: SimTime, old: &ConvMeta, _new: &ConvMeta) {
        self.row(t, old, Sender::Agent, MessageEvent::Transfer);
    }
    fn message(&mut self, t: SimTime, c: &ConvMeta, sender: Sender) {
        self.row(t, c, sender, MessageEvent::Message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_keys_parse_back() {
        for e in [
            MessageEvent::Message,
            MessageEvent::Assign,
            MessageEvent::Park,
            MessageEvent::ReaderJoin,
            MessageEvent::Transfer,
        ] {
            assert_eq!(MessageEvent::parse(e.key()), Some(e));
        }
        assert_eq!(MessageEvent::parse("typing"), None);
    }
}
