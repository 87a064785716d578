//! Reading `[policy]`: the preset, the hard cap, the schedulers and the rule layers, resolved
//! into one `StateRule` per (channel, skill, open state).
//!
//! Owns the layering order: built-in defaults < preset < `[policy]` < `states.<state>` <
//! `channels.<c>` < `channels.<c>.states.<state>` < `skills.<s>` < `skills.<s>.states.<state>`.
//! The preset's range rules are checked on the final values, at the key that set them.

use super::diag::did_you_mean;
use super::walk::{join, Ctx, Field, Span, Tbl};
use super::{Channel, ChannelKind, Skill};
use crate::model::state::State;
use crate::policy::presets::{self, Figures, PresetLayer, PresetScheduler};
use crate::policy::{Clock, CloseAction, Policy, Preset, Scheduler, SchedulerKind, StateRule, SweepSpec};
use crate::time::SimDuration;

/// Keys a rule layer may hold (any of `[policy]`, `channels.<c>`, `skills.<s>`, `states.<st>`).
const LAYER_KEYS: [&str; 6] =
    ["clock", "pending_consumer_only", "exempt_manual_response_time", "reader_resets_clock", "scheduler", "action"];
const STATE_NAMES: [&str; 4] = ["open", "active", "waiting", "wrap_up"];
const ACTIVE: usize = 1;
/// Most schedulers of one policy (each sweep runs on its own timer).
pub const MAX_SCHEDULERS: usize = 100;

/// Where a value was set, to report a final-value rule there.
#[derive(Debug, Clone)]
struct Src {
    span: Span,
    field: String,
    /// The value as written, quoted by preset rules.
    text: String,
}

type Set<T> = Option<(T, Src)>;

#[derive(Debug, Clone, Default)]
struct Layer {
    timeouts: [Set<Option<SimDuration>>; 4],
    clock: Set<Clock>,
    pending: Set<bool>,
    exempt: Set<bool>,
    reader: Set<bool>,
    scheduler: Set<usize>,
    action: Set<CloseAction>,
}

/// A generic layer and its per-state layers.
#[derive(Debug, Clone, Default)]
struct Scoped {
    all: Layer,
    states: [Layer; 4],
}

fn src(f: &Field<'_>) -> Src {
    let text = f.item.as_str().map(str::to_string).unwrap_or_else(|| f.item.to_string().trim().to_string());
    Src { span: f.span.clone(), field: f.path.clone(), text }
}

fn state_index(name: &str) -> Option<usize> {
    STATE_NAMES.iter().position(|s| *s == name)
}

/// Reads a timeout: a duration of at least 1s, or `none`.
fn timeout(ctx: &mut Ctx, f: &Field<'_>) -> Option<Option<SimDuration>> {
    let t = ctx.duration_or_none(f)?;
    if let Some(d) = t {
        if d < SimDuration::from_secs(1) {
            ctx.error(&f.span, &f.path, format!("a timeout must be at least 1s, got {d}"));
            return None;
        }
    }
    Some(t)
}

/// Reads one layer. `state`: the layer is `states.<state>` (takes `timeout`, not `timeouts`).
fn read_layer(ctx: &mut Ctx, tbl: &Tbl<'_>, state: Option<usize>, extra: &[&str], schedulers: &[Scheduler]) -> Layer {
    let mut allowed: Vec<&str> = LAYER_KEYS.to_vec();
    allowed.push(if state.is_some() { "timeout" } else { "timeouts" });
    allowed.extend_from_slice(extra);
    tbl.check_keys(ctx, &allowed);
    let mut l = Layer::default();
    if let Some(f) = tbl.get("clock") {
        let names: Vec<&str> = Clock::ALL.iter().map(|(n, _)| *n).collect();
        if let Some(c) = ctx.choice(&f, &names) {
            let clock =
                Clock::ALL.iter().find(|(n, _)| *n == c).map(|(_, c)| *c).expect("choice returns a listed clock");
            l.clock = Some((clock, src(&f)));
        }
    }
    for (key, slot) in [
        ("pending_consumer_only", &mut l.pending),
        ("exempt_manual_response_time", &mut l.exempt),
        ("reader_resets_clock", &mut l.reader),
    ] {
        if let Some(f) = tbl.get(key) {
            if let Some(b) = ctx.bool(&f) {
                *slot = Some((b, src(&f)));
            }
        }
    }
    if let Some(f) = tbl.get("scheduler") {
        if let Some(name) = ctx.string(&f) {
            match schedulers.iter().position(|s| s.name == name) {
                Some(i) => l.scheduler = Some((i, src(&f))),
                None if schedulers.is_empty() => {
                    ctx.error(
                        &f.span,
                        &f.path,
                        format!("unknown scheduler `{name}`: declare it under [policy.schedulers.{name}]"),
                    );
                }
                None => {
                    let hint = did_you_mean(name, schedulers.iter().map(|s| s.name.as_str()));
                    ctx.error(&f.span, &f.path, format!("unknown scheduler `{name}`{hint}"));
                }
            }
        }
    }
    if let Some(f) = tbl.get("action") {
        read_action(ctx, &f, state, &mut l);
    }
    match state {
        Some(s) => {
            if let Some(f) = tbl.get("timeout") {
                if let Some(t) = timeout(ctx, &f) {
                    l.timeouts[s] = Some((t, src(&f)));
                }
            }
        }
        None => {
            if let Some(f) = tbl.get("timeouts") {
                if let Some(h) = ctx.table(&f) {
                    let t = h.tbl();
                    t.check_keys(ctx, &STATE_NAMES);
                    for (i, name) in STATE_NAMES.iter().enumerate() {
                        if let Some(sf) = t.get(name) {
                            if let Some(v) = timeout(ctx, &sf) {
                                l.timeouts[i] = Some((v, src(&sf)));
                            }
                        }
                    }
                }
            }
        }
    }
    l
}

/// Reads `action`: `close`, or `wrap_up` / `park`, which move an Active conversation and are
/// allowed only in a `states.active` table.
fn read_action(ctx: &mut Ctx, f: &Field<'_>, state: Option<usize>, l: &mut Layer) {
    let names: Vec<&str> = CloseAction::ALL.iter().map(|(n, _)| *n).collect();
    let Some(name) = ctx.choice(f, &names) else { return };
    let action = CloseAction::ALL.iter().find(|(n, _)| *n == name).map(|(_, a)| *a).expect("a listed action");
    if action != CloseAction::Close && state != Some(ACTIVE) {
        let place = match state {
            Some(s) => format!("not in state {}", STATE_NAMES[s]),
            None => "set it in a states.active table".to_string(),
        };
        let what = match action {
            CloseAction::Park => "park (Active to Waiting)",
            _ => "wrap_up (Active to Wrap-up)",
        };
        ctx.error(&f.span, &f.path, format!("action {what} is allowed only for state active; {place}"));
        return;
    }
    l.action = Some((action, src(f)));
}

/// Reads a layer and its `states.<state>` sub-tables.
fn read_scoped(ctx: &mut Ctx, tbl: &Tbl<'_>, extra: &[&str], schedulers: &[Scheduler]) -> Scoped {
    let mut allowed = vec!["states"];
    allowed.extend_from_slice(extra);
    let mut out = Scoped { all: read_layer(ctx, tbl, None, &allowed, schedulers), ..Scoped::default() };
    let Some(f) = tbl.get("states") else { return out };
    let Some(h) = ctx.table(&f) else { return out };
    for (name, sf) in h.tbl().entries() {
        let Some(i) = state_index(&name) else {
            let hint = did_you_mean(&name, STATE_NAMES);
            let closed = if name == "closed" { " (a closed conversation has nothing to auto-close)" } else { "" };
            ctx.error(
                &sf.key_span,
                &sf.path,
                format!("unknown state `{name}`: must be open, active, waiting or wrap_up{closed}{hint}"),
            );
            continue;
        };
        if let Some(sh) = ctx.table(&sf) {
            out.states[i] = read_layer(ctx, &sh.tbl(), Some(i), &[], schedulers);
        }
    }
    out
}

/// A preset's scheduler merged with the user's table of the same name, or a user scheduler.
fn read_scheduler(
    ctx: &mut Ctx,
    name: &str,
    f: &Field<'_>,
    base: Option<&Scheduler>,
    preset: Option<Preset>,
) -> Option<Scheduler> {
    let h = ctx.table(f)?;
    let tbl = h.tbl();
    let kind = match tbl.get("kind") {
        Some(kf) => ctx.choice(&kf, &["sweep", "exact"])?,
        None => match base {
            Some(Scheduler { kind: SchedulerKind::Exact, .. }) => "exact",
            Some(_) => "sweep",
            None => {
                tbl.require(ctx, "kind");
                return None;
            }
        },
    };
    if kind == "exact" {
        tbl.check_keys_with(ctx, &["kind"], " for kind = \"exact\" (an exact scheduler takes only `kind`)");
        return Some(Scheduler { name: name.to_string(), kind: SchedulerKind::Exact });
    }
    let allowed = ["kind", "interval", "phase", "jitter", "max_closures_per_run", "closures_per_second", "recheck"];
    tbl.check_keys_with(ctx, &allowed, " for kind = \"sweep\"");
    let base_spec = match base {
        Some(Scheduler { kind: SchedulerKind::Sweep(s), .. }) => Some(s.clone()),
        _ => None,
    };
    let interval_f = tbl.get("interval");
    let interval = match (&interval_f, &base_spec) {
        (Some(f), _) => ctx.duration_in(f, SimDuration::from_secs(1), SimDuration::from_days(30)),
        (None, Some(b)) => Some(b.interval),
        (None, None) => {
            tbl.require(ctx, "interval");
            None
        }
    };
    let mut spec = base_spec.unwrap_or(SweepSpec {
        interval: interval.unwrap_or(SimDuration::from_mins(5)),
        phase: SimDuration::ZERO,
        jitter: None,
        max_closures_per_run: None,
        closures_per_second: None,
        recheck: true,
    });
    let mut good = interval.is_some();
    if let Some(i) = interval {
        spec.interval = i;
        if let (Some(p), Some(f)) = (preset, &interval_f) {
            if let Err(e) = presets::check_interval(p, name, i, &src(f).text) {
                ctx.error(&f.span, &f.path, e);
                good = false;
            }
        }
    }
    for key in ["phase", "jitter"] {
        let Some(f) = tbl.get(key) else { continue };
        let Some(d) = ctx.duration(&f) else {
            good = false;
            continue;
        };
        if key == "phase" {
            // The phase aligns the runs (every instant phase + k * interval, k any integer, at
            // or after the start), so a phase longer than the interval only shifts the grid:
            // 2h with an interval overridden to 30m runs at 00:00, 00:30, ...
            spec.phase = SimDuration(d.ms() % spec.interval.ms());
        } else if d >= spec.interval {
            ctx.error(&f.span, &f.path, format!("{key} must be less than the interval ({}), got {d}", spec.interval));
            good = false;
        } else {
            spec.jitter = (d > SimDuration::ZERO).then_some(d);
        }
    }
    if let Some(f) = tbl.get("max_closures_per_run") {
        match ctx.int_in(&f, 1, i64::from(u32::MAX)) {
            Some(n) => spec.max_closures_per_run = u32::try_from(n).ok(),
            None => good = false,
        }
    }
    if let Some(f) = tbl.get("closures_per_second") {
        match ctx.number_where(&f, "must be a rate > 0 and at most 1000000 per second", |x| x > 0.0 && x <= 1e6) {
            Some(x) => spec.closures_per_second = Some(x),
            None => good = false,
        }
    }
    if let Some(f) = tbl.get("recheck") {
        match ctx.bool(&f) {
            Some(b) => spec.recheck = b,
            None => good = false,
        }
    }
    good.then(|| Scheduler { name: name.to_string(), kind: SchedulerKind::Sweep(spec) })
}

/// A policy that auto-closes nothing (no `[policy]` table).
pub fn empty_policy(n_channels: usize, n_skills: usize) -> Policy {
    Policy {
        preset: None,
        rules: vec![default_rule(); n_channels * n_skills * 4],
        n_skills,
        schedulers: Vec::new(),
        hard_cap: None,
    }
}

fn default_rule() -> StateRule {
    StateRule {
        timeout: None,
        clock: Clock::LastActivity,
        pending_consumer_only: false,
        exempt_manual_response_time: false,
        reader_resets_clock: true,
        scheduler: 0,
        action: CloseAction::Close,
    }
}

/// A park rule on a live-chat channel: seed 002 has no Active to Waiting there.
fn park_on_live_chat(ctx: &mut Ctx, tbl: &Tbl<'_>, channel: &str, preset: Option<Preset>, action: Option<&Src>) {
    let why = format!(
        "action park (Active to Waiting) does not apply to live chat channel `{channel}`: seed 002 says that \
         change \"isn't applicable to Live chat\"; make the channel kind = \"messaging\" or give its active \
         state another action"
    );
    match (action, preset, tbl.get("preset")) {
        (Some(sr), _, _) => ctx.error(&sr.span, &sr.field, why),
        (None, Some(p), Some(pf)) => ctx.error(&pf.span, &pf.path, format!("{}: {why}", p.name())),
        _ => ctx.error(&tbl.span.clone(), tbl.path, why),
    }
}

/// Names of the presets that read figures from a `[policy.<preset>]` table.
fn figure_tables() -> Vec<&'static str> {
    presets::NAMES.iter().filter(|(_, p)| !presets::settings(*p).is_empty()).map(|(n, _)| *n).collect()
}

/// Reads every `[policy.<preset>]` table (each is checked, so a study can vary the preset over
/// tables written for several) and returns the figures of the chosen preset: a figure it sets,
/// else the documented default; a figure the platform does not publish must be set.
fn read_figures(ctx: &mut Ctx, tbl: &Tbl<'_>, preset: Option<Preset>) -> Figures {
    let mut chosen = preset.map(Figures::defaults).unwrap_or_default();
    for name in figure_tables() {
        let p = Preset::by_name(name).expect("figure tables are preset names");
        let given = tbl.get(name).and_then(|f| ctx.table(&f).map(|h| (f, h)));
        let mut set = vec![false; presets::settings(p).len()];
        if let Some((_, h)) = &given {
            let t = h.tbl();
            let keys: Vec<&str> = presets::settings(p).iter().map(|s| s.key).collect();
            t.check_keys_with(ctx, &keys, &format!(" for preset {name}"));
            for (i, st) in presets::settings(p).iter().enumerate() {
                let Some(f) = t.get(st.key) else { continue };
                let Some(v) = ctx.duration_or_none(&f) else { continue };
                set[i] = true;
                if let Err(e) = presets::check_setting(p, st, v, &src(&f).text) {
                    ctx.error(&f.span, &f.path, e);
                } else if preset == Some(p) {
                    chosen.0[i] = v;
                }
            }
        }
        if preset != Some(p) {
            continue;
        }
        for (i, st) in presets::settings(p).iter().enumerate() {
            if st.default.is_none() && !set[i] {
                let (span, field) = match (&given, tbl.get("preset")) {
                    (Some((f, _)), _) => (f.span.clone(), f.path.clone()),
                    (None, Some(pf)) => (pf.span.clone(), pf.path.clone()),
                    (None, None) => (tbl.span.clone(), tbl.path.to_string()),
                };
                ctx.error(&span, &field, presets::missing_setting(p, st));
            }
        }
    }
    chosen
}

/// Where each of the preset's schedulers is in `schedulers`: a required one must have been
/// declared by the scenario.
fn preset_scheduler_indices(
    ctx: &mut Ctx,
    tbl: &Tbl<'_>,
    preset: Option<Preset>,
    schedulers: &[Scheduler],
    span: &Span,
) -> Vec<usize> {
    let Some(p) = preset else { return Vec::new() };
    let mut out = Vec::new();
    for ps in presets::schedulers(p) {
        match schedulers.iter().position(|s| s.name == ps.name()) {
            Some(i) => out.push(i),
            None => {
                if let PresetScheduler::Required { name, rule } = ps {
                    ctx.error(span, &join(tbl.path, "schedulers"), presets::missing_scheduler(p, name, rule));
                }
                out.push(0);
            }
        }
    }
    out
}

/// Reads the optional `[policy]` table.
pub fn read_policy(ctx: &mut Ctx, f: Option<Field<'_>>, channels: &[Channel], skills: &[Skill]) -> Policy {
    let (nc, ns) = (channels.len(), skills.len());
    let mut policy = empty_policy(nc, ns);
    let Some(f) = f else { return policy };
    let Some(h) = ctx.table(&f) else { return policy };
    let tbl = h.tbl();

    let preset = tbl.get("preset").and_then(|pf| {
        let names: Vec<&str> = presets::NAMES.iter().map(|(n, _)| *n).collect();
        ctx.choice(&pf, &names).and_then(Preset::by_name)
    });
    policy.preset = preset;

    // Hard cap: the preset's, then the scenario's.
    policy.hard_cap = preset.and_then(presets::hard_cap);
    let cap_f = tbl.get("hard_cap");
    if let Some(cf) = &cap_f {
        if let Some(v) = timeout(ctx, cf) {
            policy.hard_cap = v;
        }
    }
    if let Some(p) = preset {
        if let Err(e) = presets::check_hard_cap(p, policy.hard_cap) {
            let (span, field) = cap_f
                .as_ref()
                .map_or((tbl.span.clone(), join(tbl.path, "hard_cap")), |c| (c.span.clone(), c.path.clone()));
            ctx.error(&span, &field, e);
        }
    }

    let figures = read_figures(ctx, &tbl, preset);

    // Schedulers: the preset's first, then the scenario's in file order.
    let mut schedulers: Vec<Scheduler> = preset
        .map(presets::schedulers)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|ps| match ps {
            PresetScheduler::Given(s) => Some(s),
            PresetScheduler::Required { .. } => None,
        })
        .collect();
    let mut sched_span = tbl.span.clone();
    if let Some(sf) = tbl.get("schedulers") {
        sched_span = sf.span.clone();
        if let Some(sh) = ctx.table(&sf).filter(|sh| {
            let n = sh.tbl().entries().len();
            if n > MAX_SCHEDULERS {
                ctx.error(&sf.span, &sf.path, format!("at most {MAX_SCHEDULERS} schedulers, got {n}"));
            }
            n <= MAX_SCHEDULERS
        }) {
            for (name, nf) in sh.tbl().entries() {
                if !ctx.check_name(&name, &nf.key_span, &nf.path) {
                    continue;
                }
                let existing = schedulers.iter().position(|s| s.name == name);
                let base = existing.map(|i| schedulers[i].clone());
                // A scheduler with errors still takes its name, so that rules naming it are
                // checked; the errors refuse the scenario.
                let s = read_scheduler(ctx, &name, &nf, base.as_ref(), preset)
                    .or(base)
                    .unwrap_or_else(|| Scheduler { name: name.clone(), kind: SchedulerKind::Exact });
                match existing {
                    Some(i) => schedulers[i] = s,
                    None => schedulers.push(s),
                }
            }
        }
    }

    let preset_idx = preset_scheduler_indices(ctx, &tbl, preset, &schedulers, &sched_span);

    // Rule layers.
    let mut top_keys = vec!["preset", "hard_cap", "schedulers", "channels", "skills"];
    top_keys.extend(figure_tables());
    let top = read_scoped(ctx, &tbl, &top_keys, &schedulers);
    let names_c: Vec<&str> = channels.iter().map(|c| c.name.as_str()).collect();
    let names_s: Vec<&str> = skills.iter().map(|s| s.name.as_str()).collect();
    let mut by_channel = vec![Scoped::default(); nc];
    let mut by_skill = vec![Scoped::default(); ns];
    for (key, names, what, out) in
        [("channels", &names_c, "channel", &mut by_channel), ("skills", &names_s, "skill", &mut by_skill)]
    {
        let Some(gf) = tbl.get(key) else { continue };
        let Some(gh) = ctx.table(&gf) else { continue };
        for (name, nf) in gh.tbl().entries() {
            let Some(i) = names.iter().position(|n| *n == name) else {
                let hint = did_you_mean(&name, names.iter().copied());
                ctx.error(&nf.key_span, &nf.path, format!("unknown {what} `{}`{hint}", super::walk::cut(&name)));
                continue;
            };
            if let Some(nh) = ctx.table(&nf) {
                out[i] = read_scoped(ctx, &nh.tbl(), &[], &schedulers);
            }
        }
    }

    // Resolve every (channel, skill, state).
    let preset_sched = preset_idx.first().copied();
    let default_sched = preset_sched.or((schedulers.len() == 1).then_some(0));
    let mut rules = Vec::with_capacity(nc * ns * 4);
    for (c, channel) in channels.iter().enumerate() {
        let pl = preset.map_or_else(PresetLayer::default, |p| {
            presets::layer(p, channel.kind == ChannelKind::LiveChat, channel.msdyn_channel, &figures)
        });
        let mut park_reported = false;
        for skill_layer in &by_skill {
            for (st, state) in State::OPEN_STATES.iter().enumerate() {
                let mut r = default_rule();
                if let Some(x) = pl.clock[st] {
                    r.clock = x;
                }
                if let Some(x) = pl.timeouts[st] {
                    r.timeout = x;
                }
                if let Some(x) = pl.actions[st] {
                    r.action = x;
                }
                r.pending_consumer_only = pl.pending_consumer_only[st].unwrap_or(r.pending_consumer_only);
                r.exempt_manual_response_time = pl.exempt_manual_response_time.unwrap_or(r.exempt_manual_response_time);
                r.reader_resets_clock = pl.reader_resets_clock.unwrap_or(r.reader_resets_clock);
                let mut timeout_src: Option<Src> = None;
                let mut action_src: Option<Src> = None;
                let mut sched: Option<usize> = default_sched;
                if let Some(k) = pl.schedulers[st] {
                    sched = preset_idx.get(k).copied();
                }
                let layers = [
                    &top.all,
                    &top.states[st],
                    &by_channel[c].all,
                    &by_channel[c].states[st],
                    &skill_layer.all,
                    &skill_layer.states[st],
                ];
                for l in layers {
                    if let Some((v, sr)) = &l.timeouts[st] {
                        r.timeout = *v;
                        timeout_src = Some(sr.clone());
                    }
                    if let Some((v, _)) = &l.clock {
                        r.clock = *v;
                    }
                    if let Some((v, _)) = &l.pending {
                        r.pending_consumer_only = *v;
                    }
                    if let Some((v, _)) = &l.exempt {
                        r.exempt_manual_response_time = *v;
                    }
                    if let Some((v, _)) = &l.reader {
                        r.reader_resets_clock = *v;
                    }
                    if let Some((v, sr)) = &l.action {
                        r.action = *v;
                        action_src = Some(sr.clone());
                    }
                    if let Some((v, _)) = &l.scheduler {
                        sched = Some(*v);
                    }
                }
                if r.action != CloseAction::Close && *state != State::Active {
                    // Only a preset could get here (layers refuse it); keep the model legal.
                    r.action = CloseAction::Close;
                }
                if r.action == CloseAction::Park && r.timeout.is_some() && channel.kind == ChannelKind::LiveChat {
                    if !park_reported {
                        park_on_live_chat(ctx, &tbl, &channel.name, preset, action_src.as_ref());
                    }
                    park_reported = true;
                }
                if let Some(t) = r.timeout {
                    if let Some(sr) = &timeout_src {
                        if let Some(p) = preset {
                            if let Err(e) = presets::check_timeout(p, st, t, &sr.text) {
                                ctx.error(&sr.span, &sr.field, e);
                            }
                        }
                    }
                    if sched.is_none() {
                        let (span, field) = timeout_src
                            .as_ref()
                            .map_or((tbl.span.clone(), tbl.path.to_string()), |sr| (sr.span.clone(), sr.field.clone()));
                        let msg = if schedulers.is_empty() {
                            "a timeout needs a scheduler: declare one under [policy.schedulers.<name>]".to_string()
                        } else {
                            let names: Vec<&str> = schedulers.iter().map(|s| s.name.as_str()).collect();
                            format!(
                                "more than one scheduler is declared: say which with scheduler = {}",
                                names.join(" or ")
                            )
                        };
                        ctx.error(&span, &field, msg);
                    }
                }
                r.scheduler = sched.unwrap_or(0);
                rules.push(r);
            }
        }
    }
    if policy.hard_cap.is_some() && schedulers.is_empty() {
        let (span, field) =
            cap_f.as_ref().map_or((sched_span, "policy.hard_cap".to_string()), |c| (c.span.clone(), c.path.clone()));
        ctx.error(&span, &field, "a hard cap needs a scheduler: declare one under [policy.schedulers.<name>]");
    }
    policy.rules = rules;
    policy.schedulers = schedulers;
    policy
}
