//! Service targets of `plan` (`service_level(60s)[skill=billing]>=0.80`): their grammar, and
//! whether a configuration's aggregated figures meet them at the conservative end of the 95%
//! interval. Pure: no simulation, no I/O.

use crate::metrics::{AggregateRow, Breakdown, Metric};
use crate::scenario::diag::edit_distance;
use crate::time::{parse_duration, SimDuration};
use std::fmt;

/// The grammar, shown with every parse error.
pub const GRAMMAR: &str = "\
TARGET  := METRIC [ '[' (skill|channel) '=' NAME ']' ] ('>=' | '<=') VALUE
METRIC  := service_level(DURATION) | service_level_excl(DURATION) | queue_wait_mean
         | queue_wait_p50 | queue_wait_p90 | queue_wait_p95 | queue_wait_p99 | abandon
         | occupancy
VALUE   := a share (0.80 or 80%) for service_level*, abandon, occupancy;
           a duration (30s, 2m) for queue_wait_*
service_level(D): assigned within D over queue entries that ended (S/A);
service_level_excl(D): the same, customers who abandoned within D left out (S/(A - L)).
service_level and service_level_excl take >=, every other metric <=; all service-level
targets of a plan share one D.
examples: service_level(60s)>=0.80   service_level_excl(20s)>=0.9   queue_wait_p90<=2m";

/// Metric names a target may use.
pub const METRIC_NAMES: [&str; 9] = [
    "service_level",
    "service_level_excl",
    "queue_wait_mean",
    "queue_wait_p50",
    "queue_wait_p90",
    "queue_wait_p95",
    "queue_wait_p99",
    "abandon",
    "occupancy",
];

/// What a target constrains.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TargetMetric {
    /// Share of queue entries assigned within the duration (the scenario's
    /// `service_level_target` is set to it for the plan's runs).
    ServiceLevel(SimDuration),
    /// The same with customers who abandoned within the duration left out of the
    /// denominator (`service_level_excl_short_abandon_share`).
    ServiceLevelExcl(SimDuration),
    QueueWaitMean,
    QueueWaitP50,
    QueueWaitP90,
    QueueWaitP95,
    QueueWaitP99,
    Abandon,
    Occupancy,
}

impl TargetMetric {
    /// The summary figure it reads.
    pub fn metric(self) -> Metric {
        match self {
            TargetMetric::ServiceLevel(_) => Metric::ServiceLevel,
            TargetMetric::ServiceLevelExcl(_) => Metric::ServiceLevelExclShortAbandon,
            TargetMetric::QueueWaitMean => Metric::QueueWaitMeanS,
            TargetMetric::QueueWaitP50 => Metric::QueueWaitP50S,
            TargetMetric::QueueWaitP90 => Metric::QueueWaitP90S,
            TargetMetric::QueueWaitP95 => Metric::QueueWaitP95S,
            TargetMetric::QueueWaitP99 => Metric::QueueWaitP99S,
            TargetMetric::Abandon => Metric::QueueAbandonShare,
            TargetMetric::Occupancy => Metric::Occupancy,
        }
    }

    /// More is better (service level) or less is better (the rest).
    pub fn higher_is_better(self) -> bool {
        matches!(self, TargetMetric::ServiceLevel(_) | TargetMetric::ServiceLevelExcl(_))
    }

    /// The service-level threshold it measures at, if it is a service level.
    pub fn service_level_threshold(self) -> Option<SimDuration> {
        match self {
            TargetMetric::ServiceLevel(d) | TargetMetric::ServiceLevelExcl(d) => Some(d),
            _ => None,
        }
    }

    fn is_duration(self) -> bool {
        matches!(
            self,
            TargetMetric::QueueWaitMean
                | TargetMetric::QueueWaitP50
                | TargetMetric::QueueWaitP90
                | TargetMetric::QueueWaitP95
                | TargetMetric::QueueWaitP99
        )
    }
}

/// Which rows of the summary a target reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Overall,
    Skill(String),
    Channel(String),
}

/// One parsed target.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// As the user wrote it, for messages and column names.
    pub text: String,
    pub metric: TargetMetric,
    pub scope: Scope,
    /// In the summary's unit: a share 0..1 or seconds.
    pub threshold: f64,
}

/// A target that could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("--target {text}: {message}\n{GRAMMAR}")]
pub struct TargetError {
    pub text: String,
    pub message: String,
}

/// How a configuration fares against one target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    /// The mean over replications, and the conservative end of its 95% interval (the low end
    /// for service level, the high end otherwise); `None` where the figure is undefined.
    pub mean: Option<f64>,
    pub conservative: Option<f64>,
    pub holds: bool,
    /// How far the conservative end is inside (positive) or outside (negative) the target,
    /// relative to the threshold: comparable across targets for "the worst target".
    pub slack: f64,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Target {
    /// Parses one `--target` expression.
    pub fn parse(text: &str) -> Result<Target, TargetError> {
        let err = |message: String| TargetError { text: text.to_string(), message };
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let (lhs, op, rhs) = match (compact.find(">="), compact.find("<=")) {
            (Some(i), None) => (&compact[..i], ">=", &compact[i + 2..]),
            (None, Some(i)) => (&compact[..i], "<=", &compact[i + 2..]),
            _ => return Err(err("expected exactly one comparison, >= or <=".into())),
        };
        let (lhs, scope) = match lhs.find('[') {
            None => (lhs, Scope::Overall),
            Some(i) => {
                let inner = lhs[i + 1..]
                    .strip_suffix(']')
                    .ok_or_else(|| err(format!("expected `]` at the end of {:?}", &lhs[i..])))?;
                let (kind, name) = inner
                    .split_once('=')
                    .ok_or_else(|| err(format!("expected skill=NAME or channel=NAME, got {inner:?}")))?;
                let scope = match kind {
                    "skill" if !name.is_empty() => Scope::Skill(name.to_string()),
                    "channel" if !name.is_empty() => Scope::Channel(name.to_string()),
                    _ => return Err(err(format!("expected skill=NAME or channel=NAME, got {inner:?}"))),
                };
                (&lhs[..i], scope)
            }
        };
        let (name, arg) = match lhs.find('(') {
            None => (lhs, None),
            Some(i) => {
                let a = lhs[i + 1..]
                    .strip_suffix(')')
                    .ok_or_else(|| err(format!("expected `)` after the argument of {:?}", &lhs[..i])))?;
                (&lhs[..i], Some(a))
            }
        };
        // A threshold above 0, as the scenario's `service_level_target` must be: within 0 s
        // would count only the conversations assigned the instant they arrived.
        let threshold = |name: &str, a: &str| {
            let d = parse_duration(a).map_err(|e| err(format!("{name}'s threshold: {e}")))?;
            if d.ms() == 0 {
                return Err(err(format!("{name}'s threshold must be greater than 0s, as service_level_target's is")));
            }
            Ok(d)
        };
        let metric = match (name, arg) {
            ("service_level", Some(a)) => TargetMetric::ServiceLevel(threshold("service_level", a)?),
            ("service_level", None) => {
                return Err(err("service_level needs its threshold: service_level(60s)".into()));
            }
            ("service_level_excl", Some(a)) => TargetMetric::ServiceLevelExcl(threshold("service_level_excl", a)?),
            ("service_level_excl", None) => {
                return Err(err("service_level_excl needs its threshold: service_level_excl(60s)".into()));
            }
            (n, Some(_)) if METRIC_NAMES.contains(&n) => return Err(err(format!("{n} takes no argument"))),
            ("queue_wait_mean", None) => TargetMetric::QueueWaitMean,
            ("queue_wait_p50", None) => TargetMetric::QueueWaitP50,
            ("queue_wait_p90", None) => TargetMetric::QueueWaitP90,
            ("queue_wait_p95", None) => TargetMetric::QueueWaitP95,
            ("queue_wait_p99", None) => TargetMetric::QueueWaitP99,
            ("abandon", None) => TargetMetric::Abandon,
            ("occupancy", None) => TargetMetric::Occupancy,
            (n, _) => {
                let closest = METRIC_NAMES.iter().min_by_key(|m| edit_distance(n, m)).expect("a metric list");
                return Err(err(format!("unknown metric {n:?}; the closest valid metric is {closest}")));
            }
        };
        let want = if metric.higher_is_better() { ">=" } else { "<=" };
        if op != want {
            return Err(err(format!(
                "{name} takes {want}: more agents make it {}",
                if want == ">=" { "rise" } else { "fall" }
            )));
        }
        let threshold = if metric.is_duration() {
            parse_duration(rhs).map_err(|e| err(format!("the value: {e}")))?.as_secs_f64()
        } else {
            let (num, scale) = match rhs.strip_suffix('%') {
                Some(n) => (n, 0.01),
                None => (rhs, 1.0),
            };
            let x: f64 =
                num.parse().map_err(|_| err(format!("the value must be a share such as 0.80 or 80%, got {rhs:?}")))?;
            let share = x * scale;
            if !(0.0..=1.0).contains(&share) {
                return Err(err(format!("the value must be a share from 0 to 1 (0% to 100%), got {rhs}")));
            }
            share
        };
        Ok(Target { text: text.trim().to_string(), metric, scope, threshold })
    }

    /// The summary row it reads among a configuration's aggregate rows.
    pub fn row<'a>(&self, rows: &'a [AggregateRow]) -> Option<&'a AggregateRow> {
        rows.iter().find(|r| match &self.scope {
            Scope::Overall => r.breakdown == Breakdown::Overall,
            Scope::Skill(s) => r.breakdown == Breakdown::Skill && &r.group == s,
            Scope::Channel(c) => r.breakdown == Breakdown::Channel && &r.group == c,
        })
    }

    /// Judges a configuration: the target holds only when it holds at the conservative end
    /// of the 95% interval over replications.
    pub fn judge(&self, rows: &[AggregateRow]) -> Verdict {
        let est = self.row(rows).and_then(|r| r.estimates[self.metric.metric() as usize]);
        let mean = est.map(|e| e.mean);
        let conservative = est.and_then(|e| if self.metric.higher_is_better() { e.low() } else { e.high() });
        let scale = self.threshold.abs().max(if self.metric.is_duration() { 1.0 } else { 0.01 });
        let slack = match conservative {
            None => f64::NEG_INFINITY,
            Some(c) if self.metric.higher_is_better() => (c - self.threshold) / scale,
            Some(c) => (self.threshold - c) / scale,
        };
        Verdict { mean, conservative, holds: slack >= 0.0, slack }
    }
}

impl Target {
    /// Refuses a scope naming a skill or channel the scenario does not have.
    pub fn check_scope(&self, s: &crate::scenario::Scenario) -> Result<(), TargetError> {
        let (kind, name, known): (&str, &str, Vec<&str>) = match &self.scope {
            Scope::Overall => return Ok(()),
            Scope::Skill(n) => ("skill", n, s.skills.iter().map(|k| k.name.as_str()).collect()),
            Scope::Channel(n) => ("channel", n, s.channels.iter().map(|c| c.name.as_str()).collect()),
        };
        if known.contains(&name) {
            return Ok(());
        }
        Err(TargetError {
            text: self.text.clone(),
            message: format!("the scenario has no {kind} {name:?}; its {kind}s are {}", known.join(", ")),
        })
    }

    /// A figure of this target's metric for people: `83.1 % (≥ 80.2 %)`, `24.0 s (≤ 27.5 s)`.
    pub fn show(&self, mean: f64, conservative: f64) -> String {
        let (sign, f): (&str, fn(f64) -> String) = if self.metric.is_duration() {
            ("≤", crate::time::human_seconds)
        } else if self.metric.higher_is_better() {
            ("≥", |x| format!("{:.1} %", x * 100.0))
        } else {
            ("≤", |x| format!("{:.1} %", x * 100.0))
        };
        format!("{} ({sign} {})", f(mean), f(conservative))
    }
}

/// The one service-level threshold of a set of targets, if any; several different ones are
/// refused (a run measures service level at one threshold).
pub fn service_level_threshold(targets: &[Target]) -> Result<Option<SimDuration>, String> {
    let mut found: Option<SimDuration> = None;
    for t in targets {
        if let Some(d) = t.metric.service_level_threshold() {
            match found {
                Some(f) if f != d => {
                    return Err(format!(
                        "service_level targets with different thresholds ({f} and {d}): a plan measures one"
                    ));
                }
                _ => found = Some(d),
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{Estimate, METRICS};

    #[test]
    fn reads_every_documented_form() {
        let t = Target::parse("service_level(60s)>=0.80").expect("valid");
        assert_eq!(t.metric, TargetMetric::ServiceLevel(SimDuration::from_secs(60)));
        assert_eq!((t.scope.clone(), t.threshold), (Scope::Overall, 0.80));
        let t = Target::parse("service_level(60s)[skill=billing] >= 80%").expect("valid");
        assert_eq!(t.scope, Scope::Skill("billing".into()));
        assert!((t.threshold - 0.80).abs() < 1e-12);
        assert_eq!(Target::parse("queue_wait_mean<=30s").expect("valid").threshold, 30.0);
        assert_eq!(Target::parse("queue_wait_p90<=2m").expect("valid").threshold, 120.0);
        assert_eq!(Target::parse("abandon<=0.05").expect("valid").metric, TargetMetric::Abandon);
        let t = Target::parse("occupancy[channel=whatsapp]<=0.85").expect("valid");
        assert_eq!((t.metric, t.scope), (TargetMetric::Occupancy, Scope::Channel("whatsapp".into())));
        let t = Target::parse("service_level_excl(20s)[skill=billing]>=90%").expect("valid");
        assert_eq!(t.metric, TargetMetric::ServiceLevelExcl(SimDuration::from_secs(20)));
        assert_eq!(t.metric.metric(), Metric::ServiceLevelExclShortAbandon);
        assert!(t.metric.higher_is_better());
        let e = Target::parse("service_level_excl>=0.9").expect_err("no threshold");
        assert_eq!(e.message, "service_level_excl needs its threshold: service_level_excl(60s)");
        let e = Target::parse("service_level_excl(20s)<=0.9").expect_err("wrong direction");
        assert_eq!(e.message, "service_level_excl takes >=: more agents make it rise");
        // Both definitions are measured at one threshold.
        let two = [Target::parse("service_level(20s)>=0.8").expect("valid"), t.clone()];
        assert_eq!(service_level_threshold(&two), Ok(Some(SimDuration::from_secs(20))));
        let other = [two[0].clone(), Target::parse("service_level_excl(30s)>=0.8").expect("valid")];
        assert!(service_level_threshold(&other).is_err());
    }

    #[test]
    fn errors_show_the_grammar_and_the_closest_metric() {
        let e = Target::parse("service_levl(60s)>=0.8").expect_err("a typo");
        assert!(e.message.contains("closest valid metric is service_level"), "{}", e.message);
        assert!(e.to_string().contains("TARGET  :="));
        let e = Target::parse("queue_wait_mean>=30s").expect_err("wrong direction");
        assert_eq!(e.message, "queue_wait_mean takes <=: more agents make it fall");
        assert!(Target::parse("service_level>=0.8").is_err());
        assert!(Target::parse("abandon<=1.5").is_err());
        assert!(Target::parse("abandon<=5 percent").is_err());
        assert!(Target::parse("abandon[team=x]<=0.1").is_err());
        assert!(Target::parse("abandon").is_err());
        let e = Target::parse("service_level(0s)>=0.8").expect_err("a threshold of 0");
        assert_eq!(e.message, "service_level's threshold must be greater than 0s, as service_level_target's is");
        assert!(Target::parse("service_level_excl(0ms)>=0.8").is_err());
    }

    fn rows(mean: f64, half: f64) -> Vec<AggregateRow> {
        let mut estimates = vec![None; METRICS.len()];
        let e = Estimate { n: 10, mean, std_dev: Some(1.0), half_width: Some(half) };
        estimates[Metric::ServiceLevel as usize] = Some(e);
        estimates[Metric::QueueWaitMeanS as usize] = Some(e);
        vec![AggregateRow { breakdown: Breakdown::Overall, group: "all".into(), estimates }]
    }

    #[test]
    fn a_target_holds_only_at_the_conservative_end_of_the_interval() {
        let sl = Target::parse("service_level(60s)>=0.80").expect("valid");
        assert!(!sl.judge(&rows(0.82, 0.03)).holds, "low end 0.79 misses 0.80");
        assert!(sl.judge(&rows(0.84, 0.03)).holds);
        let w = Target::parse("queue_wait_mean<=30s").expect("valid");
        assert!(!w.judge(&rows(28.0, 3.0)).holds, "high end 31 s misses 30 s");
        assert!(w.judge(&rows(26.0, 3.0)).holds);
        let v = w.judge(&rows(20.0, 4.0));
        assert_eq!((v.mean, v.conservative), (Some(20.0), Some(24.0)));
        assert!((v.slack - 0.2).abs() < 1e-12);
    }
}
