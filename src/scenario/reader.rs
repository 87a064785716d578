//! Reading a scenario file: parse the TOML (keeping spans), apply `--set` overrides, walk every
//! table and collect every problem, then build the resolved `Scenario`.
//!
//! Owns `[scenario]`, `[channels]`, `[skills]`, `[agents]` and `[[arrivals]]`; behaviour and
//! policy have their own readers. Does no simulation and draws no random numbers.

use super::behaviour::{read_behaviour, skill_list};
use super::diag::{did_you_mean, Diagnostic, Diagnostics};
use super::overrides::{apply, Override};
use super::policy_reader::read_policy;
use super::walk::{describe, show_number, Ctx, Field, OverrideSpan, Span, Tbl};
use super::{AgentGroup, ArrivalStream, Channel, ChannelKind, Scenario, ShiftEnd, Skill, Staffing, WrapUpBlock};
use crate::time::SimDuration;
use chrono::{Datelike, NaiveDate};
use std::path::Path;
use toml_edit::{DocumentMut, ImDocument, Item, TableLike, Value};

/// `msdyn_channel` option values (seed 004).
pub const MSDYN_CHANNELS: [(u32, &str); 14] = [
    (19_241_000, "Teams"),
    (192_300_000, "WhatsApp"),
    (192_310_000, "LINE"),
    (192_320_000, "WeChat"),
    (192_330_000, "Facebook"),
    (192_340_000, "SMS"),
    (192_350_000, "Entity Records"),
    (192_350_001, "Twitter"),
    (192_350_002, "Custom"),
    (192_360_000, "Live chat"),
    (192_370_000, "Voice"),
    (192_380_000, "Video"),
    (192_390_000, "Co-browse"),
    (192_400_000, "Screen sharing"),
];

const TOP_KEYS: [&str; 7] = ["scenario", "channels", "skills", "agents", "arrivals", "behaviour", "policy"];
/// Every key of `[scenario]` (also the keys `sweep --vary` may name there).
pub(crate) const SCENARIO_KEYS: [&str; 10] = [
    "name",
    "description",
    "start_date",
    "horizon",
    "warmup",
    "seed",
    "replications",
    "bucket",
    "service_level_target",
    "shift_end",
];
const WEEKDAYS: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
/// Most agents in one group (on shift at any hour).
pub const MAX_AGENTS: i64 = 100_000;
/// Most concurrent capacity units of one agent, and units one conversation of a skill takes.
pub const MAX_AGENT_CAPACITY: i64 = 1_000;
pub const MAX_SKILL_UNITS: i64 = 100;
/// Most replications of one run.
pub const MAX_REPLICATIONS: i64 = 10_000;
/// Most channels, skills, agent groups and arrival streams one scenario declares. Behaviour
/// and rules are resolved per (channel, skill): the product stays in the hundreds of thousands.
pub const MAX_CHANNELS: usize = 100;
pub const MAX_SKILLS: usize = 1_000;
pub const MAX_GROUPS: usize = 1_000;
pub const MAX_ARRIVALS: usize = 10_000;
/// Most arrivals per hour of one stream at its busiest hour (rate x largest intraday
/// multiplier x largest weekly multiplier), and of all streams together at their busiest.
pub const MAX_RATE_PER_HOUR: f64 = 1e6;
/// Earliest and latest start dates: the timestamps of a run (start date + horizon) must stay
/// within years 1900 to 9999, which every calendar tool reads.
pub const MIN_START_YEAR: i32 = 1900;
pub const MAX_START_YEAR: i32 = 9999;

/// Reads and checks a scenario file, with overrides applied.
/// The largest scenario file read (the bundled ones are a few kB).
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;
/// The largest data file a scenario names (`replay`, `empirical`): tens of millions of rows.
pub const MAX_DATA_BYTES: u64 = 4 << 30;

/// Refuses what is not a plain file of at most `max` bytes (a device such as /dev/zero, a
/// pipe, a folder would be read without end or not at all), with the reason.
pub fn plain_file(path: &Path, max: u64) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        let what = if meta.is_dir() { "a folder" } else { "not a plain file (a device or a pipe)" };
        return Err(format!("{} is {what}", path.display()));
    }
    if meta.len() > max {
        return Err(format!("{} is {} bytes, more than the {max} read at most", path.display(), meta.len()));
    }
    Ok(())
}

pub fn load_file(path: &Path, overrides: &[Override]) -> Result<Scenario, Diagnostics> {
    let label = path.display().to_string();
    let whole = |line, column, message| {
        Diagnostics(vec![Diagnostic { file: label.clone(), line, column, field: String::new(), message }])
    };
    plain_file(path, MAX_SCENARIO_BYTES).map_err(|m| whole(0, 0, format!("cannot read the scenario file: {m}")))?;
    let bytes = std::fs::read(path).map_err(|e| whole(0, 0, format!("cannot read the scenario file: {e}")))?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            // Positioned at the first byte that is not UTF-8, like any other problem.
            let good = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let prefix = std::str::from_utf8(&bytes[..good]).expect("the bytes before valid_up_to should be UTF-8");
            let line = prefix.matches('\n').count() + 1;
            let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            return Err(whole(
                line,
                column,
                format!("the file is not UTF-8 text: byte 0x{:02x} cannot start a character here", bytes[good]),
            ));
        }
    };
    let base_dir = path.parent().unwrap_or_else(|| Path::new("."));
    parse_str(&label, &text, base_dir, overrides)
}

/// Reads and checks scenario text; `file_label` names it in diagnostics, `base_dir` is where
/// relative paths in it (empirical CSVs) are found.
pub fn parse_str(
    file_label: &str,
    text: &str,
    base_dir: &Path,
    overrides: &[Override],
) -> Result<Scenario, Diagnostics> {
    let syntax = |ctx: &mut Ctx, e: &toml_edit::TomlError| {
        let span = e.span().unwrap_or(0..0);
        ctx.error(&span, "", format!("invalid TOML: {}", one_line(e.message())));
    };
    let mut suspects: Vec<(String, Diagnostic)> = Vec::new();
    let (source_text, mut ctx, im) = if overrides.is_empty() {
        let mut ctx = Ctx::new(file_label, base_dir, text);
        match ImDocument::parse(text.to_string()) {
            Ok(im) => (text.to_string(), ctx, im),
            Err(e) => {
                syntax(&mut ctx, &e);
                return Err(Diagnostics::new(ctx.diags));
            }
        }
    } else {
        let mut doc: DocumentMut = match text.parse() {
            Ok(d) => d,
            Err(e) => {
                let mut ctx = Ctx::new(file_label, base_dir, text);
                syntax(&mut ctx, &e);
                return Err(Diagnostics::new(ctx.diags));
            }
        };
        suspects = unknown_parents(&doc, overrides);
        let mut bad = Vec::new();
        let mut applied = Vec::new();
        for ov in overrides {
            match apply(&mut doc, ov) {
                Ok(path) => applied.push((ov, path)),
                Err(msg) => bad.push(Diagnostic {
                    file: "--set".into(),
                    line: 0,
                    column: 0,
                    field: ov.key.clone(),
                    message: format!("{msg} (from --set {})", ov.label()),
                }),
            }
        }
        if !bad.is_empty() {
            return Err(Diagnostics::new(bad));
        }
        let source_text = doc.to_string();
        let mut ctx = Ctx::new(file_label, base_dir, &source_text);
        let im = match ImDocument::parse(source_text.clone()) {
            Ok(im) => im,
            Err(e) => {
                ctx.error(&(0..0), "", format!("the overrides produced invalid TOML: {}", one_line(e.message())));
                return Err(Diagnostics::new(ctx.diags));
            }
        };
        let spans = applied
            .iter()
            .filter_map(|(ov, created)| {
                let full = ov.segments();
                let span = find_span(im.as_item(), created).or_else(|| find_span(im.as_item(), &full))?;
                // The key belongs to the override too: an unknown key it adds is its problem.
                let span = match key_span_at(im.as_item(), created) {
                    Some(k) => k.start.min(span.start)..k.end.max(span.end),
                    None => span,
                };
                Some(OverrideSpan { span, label: ov.label(), key: ov.key.clone() })
            })
            .collect();
        ctx.set_original(text, spans);
        (source_text, ctx, im)
    };
    let mut scenario = read(&mut ctx, im.as_item(), file_label, &source_text);
    if !overrides.is_empty() && ctx.diags.iter().any(is_unknown_override_key) {
        // The same closest-key list `sweep --vary` gives, over the keys of the file as written.
        let original: DocumentMut = text.parse().expect("the text parsed above and should parse again");
        let keys = crate::grid::keys::valid_keys(&original);
        for d in ctx.diags.iter_mut().filter(|d| is_unknown_override_key(d)) {
            let close = crate::grid::keys::closest_keys(&d.field, &keys, 5);
            d.message.push_str(&format!("; the closest valid keys are: {}", close.join(", ")));
        }
        scenario = None;
    }
    // An override that made a table the file has no trace of, and whose table is then found
    // wanting, is a mistyped key: say so instead of listing what the new table lacks.
    for (parent, unknown) in suspects {
        let under = format!("{parent}.");
        let about = |d: &Diagnostic| d.field == parent || d.field.starts_with(&under);
        if ctx.diags.iter().any(about) {
            ctx.diags.retain(|d| !about(d));
            ctx.diags.push(unknown);
            scenario = None;
        }
    }
    match scenario {
        Some(s) if !ctx.has_errors() => Ok(s),
        _ => {
            if ctx.diags.is_empty() {
                ctx.error(&(0..0), "", "the scenario could not be read");
            }
            Err(Diagnostics::new(ctx.diags))
        }
    }
}

/// Overrides under a table the scenario neither has nor documents (`agents.generalist.count`
/// when the group is `generalists`), each with the unknown-key problem to report should the
/// new table turn out incomplete (several overrides may also build a new table on purpose).
fn unknown_parents(doc: &DocumentMut, overrides: &[Override]) -> Vec<(String, Diagnostic)> {
    let keys = crate::grid::keys::valid_keys(doc);
    let mut bad = Vec::new();
    for ov in overrides {
        let key = crate::grid::spec::canonical_key(&ov.key);
        let segments = crate::grid::spec::key_segments(&key);
        if segments.len() < 2 || keys.contains(&key) {
            continue;
        }
        let parent = segments[..segments.len() - 1].join(".");
        let under = format!("{parent}.");
        if keys.iter().any(|k| k == &parent || k.starts_with(&under)) {
            continue;
        }
        let close = crate::grid::keys::closest_keys(&key, &keys, 5);
        bad.push((
            parent.clone(),
            Diagnostic {
                file: "--set".into(),
                line: 0,
                column: 0,
                field: key.clone(),
                message: format!(
                    "unknown key: the scenario has no `{parent}` (from --set {}); the closest valid keys are: {}",
                    ov.label(),
                    close.join(", ")
                ),
            },
        ));
    }
    bad
}

/// A parser message on one line (`invalid table header; expected `.`, `]``), so that every
/// problem is one `file:line:col: message` line.
fn one_line(message: &str) -> String {
    message.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; ")
}

fn is_unknown_override_key(d: &Diagnostic) -> bool {
    d.file == "--set" && d.message.starts_with("unknown key")
}

/// The span of the last key of a dotted path in its table, when it has one (not inside an
/// inline array).
fn key_span_at<S: AsRef<str>>(root: &Item, segs: &[S]) -> Option<Span> {
    let (last, parent) = segs.split_last()?;
    let mut t: &dyn TableLike = root.as_table_like()?;
    let mut i = 0;
    while i < parent.len() {
        match t.get(parent[i].as_ref())? {
            Item::ArrayOfTables(a) => {
                t = a.get(parent.get(i + 1)?.as_ref().parse::<usize>().ok()?)?;
                i += 2;
            }
            other => {
                t = other.as_table_like()?;
                i += 1;
            }
        }
    }
    let (k, _) = t.get_key_value(last.as_ref())?;
    k.span()
}

/// The text an item covers, at a dotted path (integer segments index arrays). An implicit
/// table (only sub-tables, no header of its own) covers what its sub-tables cover.
fn find_span<S: AsRef<str>>(root: &Item, segs: &[S]) -> Option<Span> {
    let mut item = root.clone();
    for seg in segs {
        let seg = seg.as_ref();
        let next = match &item {
            Item::Table(t) => t.get(seg).cloned(),
            Item::ArrayOfTables(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)).map(|t| Item::Table(t.clone())),
            Item::Value(Value::InlineTable(t)) => t.get(seg).map(|v| Item::Value(v.clone())),
            Item::Value(Value::Array(a)) => {
                seg.parse::<usize>().ok().and_then(|i| a.get(i)).map(|v| Item::Value(v.clone()))
            }
            _ => None,
        };
        item = next?;
    }
    extent(&item)
}

fn extent(item: &Item) -> Option<Span> {
    let own = item.span();
    let children: Vec<Span> = match item {
        Item::Table(t) => t.iter().filter_map(|(_, v)| extent(v)).collect(),
        Item::ArrayOfTables(a) => a.iter().filter_map(|t| t.span()).collect(),
        _ => Vec::new(),
    };
    own.into_iter().chain(children).reduce(|a, b| a.start.min(b.start)..a.end.max(b.end))
}

fn read(ctx: &mut Ctx, root: &Item, file_label: &str, source_text: &str) -> Option<Scenario> {
    let Some(t) = root.as_table_like() else {
        ctx.error(&(0..0), "", "expected a TOML document of tables");
        return None;
    };
    let span0: Span = 0..0;
    let doc = Tbl { t, path: "", span: &span0 };
    doc.check_keys(ctx, &TOP_KEYS);

    let head = read_scenario_table(ctx, &doc);
    // Every declared channel, skill and group is kept, with defaults standing in for values
    // that had errors, so that later references to it are still checked; the scenario is
    // refused at the end if anything was reported.
    let channels = read_named(ctx, &doc, "channels", "channel", MAX_CHANNELS, read_channel);
    let skills = read_named(ctx, &doc, "skills", "skill", MAX_SKILLS, read_skill);
    let groups = read_named(ctx, &doc, "agents", "agent group", MAX_GROUPS, |ctx, name, tbl| {
        read_group(ctx, name, tbl, &skills, head.as_ref().map_or(ShiftEnd::Finish, |h| h.shift_end))
    });
    let window = head.as_ref().map(|h| (h.start_date, h.horizon));
    let arrivals = read_arrivals(ctx, &doc, &channels, &skills, &groups, window);
    if channels.is_empty() || skills.is_empty() {
        // Behaviour and policy name channels and skills: without any, every name would look
        // unknown. The missing table has been reported.
        return None;
    }
    let served: Vec<bool> = (0..skills.len()).map(|k| groups.iter().any(|g| g.skills.contains(&k))).collect();
    let behaviour = read_behaviour(ctx, doc.get("behaviour"), &channels, &skills, &served);
    let policy = read_policy(ctx, doc.get("policy"), &channels, &skills);
    let head = head?;
    Some(Scenario {
        name: head.name,
        description: head.description,
        source_path: file_label.to_string(),
        source_text: source_text.to_string(),
        start_date: head.start_date,
        horizon: head.horizon,
        warmup: head.warmup,
        seed: head.seed,
        replications: head.replications,
        bucket: head.bucket,
        service_level_target: head.service_level_target,
        channels,
        skills,
        agent_groups: groups,
        arrivals,
        behaviour,
        policy,
    })
}

struct Head {
    name: String,
    description: String,
    start_date: NaiveDate,
    horizon: SimDuration,
    warmup: SimDuration,
    seed: u64,
    replications: u32,
    bucket: SimDuration,
    service_level_target: SimDuration,
    /// The groups' `shift_end` where they do not set their own.
    shift_end: ShiftEnd,
}

fn read_shift_end(ctx: &mut Ctx, f: &Field<'_>) -> Option<ShiftEnd> {
    ctx.choice(f, &ShiftEnd::KEYS).and_then(ShiftEnd::from_key)
}

fn read_scenario_table(ctx: &mut Ctx, doc: &Tbl<'_>) -> Option<Head> {
    let f = doc.require(ctx, "scenario")?;
    let h = ctx.table(&f)?;
    let t = h.tbl();
    t.check_keys(ctx, &SCENARIO_KEYS);
    let mut good = true;
    let name = match t.require(ctx, "name") {
        Some(nf) => match ctx.string(&nf) {
            Some(n) if ctx.check_name(n, &nf.span, &nf.path) => Some(n.to_string()),
            _ => None,
        },
        None => None,
    };
    let description = match t.get("description") {
        Some(df) => ctx.string(&df).map(str::to_string),
        None => Some(String::new()),
    };
    let start_date = match t.get("start_date") {
        Some(df) => read_date(ctx, &df),
        None => NaiveDate::from_ymd_opt(2026, 1, 5),
    };
    let horizon = t
        .require(ctx, "horizon")
        .and_then(|hf| ctx.duration_in(&hf, SimDuration::from_hours(1), SimDuration::from_days(400)));
    if let (Some(d), Some(hz), Some(df)) = (start_date, horizon, t.get("start_date")) {
        let last = NaiveDate::from_ymd_opt(MAX_START_YEAR, 12, 31).expect("9999-12-31 should be a valid date");
        let days = i64::try_from(hz.ms().div_ceil(crate::time::MS_PER_DAY)).unwrap_or(i64::MAX);
        let end = chrono::TimeDelta::try_days(days).and_then(|span| d.checked_add_signed(span));
        if end.is_none_or(|e| e > last) {
            ctx.error(
                &df.span,
                &df.path,
                format!(
                    "start_date + horizon ({hz}) must end by {last}: start by {}",
                    last - chrono::TimeDelta::days(days)
                ),
            );
        }
    }
    let warmup = match t.get("warmup") {
        Some(wf) => ctx.duration(&wf).and_then(|w| match horizon {
            Some(hz) if w >= hz => {
                ctx.error(&wf.span, &wf.path, format!("must be less than the horizon ({hz}), got {w}"));
                None
            }
            _ => Some(w),
        }),
        None => Some(SimDuration::ZERO),
    };
    let seed = match t.get("seed") {
        Some(sf) => ctx.int_in(&sf, 0, i64::MAX).and_then(|s| u64::try_from(s).ok()),
        None => Some(1),
    };
    let replications = match t.get("replications") {
        Some(rf) => ctx.int_in(&rf, 1, MAX_REPLICATIONS).and_then(|r| u32::try_from(r).ok()),
        None => Some(5),
    };
    let bucket = match t.get("bucket") {
        Some(bf) => {
            ctx.duration_in(&bf, SimDuration::from_mins(1), SimDuration::from_days(1)).and_then(|b| match horizon {
                Some(hz) if b > hz => {
                    ctx.error(&bf.span, &bf.path, format!("must not exceed the horizon ({hz}), got {b}"));
                    None
                }
                _ => Some(b),
            })
        }
        None => Some(SimDuration::from_mins(15)),
    };
    let service_level_target = match t.get("service_level_target") {
        Some(sf) => ctx.duration(&sf).and_then(|d| {
            if d == SimDuration::ZERO {
                ctx.error(&sf.span, &sf.path, "must be greater than 0s");
                None
            } else {
                Some(d)
            }
        }),
        None => Some(SimDuration::from_secs(60)),
    };
    let shift_end = match t.get("shift_end") {
        Some(sf) => read_shift_end(ctx, &sf),
        None => Some(ShiftEnd::Finish),
    };
    let mut need = |x: bool| good &= x;
    need(name.is_some() && description.is_some() && start_date.is_some() && horizon.is_some());
    need(warmup.is_some() && seed.is_some() && replications.is_some() && bucket.is_some());
    need(service_level_target.is_some() && shift_end.is_some());
    if !good {
        return None;
    }
    Some(Head {
        name: name?,
        description: description?,
        start_date: start_date?,
        horizon: horizon?,
        warmup: warmup?,
        seed: seed?,
        replications: replications?,
        bucket: bucket?,
        service_level_target: service_level_target?,
        shift_end: shift_end?,
    })
}

/// A calendar date: `"2026-01-05"` or a TOML local date.
fn read_date(ctx: &mut Ctx, f: &Field<'_>) -> Option<NaiveDate> {
    let text = match f.item {
        Item::Value(Value::String(s)) => s.value().to_string(),
        Item::Value(Value::Datetime(d)) if d.value().time.is_none() && d.value().offset.is_none() => {
            d.value().to_string()
        }
        other => {
            ctx.error(&f.span, &f.path, format!("expected a date such as \"2026-01-05\", got {}", describe(other)));
            return None;
        }
    };
    match NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
        Ok(d) if (MIN_START_YEAR..=MAX_START_YEAR).contains(&d.year()) => Some(d),
        Ok(_) => {
            ctx.error(
                &f.span,
                &f.path,
                format!(
                    "must be a date from {MIN_START_YEAR}-01-01 to {MAX_START_YEAR}-12-31, got {}",
                    super::walk::quote_short(&text)
                ),
            );
            None
        }
        Err(_) => {
            ctx.error(
                &f.span,
                &f.path,
                format!("expected a date YYYY-MM-DD such as \"2026-01-05\", got {}", super::walk::quote_short(&text)),
            );
            None
        }
    }
}

/// Reads `[<key>.<name>]` tables in file order (empty when missing, which is reported).
fn read_named<T, F>(ctx: &mut Ctx, doc: &Tbl<'_>, key: &str, what: &str, max: usize, mut each: F) -> Vec<T>
where
    F: FnMut(&mut Ctx, &str, &Tbl<'_>) -> T,
{
    let Some(f) = doc.require(ctx, key) else { return Vec::new() };
    let Some(h) = ctx.table(&f) else { return Vec::new() };
    let entries = h.tbl().entries();
    if entries.is_empty() {
        ctx.error(&f.span, &f.path, format!("declare at least one {what}: [{key}.<name>]"));
    }
    if entries.len() > max {
        ctx.error(&f.span, &f.path, format!("at most {max} of them (each {what}), got {}", entries.len()));
        return Vec::new();
    }
    let mut out = Vec::with_capacity(entries.len());
    for (name, nf) in entries {
        ctx.check_name(&name, &nf.key_span, &nf.path);
        if let Some(nh) = ctx.table(&nf) {
            out.push(each(ctx, &name, &nh.tbl()));
        }
    }
    out
}

fn read_channel(ctx: &mut Ctx, name: &str, t: &Tbl<'_>) -> Channel {
    t.check_keys(ctx, &["kind", "msdyn_channel"]);
    let kind = t.require(ctx, "kind").and_then(|f| ctx.choice(&f, &["live_chat", "messaging"]));
    let msdyn = match t.get("msdyn_channel") {
        None => Some(None),
        Some(f) => match f.item.as_integer() {
            Some(v) if MSDYN_CHANNELS.iter().any(|(x, _)| i64::from(*x) == v) => u32::try_from(v).ok().map(Some),
            _ => {
                let list: Vec<String> = MSDYN_CHANNELS.iter().map(|(v, n)| format!("{v} {n}")).collect();
                let got = match f.item.as_integer() {
                    Some(v) => v.to_string(),
                    None => describe(f.item),
                };
                ctx.error(
                    &f.span,
                    &f.path,
                    format!("must be one of seed 004's option values ({}), got {got}", list.join(", ")),
                );
                None
            }
        },
    };
    let kind = match kind {
        Some("live_chat") => ChannelKind::LiveChat,
        _ => ChannelKind::Messaging,
    };
    Channel { name: name.to_string(), kind, msdyn_channel: msdyn.flatten() }
}

fn read_skill(ctx: &mut Ctx, name: &str, t: &Tbl<'_>) -> Skill {
    t.check_keys(ctx, &["capacity_units", "wrap_up"]);
    let units = match t.get("capacity_units") {
        Some(f) => ctx.int_in(&f, 1, MAX_SKILL_UNITS).and_then(|u| u32::try_from(u).ok()),
        None => Some(1),
    };
    let wrap_up = match t.get("wrap_up") {
        None => Some(WrapUpBlock::Always),
        Some(f) => {
            let got = f.item.as_str().map_or_else(|| describe(f.item), str::to_string);
            match f.item.as_str() {
                Some("always") => Some(WrapUpBlock::Always),
                Some("never") => Some(WrapUpBlock::Never),
                Some(s) => match crate::time::parse_duration(s) {
                    Ok(d) if d >= SimDuration::from_mins(1) && d <= SimDuration::from_mins(60) => {
                        Some(WrapUpBlock::For(d))
                    }
                    _ => None,
                },
                None => None,
            }
            .or_else(|| {
                ctx.error(&f.span, &f.path, format!("must be always, never or 1m..60m, got {got}"));
                None
            })
        }
    };
    Skill {
        name: name.to_string(),
        capacity_units: units.unwrap_or(1),
        wrap_up: wrap_up.unwrap_or(WrapUpBlock::Always),
    }
}

fn read_group(ctx: &mut Ctx, name: &str, t: &Tbl<'_>, skills: &[Skill], default_shift_end: ShiftEnd) -> AgentGroup {
    t.check_keys(ctx, &["count", "staffing", "skills", "capacity", "shift_end"]);
    let shift_end = t.get("shift_end").map_or(Some(default_shift_end), |f| read_shift_end(ctx, &f));
    let staffing = match (t.get("count"), t.get("staffing")) {
        (Some(cf), None) => ctx.int_in(&cf, 0, MAX_AGENTS).and_then(|n| u32::try_from(n).ok()).map(Staffing::Constant),
        (None, Some(sf)) => read_staffing(ctx, &sf),
        (Some(cf), Some(_)) => {
            ctx.error(&cf.key_span, &cf.path, "give either count or a staffing table, not both");
            None
        }
        (None, None) => {
            ctx.error(t.span, t.path, "missing required key `count` (or a `staffing` table)");
            None
        }
    };
    let served = t
        .require(ctx, "skills")
        .and_then(|f| (!skills.is_empty()).then(|| skill_list(ctx, &f, skills, true).map(|s| (s, f))).flatten());
    let capacity_f = t.get("capacity");
    let capacity = match &capacity_f {
        Some(f) => ctx.int_in(f, 1, MAX_AGENT_CAPACITY).and_then(|c| u32::try_from(c).ok()),
        None => Some(1),
    };
    if let (Some((ids, sf)), Some(cap)) = (&served, capacity) {
        for &id in ids {
            let skill = &skills[id];
            if skill.capacity_units > cap {
                let (span, field) = capacity_f
                    .as_ref()
                    .map_or((sf.span.clone(), sf.path.clone()), |f| (f.span.clone(), f.path.clone()));
                ctx.error(
                    &span,
                    &field,
                    format!(
                        "an agent's capacity ({cap}) is less than the capacity_units of skill `{}` ({})",
                        skill.name, skill.capacity_units
                    ),
                );
            }
        }
    }
    AgentGroup {
        name: name.to_string(),
        staffing: staffing.unwrap_or(Staffing::Constant(0)),
        shift_end: shift_end.unwrap_or_default(),
        skills: served.map(|(s, _)| s).unwrap_or_default(),
        capacity_units: capacity.unwrap_or(1),
    }
}

fn read_staffing(ctx: &mut Ctx, f: &Field<'_>) -> Option<Staffing> {
    let h = ctx.table(f)?;
    let t = h.tbl();
    let mut allowed = vec!["default"];
    allowed.extend(WEEKDAYS);
    t.check_keys(ctx, &allowed);
    let hours = |ctx: &mut Ctx, f: &Field<'_>| -> Option<[u32; 24]> {
        let v = ctx.numbers(
            f,
            24,
            "agents on shift for each hour of the day",
            &format!("must be a whole number of agents from 0 to {MAX_AGENTS}"),
            |x| x.fract() == 0.0 && (0.0..=MAX_AGENTS as f64).contains(&x),
        )?;
        let mut out = [0u32; 24];
        for (o, x) in out.iter_mut().zip(v) {
            *o = x as u32;
        }
        Some(out)
    };
    let default = t.require(ctx, "default").and_then(|df| hours(ctx, &df));
    let mut week = [[0u32; 24]; 7];
    let mut good = default.is_some();
    for (i, day) in WEEKDAYS.iter().enumerate() {
        match t.get(day) {
            Some(df) => match hours(ctx, &df) {
                Some(h) => week[i] = h,
                None => good = false,
            },
            None => week[i] = default.unwrap_or([0; 24]),
        }
    }
    good.then(|| Staffing::Weekly(Box::new(week)))
}

fn read_arrivals(
    ctx: &mut Ctx,
    doc: &Tbl<'_>,
    channels: &[Channel],
    skills: &[Skill],
    groups: &[AgentGroup],
    window: Option<(NaiveDate, SimDuration)>,
) -> Vec<ArrivalStream> {
    let Some(f) = doc.require(ctx, "arrivals") else { return Vec::new() };
    let mut tables: Vec<(Item, String)> = Vec::new();
    match f.item {
        Item::ArrayOfTables(a) => {
            for (i, t) in a.iter().enumerate() {
                tables.push((Item::Table(t.clone()), format!("arrivals.{i}")));
            }
        }
        Item::Value(Value::Array(a)) => {
            for (i, v) in a.iter().enumerate() {
                tables.push((Item::Value(v.clone()), format!("arrivals.{i}")));
            }
        }
        other => {
            ctx.error(&f.span, &f.path, format!("expected [[arrivals]] tables, got {}", describe(other)));
            return Vec::new();
        }
    }
    if tables.is_empty() {
        ctx.error(&f.span, &f.path, "declare at least one [[arrivals]] stream");
    }
    if tables.len() > MAX_ARRIVALS {
        ctx.error(&f.span, &f.path, format!("at most {MAX_ARRIVALS} [[arrivals]] streams, got {}", tables.len()));
        return Vec::new();
    }
    let mut out = Vec::with_capacity(tables.len());
    let mut total_peak = 0.0;
    for (item, path) in &tables {
        let span = item.span().unwrap_or_else(|| f.span.clone());
        let af = Field { item, path: path.clone(), span: span.clone(), key_span: span.clone() };
        if let Some(a) = read_arrival(ctx, &af, channels, skills, groups, window) {
            let peak = peak_rate_per_hour(&a);
            if peak > MAX_RATE_PER_HOUR {
                ctx.error(
                    &span,
                    path,
                    format!(
                        "rate_per_hour x largest intraday x largest weekly multiplier must be at most 1000000 per hour, got {} x {} x {} = {peak}",
                        show_number(a.rate_per_hour),
                        show_number(max_of(&a.intraday)),
                        show_number(max_of(&a.weekly)),
                        peak = show_number(peak)
                    ),
                );
            } else if total_peak <= MAX_RATE_PER_HOUR {
                // Said once, at the stream that crosses the bound.
                total_peak += peak;
                if total_peak > MAX_RATE_PER_HOUR {
                    ctx.error(
                        &span,
                        path,
                        format!(
                            "the streams' busiest rates (rate_per_hour x largest intraday x largest weekly multiplier) add up to more than 1000000 per hour here: {}",
                            show_number(total_peak)
                        ),
                    );
                }
            }
            out.push(a);
        }
    }
    out
}

fn max_of(xs: &[f64]) -> f64 {
    xs.iter().copied().fold(0.0, f64::max)
}

/// Arrivals per hour of a stream at its busiest hour of its busiest weekday (an upper bound).
fn peak_rate_per_hour(a: &ArrivalStream) -> f64 {
    a.rate_per_hour * max_of(&a.intraday) * max_of(&a.weekly)
}

fn read_arrival(
    ctx: &mut Ctx,
    f: &Field<'_>,
    channels: &[Channel],
    skills: &[Skill],
    groups: &[AgentGroup],
    window: Option<(NaiveDate, SimDuration)>,
) -> Option<ArrivalStream> {
    let h = ctx.table(f)?;
    let t = h.tbl();
    t.check_keys(ctx, &["channel", "skill", "rate_per_hour", "intraday", "weekly", "replay"]);
    let reference = |ctx: &mut Ctx, key: &str, names: &[&str], what: &str| -> Option<usize> {
        let rf = t.require(ctx, key)?;
        let name = ctx.string(&rf)?;
        if names.is_empty() {
            // The missing table has been reported.
            return None;
        }
        let found = names.iter().position(|n| *n == name);
        if found.is_none() {
            let hint = did_you_mean(name, names.iter().copied());
            ctx.error(&rf.span, &rf.path, format!("unknown {what} `{}`{hint}", super::walk::cut(name)));
        }
        found
    };
    let names_c: Vec<&str> = channels.iter().map(|c| c.name.as_str()).collect();
    let names_s: Vec<&str> = skills.iter().map(|s| s.name.as_str()).collect();
    let channel = reference(ctx, "channel", &names_c, "channel");
    let skill = reference(ctx, "skill", &names_s, "skill");
    if let Some(s) = skill {
        if !groups.is_empty() && !groups.iter().any(|g| g.skills.contains(&s)) {
            if let Some(sf) = t.get("skill") {
                ctx.error(
                    &sf.span,
                    &sf.path,
                    format!(
                        "skill `{}` is served by no agent group: add it to the skills of one under [agents]",
                        names_s[s]
                    ),
                );
            }
        }
    }
    if let Some(rf) = t.get("replay") {
        for k in ["rate_per_hour", "intraday", "weekly"] {
            if let Some(kf) = t.get(k) {
                ctx.error(
                    &kf.span,
                    &kf.path,
                    "a replayed stream takes its arrivals from its `replay` file: remove this key, or `replay`",
                );
            }
        }
        let file = ctx.string(&rf)?;
        let (start, horizon) = window?;
        let times = super::replay::read_replay(ctx, &rf, file, start, horizon.ms())?;
        let rate = times.len() as f64 / (horizon.ms() as f64 / crate::time::MS_PER_HOUR as f64);
        return Some(ArrivalStream {
            channel: channel?,
            skill: skill?,
            rate_per_hour: rate,
            intraday: [1.0; 24],
            weekly: [1.0; 7],
            replay: Some(times.into()),
        });
    }
    // The upper bound keeps a typo (an extra zero or five) from running out of memory.
    let rate = t.require(ctx, "rate_per_hour").and_then(|rf| {
        ctx.number_where(&rf, "must be a rate > 0 and at most 1000000 per hour", |x| x > 0.0 && x <= 1e6)
    });
    let multipliers = |ctx: &mut Ctx, key: &str, n: usize, what: &str| -> Option<Vec<f64>> {
        match t.get(key) {
            Some(mf) => {
                ctx.numbers(&mf, n, what, "must be a multiplier from 0 to 1000", |x| (0.0..=1000.0).contains(&x))
            }
            None => Some(vec![1.0; n]),
        }
    };
    let intraday = multipliers(ctx, "intraday", 24, "one multiplier per hour of day");
    let weekly = multipliers(ctx, "weekly", 7, "one multiplier per weekday, Monday first");
    let mut day = [1.0; 24];
    day.copy_from_slice(&intraday?);
    let mut week = [1.0; 7];
    week.copy_from_slice(&weekly?);
    Some(ArrivalStream {
        channel: channel?,
        skill: skill?,
        rate_per_hour: rate?,
        intraday: day,
        weekly: week,
        replay: None,
    })
}
