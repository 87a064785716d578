//! Reading `[behaviour]` and its channel, skill and cell overrides, and layering them into one
//! resolved `Behaviour` per (channel, skill).
//!
//! Owns the layering order: built-in defaults < `[behaviour]` < `channels.<c>` < `skills.<s>`
//! < `cells."<c>/<s>"`, most specific wins.

use super::diag::did_you_mean;
use super::dists::{read_dist, Quantity};
use super::walk::{join, Ctx, Field, Span, Tbl};
use super::{Behaviour, Channel, Skill, SkillId};
use crate::model::dist::Dist;
use crate::time::MS_PER_MIN;

/// Every key of a behaviour layer (also the keys `sweep --vary` may name there).
pub(crate) const KEYS: [&str; 12] = [
    "patience",
    "exchanges",
    "agent_response",
    "customer_response",
    "park_probability",
    "park_delay",
    "wrap_up",
    "disconnect",
    "reader_per_hour",
    "manual_response_probability",
    "transfer_per_hour",
    "transfer_to",
];

/// One layer's settings; each `None` leaves the layer below in force.
#[derive(Default, Clone)]
struct Layer {
    patience: Option<Dist>,
    exchanges: Option<Dist>,
    agent_response: Option<Dist>,
    customer_response: Option<Dist>,
    park_probability: Option<f64>,
    park_delay: Option<Dist>,
    wrap_up: Option<Dist>,
    disconnect: Option<Dist>,
    reader_per_hour: Option<f64>,
    manual_response_probability: Option<f64>,
    /// With where it was set, to report a transfer rate without targets there.
    transfer_per_hour: Option<(f64, Span, String)>,
    transfer_to: Option<(Vec<SkillId>, Span, String)>,
}

/// The built-in defaults (see docs/scenario-format.md).
pub fn defaults() -> Behaviour {
    let min = MS_PER_MIN as f64;
    Behaviour {
        patience: Dist::Never,
        exchanges: Dist::Constant(3.0),
        agent_response: Dist::Exponential { mean: min },
        customer_response: Dist::Exponential { mean: 2.0 * min },
        park_probability: 0.0,
        park_delay: Dist::Constant(5.0 * min),
        wrap_up: Dist::Constant(2.0 * min),
        disconnect: Dist::Never,
        reader_per_hour: 0.0,
        manual_response_probability: 0.0,
        transfer_per_hour: 0.0,
        transfer_to: Vec::new(),
    }
}

fn read_layer(ctx: &mut Ctx, tbl: &Tbl<'_>, extra: &[&str], skills: &[Skill]) -> Layer {
    let mut allowed: Vec<&str> = KEYS.to_vec();
    allowed.extend_from_slice(extra);
    tbl.check_keys(ctx, &allowed);
    let mut l = Layer::default();
    let dist = |ctx: &mut Ctx, key: &str, q: Quantity| tbl.get(key).and_then(|f| read_dist(ctx, &f, q));
    l.patience = dist(ctx, "patience", Quantity::Duration);
    l.exchanges = dist(ctx, "exchanges", Quantity::Count);
    l.agent_response = dist(ctx, "agent_response", Quantity::Duration);
    l.customer_response = dist(ctx, "customer_response", Quantity::Duration);
    l.park_delay = dist(ctx, "park_delay", Quantity::Duration);
    l.wrap_up = dist(ctx, "wrap_up", Quantity::Duration);
    l.disconnect = dist(ctx, "disconnect", Quantity::Duration);
    let prob = |ctx: &mut Ctx, f: Field<'_>| {
        ctx.number_where(&f, "must be a probability from 0 to 1", |x| (0.0..=1.0).contains(&x))
    };
    // At most one an hour per second: side events are rare by nature, and a rate so high
    // that its draws round to 0 ms would replay at one instant forever.
    let rate = |ctx: &mut Ctx, f: Field<'_>| {
        ctx.number_where(&f, "must be a rate per hour from 0 to 3600", |x| (0.0..=3600.0).contains(&x))
    };
    l.park_probability = tbl.get("park_probability").and_then(|f| prob(ctx, f));
    l.manual_response_probability = tbl.get("manual_response_probability").and_then(|f| prob(ctx, f));
    l.reader_per_hour = tbl.get("reader_per_hour").and_then(|f| rate(ctx, f));
    if let Some(f) = tbl.get("transfer_per_hour") {
        if let Some(x) = rate(ctx, f.clone()) {
            l.transfer_per_hour = Some((x, f.span.clone(), f.path.clone()));
        }
    }
    if let Some(f) = tbl.get("transfer_to") {
        l.transfer_to = skill_list(ctx, &f, skills, false).map(|v| (v, f.span.clone(), f.path.clone()));
    }
    l
}

/// A list of declared skill names, as indices; unknown names are reported and left out.
pub fn skill_list(ctx: &mut Ctx, f: &Field<'_>, skills: &[Skill], non_empty: bool) -> Option<Vec<SkillId>> {
    let Some(a) = f.item.as_array() else {
        ctx.error(&f.span, &f.path, format!("expected an array of skill names, got {}", super::walk::describe(f.item)));
        return None;
    };
    if non_empty && a.is_empty() {
        ctx.error(&f.span, &f.path, "must name at least one skill");
        return None;
    }
    let mut out = Vec::with_capacity(a.len());
    for (i, v) in a.iter().enumerate() {
        let span = v.span().unwrap_or_else(|| f.span.clone());
        let path = format!("{}.{i}", f.path);
        match v.as_str() {
            Some(name) => match skills.iter().position(|s| s.name == name) {
                Some(id) if out.contains(&id) => {
                    ctx.error(&span, &path, format!("skill `{name}` is listed twice"));
                }
                Some(id) => out.push(id),
                None => {
                    let hint = did_you_mean(name, skills.iter().map(|s| s.name.as_str()));
                    ctx.error(&span, &path, format!("unknown skill `{}`{hint}", super::walk::cut(name)));
                }
            },
            None => {
                ctx.error(&span, &path, format!("expected a skill name, got {}", v.type_name()));
            }
        }
    }
    Some(out)
}

fn apply(
    b: &mut Behaviour,
    l: &Layer,
    transfer_src: &mut Option<(Span, String)>,
    transfer_to_src: &mut Option<(Span, String)>,
) {
    let set = |dst: &mut Dist, src: &Option<Dist>| {
        if let Some(d) = src {
            *dst = d.clone();
        }
    };
    set(&mut b.patience, &l.patience);
    set(&mut b.exchanges, &l.exchanges);
    set(&mut b.agent_response, &l.agent_response);
    set(&mut b.customer_response, &l.customer_response);
    set(&mut b.park_delay, &l.park_delay);
    set(&mut b.wrap_up, &l.wrap_up);
    set(&mut b.disconnect, &l.disconnect);
    if let Some(x) = l.park_probability {
        b.park_probability = x;
    }
    if let Some(x) = l.manual_response_probability {
        b.manual_response_probability = x;
    }
    if let Some(x) = l.reader_per_hour {
        b.reader_per_hour = x;
    }
    if let Some((x, span, path)) = &l.transfer_per_hour {
        b.transfer_per_hour = *x;
        *transfer_src = Some((span.clone(), path.clone()));
    }
    if let Some((t, span, path)) = &l.transfer_to {
        b.transfer_to = t.clone();
        *transfer_to_src = Some((span.clone(), path.clone()));
    }
}

/// Reads the optional `[behaviour]` table and resolves one behaviour per (channel, skill).
/// `served[k]` says whether some agent group serves skill `k` (transfers must go to one).
pub fn read_behaviour(
    ctx: &mut Ctx,
    f: Option<Field<'_>>,
    channels: &[Channel],
    skills: &[Skill],
    served: &[bool],
) -> Vec<Behaviour> {
    let base = defaults();
    let (nc, ns) = (channels.len(), skills.len());
    let mut top = Layer::default();
    let mut by_channel: Vec<Layer> = vec![Layer::default(); nc];
    let mut by_skill: Vec<Layer> = vec![Layer::default(); ns];
    let mut by_cell: Vec<Layer> = vec![Layer::default(); nc * ns];
    if let Some(f) = f {
        if let Some(h) = ctx.table(&f) {
            let tbl = h.tbl();
            top = read_layer(ctx, &tbl, &["channels", "skills", "cells"], skills);
            let names_c: Vec<&str> = channels.iter().map(|c| c.name.as_str()).collect();
            let names_s: Vec<&str> = skills.iter().map(|s| s.name.as_str()).collect();
            for_each_sub(ctx, &tbl, "channels", |ctx, name, sub, key_span, path| {
                match names_c.iter().position(|c| *c == name) {
                    Some(i) => by_channel[i] = read_layer(ctx, sub, &[], skills),
                    None => {
                        let hint = did_you_mean(name, names_c.iter().copied());
                        ctx.error(key_span, path, format!("unknown channel `{}`{hint}", super::walk::cut(name)));
                    }
                }
            });
            for_each_sub(ctx, &tbl, "skills", |ctx, name, sub, key_span, path| {
                match names_s.iter().position(|s| *s == name) {
                    Some(i) => by_skill[i] = read_layer(ctx, sub, &[], skills),
                    None => {
                        let hint = did_you_mean(name, names_s.iter().copied());
                        ctx.error(key_span, path, format!("unknown skill `{}`{hint}", super::walk::cut(name)));
                    }
                }
            });
            for_each_sub(ctx, &tbl, "cells", |ctx, name, sub, key_span, path| {
                let Some((c, s)) = name.split_once('/') else {
                    ctx.error(
                        key_span,
                        path,
                        format!("a cell is named \"<channel>/<skill>\", got {}", super::walk::quote_short(name)),
                    );
                    return;
                };
                let ci = names_c.iter().position(|x| *x == c);
                let si = names_s.iter().position(|x| *x == s);
                if ci.is_none() {
                    let hint = did_you_mean(c, names_c.iter().copied());
                    ctx.error(
                        key_span,
                        path,
                        format!(
                            "unknown channel `{}` in cell {}{hint}",
                            super::walk::cut(c),
                            super::walk::quote_short(name)
                        ),
                    );
                }
                if si.is_none() {
                    let hint = did_you_mean(s, names_s.iter().copied());
                    ctx.error(
                        key_span,
                        path,
                        format!(
                            "unknown skill `{}` in cell {}{hint}",
                            super::walk::cut(s),
                            super::walk::quote_short(name)
                        ),
                    );
                }
                let layer = read_layer(ctx, sub, &[], skills);
                if let (Some(ci), Some(si)) = (ci, si) {
                    by_cell[ci * ns + si] = layer;
                }
            });
        }
    }
    let mut out = Vec::with_capacity(nc * ns);
    for c in 0..nc {
        for s in 0..ns {
            let mut b = base.clone();
            let (mut transfer_src, mut transfer_to_src) = (None, None);
            for l in [&top, &by_channel[c], &by_skill[s], &by_cell[c * ns + s]] {
                apply(&mut b, l, &mut transfer_src, &mut transfer_to_src);
            }
            if b.transfer_per_hour > 0.0 && b.transfer_to.is_empty() {
                let (span, path) = transfer_src.unwrap_or_else(|| (0..0, "behaviour.transfer_per_hour".into()));
                ctx.error(&span, &path, "a transfer rate needs transfer_to: the skills transfers go to");
            }
            if b.transfer_per_hour > 0.0 {
                for &k in b.transfer_to.iter().filter(|&&k| !served.get(k).copied().unwrap_or(true)) {
                    let (span, path) =
                        transfer_to_src.clone().unwrap_or_else(|| (0..0, "behaviour.transfer_to".into()));
                    let msg = format!(
                        "skill `{}` is served by no agent group: a transfer to it would wait forever; add it to the skills of one under [agents]",
                        skills[k].name
                    );
                    ctx.error(&span, &path, msg);
                }
            }
            out.push(b);
        }
    }
    out
}

/// Calls `each` for every `[<tbl>.<key>.<name>]` sub-table.
fn for_each_sub<F>(ctx: &mut Ctx, tbl: &Tbl<'_>, key: &str, mut each: F)
where
    F: FnMut(&mut Ctx, &str, &Tbl<'_>, &Span, &str),
{
    let Some(f) = tbl.get(key) else { return };
    let Some(h) = ctx.table(&f) else { return };
    for (name, sf) in h.tbl().entries() {
        let Some(sh) = ctx.table(&sf) else { continue };
        let path = join(&h.path, &name);
        each(ctx, &name, &sh.tbl(), &sf.key_span, &path);
    }
}
