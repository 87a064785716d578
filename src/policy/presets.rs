//! Platform presets: the documented defaults of Dynamics 365 (seeds 000, 002), LivePerson
//! (seed 001), WhatsApp4Dynamics (seed 003), the exact-timer baseline and the platforms of
//! PLATFORMS.md (Dynamics 365 Contact Center's current page, Salesforce, Zendesk, Twilio,
//! Amazon Connect, Quiq), their figures, and the range rules each platform enforces.
//!
//! Pure data and checks: the scenario reader layers a preset under the user's `[policy]` and
//! asks the checks about the final values, reporting any refusal at the offending key.

use super::{Clock, CloseAction, Preset, Scheduler, SchedulerKind, SweepSpec};
use crate::time::SimDuration;

/// Preset names as written in scenario files.
pub const NAMES: [(&str, Preset); 11] = [
    ("dynamics", Preset::Dynamics),
    ("liveperson", Preset::LivePerson),
    ("whatsapp4dynamics", Preset::WhatsApp4Dynamics),
    ("exact", Preset::Exact),
    ("dynamics_cc", Preset::DynamicsCc),
    ("salesforce", Preset::Salesforce),
    ("zendesk", Preset::Zendesk),
    ("twilio", Preset::Twilio),
    ("amazon_connect", Preset::AmazonConnect),
    ("quiq", Preset::Quiq),
    ("servicenow", Preset::ServiceNow),
];

/// `msdyn_channel` option value of Dynamics voice (seed 004), whose defaults differ.
pub const MSDYN_VOICE: u32 = 192_370_000;

/// Sweep intervals the WhatsApp4Dynamics flow can be set to (seed 003).
pub const W4D_INTERVALS_MIN: [u64; 4] = [12 * 60, 2 * 60, 60, 30];

/// LivePerson's hard cap on inactivity and longest timeout (seed 001).
pub const LIVEPERSON_MAX_DAYS: u64 = 90;
/// LivePerson's shortest timeout and sweep interval, in minutes (seed 001).
pub const LIVEPERSON_MIN_MINUTES: u64 = 25;

impl Preset {
    pub fn by_name(name: &str) -> Option<Preset> {
        NAMES.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
    }

    pub fn name(self) -> &'static str {
        NAMES.iter().find(|(_, p)| *p == self).map(|(n, _)| *n).expect("every preset is listed in NAMES")
    }
}

/// What a preset sets for one channel, per open state (index `State::open_index`).
/// `None` leaves the built-in default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PresetLayer {
    pub clock: [Option<Clock>; 4],
    /// `Some(None)`: no timeout in that state.
    pub timeouts: [Option<Option<SimDuration>>; 4],
    pub actions: [Option<CloseAction>; 4],
    /// Index into `schedulers(preset)` of the scheduler each state's rule uses (default 0).
    pub schedulers: [Option<usize>; 4],
    /// Per open state: close only while the customer has not answered the agent.
    pub pending_consumer_only: [Option<bool>; 4],
    pub exempt_manual_response_time: Option<bool>,
    pub reader_resets_clock: Option<bool>,
}

const fn min(m: u64) -> SimDuration {
    SimDuration(m * crate::time::MS_PER_MIN)
}
const fn hours(h: u64) -> SimDuration {
    SimDuration(h * crate::time::MS_PER_HOUR)
}
const fn days(d: u64) -> SimDuration {
    SimDuration(d * crate::time::MS_PER_DAY)
}

/// One figure of a platform, set under `[policy.<preset>]` by the platform's own name for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Setting {
    pub key: &'static str,
    /// The documented default; `None`: the platform publishes none, so the scenario must set it.
    pub default: Option<SimDuration>,
    /// `"none"` switches the figure off (the platform lets it be unset).
    pub allows_none: bool,
    /// Documented bounds, both inclusive.
    pub range: Option<(SimDuration, SimDuration)>,
    /// Whole multiples of this (minutes, hours).
    pub step: Option<SimDuration>,
    /// The documented rule, with its source, quoted when a value is refused or missing.
    pub rule: &'static str,
    /// A value shown in the message when the setting is missing.
    pub example: &'static str,
}

const fn setting(key: &'static str, default: Option<SimDuration>, rule: &'static str) -> Setting {
    Setting { key, default, allows_none: false, range: None, step: None, rule, example: "30m" }
}

const DYNAMICS_CC_SETTINGS: [Setting; 1] = [Setting {
    allows_none: true,
    step: Some(min(1)),
    example: "1d",
    ..setting(
        "waiting_inactivity",
        None,
        "a Waiting conversation closes after the workstream's \"auto-close after inactivity\", in whole minutes, \
         for which the product page gives no default (learn.microsoft.com, dynamics-365 customer-service, \
         administer/auto-close-conversation-powerapps)",
    )
}];

const SALESFORCE_SETTINGS: [Setting; 2] = [
    Setting {
        range: Some((min(5), min(30))),
        step: Some(min(1)),
        example: "10m",
        ..setting(
            "customer_inactivity",
            None,
            "the customer-inactivity limit is 5 to 30 minutes, timed from the rep's first reply after the \
             customer's last message, and has no published default (help.salesforce.com, \
             service.livemessage_agent_inactivate_session)",
        )
    },
    Setting {
        example: "24h",
        ..setting(
            "inactive_session_end",
            Some(hours(24)),
            "inactive sessions end after about 24 hours (help.salesforce.com, service.messaging_auto_end)",
        )
    },
];

const ZENDESK_SETTINGS: [Setting; 2] = [
    setting(
        "inactive_after",
        Some(min(10)),
        "a messaging conversation becomes inactive, releasing the agent's capacity, after 10 minutes without an \
         end-user reply by default (support.zendesk.com, article 9496171412378)",
    ),
    Setting {
        range: Some((hours(1), days(28))),
        step: Some(hours(1)),
        example: "96h",
        ..setting(
            "close_after",
            Some(days(4)),
            "automations count whole hours and close a solved ticket 4 days after by default, 28 days at most \
             (support.zendesk.com, articles 4408835051546 and 7043034053658)",
        )
    },
];

const TWILIO_SETTINGS: [Setting; 2] = [
    Setting {
        allows_none: true,
        range: Some((min(1), days(3650))),
        ..setting(
            "timers_inactive",
            None,
            "timers.inactive moves an active conversation to inactive after at least 1 minute from its last \
             message, and has no published default (twilio.com/docs/conversations, configuration-resource, \
             states-timers)",
        )
    },
    Setting {
        allows_none: true,
        range: Some((min(10), days(3650))),
        example: "1d",
        ..setting(
            "timers_closed",
            None,
            "timers.closed closes an active or inactive conversation after at least 10 minutes from its last \
             message, and has no published default (twilio.com/docs/conversations, configuration-resource, \
             states-timers)",
        )
    },
];

const CONNECT_TIMER_RULE: &str = "chat timers are set in whole minutes, 2 to 480 (8 hours); the auto-disconnect \
     timer starts once the idle timer has run out, both are reset by the customer's messages, and neither has a \
     published default (docs.aws.amazon.com/connect, setup-chat-timeouts, API_ParticipantTimerValue)";

const AMAZON_CONNECT_SETTINGS: [Setting; 3] = [
    Setting {
        allows_none: true,
        range: Some((min(2), min(480))),
        step: Some(min(1)),
        example: "15m",
        ..setting("customer_idle_timer", None, CONNECT_TIMER_RULE)
    },
    Setting {
        allows_none: true,
        range: Some((min(2), min(480))),
        step: Some(min(1)),
        example: "15m",
        ..setting("customer_auto_disconnect_timer", None, CONNECT_TIMER_RULE)
    },
    Setting {
        range: Some((min(60), min(10_080))),
        step: Some(min(1)),
        example: "1500m",
        ..setting(
            "chat_duration",
            Some(min(1500)),
            "a chat lasts at most 60 to 10,080 minutes, 1,500 minutes (25 hours) by default \
             (docs.aws.amazon.com/connect, setup-chat-timeouts)",
        )
    },
];

const QUIQ_SETTINGS: [Setting; 2] = [
    setting(
        "inactive_after",
        Some(hours(1)),
        "a conversation becomes inactive after 1 hour by default (knowledge.quiq.com, active-vs-inactive-conversations)",
    ),
    setting(
        "close_after",
        Some(hours(12)),
        "an inactive conversation is closed 12 hours later by default (knowledge.quiq.com, \
         active-vs-inactive-conversations)",
    ),
];

const SERVICENOW_SETTINGS: [Setting; 2] = [
    Setting {
        example: "6m",
        ..setting(
            "idle_cancel_after",
            Some(SimDuration(360_000)),
            "an agent chat the requester has not answered is cancelled 360 seconds after the last response, \
             checked by the idle-chat job every 2 minutes (ServiceNow docs, agent-chat ci-idle-chats)",
        )
    },
    Setting {
        example: "2h",
        ..setting(
            "abandoned_close_after",
            Some(SimDuration(7_200_000)),
            "an abandoned conversation closes after com.glide.cs.conversation_idle_timeout = 7200 seconds, \
             checked by the hourly abandoned-conversation job (ServiceNow docs, virtual-agent va-open-conversations)",
        )
    },
];

/// The figures a preset reads from `[policy.<preset>]`.
pub fn settings(preset: Preset) -> &'static [Setting] {
    match preset {
        Preset::DynamicsCc => &DYNAMICS_CC_SETTINGS,
        Preset::Salesforce => &SALESFORCE_SETTINGS,
        Preset::Zendesk => &ZENDESK_SETTINGS,
        Preset::Twilio => &TWILIO_SETTINGS,
        Preset::AmazonConnect => &AMAZON_CONNECT_SETTINGS,
        Preset::Quiq => &QUIQ_SETTINGS,
        Preset::ServiceNow => &SERVICENOW_SETTINGS,
        Preset::Dynamics | Preset::LivePerson | Preset::WhatsApp4Dynamics | Preset::Exact => &[],
    }
}

/// Checks one figure of `[policy.<preset>]` against its documented range and step.
pub fn check_setting(preset: Preset, s: &Setting, value: Option<SimDuration>, as_written: &str) -> Result<(), String> {
    let name = preset.name();
    let Some(v) = value else {
        return match s.allows_none {
            true => Ok(()),
            false => Err(format!("{name}: {} cannot be none: {}", s.key, s.rule)),
        };
    };
    let outside = s.range.is_some_and(|(lo, hi)| v < lo || v > hi);
    let off_step = s.step.is_some_and(|st| v.ms() % st.ms() != 0);
    match outside || off_step {
        true => Err(format!("{name}: {}: {}, got {as_written}", s.key, s.rule)),
        false => Ok(()),
    }
}

/// The message for a required figure the scenario did not set.
pub fn missing_setting(preset: Preset, s: &Setting) -> String {
    let name = preset.name();
    let none = if s.allows_none { " (or \"none\")" } else { "" };
    format!(
        "{name}: policy.{name}.{key} is required: {rule}; set it under [policy.{name}], e.g. {key} = \"{ex}\"{none}",
        key = s.key,
        rule = s.rule,
        ex = s.example,
    )
}

/// The resolved figures of a preset, in the order of `settings(preset)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures(pub Vec<Option<SimDuration>>);

impl Figures {
    /// The documented defaults (a required figure is `None` until set).
    pub fn defaults(preset: Preset) -> Figures {
        Figures(settings(preset).iter().map(|s| s.default).collect())
    }

    fn get(&self, preset: Preset, key: &str) -> Option<SimDuration> {
        let i = settings(preset).iter().position(|s| s.key == key).expect("a preset reads only its own settings");
        self.0.get(i).copied().flatten()
    }
}

/// The preset's defaults for a channel: `live_chat` is true for live chat channels, and
/// `msdyn_channel` tells Dynamics voice apart; `figs` are its `[policy.<preset>]` figures.
pub fn layer(preset: Preset, live_chat: bool, msdyn_channel: Option<u32>, figs: &Figures) -> PresetLayer {
    let mut l = PresetLayer::default();
    let get = |k: &str| figs.get(preset, k);
    match preset {
        Preset::Dynamics => {
            // Open and Active count from createdon, Wrap-up from wrapupinitiatedon (which
            // `Created` does in Wrap-up), Waiting from the last activity (seed 002).
            l.clock = [Some(Clock::Created), Some(Clock::Created), Some(Clock::LastActivity), Some(Clock::Created)];
            dynamics_timeouts(&mut l, live_chat, msdyn_channel, None);
        }
        Preset::DynamicsCc => {
            // `modifiedon`: the last change of the record (state changes, transfer, monitor).
            l.clock = [Some(Clock::StateEntered); 4];
            l.reader_resets_clock = Some(true);
            dynamics_timeouts(&mut l, live_chat, msdyn_channel, get("waiting_inactivity"));
        }
        Preset::LivePerson => {
            l.clock = [Some(Clock::LastActivity); 4];
            l.reader_resets_clock = Some(true);
            l.pending_consumer_only = [Some(true); 4];
            l.exempt_manual_response_time = Some(true);
            let d90 = Some(Some(days(LIVEPERSON_MAX_DAYS)));
            l.timeouts = [Some(None), d90, d90, Some(None)];
        }
        Preset::WhatsApp4Dynamics => {
            l.clock = [Some(Clock::LastCustomerMessage); 4];
            // "All open states" (SPEC's preset table): Wrap-up too, from the customer's last
            // message like the others.
            let day = Some(Some(hours(24)));
            l.timeouts = [day, day, day, day];
        }
        Preset::Salesforce | Preset::Zendesk | Preset::Quiq => {
            let (first, second) = match preset {
                Preset::Salesforce => (get("customer_inactivity"), get("inactive_session_end")),
                _ => (get("inactive_after"), get("close_after")),
            };
            two_stage(&mut l, first, second);
            // Salesforce and Zendesk time the first stage from the agent's reply the customer
            // has not answered; Quiq from the last message of either side.
            l.pending_consumer_only[1] = Some(preset != Preset::Quiq);
            if preset == Preset::Zendesk {
                l.schedulers[2] = Some(1);
            }
        }
        Preset::Twilio => twilio(&mut l, get("timers_inactive"), get("timers_closed")),
        Preset::AmazonConnect => {
            let idle = get("customer_idle_timer").unwrap_or(SimDuration::ZERO);
            let disconnect = get("customer_auto_disconnect_timer");
            let chat = Some(get("chat_duration"));
            l.clock = [Some(Clock::Created), Some(Clock::CustomerIdle), Some(Clock::Created), Some(Clock::Created)];
            // The auto-disconnect ends the customer's chat: the agent goes to after-contact work.
            l.actions[1] = Some(CloseAction::ToWrapUp);
            l.timeouts = [chat, Some(disconnect.map(|d| SimDuration(idle.ms() + d.ms()))), chat, Some(None)];
            l.reader_resets_clock = Some(false);
        }
        Preset::ServiceNow => {
            // Active: cancelled once the requester has not answered the last response for the
            // idle limit; Open and Waiting: abandoned, closed after the idle timeout. The
            // 180-second reminder changes no state.
            l.clock = [Some(Clock::LastMessage); 4];
            l.reader_resets_clock = Some(false);
            l.pending_consumer_only[1] = Some(true);
            let abandoned = Some(get("abandoned_close_after"));
            l.timeouts = [abandoned, Some(get("idle_cancel_after")), abandoned, Some(None)];
            l.schedulers = [Some(1), Some(0), Some(1), None];
        }
        Preset::Exact => {}
    }
    l
}

fn dynamics_timeouts(l: &mut PresetLayer, live_chat: bool, msdyn_channel: Option<u32>, waiting: Option<SimDuration>) {
    // Microsoft's current product defaults (SPEC section 4): [open, active, waiting, wrap_up].
    l.timeouts = if msdyn_channel == Some(MSDYN_VOICE) {
        l.actions[1] = Some(CloseAction::ToWrapUp);
        [Some(Some(days(30))), Some(Some(hours(2))), Some(waiting), Some(Some(days(1)))]
    } else if live_chat {
        [Some(Some(min(20))), Some(None), Some(waiting), Some(Some(min(15)))]
    } else {
        [Some(Some(days(30))), Some(Some(days(30))), Some(waiting), Some(Some(days(1)))]
    };
}

/// Inactive (parked) after `first` from the last message, closed `second` after that.
fn two_stage(l: &mut PresetLayer, first: Option<SimDuration>, second: Option<SimDuration>) {
    l.clock = [None, Some(Clock::LastMessage), Some(Clock::StateEntered), None];
    l.timeouts = [Some(None), Some(first), Some(second), Some(None)];
    l.actions[1] = Some(CloseAction::Park);
    l.reader_resets_clock = Some(false);
}

/// Twilio: both timers count from the last message; a closed timer no longer than the
/// inactive one closes the active conversation before it could become inactive.
fn twilio(l: &mut PresetLayer, inactive: Option<SimDuration>, closed: Option<SimDuration>) {
    l.clock = [Some(Clock::LastMessage); 4];
    l.reader_resets_clock = Some(false);
    l.timeouts = [Some(closed), Some(closed), Some(closed), Some(closed)];
    match (inactive, closed) {
        (Some(i), Some(c)) if c <= i => {}
        (Some(i), _) => {
            l.timeouts[1] = Some(Some(i));
            l.actions[1] = Some(CloseAction::Park);
        }
        (None, _) => {}
    }
}

/// A scheduler a preset brings, or one it needs the scenario to declare because the platform
/// does not document how its rule is timed.
#[derive(Debug, Clone, PartialEq)]
pub enum PresetScheduler {
    Given(Scheduler),
    Required { name: &'static str, rule: &'static str },
}

impl PresetScheduler {
    pub fn name(&self) -> &str {
        match self {
            PresetScheduler::Given(s) => &s.name,
            PresetScheduler::Required { name, .. } => name,
        }
    }
}

fn sweep(name: &str, interval: SimDuration) -> PresetScheduler {
    PresetScheduler::Given(Scheduler {
        name: name.to_string(),
        kind: SchedulerKind::Sweep(SweepSpec {
            interval,
            phase: SimDuration::ZERO,
            jitter: None,
            max_closures_per_run: None,
            closures_per_second: None,
            recheck: true,
        }),
    })
}

fn exact(name: &str) -> PresetScheduler {
    PresetScheduler::Given(Scheduler { name: name.into(), kind: SchedulerKind::Exact })
}

/// The schedulers the preset brings, in the order `PresetLayer::schedulers` indexes; the
/// scenario may override their keys one by one under `[policy.schedulers.<name>]`.
pub fn schedulers(preset: Preset) -> Vec<PresetScheduler> {
    match preset {
        Preset::Dynamics | Preset::DynamicsCc => vec![sweep("dynamics_job", min(5))],
        Preset::LivePerson => vec![sweep("liveperson_sweep", min(LIVEPERSON_MIN_MINUTES))],
        Preset::WhatsApp4Dynamics => vec![sweep("w4d_flow", hours(12))],
        Preset::Exact => vec![exact("exact")],
        Preset::Salesforce => vec![PresetScheduler::Required {
            name: "salesforce_timer",
            rule: "Salesforce does not document when its inactivity rules run (help.salesforce.com, \
                   service.messaging_auto_end)",
        }],
        // Inactivity is the messaging system's own timer; closing is an hourly automation.
        Preset::Zendesk => vec![exact("zendesk_messaging"), sweep("zendesk_automations", hours(1))],
        Preset::Twilio => vec![exact("twilio_timers")],
        Preset::AmazonConnect => vec![exact("connect_timers")],
        Preset::ServiceNow => vec![sweep("servicenow_idle_job", min(2)), sweep("servicenow_abandoned_job", hours(1))],
        Preset::Quiq => vec![PresetScheduler::Required {
            name: "quiq_timer",
            rule: "Quiq does not document when its inactivity rules run (knowledge.quiq.com, \
                   active-vs-inactive-conversations)",
        }],
    }
}

/// The message for a required scheduler the scenario did not declare.
pub fn missing_scheduler(preset: Preset, name: &str, rule: &str) -> String {
    format!(
        "{}: [policy.schedulers.{name}] is required: {rule}; declare it, e.g. kind = \"exact\", or kind = \"sweep\" \
         with an interval",
        preset.name()
    )
}

/// The preset's hard cap on inactivity.
pub fn hard_cap(preset: Preset) -> Option<SimDuration> {
    match preset {
        Preset::LivePerson => Some(days(LIVEPERSON_MAX_DAYS)),
        _ => None,
    }
}

/// Checks a resolved timeout of open state `state` (index `State::open_index`) against the
/// preset's documented range; `as_written` is the value as the scenario wrote it, quoted in
/// the refusal.
pub fn check_timeout(preset: Preset, state: usize, timeout: SimDuration, as_written: &str) -> Result<(), String> {
    let whole = |unit: SimDuration| timeout.ms() % unit.ms() == 0;
    let within = |lo: SimDuration, hi: SimDuration| timeout >= lo && timeout <= hi;
    let name = preset.name();
    let refuse = |rule: &str| Err(format!("{name}: {rule}, got {as_written}"));
    match (preset, state) {
        (Preset::Dynamics | Preset::DynamicsCc, _) if !whole(min(1)) => {
            refuse("msdyn_autocloseliveworkitemafter is in whole minutes")
        }
        (Preset::LivePerson, _) if !within(min(LIVEPERSON_MIN_MINUTES), days(LIVEPERSON_MAX_DAYS)) => Err(format!(
            "liveperson: auto-close timeout must be between {LIVEPERSON_MIN_MINUTES}m and {LIVEPERSON_MAX_DAYS}d, got {as_written}"
        )),
        (Preset::Salesforce, 1) if !(within(min(5), min(30)) && whole(min(1))) => refuse(SALESFORCE_SETTINGS[0].rule),
        (Preset::Zendesk, 2) if !(within(hours(1), days(28)) && whole(hours(1))) => refuse(ZENDESK_SETTINGS[1].rule),
        (Preset::Twilio, 1) if timeout < min(1) => refuse(TWILIO_SETTINGS[0].rule),
        (Preset::Twilio, 0 | 2 | 3) if timeout < min(10) => refuse(TWILIO_SETTINGS[1].rule),
        (Preset::AmazonConnect, 1) if !(within(min(2), min(960)) && whole(min(1))) => refuse(
            "the Active rule is the customer idle timer plus the auto-disconnect timer, each in whole minutes \
             from 2 to 480, so 2 to 960 minutes (docs.aws.amazon.com/connect, setup-chat-timeouts)",
        ),
        (Preset::AmazonConnect, _) if !(within(min(60), min(10_080)) && whole(min(1))) => {
            refuse(AMAZON_CONNECT_SETTINGS[2].rule)
        }
        _ => Ok(()),
    }
}

/// Checks the resolved hard cap: LivePerson's cannot be turned off or changed.
pub fn check_hard_cap(preset: Preset, cap: Option<SimDuration>) -> Result<(), String> {
    match preset {
        Preset::LivePerson if cap != Some(days(LIVEPERSON_MAX_DAYS)) => Err(format!(
            "liveperson: the hard cap cannot be turned off or changed: the messaging backend closes \
             conversations after {LIVEPERSON_MAX_DAYS} days of inactivity, got {}",
            cap.map_or("none".to_string(), |c| c.to_string())
        )),
        _ => Ok(()),
    }
}

/// Checks a resolved sweep interval of scheduler `name`: the WhatsApp4Dynamics flow runs every
/// 12 h, 2 h, 1 h or 30 min; Zendesk's automations run hourly.
pub fn check_interval(preset: Preset, name: &str, interval: SimDuration, as_written: &str) -> Result<(), String> {
    match preset {
        Preset::WhatsApp4Dynamics if !W4D_INTERVALS_MIN.iter().any(|&m| min(m) == interval) => {
            Err(format!("whatsapp4dynamics: the flow runs every 12h, 2h, 1h or 30m, got {as_written}"))
        }
        Preset::Zendesk if name == "zendesk_automations" && interval != hours(1) => Err(format!(
            "zendesk: automations run once an hour (support.zendesk.com, article 4408835051546), got {as_written}"
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dynamics_defaults_follow_the_channel_kind() {
        let f = Figures::default();
        let chat = layer(Preset::Dynamics, true, Some(192_360_000), &f);
        assert_eq!(chat.timeouts, [Some(Some(min(20))), Some(None), Some(None), Some(Some(min(15)))]);
        let voice = layer(Preset::Dynamics, true, Some(MSDYN_VOICE), &f);
        assert_eq!(voice.timeouts[1], Some(Some(hours(2))));
        assert_eq!(voice.actions[1], Some(CloseAction::ToWrapUp));
        let msg = layer(Preset::Dynamics, false, None, &f);
        assert_eq!(msg.timeouts[0], Some(Some(days(30))));
    }

    #[test]
    fn range_rules_quote_the_platform() {
        assert_eq!(
            check_timeout(Preset::LivePerson, 1, min(10), "10m").unwrap_err(),
            "liveperson: auto-close timeout must be between 25m and 90d, got 10m"
        );
        assert!(check_timeout(Preset::LivePerson, 1, min(25), "25m").is_ok());
        assert_eq!(
            check_timeout(Preset::Dynamics, 0, SimDuration::from_secs(90), "90s").unwrap_err(),
            "dynamics: msdyn_autocloseliveworkitemafter is in whole minutes, got 90s"
        );
        assert!(check_interval(Preset::WhatsApp4Dynamics, "w4d_flow", min(30), "30m").is_ok());
        assert!(check_interval(Preset::WhatsApp4Dynamics, "w4d_flow", hours(6), "6h").is_err());
        assert!(check_hard_cap(Preset::LivePerson, None).is_err());
        assert!(check_hard_cap(Preset::LivePerson, Some(days(90))).is_ok());
    }

    #[test]
    fn names_round_trip() {
        for (n, p) in NAMES {
            assert_eq!(Preset::by_name(n), Some(p));
            assert_eq!(p.name(), n);
        }
    }
}
