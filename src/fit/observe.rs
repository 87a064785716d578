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

/// Who waits for whom while a conversation's messages are walked.
#[derive(Default)]
struct Walk {
    assigned: bool,
    /// The customer wrote (or an agent took it) and awaits the agent since then.
    agent_since: Option<i64>,
    /// The agent wrote and awaits the customer since then.
    silence: Option<i64>,
    /// A messaging silence the agent may still park.
    park_since: Option<i64>,
    agent_msgs: u32,
}

/// Walks one conversation's messages: who waits for whom, and for how long.
fn dialogue(c: &Conversation, msgs: &[Message], child: Option<i64>, end: i64, ch: &mut ChannelObs) {
    let live_chat = is_live_chat(c.channel_code);
    let mut w = Walk::default();
    for m in msgs {
        let t = m.time_ms;
        match (m.event, m.sender) {
            (MessageEvent::Message, Sender::Customer) => {
                if let Some(s) = w.silence.take() {
                    ch.customer_response.push(Obs::event(secs(t - s)));
                }
                if let Some(p) = w.park_since.take() {
                    ch.park.push(Obs::censored(secs(t - p)));
                }
                if w.assigned && w.agent_since.is_none() {
                    w.agent_since = Some(t);
                }
            }
            (MessageEvent::Message, Sender::Agent) => {
                if let Some(a) = w.agent_since.take() {
                    ch.agent_response.push(Obs::event(secs(t - a)));
                }
                w.agent_msgs += 1;
                w.silence = Some(t);
                w.park_since = (!live_chat).then_some(t);
            }
            (MessageEvent::Assign, _) => {
                w.assigned = true;
                if w.silence.is_none() && w.agent_since.is_none() {
                    w.agent_since = Some(t);
                }
            }
            (MessageEvent::Park, _) => {
                w.assigned = false;
                if let Some(p) = w.park_since.take() {
                    ch.park.push(Obs::event(secs(t - p)));
                }
            }
            (MessageEvent::Transfer, _) => {
                w.assigned = false;
                if let Some(a) = w.agent_since.take() {
                    ch.agent_response.push(Obs::censored(secs(t - a)));
                }
            }
            (MessageEvent::ReaderJoin, _) => {}
        }
    }
    dialogue_end(c, &w, child, end, live_chat, ch);
}

/// What is still waiting when the dialogue ends (wrap-up, closure or the window's end).
fn dialogue_end(c: &Conversation, w: &Walk, child: Option<i64>, end: i64, live_chat: bool, ch: &mut ChannelObs) {
    let stop = c.wrap_up_ms.or(c.closed_ms).unwrap_or(end);
    if let Some(p) = w.park_since {
        ch.park.push(Obs::censored(secs(stop - p)));
    }
    let ended_by_agent = c.wrap_up_ms.is_some() && !c.auto_wrap_up && w.agent_since.is_some() && w.silence.is_none();
    if let Some(a) = w.agent_since {
        ch.agent_response.push(Obs { t_s: secs(stop - a), event: ended_by_agent });
    }
    if let Some(s) = w.silence {
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
    if w.agent_msgs > 0 {
        ch.exchanges.push(CountObs { k: w.agent_msgs, event: ended_by_agent });
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

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn conv(id: &str, created: i64, closed: Option<i64>, recontact_of: Option<&str>) -> Conversation {
        Conversation {
            line: 2,
            replication: 0,
            id: id.into(),
            created_ms: created,
            assigned_ms: Some(created),
            wrap_up_ms: None,
            closed_ms: closed,
            channel: "whatsapp".into(),
            channel_code: Some(192300000),
            queue: "q".into(),
            reason: closed.map(|_| "auto_close_waiting".into()),
            recontact_of: recontact_of.map(Into::into),
            auto_wrap_up: false,
            links: true,
        }
    }

    fn msg(line: usize, t: i64, sender: Sender, event: MessageEvent) -> Message {
        Message { line, time_ms: t, sender, event }
    }

    #[test]
    fn a_reply_after_an_auto_close_is_timed_by_its_recontact_and_an_unanswered_one_runs_to_the_end() {
        // a: agent writes at 1m, parked at 11m, auto-closed at 5h; the customer writes again
        // at 6h (conversation b). c: agent writes at 1m, never answered, closed at 5h.
        let day = 86_400_000;
        let convs = [
            conv("a", 0, Some(300 * MIN), None),
            conv("b", 360 * MIN, None, Some("a")),
            conv("c", 0, Some(300 * MIN), None),
        ];
        let mut log: MessageLog = HashMap::new();
        for id in ["a", "c"] {
            log.insert(
                (0, id.into()),
                vec![
                    msg(1, 0, Sender::Customer, MessageEvent::Message),
                    msg(2, 0, Sender::Agent, MessageEvent::Assign),
                    msg(3, MIN, Sender::Agent, MessageEvent::Message),
                ],
            );
        }
        log.get_mut(&(0, "a".into())).expect("a").push(msg(4, 11 * MIN, Sender::Agent, MessageEvent::Park));
        let o = observe(&convs, Some(&log));
        assert_eq!((o.window.days, o.recontacts), (1, 1));
        let ch = &o.channels["whatsapp"];
        let secs_of = |m: i64| m as f64 / 1000.0;
        assert_eq!(
            ch.customer_response,
            vec![Obs::event(secs_of(359 * MIN)), Obs::censored(secs_of(day - MIN))],
            "a's silence ends at b's creation; c's is censored at the window's end"
        );
        assert_eq!(ch.park, vec![Obs::event(secs_of(10 * MIN)), Obs::censored(secs_of(299 * MIN))]);
        assert_eq!(ch.agent_response, vec![Obs::event(60.0), Obs::event(60.0)]);
        assert_eq!(ch.exchanges, vec![CountObs { k: 1, event: false }, CountObs { k: 1, event: false }]);
        // Arrivals leave the re-contact out.
        assert_eq!(o.arrivals[&("whatsapp".to_string(), "q".to_string())], vec![(0, 0), (0, 0)]);
    }
}
