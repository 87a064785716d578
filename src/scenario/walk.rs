//! The walking context shared by the readers: typed access to TOML items with their spans,
//! and the collector that turns spans into diagnostics.
//!
//! Owns no knowledge of the scenario format; it only knows TOML types, durations and names.

use super::diag::{did_you_mean, Diagnostic, LineIndex};
use crate::time::{parse_duration, SimDuration};
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml_edit::{Item, Key, TableLike, Value};

/// A byte range in the text being read.
pub type Span = Range<usize>;

/// An override's text in the document being read, to report problems inside it as `--set`.
#[derive(Debug, Clone)]
pub struct OverrideSpan {
    pub span: Span,
    /// `KEY=VALUE` as typed.
    pub label: String,
    pub key: String,
}

/// Collects diagnostics while the readers walk the document.
pub struct Ctx {
    pub file: String,
    pub base_dir: PathBuf,
    lines: LineIndex,
    /// Line `i` of the text read comes from line `line_map[i]` (1-based) of the file, or from
    /// no line of it (an override inserted it).
    line_map: Option<Vec<Option<usize>>>,
    overrides: Vec<OverrideSpan>,
    pub diags: Vec<Diagnostic>,
}

impl Ctx {
    pub fn new(file: &str, base_dir: &Path, text: &str) -> Ctx {
        Ctx {
            file: file.to_string(),
            base_dir: base_dir.to_path_buf(),
            lines: LineIndex::new(text),
            line_map: None,
            overrides: Vec::new(),
            diags: Vec::new(),
        }
    }

    /// Positions in the text read are mapped back to lines of `original` (the file as written).
    pub fn set_original(&mut self, original: &str, overrides: Vec<OverrideSpan>) {
        self.line_map = Some(map_lines(&LineIndex::new(original).lines(), &self.lines.lines()));
        self.overrides = overrides;
    }

    /// Reports a problem at `span`, or against `--set` when the span lies inside an override.
    pub fn error(&mut self, span: &Span, field: &str, message: impl Into<String>) {
        let message = message.into();
        if let Some(o) = self.overrides.iter().find(|o| o.span.start <= span.start && span.end <= o.span.end) {
            let field = if field.is_empty() { o.key.clone() } else { field.to_string() };
            let message = format!("{message} (from --set {})", o.label);
            self.diags.push(Diagnostic { file: "--set".into(), line: 0, column: 0, field, message });
            return;
        }
        // A path made of a huge pasted key stays readable.
        let field = &*shorten_path(field);
        let (mut line, column) = self.lines.span_start(span);
        if let Some(map) = &self.line_map {
            // A line an override inserted is reported at the nearest file line before it.
            line = map[..line.min(map.len())].iter().rev().find_map(|l| *l).unwrap_or(1);
        }
        self.diags.push(Diagnostic { file: self.file.clone(), line, column, field: field.to_string(), message });
    }

    /// Reports a problem in another file (an empirical CSV) at a known line.
    pub fn error_in(&mut self, file: &str, line: usize, column: usize, field: &str, message: impl Into<String>) {
        self.diags.push(Diagnostic {
            file: file.to_string(),
            line,
            column,
            field: field.to_string(),
            message: message.into(),
        });
    }

    pub fn has_errors(&self) -> bool {
        !self.diags.is_empty()
    }
}

/// For each line of `new`, the 1-based line of `old` it is unchanged from (longest common
/// subsequence of lines). Overrides only replace values and insert keys, so this recovers the
/// file's own line numbers. Very large files fall back to the identity.
fn map_lines(old: &[&str], new: &[&str]) -> Vec<Option<usize>> {
    let (n, m) = (old.len(), new.len());
    if n.saturating_mul(m) > 4_000_000 {
        return (0..m).map(|j| (j < n).then_some(j + 1)).collect();
    }
    // lcs[i][j]: LCS length of old[i..] and new[j..].
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[at(i, j)] =
                if old[i] == new[j] { lcs[at(i + 1, j + 1)] + 1 } else { lcs[at(i + 1, j)].max(lcs[at(i, j + 1)]) };
        }
    }
    // Matched pairs, then a sentinel past both ends.
    let mut pairs = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if old[i] == new[j] {
            pairs.push((i, j));
            i += 1;
            j += 1;
        } else if lcs[at(i + 1, j)] >= lcs[at(i, j + 1)] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs.push((n, m));
    let mut map = vec![None; m];
    let (mut oi, mut nj) = (0, 0);
    for (pi, pj) in pairs {
        // Between two matches, changed lines (an overridden value) pair up in order; the
        // new lines left over were inserted.
        for (k, j) in (nj..pj).enumerate() {
            map[j] = (oi + k < pi).then_some(oi + k + 1);
        }
        if pj < m {
            map[pj] = Some(pi + 1);
        }
        oi = pi + 1;
        nj = pj + 1;
    }
    map
}

/// A table (or inline table) being read, with its dotted path and span.
#[derive(Clone, Copy)]
pub struct Tbl<'a> {
    pub t: &'a dyn TableLike,
    pub path: &'a str,
    pub span: &'a Span,
}

/// One value being read: the item, its dotted path, its span and its key's span.
#[derive(Clone)]
pub struct Field<'a> {
    pub item: &'a Item,
    pub path: String,
    pub span: Span,
    pub key_span: Span,
}

pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else if key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') && !key.is_empty() {
        format!("{path}.{key}")
    } else {
        format!("{path}.\"{key}\"")
    }
}

/// The span of an item, or `fallback` when it has none (implicit tables, inserted items).
pub fn span_of(item: &Item, fallback: &Span) -> Span {
    item.span().unwrap_or_else(|| fallback.clone())
}

fn key_span(key: &Key, fallback: &Span) -> Span {
    key.span().unwrap_or_else(|| fallback.clone())
}

impl<'a> Tbl<'a> {
    /// The field `key`, if present.
    pub fn get(&self, key: &str) -> Option<Field<'a>> {
        let (k, item) = self.t.get_key_value(key)?;
        let ks = key_span(k, self.span);
        Some(Field { item, path: join(self.path, key), span: item.span().unwrap_or_else(|| ks.clone()), key_span: ks })
    }

    /// Every entry in document order, with each key's span.
    pub fn entries(&self) -> Vec<(String, Field<'a>)> {
        self.t.iter().filter_map(|(k, _)| self.get(k).map(|f| (k.to_string(), f))).collect()
    }

    /// Reports every key not in `allowed`, suggesting a close one.
    pub fn check_keys(&self, ctx: &mut Ctx, allowed: &[&str]) {
        self.check_keys_with(ctx, allowed, "");
    }

    /// Like `check_keys`, with extra words for the message (e.g. "for kind exact").
    pub fn check_keys_with(&self, ctx: &mut Ctx, allowed: &[&str], context: &str) {
        for (k, f) in self.entries() {
            if !allowed.contains(&k.as_str()) {
                let hint = did_you_mean(&k, allowed.iter().copied());
                ctx.error(&f.key_span, &f.path, format!("unknown key `{}`{context}{hint}", cut(&k)));
            }
        }
    }

    /// Reports a missing required key at the table.
    pub fn require(&self, ctx: &mut Ctx, key: &str) -> Option<Field<'a>> {
        let f = self.get(key);
        if f.is_none() {
            ctx.error(self.span, &join(self.path, key), format!("missing required key `{key}`"));
        }
        f
    }
}

/// Owned path and span of a table, so that a `Tbl` can borrow them.
pub struct TblHolder<'a> {
    pub t: &'a dyn TableLike,
    pub path: String,
    pub span: Span,
}

impl<'a> TblHolder<'a> {
    pub fn tbl(&self) -> Tbl<'_> {
        Tbl { t: self.t, path: &self.path, span: &self.span }
    }
}

fn article(type_name: &str) -> String {
    let an = type_name.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {type_name}", if an { "an" } else { "a" })
}

/// What a field holds, for messages: `a string "5m"`, `an integer 3`, `a table`.
pub fn describe(item: &Item) -> String {
    match item {
        Item::Value(Value::String(s)) => format!("a string {}", quote_short(s.value())),
        Item::Value(Value::Integer(i)) => format!("an integer {}", i.value()),
        Item::Value(Value::Float(x)) => format!("a float {}", show_number(*x.value())),
        Item::Value(Value::Boolean(b)) => format!("a boolean {}", b.value()),
        other => article(other.type_name()),
    }
}

impl Ctx {
    /// The field as a table (a `[table]` or an inline `{ ... }`).
    pub fn table<'a>(&mut self, f: &Field<'a>) -> Option<TblHolder<'a>> {
        match f.item.as_table_like() {
            Some(t) => Some(TblHolder { t, path: f.path.clone(), span: f.span.clone() }),
            None => {
                self.error(&f.span, &f.path, format!("expected a table, got {}", describe(f.item)));
                None
            }
        }
    }

    pub fn string<'a>(&mut self, f: &Field<'a>) -> Option<&'a str> {
        match f.item.as_str() {
            Some(s) => Some(s),
            None => {
                self.error(&f.span, &f.path, format!("expected a string, got {}", describe(f.item)));
                None
            }
        }
    }

    pub fn bool(&mut self, f: &Field<'_>) -> Option<bool> {
        match f.item.as_bool() {
            Some(b) => Some(b),
            None => {
                self.error(&f.span, &f.path, format!("expected true or false, got {}", describe(f.item)));
                None
            }
        }
    }

    /// An integer within `lo..=hi`.
    pub fn int_in(&mut self, f: &Field<'_>, lo: i64, hi: i64) -> Option<i64> {
        match f.item.as_integer() {
            Some(i) if (lo..=hi).contains(&i) => Some(i),
            Some(i) => {
                self.error(&f.span, &f.path, format!("must be an integer from {lo} to {hi}, got {i}"));
                None
            }
            None => {
                self.error(
                    &f.span,
                    &f.path,
                    format!("expected an integer from {lo} to {hi}, got {}", describe(f.item)),
                );
                None
            }
        }
    }

    /// A finite number (integers accepted).
    pub fn number(&mut self, f: &Field<'_>) -> Option<f64> {
        let v = f.item.as_float().or_else(|| f.item.as_integer().map(|i| i as f64));
        match v {
            Some(x) if x.is_finite() => Some(x),
            Some(x) => {
                self.error(&f.span, &f.path, format!("must be a finite number, got {}", show_number(x)));
                None
            }
            None => {
                self.error(&f.span, &f.path, format!("expected a number, got {}", describe(f.item)));
                None
            }
        }
    }

    /// A finite number that `ok` accepts; `rule` describes it ("must be > 0").
    pub fn number_where(&mut self, f: &Field<'_>, rule: &str, ok: impl Fn(f64) -> bool) -> Option<f64> {
        let x = self.number(f)?;
        if ok(x) {
            Some(x)
        } else {
            self.error(&f.span, &f.path, format!("{rule}, got {}", show_number(x)));
            None
        }
    }

    /// A duration string.
    pub fn duration(&mut self, f: &Field<'_>) -> Option<SimDuration> {
        let Some(s) = f.item.as_str() else {
            let hint = if f.item.as_integer().is_some() || f.item.as_float().is_some() {
                " (a duration needs a unit, e.g. \"5m\")"
            } else {
                ""
            };
            self.error(
                &f.span,
                &f.path,
                format!(
                    "expected a duration string such as \"90s\", \"25m\", \"2h\" or \"1d\", got {}{hint}",
                    describe(f.item)
                ),
            );
            return None;
        };
        match parse_duration(s) {
            Ok(d) => Some(d),
            Err(e) => {
                self.error(&f.span, &f.path, e.to_string());
                None
            }
        }
    }

    /// A duration within `lo..=hi`.
    pub fn duration_in(&mut self, f: &Field<'_>, lo: SimDuration, hi: SimDuration) -> Option<SimDuration> {
        let d = self.duration(f)?;
        if d < lo || d > hi {
            self.error(&f.span, &f.path, format!("must be a duration from {lo} to {hi}, got {d}"));
            return None;
        }
        Some(d)
    }

    /// A duration, or `none` (returned as `Some(None)`).
    pub fn duration_or_none(&mut self, f: &Field<'_>) -> Option<Option<SimDuration>> {
        if f.item.as_str() == Some("none") {
            return Some(None);
        }
        if let Some(s) = f.item.as_str() {
            if parse_duration(s).is_err() {
                self.error(
                    &f.span,
                    &f.path,
                    format!("expected a duration such as 90s, 25m, 2h or 1d, or \"none\", got {}", quote_short(s)),
                );
                return None;
            }
        }
        self.duration(f).map(Some)
    }

    /// One of `choices`, with a suggestion when close.
    pub fn choice<'c>(&mut self, f: &Field<'_>, choices: &[&'c str]) -> Option<&'c str> {
        let s = self.string(f)?;
        if let Some(c) = choices.iter().find(|c| **c == s) {
            return Some(c);
        }
        let list = one_of(choices);
        let hint = did_you_mean(s, choices.iter().copied());
        self.error(&f.span, &f.path, format!("must be {list}, got {}{hint}", quote_short(s)));
        None
    }

    /// Checks a name (scenario, channel, skill, group, scheduler) against `[a-z0-9_-]{1,100}`:
    /// names become parts of file and folder names (`results/<scenario name>`), so they must
    /// be safe in a file name on every system and short enough for one.
    pub fn check_name(&mut self, name: &str, span: &Span, field: &str) -> bool {
        if !is_name(name) {
            self.error(span, field, format!("names may use only a-z, 0-9, _ and -, got {}", quote_short(name)));
            return false;
        }
        let n = name.chars().count();
        if n > MAX_NAME_CHARS {
            self.error(span, field, format!("a name is at most {MAX_NAME_CHARS} characters, got {n}"));
            return false;
        }
        true
    }

    /// An array of exactly `n` numbers accepted by `ok`.
    pub fn numbers(
        &mut self,
        f: &Field<'_>,
        n: usize,
        what: &str,
        rule: &str,
        ok: impl Fn(f64) -> bool,
    ) -> Option<Vec<f64>> {
        let Some(a) = f.item.as_array() else {
            self.error(
                &f.span,
                &f.path,
                format!("expected an array of {n} numbers ({what}), got {}", describe(f.item)),
            );
            return None;
        };
        if a.len() != n {
            self.error(&f.span, &f.path, format!("must have exactly {n} values ({what}), got {}", a.len()));
            return None;
        }
        let mut out = Vec::with_capacity(n);
        let mut good = true;
        for (i, v) in a.iter().enumerate() {
            let span = v.span().unwrap_or_else(|| f.span.clone());
            let path = format!("{}.{i}", f.path);
            let x = v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
            match x {
                Some(x) if x.is_finite() && ok(x) => out.push(x),
                Some(x) => {
                    self.error(&span, &path, format!("{rule}, got {}", show_number(x)));
                    good = false;
                }
                None => {
                    let got = describe(&Item::Value(v.clone()));
                    self.error(&span, &path, format!("expected a number ({rule}), got {got}"));
                    good = false;
                }
            }
        }
        good.then_some(out)
    }
}

/// A dotted path cut to 100 characters with `...`.
fn shorten_path(path: &str) -> std::borrow::Cow<'_, str> {
    if path.chars().count() <= 100 {
        path.into()
    } else {
        (path.chars().take(100).collect::<String>() + "...").into()
    }
}

/// `a, b or c`, for "must be ..." messages.
pub fn one_of(choices: &[&str]) -> String {
    match choices {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The longest name of a scenario, channel, skill, agent group or scheduler.
pub const MAX_NAME_CHARS: usize = 100;

/// Values echoed in messages are cut to this many characters.
pub const MAX_ECHO_CHARS: usize = 40;

/// `text` quoted as Rust debug, cut to `MAX_ECHO_CHARS` characters with `...` (a huge value
/// pasted by mistake stays readable in the message).
pub fn quote_short(text: &str) -> String {
    format!("{:?}", cut(text))
}

/// `text` cut to `MAX_ECHO_CHARS` characters with `...`, unquoted.
pub fn cut(text: &str) -> String {
    if text.chars().count() <= MAX_ECHO_CHARS {
        return text.to_string();
    }
    text.chars().take(MAX_ECHO_CHARS).collect::<String>() + "..."
}

/// A number as messages echo it: plain when short, else in scientific form (`1e300`, not
/// three hundred digits).
pub fn show_number(x: f64) -> String {
    let plain = x.to_string();
    if plain.chars().count() <= 20 {
        plain
    } else {
        format!("{x:e}")
    }
}

/// Whether `s` matches `[a-z0-9_-]+`.
pub fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_map_back_across_inserted_and_changed_lines() {
        let old = ["[a]", "x = 1", "[b]", "y = 2"];
        let new = ["[a]", "x = 5", "z = 3", "[b]", "y = 2"];
        let map = map_lines(&old, &new);
        assert_eq!(map, vec![Some(1), Some(2), None, Some(3), Some(4)]);
    }

    #[test]
    fn names_are_lowercase_words() {
        assert!(is_name("team_a-2"));
        assert!(!is_name("Team A"));
        assert!(!is_name(""));
    }
}
