//! Reads an operator's export from its text: conversations in the `msdyn_liveconversation`
//! columns of seed 004 (or autoclose's own `conversations.csv`, which has them and more) and a
//! message log in the shape of `messages.csv`. Parses only; the CLI reads the files.

use crate::engine::Sender;
use crate::output::messages_csv::MessageEvent;
use chrono::{DateTime, NaiveDateTime};
use std::collections::HashMap;

/// A problem in an export, with the file and where in it.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ExportError {
    #[error("{file}: no column `{column}` ({why}); the columns found: {found}")]
    MissingColumn { file: String, column: String, why: String, found: String },
    #[error("{file}:{line}:{col}: {field}: expected an ISO 8601 timestamp such as 2026-01-05T13:00:00.000Z (or `2026-01-05 13:00:00`, UTC), got {value:?}")]
    Timestamp { file: String, line: usize, col: usize, field: String, value: String },
    /// `at` is `FILE:LINE:COL: FIELD`.
    #[error("{at}: conversation {id} is closed at {closed}, before it was created at {created}; fix or drop the row")]
    ClosedBeforeCreated { at: String, id: String, closed: String, created: String },
    #[error("{file}:{line}:{col}: {field}: {msg}")]
    Value { file: String, line: usize, col: usize, field: String, msg: String },
    #[error("{file}:{line}: cannot read the record: {msg}")]
    Record { file: String, line: usize, msg: String },
    #[error("{file}: no conversations: the file has a header but no rows")]
    Empty { file: String },
}

/// One conversation of the export. Instants are milliseconds since 1970-01-01 UTC.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    pub line: usize,
    /// (replication, id): autoclose's own export numbers conversations per replication.
    pub replication: u32,
    pub id: String,
    pub created_ms: i64,
    /// First assignment to an agent (autoclose's `first_assigned_on`, else
    /// `msdyn_activeagentassignedon`).
    pub assigned_ms: Option<i64>,
    pub wrap_up_ms: Option<i64>,
    pub closed_ms: Option<i64>,
    /// The channel's name (autoclose's `channel`, else from the `msdyn_channel` option value).
    pub channel: String,
    pub channel_code: Option<u64>,
    pub queue: String,
    /// autoclose's `close_reason` (`agent_end`, `queue_abandon`, `auto_close_open`, ...).
    pub reason: Option<String>,
    pub recontact_of: Option<String>,
    /// An auto-close rule moved it from Active to Wrap-up.
    pub auto_wrap_up: bool,
    /// The export links re-contacts (autoclose's `recontact_of`): a customer who wrote after
    /// the closure shows as a new conversation, so a closed silence without one was never
    /// answered before the export ended.
    pub links: bool,
}

/// One row of a message log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Message {
    pub line: usize,
    pub time_ms: i64,
    pub sender: Sender,
    pub event: MessageEvent,
}

/// Parses an ISO 8601 timestamp (with `Z` or an offset, or without one: UTC) to milliseconds
/// since 1970-01-01 UTC.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.timestamp_millis());
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(d.and_utc().timestamp_millis());
        }
    }
    None
}

/// A channel name from a `msdyn_channel` option value (seed 004); a multi-select value
/// (`192300000;192340000`) is read by its first option.
pub fn channel_name(code: u64) -> String {
    match code {
        19241000 => "teams".into(),
        192300000 => "whatsapp".into(),
        192310000 => "line".into(),
        192320000 => "wechat".into(),
        192330000 => "facebook".into(),
        192340000 => "sms".into(),
        192350000 => "entity_records".into(),
        192350001 => "twitter".into(),
        192350002 => "custom".into(),
        192360000 => "livechat".into(),
        192370000 => "voice".into(),
        192380000 => "video".into(),
        192390000 => "cobrowse".into(),
        192400000 => "screen_sharing".into(),
        other => format!("channel_{other}"),
    }
}

/// A name safe for a scenario (`a-z 0-9 _ -`, 1 to 100 characters).
pub fn safe_name(s: &str) -> String {
    let mut out: String = s
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' })
        .take(100)
        .collect();
    if out.is_empty() {
        out.push_str("unnamed");
    }
    out
}

struct Table<'a> {
    file: &'a str,
    names: Vec<String>,
}

impl Table<'_> {
    fn find(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.names.iter().position(|h| h == n))
    }
    fn require(&self, names: &[&str], why: &str) -> Result<usize, ExportError> {
        self.find(names).ok_or_else(|| ExportError::MissingColumn {
            file: self.file.to_string(),
            column: names.join("` or `"),
            why: why.to_string(),
            found: self.names.join(", "),
        })
    }
}

fn reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.as_bytes())
}

fn header<'a>(file: &'a str, rdr: &mut csv::Reader<&[u8]>) -> Result<Table<'a>, ExportError> {
    let h = rdr.headers().map_err(|e| ExportError::Record { file: file.into(), line: 1, msg: e.to_string() })?;
    Ok(Table { file, names: h.iter().map(|s| s.trim().trim_start_matches('\u{feff}').to_string()).collect() })
}

/// Reads cell `col` of a record as an optional timestamp.
fn time_cell(t: &Table, rec: &csv::StringRecord, line: usize, col: usize) -> Result<Option<i64>, ExportError> {
    let v = rec.get(col).unwrap_or("").trim();
    if v.is_empty() {
        return Ok(None);
    }
    parse_timestamp(v).map(Some).ok_or_else(|| ExportError::Timestamp {
        file: t.file.into(),
        line,
        col: col + 1,
        field: t.names[col].clone(),
        value: v.chars().take(40).collect(),
    })
}

fn record_at(file: &str, r: Result<csv::StringRecord, csv::Error>) -> Result<(csv::StringRecord, usize), ExportError> {
    match r {
        Ok(rec) => {
            let line = rec.position().map_or(0, |p| p.line() as usize);
            Ok((rec, line))
        }
        Err(e) => {
            let line = e.position().map_or(0, |p| p.line() as usize);
            Err(ExportError::Record { file: file.into(), line, msg: e.to_string() })
        }
    }
}

/// Where each field of a conversation is in the export's columns.
struct ConvColumns {
    id: usize,
    created: usize,
    assigned: usize,
    wrap: usize,
    closed: usize,
    queue: usize,
    code: Option<usize>,
    name: Option<usize>,
    rep: Option<usize>,
    reason: Option<usize>,
    recontact: Option<usize>,
    auto: Option<usize>,
}

impl ConvColumns {
    fn find(t: &Table) -> Result<ConvColumns, ExportError> {
        let c = ConvColumns {
            id: t.require(&["msdyn_liveconversationid", "conversation_id"], "each conversation's id")?,
            created: t.require(&["msdyn_createdon"], "when the customer wrote first: arrivals")?,
            assigned: t.require(&["first_assigned_on", "msdyn_activeagentassignedon"], "queue waits and patience")?,
            wrap: t.require(&["msdyn_wrapupinitiatedon"], "wrap-up durations")?,
            closed: t.require(&["msdyn_closedon"], "closures: patience, wrap-up")?,
            queue: t.require(&["msdyn_queueid", "msdyn_cdsqueueid"], "arrival rates per queue")?,
            code: t.find(&["msdyn_channel"]),
            name: t.find(&["channel"]),
            rep: t.find(&["replication"]),
            reason: t.find(&["close_reason"]),
            recontact: t.find(&["recontact_of"]),
            auto: t.find(&["auto_moved_to_wrap_up"]),
        };
        if c.code.is_none() && c.name.is_none() {
            t.require(&["msdyn_channel"], "arrival rates per channel")?;
        }
        Ok(c)
    }
}

/// Reads the conversations of an export named `file` (for messages) from its text.
pub fn read_conversations(file: &str, text: &str) -> Result<Vec<Conversation>, ExportError> {
    let mut rdr = reader(text);
    let t = header(file, &mut rdr)?;
    let cols = ConvColumns::find(&t)?;
    let mut out = Vec::new();
    for r in rdr.records() {
        let (rec, line) = record_at(file, r)?;
        out.push(conversation(&t, &cols, &rec, line)?);
    }
    if out.is_empty() {
        return Err(ExportError::Empty { file: file.into() });
    }
    Ok(out)
}

/// One row of the conversations export.
fn conversation(t: &Table, k: &ConvColumns, rec: &csv::StringRecord, line: usize) -> Result<Conversation, ExportError> {
    let file = t.file;
    let cell = |c: usize| rec.get(c).unwrap_or("").trim();
    let opt = |c: Option<usize>| c.map(cell).filter(|v| !v.is_empty()).map(str::to_string);
    let value_err = |c: usize, msg: String| ExportError::Value {
        file: file.into(),
        line,
        col: c + 1,
        field: t.names[c].clone(),
        msg,
    };
    let replication = match k.rep {
        Some(c) if !cell(c).is_empty() => cell(c)
            .parse::<u32>()
            .map_err(|_| value_err(c, format!("expected a replication number, got {:?}", cell(c))))?,
        _ => 0,
    };
    let created_ms = time_cell(t, rec, line, k.created)?
        .ok_or_else(|| value_err(k.created, "every conversation needs its creation time".into()))?;
    let closed_ms = time_cell(t, rec, line, k.closed)?;
    if closed_ms.is_some_and(|c| c < created_ms) {
        return Err(ExportError::ClosedBeforeCreated {
            at: format!("{file}:{line}:{}: {}", k.closed + 1, t.names[k.closed]),
            id: cell(k.id).to_string(),
            closed: cell(k.closed).to_string(),
            created: cell(k.created).to_string(),
        });
    }
    let channel_code = match k.code.map(|c| (c, cell(c))).filter(|(_, v)| !v.is_empty()) {
        None => None,
        Some((c, v)) => {
            let first = v.split([';', ',']).next().unwrap_or("").trim();
            Some(first.parse::<u64>().map_err(|_| {
                value_err(c, format!("expected an option value such as 192300000 (WhatsApp), got {v:?}"))
            })?)
        }
    };
    let channel = match (opt(k.name), channel_code) {
        (Some(n), _) => safe_name(&n),
        (None, Some(code)) => channel_name(code),
        (None, None) => "unknown".into(),
    };
    Ok(Conversation {
        line,
        replication,
        id: cell(k.id).to_string(),
        created_ms,
        assigned_ms: time_cell(t, rec, line, k.assigned)?,
        wrap_up_ms: time_cell(t, rec, line, k.wrap)?,
        closed_ms,
        channel,
        channel_code,
        queue: safe_name(cell(k.queue)),
        reason: opt(k.reason),
        recontact_of: opt(k.recontact),
        auto_wrap_up: k.auto.map(cell) == Some("true"),
        links: k.recontact.is_some(),
    })
}

/// Messages of each conversation, keyed by (replication, conversation id), in time order
/// (rows at one instant keep their file order).
pub type MessageLog = HashMap<(u32, String), Vec<Message>>;

/// Reads a message log (`messages.csv`, or any export with these columns).
pub fn read_messages(file: &str, text: &str) -> Result<MessageLog, ExportError> {
    let mut rdr = reader(text);
    let t = header(file, &mut rdr)?;
    let id_c = t.require(
        &["conversation_id", "conversationId", "msdyn_liveconversationid"],
        "which conversation a message is in",
    )?;
    let time_c = t.require(&["time"], "when it was sent")?;
    let by_c = t.require(&["sent_by", "sentBy"], "who sent it: customer or agent")?;
    let ev_c = t.find(&["event"]);
    let rep_c = t.find(&["replication"]);
    let mut log: MessageLog = HashMap::new();
    for r in rdr.records() {
        let (rec, line) = record_at(file, r)?;
        let cell = |c: usize| rec.get(c).unwrap_or("").trim();
        let value_err = |c: usize, msg: String| ExportError::Value {
            file: file.into(),
            line,
            col: c + 1,
            field: t.names[c].clone(),
            msg,
        };
        let time_ms = time_cell(&t, &rec, line, time_c)?
            .ok_or_else(|| value_err(time_c, "every message needs its time".into()))?;
        let sender = match cell(by_c).to_lowercase().as_str() {
            "customer" | "consumer" => Sender::Customer,
            "agent" => Sender::Agent,
            other => return Err(value_err(by_c, format!("expected customer or agent, got {other:?}"))),
        };
        let event = match ev_c.map(cell).filter(|v| !v.is_empty()) {
            None => MessageEvent::Message,
            Some(v) => MessageEvent::parse(v).ok_or_else(|| {
                value_err(
                    ev_c.expect("a value should come from a column"),
                    format!("expected message, assign, park, reader_join or transfer, got {v:?}"),
                )
            })?,
        };
        let replication = match rep_c {
            Some(c) if !cell(c).is_empty() => cell(c)
                .parse::<u32>()
                .map_err(|_| value_err(c, format!("expected a replication number, got {:?}", cell(c))))?,
            _ => 0,
        };
        log.entry((replication, cell(id_c).to_string())).or_default().push(Message { line, time_ms, sender, event });
    }
    for msgs in log.values_mut() {
        msgs.sort_by_key(|m| (m.time_ms, m.line));
    }
    Ok(log)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_the_usual_export_forms() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:01.500Z"), Some(1500));
        assert_eq!(parse_timestamp("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_timestamp("1970-01-01 00:01:00"), Some(60_000));
        assert_eq!(parse_timestamp("01/05/2026 13:00"), None);
    }

    #[test]
    fn a_missing_column_is_named_with_the_columns_found() {
        let e = read_conversations("x.csv", "msdyn_liveconversationid,msdyn_createdon\n1,2026-01-05T00:00:00Z\n")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.csv: no column `first_assigned_on` or `msdyn_activeagentassignedon` (queue waits and patience); the columns found: msdyn_liveconversationid, msdyn_createdon"
        );
    }

    #[test]
    fn names_become_scenario_names() {
        assert_eq!(safe_name("Billing Queue (EU)"), "billing_queue__eu_");
        assert_eq!(channel_name(192360000), "livechat");
    }
}
