//! Turns an export into censored observations per channel: queue patience, agent and customer
//! response times, parks, exchanges, wrap-up durations, live-chat disconnects, and arrival
//! instants per (channel, queue). Pure.

use super::export::{Conversation, Message, MessageLog};
use super::km::Obs;
use super::select::CountObs;
use crate::engine::Sender;
use crate::output::messages_csv::MessageEvent;
use std::collections::{BTreeMap, HashMap};

const MS_PER_DAY: i64 = 86_400_000;

/// The observed days: whole UTC days from the first creation's midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start_ms: i64,
    pub days: usize,
    /// Weekday of the first day, 0 = Monday.
    pub weekday0: usize,
    pub replications: usize,
}

impl Window {
    pub fn end_ms(&self) -> i64 {
        self.start_ms + self.days as i64 * MS_PER_DAY
    }
}

/// The window of an export: from the midnight before its first creation to the midnight at or
/// after its last, in whole days.
pub fn window(convs: &[Conversation]) -> Window {
    let first = convs.iter().map(|c| c.created_ms).min().unwrap_or(0);
    let last = convs.iter().map(|c| c.created_ms).max().unwrap_or(0);
    let start_ms = first.div_euclid(MS_PER_DAY) * MS_PER_DAY;
    let days = ((last - start_ms) / MS_PER_DAY + 1).max(1) as usize;
    // 1970-01-01 was a Thursday (3 with Monday = 0).
    let weekday0 = ((start_ms.div_euclid(MS_PER_DAY) + 3).rem_euclid(7)) as usize;
    let mut reps: Vec<u32> = convs.iter().map(|c| c.replication).collect();
    reps.sort_unstable();
    reps.dedup();
    Window { start_ms, days, weekday0, replications: reps.len().max(1) }
}

/// What one channel's conversations show.
#[derive(Debug, Clone, Default)]
pub struct ChannelObs {
    pub conversations: usize,
    pub patience: Vec<Obs>,
    pub agent_response: Vec<Obs>,
    pub customer_response: Vec<Obs>,
    /// From an agent message to the agent parking the silent conversation.
    pub park: Vec<Obs>,
    pub exchanges: Vec<CountObs>,
    pub wrap_up: Vec<Obs>,
    /// Live chat: silences the customer ended by leaving (a wrap-up with the agent's
    /// message last), in seconds.
    pub disconnect_s: Vec<f64>,
    /// Silences answered by a re-contact (the customer wrote after the closure).
    pub replies_by_recontact: usize,
}

/// Everything the fit is made from.
#[derive(Debug, Clone)]
pub struct Observations {
    pub window: Window,
    pub channels: BTreeMap<String, ChannelObs>,
    pub channel_codes: BTreeMap<String, Option<u64>>,
    /// (channel, queue) -> (observed day index over every replication, hour of day).
    pub arrivals: BTreeMap<(String, String), Vec<(usize, usize)>>,
    /// Weekday of each observed day index.
    pub day_weekday: Vec<usize>,
    pub recontacts: usize,
    pub with_messages: bool,
    /// Most conversations assigned at once (between assignment and wrap-up or closure).
    pub peak_assigned: usize,
}

fn secs(ms: i64) -> f64 {
    ms.max(0) as f64 / 1000.0
}

/// Builds the observations. Arrivals are the conversations that are not re-contacts; a
/// conversation still open at the window's end is censored there.
pub fn observe(convs: &[Conversation], log: Option<&MessageLog>) -> Observations {
    let w = window(convs);
    let end = w.end_ms();
    let mut channels: BTreeMap<String, ChannelObs> = BTreeMap::new();
    let mut channel_codes = BTreeMap::new();
    let mut arrivals: BTreeMap<(String, String), Vec<(usize, usize)>> = BTreeMap::new();
    let rep_index: BTreeMap<u32, usize> = {
        let mut r: Vec<u32> = convs.iter().map(|c| c.replication).collect();
        r.sort_unstable();
        r.dedup();
        r.into_iter().enumerate().map(|(i, r)| (r, i)).collect()
    };
    let children: HashMap<(u32, &str), i64> =
        convs.iter().filter_map(|c| c.recontact_of.as_deref().map(|p| ((c.replication, p), c.created_ms))).collect();
    let mut recontacts = 0;
    for c in convs {
        channel_codes.entry(c.channel.clone()).or_insert(c.channel_code);
        let ch = channels.entry(c.channel.clone()).or_default();
        ch.conversations += 1;
        if c.recontact_of.is_some() {
            recontacts += 1;
        } else {
            let since = c.created_ms - w.start_ms;
            let day = (since / MS_PER_DAY) as usize + rep_index[&c.replication] * w.days;
            let hour = ((since % MS_PER_DAY) / 3_600_000) as usize;
            arrivals.entry((c.channel.clone(), c.queue.clone())).or_default().push((day, hour));
        }
        ch.patience.push(patience(c, end));
        if let Some(wu) = c.wrap_up_ms {
            let done = c.closed_ms.filter(|_| c.reason.as_deref().is_none_or(|r| r == "agent_end"));
            ch.wrap_up.push(match done {
                Some(cl) => Obs::event(secs(cl - wu)),
                None => Obs::censored(secs(c.closed_ms.unwrap_or(end) - wu)),
            });
        }
        if let Some(msgs) = log.and_then(|l| l.get(&(c.replication, c.id.clone()))) {
            let child = children.get(&(c.replication, c.id.as_str())).copied();
            dialogue(c, msgs, child, end, ch);
        }
    }
    let day_weekday = (0..w.days * w.replications).map(|d| (w.weekday0 + d % w.days) % 7).collect();
    let peak_assigned = peak_assigned(convs, end);
    Observations {
        window: w,
        channels,
        channel_codes,
        arrivals,
        day_weekday,
        recontacts,
        with_messages: log.is_some(),
        peak_assigned,
    }
}

/// The first queue wait: an abandonment ends it (a closure before assignment that is not an
/// auto-close), an assignment, an auto-close or the window's end censors it.
fn patience(c: &Conversation, end: i64) -> Obs {
    match (c.assigned_ms, c.closed_ms) {
        (Some(a), _) => Obs::censored(secs(a - c.created_ms)),
        (None, Some(cl)) => {
            let abandoned = c.reason.as_deref().is_none_or(|r| r == "queue_abandon");
            Obs { t_s: secs(cl - c.created_ms), event: abandoned }
        }
        (None, None) => Obs::censored(secs(end - c.created_ms)),
    }
}

/// Walks one conversation's messages: who waits for whom, and for how long.
fn dialogue(c: &Conversation, msgs: &[Message], child: Option<i64>, end: i64, ch: &mut ChannelObs) {
    let live_chat = is_live_chat(c.channel_code);
    let mut assigned = false;
    let mut agent_since: Option<i64> = None;
    let mut silence: Option<i64> = None;
    let mut park_since: Option<i64> = None;
    let mut agent_msgs = 0u32;
    for m in msgs {
        let t = m.time_ms;
        match (m.event, m.sender) {
            (MessageEvent::Message, Sender::Customer) => {
                if let Some(s) = silence.take() {
                    ch.customer_response.push(Obs::event(secs(t - s)));
                }
                if let Some(p) = park_since.take() {
                    ch.park.push(Obs::censored(secs(t - p)));
                }
                if assigned && agent_since.is_none() {
                    agent_since = Some(t);
                }
            }
            (MessageEvent::Message, Sender::Agent) => {
                if let Some(a) = agent_since.take() {
                    ch.agent_response.push(Obs::event(secs(t - a)));
                }
                agent_msgs += 1;
                silence = Some(t);
                park_since = (!live_chat).then_some(t);
            }
            (MessageEvent::Assign, _) => {
                assigned = true;
                if silence.is_none() && agent_since.is_none() {
                    agent_since = Some(t);
                }
            }
            (MessageEvent::Park, _) => {
                assigned = false;
                if let Some(p) = park_since.take() {
                    ch.park.push(Obs::event(secs(t - p)));
                }
            }
            (MessageEvent::Transfer, _) => {
                assigned = false;
                if let Some(a) = agent_since.take() {
                    ch.agent_response.push(Obs::censored(secs(t - a)));
                }
            }
            (MessageEvent::ReaderJoin, _) => {}
        }
    }
    let stop = c.wrap_up_ms.or(c.closed_ms).unwrap_or(end);
    if let Some(p) = park_since {
        ch.park.push(Obs::censored(secs(stop - p)));
    }
    let ended_by_agent = c.wrap_up_ms.is_some() && !c.auto_wrap_up && agent_since.is_some() && silence.is_none();
    if let Some(a) = agent_since {
        ch.agent_response.push(Obs { t_s: secs(stop - a), event: ended_by_agent });
    }
    if let Some(s) = silence {
        match (c.wrap_up_ms, child) {
            (None, Some(reply)) => {
                ch.customer_response.push(Obs::event(secs(reply - s)));
                ch.replies_by_recontact += 1;
            }
            (Some(wu), _) if live_chat && !c.auto_wrap_up => {
                ch.customer_response.push(Obs::censored(secs(wu - s)));
                ch.disconnect_s.push(secs(wu - s));
            }
            // Closed unanswered: with re-contact links the export shows no reply up to its end.
            (None, None) if c.links && c.closed_ms.is_some() => ch.customer_response.push(Obs::censored(secs(end - s))),
            _ => ch.customer_response.push(Obs::censored(secs(stop - s))),
        }
    }
    if agent_msgs > 0 {
        ch.exchanges.push(CountObs { k: agent_msgs, event: ended_by_agent });
    }
}

/// Live chat and the other synchronous channels of seed 004 (voice, video, co-browse, screen
/// sharing) have no Waiting state.
pub fn is_live_chat(code: Option<u64>) -> bool {
    matches!(code, Some(192360000 | 192370000 | 192380000 | 192390000 | 192400000))
}

fn peak_assigned(convs: &[Conversation], end: i64) -> usize {
    let mut by_rep: BTreeMap<u32, Vec<(i64, i32)>> = BTreeMap::new();
    for c in convs {
        if let Some(a) = c.assigned_ms {
            let stop = c.wrap_up_ms.or(c.closed_ms).unwrap_or(end);
            let v = by_rep.entry(c.replication).or_default();
            v.push((a, 1));
            v.push((stop, -1));
        }
    }
    let mut peak = 0;
    for v in by_rep.values_mut() {
        v.sort_unstable();
        let mut n = 0i32;
        for &(_, d) in v.iter() {
            n += d;
            peak = peak.max(n);
        }
    }
    peak.max(1) as usize
}
