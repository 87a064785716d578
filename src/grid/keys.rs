//! The keys a `--vary` may name: every dotted path present in the scenario document, plus
//! the documented optional keys that could be added for the channels, skills, agent groups,
//! arrival streams and schedulers it declares; and the closest of them to a mistyped key.
//!
//! Mirrors the tables of `docs/scenario-format.md`. The scenario reader stays the judge: a key
//! missing here but accepted by the reader (say an element of an intraday profile) is allowed.

use crate::policy::presets;
use crate::policy::Preset;
use crate::scenario::diag::edit_distance;
use toml_edit::{DocumentMut, Item, Value};

use crate::scenario::reader::SCENARIO_KEYS as SCENARIO;
const CHANNEL: [&str; 2] = ["kind", "msdyn_channel"];
const SKILL: [&str; 2] = ["capacity_units", "wrap_up"];
const AGENTS: [&str; 4] = ["count", "skills", "capacity", "shift_end"];
const ARRIVAL: [&str; 6] = ["channel", "skill", "rate_per_hour", "intraday", "weekly", "replay"];
use crate::scenario::behaviour::KEYS as BEHAVIOUR;
const LAYER: [&str; 6] =
    ["clock", "pending_consumer_only", "exempt_manual_response_time", "reader_resets_clock", "scheduler", "action"];
const STATES: [&str; 4] = ["open", "active", "waiting", "wrap_up"];
const SCHEDULER: [&str; 7] =
    ["kind", "interval", "phase", "jitter", "max_closures_per_run", "closures_per_second", "recheck"];
/// Every key a `--vary` may name in this document, sorted, without repeats.
pub fn valid_keys(doc: &DocumentMut) -> Vec<String> {
    let mut out = Vec::new();
    present(doc.as_item(), "", &mut out);
    let names = |table: &str| -> Vec<String> {
        let t = doc.get(table).and_then(Item::as_table_like);
        t.map(|t| t.iter().map(|(k, _)| k.to_string()).collect()).unwrap_or_default()
    };
    let (channels, skills) = (names("channels"), names("skills"));
    let mut add = |prefix: &str, keys: &[&str]| out.extend(keys.iter().map(|k| format!("{prefix}{k}")));
    add("scenario.", &SCENARIO);
    for c in &channels {
        add(&format!("channels.{c}."), &CHANNEL);
    }
    for s in &skills {
        add(&format!("skills.{s}."), &SKILL);
    }
    for g in names("agents") {
        add(&format!("agents.{g}."), &AGENTS);
    }
    let arrivals = doc.get("arrivals").and_then(Item::as_array_of_tables).map_or(0, |a| a.len());
    for i in 0..arrivals {
        add(&format!("arrivals.{i}."), &ARRIVAL);
    }
    add("behaviour.", &BEHAVIOUR);
    for c in &channels {
        add(&format!("behaviour.channels.{c}."), &BEHAVIOUR);
        for s in &skills {
            add(&format!("behaviour.cells.{c}/{s}."), &BEHAVIOUR);
        }
    }
    for s in &skills {
        add(&format!("behaviour.skills.{s}."), &BEHAVIOUR);
    }
    add("policy.", &["preset", "hard_cap"]);
    let layer = |out: &mut Vec<String>, prefix: &str| {
        out.extend(LAYER.iter().map(|k| format!("{prefix}{k}")));
        out.extend(STATES.iter().map(|s| format!("{prefix}timeouts.{s}")));
        for s in STATES {
            out.extend(LAYER.iter().map(|k| format!("{prefix}states.{s}.{k}")));
            out.push(format!("{prefix}states.{s}.timeout"));
        }
    };
    layer(&mut out, "policy.");
    for c in &channels {
        layer(&mut out, &format!("policy.channels.{c}."));
    }
    for s in &skills {
        layer(&mut out, &format!("policy.skills.{s}."));
    }
    let mut schedulers: Vec<String> = doc
        .get("policy")
        .and_then(|p| p.get("schedulers"))
        .and_then(Item::as_table_like)
        .map(|t| t.iter().map(|(k, _)| k.to_string()).collect())
        .unwrap_or_default();
    let preset = doc.get("policy").and_then(|p| p.get("preset")).and_then(Item::as_str);
    if let Some(p) = preset.and_then(Preset::by_name) {
        schedulers.extend(presets::schedulers(p).iter().map(|s| s.name().to_string()));
    }
    // Every preset's figures: a grid may vary the preset over tables written for several.
    for (name, p) in presets::NAMES {
        out.extend(presets::settings(p).iter().map(|s| format!("policy.{name}.{}", s.key)));
    }
    for s in &schedulers {
        out.extend(SCHEDULER.iter().map(|k| format!("policy.schedulers.{s}.{k}")));
    }
    out.sort();
    out.dedup();
    out
}

/// The paths of every table, key and inline-table entry under `item`; arrays of tables and
/// arrays of inline tables are indexed (`arrivals.0.skill`), plain arrays are listed whole.
fn present(item: &Item, prefix: &str, out: &mut Vec<String>) {
    let join = |k: &str| if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") };
    match item {
        Item::Table(t) => {
            for (k, v) in t.iter() {
                out.push(join(k));
                present(v, &join(k), out);
            }
        }
        Item::ArrayOfTables(a) => {
            for (i, t) in a.iter().enumerate() {
                let p = join(&i.to_string());
                out.push(p.clone());
                for (k, v) in t.iter() {
                    out.push(format!("{p}.{k}"));
                    present(v, &format!("{p}.{k}"), out);
                }
            }
        }
        Item::Value(v) => value_paths(v, prefix, out),
        Item::None => {}
    }
}

fn value_paths(v: &Value, prefix: &str, out: &mut Vec<String>) {
    match v {
        Value::InlineTable(t) => {
            for (k, v) in t.iter() {
                let p = format!("{prefix}.{k}");
                out.push(p.clone());
                value_paths(v, &p, out);
            }
        }
        Value::Array(a) if a.iter().any(Value::is_inline_table) => {
            for (i, v) in a.iter().enumerate() {
                let p = format!("{prefix}.{i}");
                out.push(p.clone());
                value_paths(v, &p, out);
            }
        }
        _ => {}
    }
}

/// The `n` keys closest to `key` by edit distance (ties in sorted order).
pub fn closest_keys<'a>(key: &str, keys: &'a [String], n: usize) -> Vec<&'a str> {
    let mut ranked: Vec<(usize, &str)> = keys.iter().map(|k| (edit_distance(key, k), k.as_str())).collect();
    ranked.sort();
    ranked.into_iter().take(n).map(|(_, k)| k).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"
[scenario]
name = "x"
[channels.chat]
kind = "live_chat"
[skills.help]
[[arrivals]]
channel = "chat"
rate_per_hour = 1.0
[behaviour]
customer_response = { dist = "mixture", components = [{ weight = 1.0, dist = "never" }] }
[policy]
preset = "liveperson"
[policy.schedulers.main]
interval = "5m"
"#;

    #[test]
    fn lists_present_paths_and_documented_optional_keys() {
        let keys = valid_keys(&DOC.parse().unwrap());
        for k in [
            "scenario.name",
            "scenario.horizon",
            "channels.chat.msdyn_channel",
            "arrivals.0.rate_per_hour",
            "arrivals.0.weekly",
            "behaviour.customer_response.components.0.weight",
            "behaviour.cells.chat/help.patience",
            "policy.schedulers.main.interval",
            "policy.schedulers.main.phase",
            "policy.schedulers.liveperson_sweep.interval",
            "policy.channels.chat.timeouts.waiting",
            "policy.skills.help.states.active.timeout",
        ] {
            assert!(keys.iter().any(|x| x == k), "{k} should be listed");
        }
        assert!(!keys.iter().any(|x| x == "arrivals.1.skill"));
    }

    #[test]
    fn closest_keys_rank_by_edit_distance() {
        let keys = valid_keys(&DOC.parse().unwrap());
        let c = closest_keys("policy.schedulers.main.intervl", &keys, 5);
        assert_eq!(c[0], "policy.schedulers.main.interval");
        assert_eq!(c.len(), 5);
    }
}
