//! A validation case: a scenario file and the sibling `NAME.check.toml` that says which theory
//! it is checked against. Owns reading the check file and deriving each theory's parameters
//! from the resolved `Scenario` (arrival rate, servers, service and patience means, sweep
//! interval), refusing a scenario the theory does not describe. Runs nothing.

use super::CheckError;
use crate::model::dist::Dist;
use crate::policy::SchedulerKind;
use crate::scenario::{self, overrides::Override, ChannelKind, Scenario, Staffing, WrapUpBlock};
use crate::time::{parse_duration, SimDuration, SimTime, MS_PER_HOUR, MS_PER_S};
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// A theory a scenario can be checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// M/M/c: probability of waiting and mean wait.
    ErlangC,
    /// M/M/c+M: probability of waiting, abandonment share and mean wait.
    ErlangA,
    /// L = lambda W in every open state the conversations spend time in.
    Little,
    /// Periodic-sweep closure latency uniform on [0, T): KS test and mean T/2.
    SweepLatency,
    /// Exact timers close with zero latency.
    Exact,
}

impl CheckKind {
    pub const ALL: [CheckKind; 5] =
        [CheckKind::ErlangC, CheckKind::ErlangA, CheckKind::Little, CheckKind::SweepLatency, CheckKind::Exact];

    pub fn key(self) -> &'static str {
        match self {
            CheckKind::ErlangC => "erlang_c",
            CheckKind::ErlangA => "erlang_a",
            CheckKind::Little => "little",
            CheckKind::SweepLatency => "sweep_latency",
            CheckKind::Exact => "exact",
        }
    }

    /// Parses a key as written in a check file or on the command line.
    pub fn parse(text: &str) -> Option<CheckKind> {
        CheckKind::ALL.into_iter().find(|k| k.key() == text.trim())
    }
}

impl fmt::Display for CheckKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The contents of a `NAME.check.toml` file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheckFile {
    checks: Vec<CheckKind>,
    drain: Option<String>,
    quick: Option<RawQuick>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuick {
    replications: Option<u32>,
    horizon: Option<String>,
}

/// The default drain: measurement stops this long before the horizon so that what started
/// in the window can finish.
pub const DEFAULT_DRAIN: SimDuration = SimDuration(2 * MS_PER_HOUR);

/// What a check file says, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckFile {
    pub checks: Vec<CheckKind>,
    pub drain: SimDuration,
    /// `--quick`: fewer replications and a shorter horizon (same seed, same warm-up).
    pub quick_replications: Option<u32>,
    pub quick_horizon: Option<SimDuration>,
}

impl CheckFile {
    /// Reads a check file's text; `label` names it in errors.
    pub fn parse(label: &str, text: &str) -> Result<CheckFile, CheckError> {
        let bad = |message: String| CheckError::CheckFile { path: label.to_string(), message };
        let raw: RawCheckFile = toml::from_str(text).map_err(|e| bad(e.message().to_string()))?;
        if raw.checks.is_empty() {
            return Err(bad("checks: name at least one of erlang_c, erlang_a, little, sweep_latency, exact".into()));
        }
        let duration = |key: &str, v: &str| parse_duration(v).map_err(|e| bad(format!("{key}: {e}")));
        let drain = raw.drain.as_deref().map(|d| duration("drain", d)).transpose()?.unwrap_or(DEFAULT_DRAIN);
        let quick = raw.quick.unwrap_or(RawQuick { replications: None, horizon: None });
        let quick_horizon = quick.horizon.as_deref().map(|h| duration("quick.horizon", h)).transpose()?;
        if quick.replications.is_some_and(|r| r < 2) {
            return Err(bad("quick.replications: a confidence interval needs at least 2".into()));
        }
        let mut checks = raw.checks;
        checks.sort();
        checks.dedup();
        Ok(CheckFile { checks, drain, quick_replications: quick.replications, quick_horizon })
    }

    /// Reads `path`.
    pub fn read(path: &Path) -> Result<CheckFile, CheckError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CheckError::CheckFile { path: path.display().to_string(), message: e.to_string() })?;
        CheckFile::parse(&path.display().to_string(), &text)
    }
}

/// The check file that goes with a scenario: `x.toml` -> `x.check.toml`.
pub fn check_file_path(scenario: &Path) -> PathBuf {
    let stem = scenario.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    scenario.with_file_name(format!("{stem}.check.toml"))
}

/// Every validation scenario of `dir`: its `*.toml` files except the `*.check.toml` ones,
/// sorted by name.
pub fn discover(dir: &Path) -> Result<Vec<PathBuf>, CheckError> {
    let io = |e: std::io::Error| CheckError::Discover { dir: dir.display().to_string(), error: e };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name.ends_with(".toml") && !name.ends_with(".check.toml") && path.is_file() {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// A scenario ready to be checked.
#[derive(Debug, Clone)]
pub struct Case {
    pub path: PathBuf,
    pub scenario: Scenario,
    pub checks: Vec<CheckKind>,
    pub drain: SimDuration,
}

impl Case {
    /// Loads a scenario and its check file (or `checks`, which replace the file's list and make
    /// the file optional). `quick` applies the file's quick settings.
    pub fn load(path: &Path, quick: bool, checks: Option<&[CheckKind]>) -> Result<Case, CheckError> {
        if !path.exists() {
            return Err(CheckError::NoScenario { scenario: path.display().to_string() });
        }
        let cf_path = check_file_path(path);
        let file = if cf_path.exists() {
            Some(CheckFile::read(&cf_path)?)
        } else if checks.is_none() {
            return Err(CheckError::NoCheckFile {
                scenario: path.display().to_string(),
                check_file: cf_path.display().to_string(),
            });
        } else {
            None
        };
        let mut overrides = Vec::new();
        if quick {
            if let Some(r) = file.as_ref().and_then(|f| f.quick_replications) {
                overrides.push(Override { key: "scenario.replications".into(), value: r.to_string() });
            }
            if let Some(h) = file.as_ref().and_then(|f| f.quick_horizon) {
                overrides.push(Override { key: "scenario.horizon".into(), value: h.to_string() });
            }
        }
        let scenario = scenario::load_file(path, &overrides)
            .map_err(|d| CheckError::Scenario { path: path.display().to_string(), diagnostics: d.to_string() })?;
        let mut kinds = checks
            .map(<[CheckKind]>::to_vec)
            .or_else(|| file.as_ref().map(|f| f.checks.clone()))
            .expect("without --checks a missing check file should have returned an error above");
        kinds.sort();
        kinds.dedup();
        let drain = file.map_or(DEFAULT_DRAIN, |f| f.drain);
        let case = Case { path: path.to_path_buf(), scenario, checks: kinds, drain };
        case.window()?;
        Ok(case)
    }

    /// The measurement window [warm-up, horizon - drain).
    pub fn window(&self) -> Result<super::probe::Window, CheckError> {
        let s = &self.scenario;
        let end = s.horizon.ms().saturating_sub(self.drain.ms());
        if end <= s.warmup.ms() {
            return Err(self.unfit(
                None,
                format!(
                    "horizon {} leaves nothing to measure after warm-up {} and drain {}",
                    s.horizon, s.warmup, self.drain
                ),
            ));
        }
        if s.replications < 2 {
            return Err(self.unfit(None, "a confidence interval needs at least 2 replications".into()));
        }
        Ok(super::probe::Window { start: SimTime(s.warmup.ms()), end: SimTime(end), horizon: SimTime(s.horizon.ms()) })
    }

    pub fn name(&self) -> &str {
        &self.scenario.name
    }

    fn unfit(&self, kind: Option<CheckKind>, reason: String) -> CheckError {
        CheckError::Unfit {
            path: self.path.display().to_string(),
            check: kind.map(|k| k.key()).unwrap_or("check"),
            reason,
        }
    }

    /// Whether the scenario is stationary, as Little's law over a window needs (its two sides
    /// have the same expectation only then): constant staffing and constant arrival rates,
    /// drawn, not replayed; or why not.
    pub fn stationary(&self) -> Result<(), CheckError> {
        let s = &self.scenario;
        let mut why: Vec<String> = Vec::new();
        for g in s.agent_groups.iter().filter(|g| matches!(g.staffing, Staffing::Weekly(_))) {
            why.push(format!("agents.{}: needs a constant count, not a staffing profile", g.name));
        }
        for (i, a) in s.arrivals.iter().enumerate() {
            if a.replay.is_some() {
                why.push(format!("arrivals.{i}: needs drawn arrivals, not a replay"));
            } else if a.intraday.iter().chain(a.weekly.iter()).any(|&m| m != 1.0) {
                why.push(format!("arrivals.{i}: needs a constant rate (intraday and weekly multipliers all 1)"));
            }
        }
        match why.is_empty() {
            true => Ok(()),
            false => Err(self.unfit(Some(CheckKind::Little), why.join("; "))),
        }
    }

    /// The M/M/c(+M) model this scenario is, or why it is not one.
    pub fn queue_model(&self, kind: CheckKind) -> Result<QueueModel, CheckError> {
        queue_model(&self.scenario, kind == CheckKind::ErlangA).map_err(|r| self.unfit(Some(kind), r))
    }

    /// The sweep interval of the scenario's one sweep, or why latency is not uniform.
    pub fn sweep_interval(&self) -> Result<SimDuration, CheckError> {
        let s = &self.scenario;
        let used = used_schedulers(s);
        let [only] = used.as_slice() else {
            return Err(self.unfit(
                Some(CheckKind::SweepLatency),
                format!("needs exactly one scheduler with rules, found {}", used.len()),
            ));
        };
        let sched = &s.policy.schedulers[*only];
        let SchedulerKind::Sweep(spec) = &sched.kind else {
            return Err(self.unfit(Some(CheckKind::SweepLatency), format!("scheduler {} is not a sweep", sched.name)));
        };
        let mut problems = Vec::new();
        if spec.jitter.is_some_and(|j| j.ms() > 0) {
            problems.push("jitter");
        }
        if spec.max_closures_per_run.is_some() {
            problems.push("max_closures_per_run");
        }
        if spec.closures_per_second.is_some() {
            problems.push("closures_per_second");
        }
        if !problems.is_empty() {
            return Err(self.unfit(
                Some(CheckKind::SweepLatency),
                format!("latency is uniform on [0, interval) only without {}", problems.join(", ")),
            ));
        }
        if self.drain < spec.interval {
            return Err(self.unfit(
                Some(CheckKind::SweepLatency),
                format!("drain {} must be at least the sweep interval {}", self.drain, spec.interval),
            ));
        }
        Ok(spec.interval)
    }

    /// Checks that every scheduler with rules is an exact timer.
    pub fn exact_only(&self) -> Result<(), CheckError> {
        let s = &self.scenario;
        let used = used_schedulers(s);
        if used.is_empty() {
            return Err(self.unfit(Some(CheckKind::Exact), "no auto-close rule uses a scheduler".into()));
        }
        for i in used {
            if !matches!(s.policy.schedulers[i].kind, SchedulerKind::Exact) {
                let name = &s.policy.schedulers[i].name;
                return Err(self.unfit(Some(CheckKind::Exact), format!("scheduler {name} is not exact")));
            }
        }
        Ok(())
    }
}

/// Schedulers some rule with a timeout uses (all of them with a hard cap), in index order.
fn used_schedulers(s: &Scenario) -> Vec<usize> {
    let mut used: Vec<usize> = s
        .policy
        .rules
        .iter()
        .filter(|r| r.timeout.is_some() || s.policy.hard_cap.is_some())
        .map(|r| r.scheduler)
        .collect();
    used.sort_unstable();
    used.dedup();
    used
}

/// Parameters of M/M/c (patience `None`) or M/M/c+M, per second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueueModel {
    pub arrival_rate_per_s: f64,
    pub servers: u32,
    pub service_mean_s: f64,
    pub patience_mean_s: Option<f64>,
}

impl QueueModel {
    /// Offered load per server, lambda / (c mu).
    pub fn offered_load_per_server(&self) -> f64 {
        self.arrival_rate_per_s * self.service_mean_s / self.servers as f64
    }
}

/// Whether every draw is zero: a constant below half a millisecond rounds to zero. `never`
/// is not zero: the engine reads `agent_response = "never"` as "the agent never answers" and
/// `wrap_up = "never"` as "the agent never closes the wrap-up" (only auto-close or the
/// horizon ends either).
fn is_zero(d: &Dist) -> bool {
    match d {
        Dist::Constant(v) => *v < 0.5,
        _ => false,
    }
}

/// How the simulator maps to M/M/c: one skill; homogeneous Poisson arrivals; constant
/// staffing; servers = sum of agents x (capacity / units per conversation); one exchange with
/// zero agent responses, so that capacity is held exactly for the customer's response time,
/// which must be exponential; nothing held after the dialogue (wrap-up not blocking, or of
/// zero length); no disconnects, parking, transfers or auto-close. Patience never (Erlang C)
/// or exponential (Erlang A).
fn queue_model(s: &Scenario, abandonment: bool) -> Result<QueueModel, String> {
    let mut why: Vec<String> = Vec::new();
    if s.skills.len() != 1 {
        why.push(format!("needs exactly one skill, found {}", s.skills.len()));
    }
    let skill = &s.skills[0];
    let mut servers = 0u32;
    for g in &s.agent_groups {
        match g.staffing {
            Staffing::Constant(n) => servers += n * (g.capacity_units / skill.capacity_units),
            Staffing::Weekly(_) => {
                why.push(format!("agents.{}: needs a constant count, not a staffing profile", g.name))
            }
        }
    }
    if servers == 0 {
        why.push("needs at least one server".into());
    }
    let mut rate_per_hour = 0.0;
    let mut cells = Vec::new();
    for (i, a) in s.arrivals.iter().enumerate() {
        if a.intraday.iter().chain(a.weekly.iter()).any(|&m| m != 1.0) {
            why.push(format!("arrivals.{i}: needs a constant rate (intraday and weekly multipliers all 1)"));
        }
        rate_per_hour += a.rate_per_hour;
        cells.push(a.channel);
    }
    cells.sort_unstable();
    cells.dedup();
    let mut service: Option<f64> = None;
    let mut patience: Option<Option<f64>> = None;
    for &ch in &cells {
        let b = s.behaviour(ch, 0);
        let at = format!("behaviour of {}/{}", s.channels[ch].name, skill.name);
        if !matches!(b.exchanges, Dist::Constant(v) if v < 1.5) {
            why.push(format!("{at}: exchanges must be the constant 1"));
        }
        if b.agent_response.is_never() {
            why.push(format!(
                "{at}: agent_response = \"never\" means the agent never answers, so a conversation holds capacity until the horizon; it must be \"0s\" (the customer response is the service time)"
            ));
        } else if !is_zero(&b.agent_response) {
            why.push(format!("{at}: agent_response must be \"0s\" (the customer response is the service time)"));
        }
        match b.customer_response {
            Dist::Exponential { mean } => {
                if service.is_some_and(|m| m != mean) {
                    why.push(format!("{at}: every stream needs the same customer_response"));
                }
                service = Some(mean);
            }
            _ => why.push(format!("{at}: customer_response must be exponential")),
        }
        if skill.wrap_up != WrapUpBlock::Never && b.wrap_up.is_never() {
            why.push(format!(
                "{at}: wrap_up = \"never\" means the agent never closes the wrap-up, so with skills.{}.wrap_up blocking capacity it is held until the horizon; set skills.{}.wrap_up = \"never\" or wrap_up = \"0s\"",
                skill.name, skill.name
            ));
        } else if skill.wrap_up != WrapUpBlock::Never && !is_zero(&b.wrap_up) {
            why.push(format!(
                "{at}: wrap-up must not hold capacity (skills.{}.wrap_up = \"never\", or wrap_up \"0s\")",
                skill.name
            ));
        }
        match s.channels[ch].kind {
            ChannelKind::LiveChat if !b.disconnect.is_never() => {
                why.push(format!("{at}: disconnect must be \"never\""));
            }
            ChannelKind::Messaging if b.park_probability > 0.0 => {
                why.push(format!("{at}: park_probability must be 0"));
            }
            _ => {}
        }
        if b.transfer_per_hour > 0.0 {
            why.push(format!("{at}: transfer_per_hour must be 0"));
        }
        let p = match (&b.patience, abandonment) {
            (Dist::Never, false) => None,
            (Dist::Exponential { mean }, true) => Some(*mean),
            (_, false) => {
                why.push(format!("{at}: Erlang C needs patience \"never\""));
                None
            }
            (_, true) => {
                why.push(format!("{at}: Erlang A needs an exponential patience"));
                None
            }
        };
        if patience.is_some_and(|q| q != p) {
            why.push(format!("{at}: every stream needs the same patience"));
        }
        patience = Some(p);
    }
    if !used_schedulers(s).is_empty() {
        why.push("needs auto-close off (no timeouts, no hard cap)".into());
    }
    if !why.is_empty() {
        return Err(why.join("; "));
    }
    let ms = MS_PER_S as f64;
    Ok(QueueModel {
        arrival_rate_per_s: rate_per_hour / 3600.0,
        servers,
        service_mean_s: service.expect("checked above: every stream has an exponential service") / ms,
        patience_mean_s: patience.flatten().map(|p| p / ms),
    })
}
