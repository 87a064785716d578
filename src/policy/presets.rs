//! Platform presets: the documented defaults of Dynamics 365 (seeds 000, 002), LivePerson
//! (seed 001), WhatsApp4Dynamics (seed 003) and the exact-timer baseline, and the range rules
//! each platform enforces.
//!
//! Pure data and checks: the scenario reader layers a preset under the user's `[policy]` and
//! asks the checks about the final values, reporting any refusal at the offending key.

use super::{Clock, CloseAction, Preset, Scheduler, SchedulerKind, SweepSpec};
use crate::time::SimDuration;

/// Preset names as written in scenario files.
pub const NAMES: [(&str, Preset); 4] = [
    ("dynamics", Preset::Dynamics),
    ("liveperson", Preset::LivePerson),
    ("whatsapp4dynamics", Preset::WhatsApp4Dynamics),
    ("exact", Preset::Exact),
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
    pub pending_consumer_only: Option<bool>,
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

/// The preset's defaults for a channel: `live_chat` is true for live chat channels, and
/// `msdyn_channel` tells Dynamics voice apart.
pub fn layer(preset: Preset, live_chat: bool, msdyn_channel: Option<u32>) -> PresetLayer {
    let mut l = PresetLayer::default();
    match preset {
        Preset::Dynamics => {
            // Open and Active count from createdon, Wrap-up from wrapupinitiatedon (which
            // `Created` does in Wrap-up), Waiting from the last activity (seed 002).
            l.clock = [Some(Clock::Created), Some(Clock::Created), Some(Clock::LastActivity), Some(Clock::Created)];
            // Microsoft's current product defaults (SPEC section 4): [open, active, waiting, wrap_up].
            l.timeouts = if msdyn_channel == Some(MSDYN_VOICE) {
                l.actions[1] = Some(CloseAction::ToWrapUp);
                [Some(Some(days(30))), Some(Some(hours(2))), Some(None), Some(Some(days(1)))]
            } else if live_chat {
                [Some(Some(min(20))), Some(None), Some(None), Some(Some(min(15)))]
            } else {
                [Some(Some(days(30))), Some(Some(days(30))), Some(None), Some(Some(days(1)))]
            };
        }
        Preset::LivePerson => {
            l.clock = [Some(Clock::LastActivity); 4];
            l.reader_resets_clock = Some(true);
            l.pending_consumer_only = Some(true);
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
        Preset::Exact => {}
    }
    l
}

/// The scheduler the preset brings; the scenario may override its keys one by one under
/// `[policy.schedulers.<its name>]`.
pub fn scheduler(preset: Preset) -> Scheduler {
    let sweep = |name: &str, interval: SimDuration| Scheduler {
        name: name.to_string(),
        kind: SchedulerKind::Sweep(SweepSpec {
            interval,
            phase: SimDuration::ZERO,
            jitter: None,
            max_closures_per_run: None,
            closures_per_second: None,
            recheck: true,
        }),
    };
    match preset {
        Preset::Dynamics => sweep("dynamics_job", min(5)),
        Preset::LivePerson => sweep("liveperson_sweep", min(LIVEPERSON_MIN_MINUTES)),
        Preset::WhatsApp4Dynamics => sweep("w4d_flow", hours(12)),
        Preset::Exact => Scheduler { name: "exact".into(), kind: SchedulerKind::Exact },
    }
}

/// The preset's hard cap on inactivity.
pub fn hard_cap(preset: Preset) -> Option<SimDuration> {
    match preset {
        Preset::LivePerson => Some(days(LIVEPERSON_MAX_DAYS)),
        Preset::Dynamics | Preset::WhatsApp4Dynamics | Preset::Exact => None,
    }
}

/// Checks a resolved timeout against the preset's documented range; `as_written` is the
/// value as the scenario wrote it, quoted in the refusal.
pub fn check_timeout(preset: Preset, timeout: SimDuration, as_written: &str) -> Result<(), String> {
    match preset {
        Preset::Dynamics if timeout.ms() % crate::time::MS_PER_MIN != 0 => Err(format!(
            "dynamics: msdyn_autocloseliveworkitemafter is in whole minutes, got {as_written}"
        )),
        Preset::LivePerson if timeout < min(LIVEPERSON_MIN_MINUTES) || timeout > days(LIVEPERSON_MAX_DAYS) => Err(format!(
            "liveperson: auto-close timeout must be between {LIVEPERSON_MIN_MINUTES}m and {LIVEPERSON_MAX_DAYS}d, got {as_written}"
        )),
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

/// Checks a resolved sweep interval: the WhatsApp4Dynamics flow runs every 12 h, 2 h, 1 h or 30 min.
pub fn check_interval(preset: Preset, interval: SimDuration, as_written: &str) -> Result<(), String> {
    match preset {
        Preset::WhatsApp4Dynamics if !W4D_INTERVALS_MIN.iter().any(|&m| min(m) == interval) => {
            Err(format!("whatsapp4dynamics: the flow runs every 12h, 2h, 1h or 30m, got {as_written}"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dynamics_defaults_follow_the_channel_kind() {
        let chat = layer(Preset::Dynamics, true, Some(192_360_000));
        assert_eq!(chat.timeouts, [Some(Some(min(20))), Some(None), Some(None), Some(Some(min(15)))]);
        let voice = layer(Preset::Dynamics, true, Some(MSDYN_VOICE));
        assert_eq!(voice.timeouts[1], Some(Some(hours(2))));
        assert_eq!(voice.actions[1], Some(CloseAction::ToWrapUp));
        let msg = layer(Preset::Dynamics, false, None);
        assert_eq!(msg.timeouts[0], Some(Some(days(30))));
    }

    #[test]
    fn range_rules_quote_the_platform() {
        assert_eq!(
            check_timeout(Preset::LivePerson, min(10), "10m").unwrap_err(),
            "liveperson: auto-close timeout must be between 25m and 90d, got 10m"
        );
        assert!(check_timeout(Preset::LivePerson, min(25), "25m").is_ok());
        assert_eq!(
            check_timeout(Preset::Dynamics, SimDuration::from_secs(90), "90s").unwrap_err(),
            "dynamics: msdyn_autocloseliveworkitemafter is in whole minutes, got 90s"
        );
        assert!(check_interval(Preset::WhatsApp4Dynamics, min(30), "30m").is_ok());
        assert!(check_interval(Preset::WhatsApp4Dynamics, hours(6), "6h").is_err());
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
