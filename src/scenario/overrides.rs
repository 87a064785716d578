//! Command-line overrides (`--set KEY=VALUE`, and each point of a `--vary` grid): parsing
//! them and writing them into a format-preserving TOML document before it is read.
//!
//! Owns no validation of the values themselves: the reader checks the overridden document
//! like any other and reports problems inside an override's value against `--set`.

use toml_edit::{DocumentMut, InlineTable, Item, Table, Value};

/// One `KEY=VALUE` override: a dotted path into the document and the value to put there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// Dotted path, e.g. `policy.schedulers.main.interval` or `arrivals.0.rate_per_hour`.
    pub key: String,
    /// The value as typed: a TOML value (`20`, `true`, `"5m"`, `[1, 2]`) or a bare string (`5m`).
    pub value: String,
}

impl Override {
    /// Splits `KEY=VALUE` at the first `=`.
    pub fn parse(s: &str) -> Result<Override, String> {
        let (key, value) = s.split_once('=').ok_or_else(|| format!("expected KEY=VALUE, got {s:?}"))?;
        let key = key.trim();
        if key.is_empty() {
            return Err(format!("expected KEY=VALUE with a non-empty KEY, got {s:?}"));
        }
        if key.split('.').any(|seg| seg.trim().is_empty()) {
            return Err(format!("KEY must be a dotted path such as scenario.seed, got {key:?}"));
        }
        Ok(Override { key: key.to_string(), value: value.trim().to_string() })
    }

    /// The override as typed, for messages: `KEY=VALUE`.
    pub fn label(&self) -> String {
        format!("{}={}", self.key, self.value)
    }

    /// The path segments of the key.
    pub fn segments(&self) -> Vec<&str> {
        // Dots inside double quotes belong to the segment, as in TOML: `cells."web/a.b".x`.
        let mut out = Vec::new();
        let (mut start, mut quoted) = (0, false);
        for (i, ch) in self.key.char_indices() {
            match ch {
                '"' => quoted = !quoted,
                '.' if !quoted => {
                    out.push(unquote(&self.key[start..i]));
                    start = i + 1;
                }
                _ => {}
            }
        }
        out.push(unquote(&self.key[start..]));
        out
    }

    /// The value as TOML: what it parses as, else the text as a string.
    pub fn toml_value(&self) -> Value {
        self.value.parse::<Value>().unwrap_or_else(|_| Value::from(self.value.as_str()))
    }
}

fn unquote(seg: &str) -> &str {
    let seg = seg.trim();
    seg.strip_prefix('"').and_then(|x| x.strip_suffix('"')).unwrap_or(seg)
}

/// Writes `ov` into `doc`, creating missing intermediate tables. Returns the segments of the
/// outermost item it created or replaced (so the reader can find the override's text).
pub fn apply(doc: &mut DocumentMut, ov: &Override) -> Result<Vec<String>, String> {
    let segs = ov.segments();
    let mut created_at: Option<usize> = None;
    set_in(doc.as_item_mut(), &segs, 0, ov.toml_value(), &mut created_at)?;
    let depth = created_at.unwrap_or(segs.len() - 1);
    Ok(segs[..=depth].iter().map(|s| s.to_string()).collect())
}

fn walked(segs: &[&str], i: usize) -> String {
    segs[..i].join(".")
}

/// Sets `segs[i..]` inside `item` to `value`; `created_at` records the first segment created.
fn set_in(
    item: &mut Item,
    segs: &[&str],
    i: usize,
    value: Value,
    created_at: &mut Option<usize>,
) -> Result<(), String> {
    let seg = segs[i];
    let last = i + 1 == segs.len();
    let here = if i == 0 { "the document".to_string() } else { format!("`{}`", walked(segs, i)) };
    match item {
        Item::Table(t) => {
            if last {
                return set_in_table(t, seg, value, segs, i, created_at);
            }
            if !t.contains_key(seg) {
                created_at.get_or_insert(i);
                let mut sub = Table::new();
                sub.set_implicit(true);
                t.insert(seg, Item::Table(sub));
            }
            let next = t.get_mut(seg).expect("the key was just checked or inserted and should be present");
            set_in(next, segs, i + 1, value, created_at)
        }
        Item::ArrayOfTables(a) => {
            let n = a.len();
            let idx = index(seg, n, &here)?;
            if last {
                return Err(format!(
                    "{here} is an array of tables; set the keys of `{}` one by one",
                    walked(segs, i + 1)
                ));
            }
            let t = a.get_mut(idx).expect("the index was checked against the length and should exist");
            let mut wrapped = Item::Table(std::mem::take(t));
            let r = set_in(&mut wrapped, segs, i + 1, value, created_at);
            if let Item::Table(back) = wrapped {
                *t = back;
            }
            r
        }
        Item::Value(v) => set_in_value(v, segs, i, value, created_at, &here),
        Item::None => Err(format!("{here} does not exist")),
    }
}

fn set_in_value(
    v: &mut Value,
    segs: &[&str],
    i: usize,
    value: Value,
    created_at: &mut Option<usize>,
    here: &str,
) -> Result<(), String> {
    let seg = segs[i];
    let last = i + 1 == segs.len();
    match v {
        Value::InlineTable(t) => {
            if last {
                match t.get_mut(seg) {
                    Some(old) => replace_value(old, value),
                    None => {
                        created_at.get_or_insert(i);
                        t.insert(seg, value);
                    }
                }
                return Ok(());
            }
            if !t.contains_key(seg) {
                created_at.get_or_insert(i);
                t.insert(seg, Value::InlineTable(InlineTable::new()));
            }
            let next = t.get_mut(seg).expect("the key was just checked or inserted and should be present");
            set_in_value(next, segs, i + 1, value, created_at, &format!("`{}`", walked(segs, i + 1)))
        }
        Value::Array(a) => {
            let idx = index(seg, a.len(), here)?;
            let elem = a.get_mut(idx).expect("the index was checked against the length and should exist");
            if last {
                replace_value(elem, value);
                Ok(())
            } else {
                set_in_value(elem, segs, i + 1, value, created_at, &format!("`{}`", walked(segs, i + 1)))
            }
        }
        other => Err(format!("{here} is {}, not a table", article(other.type_name()))),
    }
}

fn set_in_table(
    t: &mut Table,
    seg: &str,
    value: Value,
    segs: &[&str],
    i: usize,
    created_at: &mut Option<usize>,
) -> Result<(), String> {
    match t.get_mut(seg) {
        Some(Item::Value(old)) => {
            replace_value(old, value);
            Ok(())
        }
        Some(Item::None) | None => {
            created_at.get_or_insert(i);
            t.insert(seg, Item::Value(value));
            Ok(())
        }
        Some(other) => {
            Err(format!("`{}` is {}; set its keys one by one", walked(segs, i + 1), article(other.type_name())))
        }
    }
}

/// Replaces a value, keeping the spaces and comment around the old one.
fn replace_value(old: &mut Value, new: Value) {
    let decor = old.decor().clone();
    *old = new;
    *old.decor_mut() = decor;
}

fn index(seg: &str, len: usize, here: &str) -> Result<usize, String> {
    let idx: usize = seg.parse().map_err(|_| format!("{here} is an array: expected an index 0..{len}, got `{seg}`"))?;
    if idx >= len {
        return Err(format!("{here} has {len} entries: index {idx} is out of range"));
    }
    Ok(idx)
}

fn article(type_name: &str) -> String {
    let an = type_name.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {type_name}", if an { "an" } else { "a" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_segments_keep_their_dots_and_slashes() {
        let o = Override::parse("behaviour.cells.\"web/a.b\".transfer_per_hour=2").unwrap();
        assert_eq!(o.segments(), vec!["behaviour", "cells", "web/a.b", "transfer_per_hour"]);
        let o = Override::parse("behaviour.cells.web/a.rate=2").unwrap();
        assert_eq!(o.segments(), vec!["behaviour", "cells", "web/a", "rate"]);
    }

    fn set(text: &str, kv: &str) -> Result<String, String> {
        let mut doc: DocumentMut = text.parse().expect("test documents should parse");
        apply(&mut doc, &Override::parse(kv)?)?;
        Ok(doc.to_string())
    }

    #[test]
    fn parses_key_and_value() {
        let o = Override::parse("scenario.seed=7").unwrap();
        assert_eq!((o.key.as_str(), o.value.as_str()), ("scenario.seed", "7"));
        assert_eq!(Override::parse("a.b=x=y").unwrap().value, "x=y");
        assert!(Override::parse("novalue").is_err());
        assert!(Override::parse("=3").is_err());
        assert!(Override::parse("a..b=3").is_err());
    }

    #[test]
    fn values_are_toml_or_bare_strings() {
        let v = |s: &str| Override::parse(&format!("k={s}")).unwrap().toml_value();
        assert_eq!(v("20").as_integer(), Some(20));
        assert_eq!(v("0.5").as_float(), Some(0.5));
        assert_eq!(v("true").as_bool(), Some(true));
        assert_eq!(v("\"5m\"").as_str(), Some("5m"));
        assert_eq!(v("5m").as_str(), Some("5m"));
        assert_eq!(v("[1,2]").as_array().map(|a| a.len()), Some(2));
    }

    #[test]
    fn replaces_in_place_keeping_comments_and_lines() {
        let out = set("[scenario]\nseed = 1 # the seed\nname = \"x\"\n", "scenario.seed=7").unwrap();
        assert_eq!(out, "[scenario]\nseed = 7 # the seed\nname = \"x\"\n");
    }

    #[test]
    fn creates_missing_tables_and_indexes_arrays_of_tables() {
        let out = set("[[arrivals]]\nrate_per_hour = 1.0\n", "arrivals.0.rate_per_hour=2.5").unwrap();
        assert!(out.contains("rate_per_hour = 2.5"), "{out}");
        let out = set("[scenario]\n", "policy.schedulers.main.interval=5m").unwrap();
        assert!(out.contains("interval = \"5m\""), "{out}");
        assert!(set("[[arrivals]]\n", "arrivals.3.skill=x").is_err());
    }

    #[test]
    fn refuses_to_descend_into_a_non_table() {
        let e = set("[scenario]\nseed = 1\n", "scenario.seed.x=1").unwrap_err();
        assert_eq!(e, "`scenario.seed` is an integer, not a table");
    }
}
