//! The `--vary [NAME:]KEY[+KEY...]=V1,V2,...` axes (a tie of several keys sets them all to
//! the same value), their value lists and ranges, their types (durations, numbers, booleans,
//! text) and the grid of configurations they span (the cartesian product, first axis varying
//! slowest). `Grid::parse` is the one parser of `--vary`: any command that takes it reuses it.
//!
//! Owns no validation of the values: every configuration is read like a `--set` override by
//! the scenario reader (see `exec::load_configs`).

use super::GridError;
use crate::scenario::overrides::Override;
use crate::time::{parse_duration, SimDuration};
use std::collections::HashMap;
use toml_edit::Value;

/// Most values one range may expand to, and most configurations in a grid: beyond these a
/// typo (`1s..30d:1s`) would otherwise ask for millions of runs.
pub const MAX_RANGE_VALUES: usize = 10_000;
pub const MAX_CONFIGS: usize = 100_000;

/// Columns of `grid.csv` and `comparison.csv` an axis name may not take: the comparison's own
/// and these.
const RESERVED_COLUMNS: [&str; 4] = ["scenario", "config", "config_index", "replication"];

/// One axis: the dotted scenario keys it sets (one, or several tied together, each in
/// canonical form) and the values they take, as typed (ranges expanded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vary {
    pub keys: Vec<String>,
    /// The name given with `NAME:`, if any (see `Grid::names` for the name used).
    pub name: Option<String>,
    pub values: Vec<String>,
}

impl Vary {
    /// Parses `[NAME:]KEY[+KEY...]=V1,V2,...`. Commas inside `[...]`, `{...}` or quotes do not
    /// split, so a value may be a TOML array. An item `A..B:S` is a range (see
    /// `expand_range`). `+` and `:` inside a quoted key segment belong to the segment.
    pub fn parse(arg: &str) -> Result<Vary, GridError> {
        let bad = |reason: String| GridError::BadVary { arg: arg.to_string(), reason };
        let ov = Override::parse(arg).map_err(bad)?;
        if ov.value.is_empty() {
            return Err(bad("expected at least one value after `=`".into()));
        }
        let (name, keys) = match split_unquoted(&ov.key, ':').as_slice() {
            [keys] => (None, *keys),
            [name, keys] => {
                let name = name.trim();
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "_-".contains(c)) {
                    return Err(bad(format!(
                        "the axis name `{name}` before `:` must be letters, digits, `_` or `-`, e.g. timeout:KEY1+KEY2=..."
                    )));
                }
                (Some(name.to_string()), *keys)
            }
            _ => return Err(bad("at most one `NAME:` before the keys".into())),
        };
        let mut tied = Vec::new();
        for k in split_unquoted(keys, '+') {
            let k = k.trim();
            if k.is_empty() {
                return Err(bad("a key is empty: give KEY=V1,V2 (or NAME:KEY1+KEY2=... for a tie)".into()));
            }
            let ok = Override::parse(&format!("{k}=x")).map_err(|e| bad(format!("key `{k}`: {e}")))?;
            tied.push(canonical_key(&ok.key));
        }
        let mut values: Vec<String> = Vec::new();
        for item in split_top_level(&ov.value) {
            let item = item.trim();
            if item.is_empty() {
                return Err(bad("empty value in the list (two commas in a row, or a trailing comma?)".into()));
            }
            let expanded = match is_range(item) {
                true => expand_range(item).map_err(bad)?,
                false => vec![item.to_string()],
            };
            for v in expanded {
                if values.contains(&v) {
                    return Err(bad(format!("value `{v}` is listed twice")));
                }
                values.push(v);
            }
        }
        Ok(Vary { keys: tied, name, values })
    }

    /// The name of a tie without `NAME:`: the keys' last segment if they all end in it, else
    /// the first key.
    fn default_tie_name(&self) -> String {
        let last: Vec<String> =
            self.keys.iter().map(|k| key_segments(k).last().map(|s| quoted(s)).unwrap_or_default()).collect();
        match last.iter().all(|l| *l == last[0]) {
            true => last[0].clone(),
            false => self.keys[0].clone(),
        }
    }

    /// How the axis's values read in `grid.csv` and `comparison.csv`.
    pub fn kind(&self) -> AxisKind {
        let typed: Vec<Value> = self.values.iter().map(|v| typed_value(v)).collect();
        let dur = |v: &Value| v.as_str().is_some_and(|s| parse_duration(s).is_ok());
        if typed.iter().all(dur) {
            AxisKind::Duration
        } else if typed.iter().all(|v| v.is_integer() || v.is_float()) {
            AxisKind::Number
        } else if typed.iter().all(Value::is_bool) {
            AxisKind::Bool
        } else {
            AxisKind::Text
        }
    }

    /// One value as a typed CSV cell of this axis (see `AxisKind`).
    pub fn cell(&self, kind: AxisKind, value: &str) -> String {
        let v = typed_value(value);
        match (kind, &v) {
            (AxisKind::Duration, Value::String(s)) => {
                let ms = parse_duration(s.value()).expect("a duration axis holds durations only").ms();
                (ms as f64 / 1000.0).to_string()
            }
            (AxisKind::Number, Value::Integer(i)) => i.value().to_string(),
            (AxisKind::Number, Value::Float(f)) => f.value().to_string(),
            (AxisKind::Bool, Value::Boolean(b)) => b.value().to_string(),
            (_, Value::String(s)) => s.value().clone(),
            _ => value.trim().to_string(),
        }
    }
}

/// The type of an axis's column: every value a duration (the column is `<name>_s`, in
/// seconds), a number, a boolean, or else text (strings unquoted, other TOML as typed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AxisKind {
    Duration,
    Number,
    Bool,
    Text,
}

/// A value as the scenario reader takes it: TOML, else a bare string.
fn typed_value(v: &str) -> Value {
    Override { key: String::new(), value: v.trim().to_string() }.toml_value()
}

/// Splits at `sep` outside double quotes.
fn split_unquoted(s: &str, sep: char) -> Vec<&str> {
    let (mut out, mut start, mut quoted) = (Vec::new(), 0, false);
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                out.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// A dotted key in one spelling: its segments as the scenario reader sees them (trimmed and
/// unquoted, see `Override::segments`), joined by dots, a segment quoted again only when it
/// must be (it holds a dot, or space at an end, or is empty). `scenario."replications"` and
/// `scenario. replications` are both `scenario.replications`: every check that two keys are
/// the same key compares this form.
pub fn canonical_key(key: &str) -> String {
    let ov = Override { key: key.trim().to_string(), value: String::new() };
    ov.segments().iter().map(|seg| quoted(seg)).collect::<Vec<_>>().join(".")
}

/// A segment as written in a canonical key: quoted only when it has to be.
fn quoted(seg: &str) -> String {
    let needs_quotes = seg.is_empty() || seg.contains('.') || seg.trim() != seg;
    if needs_quotes && !seg.contains('"') {
        format!("\"{seg}\"")
    } else {
        seg.to_string()
    }
}

/// The segments of a key in canonical form (see `canonical_key`).
pub fn key_segments(key: &str) -> Vec<String> {
    let ov = Override { key: key.trim().to_string(), value: String::new() };
    ov.segments().iter().map(|s| s.to_string()).collect()
}

/// Whether `a` is `b` or a table that holds `b` (segment by segment: `scenario` holds
/// `scenario.seed`, `scenario.s` does not).
pub fn key_covers(a: &str, b: &str) -> bool {
    let (a, b) = (key_segments(a), key_segments(b));
    a.len() <= b.len() && a[..] == b[..a.len()]
}

/// Splits at commas outside brackets, braces and quotes.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0);
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// Whether an unquoted item is meant as a range: `A..B` or `A..B:STEP` whose ends are both
/// numbers or durations. Anything else with `..` in it (`../x.csv`) is a plain value. Float
/// and mixed ends count as ranges only so that `expand_range` can refuse them with a reason.
fn is_range(item: &str) -> bool {
    if item.starts_with(['[', '{', '"', '\'']) {
        return false;
    }
    let range = item.split_once(':').map_or(item, |(r, _)| r);
    let Some((a, b)) = range.split_once("..") else { return false };
    let bound = |x: &str| {
        let x = x.trim();
        !x.is_empty() && (x.parse::<f64>().is_ok_and(f64::is_finite) || parse_duration(x).is_ok())
    };
    bound(a) && bound(b)
}

/// Expands `A..B` or `A..B:STEP`, both ends inclusive (`B` is included when a step lands on
/// it). Integers (`20..40:2`; the step defaults to 1) or durations (`5m..30m:5m`; the step is
/// required), written in their shortest form (`60m` comes out as `1h`). Float ranges are
/// refused: their steps do not add up exactly; list such values instead.
pub fn expand_range(item: &str) -> Result<Vec<String>, String> {
    let (range, step) = match item.split_once(':') {
        Some((r, s)) => (r, Some(s.trim())),
        None => (item, None),
    };
    let (a, b) = range.split_once("..").ok_or_else(|| format!("`{item}` is not a range A..B[:STEP]"))?;
    let (a, b) = (a.trim(), b.trim());
    let too_many = |n: u128| format!("range `{item}` has {n} values, more than the {MAX_RANGE_VALUES} allowed");
    if let (Ok(lo), Ok(hi)) = (a.parse::<i64>(), b.parse::<i64>()) {
        let step = match step {
            None => 1,
            Some(s) => s.parse::<i64>().map_err(|_| format!("range `{item}`: the step `{s}` is not an integer"))?,
        };
        if step <= 0 {
            return Err(format!("range `{item}`: the step must be positive"));
        }
        if lo > hi {
            return Err(format!("range `{item}`: the start is after the end"));
        }
        let n = ((hi as i128 - lo as i128) / step as i128 + 1) as u128;
        if n > MAX_RANGE_VALUES as u128 {
            return Err(too_many(n));
        }
        return Ok((0..n as i64).map(|k| (lo + k * step).to_string()).collect());
    }
    let dur = |s: &str| parse_duration(s).ok();
    match (dur(a), dur(b)) {
        (Some(lo), Some(hi)) => {
            let Some(s) = step else {
                return Err(format!("duration range `{item}` needs a step, e.g. `{a}..{b}:5m`"));
            };
            let step = dur(s).ok_or_else(|| format!("range `{item}`: the step `{s}` is not a duration"))?;
            if step == SimDuration::ZERO {
                return Err(format!("range `{item}`: the step must be positive"));
            }
            if lo > hi {
                return Err(format!("range `{item}`: the start is after the end"));
            }
            let n = ((hi.ms() - lo.ms()) / step.ms() + 1) as u128;
            if n > MAX_RANGE_VALUES as u128 {
                return Err(too_many(n));
            }
            Ok((0..n as u64).map(|k| SimDuration(lo.ms() + k * step.ms()).to_string()).collect())
        }
        _ => Err(format!(
            "`{item}` is not a range of integers (20..40:2) or of durations (5m..30m:5m); list other values one by one"
        )),
    }
}

/// One point of the grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Position in the grid, 0-based.
    pub index: usize,
    /// `interval=5m,waiting=2h`: each axis's short name and value, in `--vary` order.
    pub label: String,
    /// One value per axis, as typed.
    pub values: Vec<String>,
}

impl Config {
    /// The overrides that make this configuration, one per axis key (a tie sets each of its
    /// keys), to append to the base ones.
    pub fn overrides(&self, grid: &Grid) -> Vec<Override> {
        grid.axes
            .iter()
            .zip(&self.values)
            .flat_map(|(a, v)| a.keys.iter().map(|k| Override { key: k.clone(), value: v.clone() }))
            .collect()
    }
}

/// The axes and their cartesian product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    pub axes: Vec<Vary>,
    /// Each axis's name in labels: for one key, the shortest dotted suffix of it that no other
    /// key shares (usually the last segment); for a tie, its `NAME:` or its default name (see
    /// `Vary::default_tie_name`).
    pub names: Vec<String>,
    pub configs: Vec<Config>,
}

impl Grid {
    /// Parses every `--vary` argument and spans the grid. Without axes the grid is the one
    /// configuration `base`.
    pub fn parse(args: &[String]) -> Result<Grid, GridError> {
        let axes = args.iter().map(|a| Vary::parse(a)).collect::<Result<Vec<_>, _>>()?;
        Grid::new(axes)
    }

    pub fn new(axes: Vec<Vary>) -> Result<Grid, GridError> {
        let axes: Vec<Vary> =
            axes.into_iter().map(|a| Vary { keys: a.keys.iter().map(|k| canonical_key(k)).collect(), ..a }).collect();
        // Every key of every axis, tied ones included: none may repeat or hold another.
        let all: Vec<&String> = axes.iter().flat_map(|a| &a.keys).collect();
        for (i, k) in all.iter().enumerate() {
            if let Some(b) = all[..i].iter().find(|b| key_covers(b, k) || key_covers(k, b)) {
                return Err(match *b == *k {
                    true => GridError::RepeatedKey { key: k.to_string() },
                    false => GridError::OverlappingKeys { first: b.to_string(), second: k.to_string() },
                });
            }
            if key_covers(k, "scenario.replications") {
                return Err(GridError::VaryReplications);
            }
        }
        for a in &axes {
            if a.values.is_empty() {
                return Err(GridError::BadVary { arg: a.keys.join("+"), reason: "expected at least one value".into() });
            }
        }
        let size = axes.iter().try_fold(1usize, |n, a| n.checked_mul(a.values.len()));
        match size {
            Some(n) if n <= MAX_CONFIGS => {}
            _ => {
                return Err(GridError::BadVary {
                    arg: axes.last().map(|a| a.keys.join("+")).unwrap_or_default(),
                    reason: format!("the grid would have more than {MAX_CONFIGS} configurations"),
                })
            }
        }
        let all: Vec<&str> = all.iter().map(|k| k.as_str()).collect();
        let short = short_names(&all);
        let mut at = 0;
        let mut names: Vec<String> = Vec::new();
        for a in &axes {
            let name = match (&a.name, a.keys.len()) {
                (Some(n), _) => n.clone(),
                (None, 1) => short[at].clone(),
                (None, _) => a.default_tie_name(),
            };
            at += a.keys.len();
            // A named axis or a tie is a column under its name (see `Grid::column`).
            let name_is_column = a.name.is_some() || a.keys.len() > 1;
            if name_is_column
                && (RESERVED_COLUMNS.contains(&name.as_str())
                    || super::compare::COMPARISON_COLUMNS.contains(&name.as_str()))
            {
                return Err(GridError::BadVary {
                    arg: a.keys.join("+"),
                    reason: format!("`{name}` is already a column of grid.csv or comparison.csv; choose another NAME:"),
                });
            }
            if names.contains(&name) {
                return Err(GridError::BadVary {
                    arg: a.keys.join("+"),
                    reason: format!("two axes would both be named `{name}` in labels and columns; name the tie with NAME: (e.g. --vary 'timeout:KEY1+KEY2=...')"),
                });
            }
            names.push(name);
        }
        let mut configs: Vec<Config> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut idx = vec![0usize; axes.len()];
        loop {
            let values: Vec<String> = idx.iter().zip(&axes).map(|(&i, a)| a.values[i].clone()).collect();
            let label = if axes.is_empty() {
                "base".to_string()
            } else {
                names.iter().zip(&values).map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join(",")
            };
            if let Some(&first) = seen.get(&label) {
                return Err(GridError::DuplicateLabel { label, first, second: configs.len() });
            }
            seen.insert(label.clone(), configs.len());
            configs.push(Config { index: configs.len(), label, values });
            // Odometer: the last axis turns fastest, so the first varies slowest.
            let mut k = axes.len();
            loop {
                if k == 0 {
                    return Ok(Grid { axes, names, configs });
                }
                k -= 1;
                idx[k] += 1;
                if idx[k] < axes[k].values.len() {
                    break;
                }
                idx[k] = 0;
            }
        }
    }

    /// The `grid.csv` and `comparison.csv` column of axis `i`: its full key for one key
    /// without `NAME:`, else its name (a tie's is always one); `_s` appended for a duration
    /// axis (its values in seconds).
    pub fn column(&self, i: usize) -> String {
        let a = &self.axes[i];
        let base = match (&a.name, a.keys.len()) {
            (None, 1) => a.keys[0].clone(),
            _ => self.names[i].clone(),
        };
        match a.kind() {
            AxisKind::Duration => format!("{base}_s"),
            _ => base,
        }
    }

    /// The typed cells of a configuration's axis values, in axis order.
    pub fn cells(&self, c: &Config) -> Vec<String> {
        self.axes.iter().zip(&c.values).map(|(a, v)| a.cell(a.kind(), v)).collect()
    }

    /// The configuration a `--baseline` names, by label or 0-based index.
    pub fn find(&self, given: &str) -> Result<usize, GridError> {
        if let Some(c) = self.configs.iter().find(|c| c.label == given) {
            return Ok(c.index);
        }
        match given.trim().parse::<usize>() {
            Ok(i) if i < self.configs.len() => Ok(i),
            _ => {
                let mut labels: Vec<&str> = self.configs.iter().take(8).map(|c| c.label.as_str()).collect();
                if self.configs.len() > 8 {
                    labels.push("...");
                }
                Err(GridError::Baseline {
                    given: given.to_string(),
                    count: self.configs.len(),
                    labels: labels.join("; "),
                })
            }
        }
    }
}

/// For each key, its shortest dotted suffix that is not a suffix of another key.
fn short_names(keys: &[&str]) -> Vec<String> {
    keys.iter()
        .map(|k| {
            let segs: Vec<String> = key_segments(k).iter().map(|s| quoted(s)).collect();
            (1..=segs.len())
                .map(|n| segs[segs.len() - n..].join("."))
                .find(|suffix| {
                    keys.iter().filter(|o| *o != k).all(|o| *o != suffix && !o.ends_with(&format!(".{suffix}")))
                })
                .unwrap_or_else(|| k.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(arg: &str) -> Vec<String> {
        Vary::parse(arg).expect("test arguments should parse").values
    }

    #[test]
    fn lists_split_at_top_level_commas_only() {
        assert_eq!(vals("a.b=5m, 25m,1h"), ["5m", "25m", "1h"]);
        assert_eq!(vals("a.b=[1, 2],[3]"), ["[1, 2]", "[3]"]);
        assert_eq!(vals("a.b=\"x,y\",z"), ["\"x,y\"", "z"]);
        assert!(Vary::parse("a.b=1,,2").is_err());
        assert!(Vary::parse("a.b=").is_err());
        assert!(Vary::parse("a.b=1,1").is_err());
        assert!(Vary::parse("novalue").is_err());
        let e = Vary::parse("t:=5m").expect_err("no key after the name");
        assert_eq!(e.to_string(), "--vary t:=5m: a key is empty: give KEY=V1,V2 (or NAME:KEY1+KEY2=... for a tie)");
    }

    #[test]
    fn integer_ranges_are_inclusive_with_a_default_step_of_one() {
        assert_eq!(vals("k=20..26:2"), ["20", "22", "24", "26"]);
        assert_eq!(vals("k=1..3"), ["1", "2", "3"]);
        assert_eq!(vals("k=1..4:2"), ["1", "3"]);
        assert_eq!(vals("k=0,5..6"), ["0", "5", "6"]);
        assert!(Vary::parse("k=5..1").is_err());
        assert!(Vary::parse("k=1..5:0").is_err());
        assert!(Vary::parse("k=0..1000000").is_err());
    }

    #[test]
    fn duration_ranges_need_a_step_and_print_shortest() {
        assert_eq!(vals("k=5m..30m:5m"), ["5m", "10m", "15m", "20m", "25m", "30m"]);
        assert_eq!(vals("k=30m..2h:30m"), ["30m", "1h", "1h30m", "2h"]);
        assert!(Vary::parse("k=5m..30m").is_err());
        assert!(Vary::parse("k=0.1..0.5:0.1").is_err());
        assert!(Vary::parse("k=5m..30:5m").is_err());
    }

    #[test]
    fn the_grid_is_the_product_with_the_first_axis_slowest() {
        let g = Grid::parse(&["p.main.interval=5m,1h".into(), "p.c.timeouts.waiting=30m,2h,1d".into()]).unwrap();
        let labels: Vec<&str> = g.configs.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "interval=5m,waiting=30m",
                "interval=5m,waiting=2h",
                "interval=5m,waiting=1d",
                "interval=1h,waiting=30m",
                "interval=1h,waiting=2h",
                "interval=1h,waiting=1d"
            ]
        );
        assert_eq!(g.configs[4].values, ["1h", "2h"]);
        assert_eq!(g.find("interval=1h,waiting=30m").unwrap(), 3);
        assert_eq!(g.find("5").unwrap(), 5);
        assert!(g.find("6").is_err() && g.find("nope").is_err());
    }

    #[test]
    fn ambiguous_last_segments_grow_until_unique() {
        let keys = ["policy.channels.a.timeouts.open", "policy.channels.b.timeouts.open", "x.interval"];
        assert_eq!(short_names(&keys), ["a.timeouts.open", "b.timeouts.open", "interval"]);
        assert_eq!(short_names(&["a.x", "x"]), ["a.x", "x"]);
    }

    #[test]
    fn no_axes_is_one_base_configuration_and_repeats_are_refused() {
        let g = Grid::parse(&[]).unwrap();
        assert_eq!(g.configs.len(), 1);
        assert_eq!(g.configs[0].label, "base");
        assert!(matches!(Grid::parse(&["k=1".into(), "k=2".into()]), Err(GridError::RepeatedKey { .. })));
        assert!(matches!(Grid::parse(&["scenario.replications=1,2".into()]), Err(GridError::VaryReplications)));
    }

    #[test]
    fn keys_are_compared_in_one_spelling() {
        assert_eq!(canonical_key("scenario.\"replications\""), "scenario.replications");
        assert_eq!(canonical_key(" scenario . replications "), "scenario.replications");
        assert_eq!(canonical_key("behaviour.cells.\"chat/support\".wrap_up"), "behaviour.cells.chat/support.wrap_up");
        assert_eq!(canonical_key("a.\"x.y\".b"), "a.\"x.y\".b");
        assert_eq!(Vary::parse("scenario.\"seed\"=1,2").unwrap().keys, ["scenario.seed"]);
        for args in
            [["scenario.\"replications\"=2,3"], ["scenario. replications=2,3"], ["scenario={ replications = 2 }"]]
        {
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            assert!(matches!(Grid::parse(&args), Err(GridError::VaryReplications)), "{args:?}");
        }
        let twice = Grid::parse(&["a.b=1".into(), "a.\"b\"=2".into()]);
        assert!(matches!(twice, Err(GridError::RepeatedKey { .. })), "{twice:?}");
        let nested = Grid::parse(&["a={ b = 1 }".into(), "a.b=2".into()]);
        assert!(matches!(nested, Err(GridError::OverlappingKeys { .. })), "{nested:?}");
        assert!(
            key_covers("a", "a.b")
                && key_covers("a.\"b\"", "a.b")
                && !key_covers("a.b", "a")
                && !key_covers("a.b", "a.bc")
        );
        // Labels use the segments, so a quoted dotted segment is one name.
        let g = Grid::parse(&["x.\"p.q\".r=1".into(), "y.\"p.q\".r=2".into()]).unwrap();
        assert_eq!(g.configs[0].label, "x.\"p.q\".r=1,y.\"p.q\".r=2");
    }

    #[test]
    fn only_numbers_or_durations_around_two_dots_make_a_range() {
        assert_eq!(vals("k=../x.csv,a..b,..,x..5"), ["../x.csv", "a..b", "..", "x..5"]);
        assert_eq!(vals("k=1..2,5m..10m:5m"), ["1", "2", "5m", "10m"]);
        // Still ranges, and refused with the reason: floats, a duration end with a bare number.
        assert!(Vary::parse("k=0.1..0.5:0.1").is_err());
        assert!(Vary::parse("k=5m..30").is_err());
    }

    #[test]
    fn two_configurations_with_the_same_label_are_refused() {
        // (a='x,b=y', b=z) and (a='x, b=y',b=z) are both labelled a='x,b=y',b=z.
        let g = Grid::parse(&["p.a='x,b=y','x".into(), "p.b=z,y',b=z".into()]);
        match g {
            Err(GridError::DuplicateLabel { label, first, second }) => {
                assert_eq!((label.as_str(), first, second), ("a='x,b=y',b=z", 0, 3));
            }
            other => panic!("expected DuplicateLabel, got {other:?}"),
        }
    }
}
