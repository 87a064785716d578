//! `plan.csv` and `plan_runs.csv`: the plan of every configuration as bytes. No file I/O.
//!
//! `plan.csv` has a row per (configuration, planned group): the fewest agents, the agents
//! saved against the baseline configuration, and each target's figure (mean and 95% interval)
//! at that staffing and with one agent fewer in that group. `plan_runs.csv` lists every
//! staffing the searches simulated, so the answer can be audited. With `--by`, `plan.csv` has
//! a row per (configuration, group, hour bucket) instead, and `staffing_toml` writes the
//! profile as a ready staffing table.

use crate::metrics::HourKind;
use crate::plan::search::Found;
use crate::plan::target::{Scope, Target, TargetMetric};
use crate::plan::{Evaluation, HourEvaluation, Plan};
use crate::scenario::Scenario;
use std::io::{self, Write};

/// One configuration's plan, with what `plan.csv` needs to name it.
pub struct PlanRow<'a> {
    pub label: &'a str,
    /// The varied keys' typed cells, in the order of `axis_columns`.
    pub axis_values: Vec<String>,
    pub scenario: &'a Scenario,
    pub plan: &'a Plan,
}

/// A column-name stem for a target: `service_level_60s`, `queue_wait_p90_skill_billing`.
pub fn target_slug(t: &Target) -> String {
    let mut s = match t.metric {
        TargetMetric::ServiceLevel(d) => format!("service_level_{}", d.as_secs_f64()),
        TargetMetric::ServiceLevelExcl(d) => format!("service_level_excl_{}", d.as_secs_f64()),
        TargetMetric::QueueWaitMean => "queue_wait_mean".into(),
        TargetMetric::QueueWaitP50 => "queue_wait_p50".into(),
        TargetMetric::QueueWaitP90 => "queue_wait_p90".into(),
        TargetMetric::QueueWaitP95 => "queue_wait_p95".into(),
        TargetMetric::QueueWaitP99 => "queue_wait_p99".into(),
        TargetMetric::Abandon => "abandon".into(),
        TargetMetric::Occupancy => "occupancy".into(),
    };
    if t.metric.service_level_threshold().is_some() {
        s.push('s');
    }
    match &t.scope {
        Scope::Overall => {}
        Scope::Skill(n) => s.push_str(&format!("_skill_{n}")),
        Scope::Channel(n) => s.push_str(&format!("_channel_{n}")),
    }
    // Shares and seconds, as the summary's units.
    if t.metric.higher_is_better() || matches!(t.metric, TargetMetric::Abandon | TargetMetric::Occupancy) {
        s.push_str("_share");
    } else {
        s.push_str("_s");
    }
    s
}

fn cell(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn figures(out: &mut Vec<String>, e: Option<&Evaluation>, targets: &[Target]) {
    for (k, t) in targets.iter().enumerate() {
        let est = e.and_then(|e| t.row(&e.rows)).and_then(|r| r.estimates[t.metric.metric() as usize]);
        out.push(cell(est.map(|x| x.mean)));
        out.push(cell(est.and_then(|x| x.low())));
        out.push(cell(est.and_then(|x| x.high())));
        out.push(e.map(|e| e.verdicts[k].holds.to_string()).unwrap_or_default());
    }
}

/// Like `figures`, for one hour bucket of an intraday evaluation.
fn hour_figures(out: &mut Vec<String>, e: Option<&HourEvaluation>, b: usize, targets: &[Target]) {
    for k in 0..targets.len() {
        let est = e.and_then(|e| e.hour_figures[b][k]);
        out.push(cell(est.map(|x| x.mean)));
        out.push(cell(est.and_then(|x| x.low())));
        out.push(cell(est.and_then(|x| x.high())));
        out.push(e.map(|e| e.verdicts[b][k].holds.to_string()).unwrap_or_default());
    }
}

/// The counts of a plan's answer (the best tried where unreachable).
pub fn answer(p: &Plan) -> (&[u32], bool) {
    match &p.found {
        Found::Counts(c) => (c, true),
        Found::Unreachable { best, .. } => (best, false),
    }
}

/// Writes `plan.csv`.
pub fn write_plan<W: Write>(
    out: W,
    scenario_name: &str,
    axis_columns: &[String],
    targets: &[Target],
    rows: &[PlanRow],
    baseline: usize,
) -> io::Result<W> {
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<String> = vec!["scenario".into(), "config".into()];
    header.extend(axis_columns.iter().cloned());
    header.extend(
        [
            "group",
            "hour",
            "reachable",
            "agents_needed",
            "agents_best_tried",
            "agents_saved_vs_baseline",
            "simulated_staffings",
        ]
        .map(String::from),
    );
    for at in ["", "fewer_"] {
        for t in targets {
            let slug = target_slug(t);
            for stat in ["mean", "ci95_low", "ci95_high", "holds"] {
                header.push(format!("{at}{slug}_{stat}"));
            }
        }
    }
    w.write_record(&header)?;
    let base = rows.get(baseline).map(|r| answer(r.plan));
    let base_profile = rows.get(baseline).and_then(|r| r.plan.intraday.as_ref()).map(|i| i.answer());
    for r in rows {
        let (counts, reachable) = answer(r.plan);
        if let (Some(ip), &[g]) = (&r.plan.intraday, r.plan.groups.as_slice()) {
            let (profile, met) = ip.answer();
            let runs = r.plan.evaluations.len() + ip.evaluations.len();
            for (b, &n) in profile.iter().enumerate() {
                let mut rec: Vec<String> = vec![scenario_name.into(), r.label.into()];
                rec.extend(r.axis_values.iter().cloned());
                rec.push(r.scenario.agent_groups[g].name.clone());
                rec.push(b.to_string());
                rec.push(met.to_string());
                rec.push(if met { n.to_string() } else { String::new() });
                rec.push(if met { String::new() } else { n.to_string() });
                rec.push(match base_profile {
                    Some((bp, true)) if met => (i64::from(bp[b]) - i64::from(n)).to_string(),
                    _ => String::new(),
                });
                rec.push(runs.to_string());
                hour_figures(&mut rec, ip.at(profile), b, targets);
                let fewer = (n >= 1).then(|| {
                    let mut q = profile.to_vec();
                    q[b] -= 1;
                    q
                });
                hour_figures(&mut rec, fewer.and_then(|q| ip.at(&q)), b, targets);
                w.write_record(&rec)?;
            }
            continue;
        }
        for (k, &g) in r.plan.groups.iter().enumerate() {
            let mut rec: Vec<String> = vec![scenario_name.into(), r.label.into()];
            rec.extend(r.axis_values.iter().cloned());
            rec.push(r.scenario.agent_groups[g].name.clone());
            rec.push(String::new());
            rec.push(reachable.to_string());
            rec.push(if reachable { counts[k].to_string() } else { String::new() });
            rec.push(if reachable { String::new() } else { counts[k].to_string() });
            let saved = match base {
                Some((b, true)) if reachable => (i64::from(b[k]) - i64::from(counts[k])).to_string(),
                _ => String::new(),
            };
            rec.push(saved);
            rec.push(r.plan.evaluations.len().to_string());
            figures(&mut rec, r.plan.at(counts), targets);
            let mut fewer = counts.to_vec();
            fewer[k] = fewer[k].saturating_sub(1);
            figures(&mut rec, (fewer[k] >= 1).then(|| r.plan.at(&fewer)).flatten(), targets);
            w.write_record(&rec)?;
        }
    }
    w.into_inner().map_err(|e| e.into_error())
}

/// Writes `plan_runs.csv`: every staffing simulated, per configuration, in search order.
pub fn write_plan_runs<W: Write>(out: W, targets: &[Target], rows: &[PlanRow]) -> io::Result<W> {
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<String> = vec!["config".into(), "step".into(), "staffing".into(), "agents_total".into()];
    for t in targets {
        let slug = target_slug(t);
        for stat in ["mean", "ci95_low", "ci95_high", "holds"] {
            header.push(format!("{slug}_{stat}"));
        }
    }
    header.push("all_hold".into());
    w.write_record(&header)?;
    for r in rows {
        for (step, e) in r.plan.evaluations.iter().enumerate() {
            let staffing: Vec<String> = r
                .plan
                .groups
                .iter()
                .zip(&e.counts)
                .map(|(&g, c)| format!("{}={c}", r.scenario.agent_groups[g].name))
                .collect();
            let mut rec = vec![
                r.label.to_string(),
                step.to_string(),
                staffing.join(" "),
                e.counts.iter().map(|&c| u64::from(c)).sum::<u64>().to_string(),
            ];
            figures(&mut rec, Some(e), targets);
            rec.push(e.verdicts.iter().all(|v| v.holds).to_string());
            w.write_record(&rec)?;
        }
        // An intraday plan's profiles follow: the staffing per bucket, their agent-hours over
        // one day (or week), the whole run's figures, and whether every bucket holds.
        let (Some(ip), &[g]) = (&r.plan.intraday, r.plan.groups.as_slice()) else { continue };
        for (i, e) in ip.evaluations.iter().enumerate() {
            let cells: Vec<String> = e.profile.iter().map(u32::to_string).collect();
            let mut rec = vec![
                r.label.to_string(),
                (r.plan.evaluations.len() + i).to_string(),
                format!("{}=[{}]", r.scenario.agent_groups[g].name, cells.join(" ")),
                e.profile.iter().map(|&c| u64::from(c)).sum::<u64>().to_string(),
            ];
            for (k, est) in e.run_figures.iter().enumerate() {
                let est = *est;
                rec.push(cell(est.map(|x| x.mean)));
                rec.push(cell(est.and_then(|x| x.low())));
                rec.push(cell(est.and_then(|x| x.high())));
                rec.push(e.verdicts.iter().all(|v| v[k].holds).to_string());
            }
            rec.push(e.verdicts.iter().all(|v| v.iter().all(|x| x.holds)).to_string());
            w.write_record(&rec)?;
        }
    }
    w.into_inner().map_err(|e| e.into_error())
}

/// The profile of an intraday plan as a ready staffing table for the scenario file:
/// `[agents.<group>.staffing]` with `default` (and with `--by week-hour`, each weekday).
pub fn staffing_toml(group: &str, kind: HourKind, profile: &[u32], comment: &[String]) -> Vec<u8> {
    let list = |xs: &[u32]| xs.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
    let mut out = String::new();
    for line in comment {
        out.push_str(&format!("# {line}\n"));
    }
    out.push_str(&format!("[agents.{group}.staffing]\n"));
    match kind {
        HourKind::Day => out.push_str(&format!("default = [{}]\n", list(profile))),
        HourKind::Week => {
            out.push_str(&format!("default = [{}]\n", list(&profile[..24])));
            let days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
            for (d, day) in days.iter().enumerate() {
                out.push_str(&format!("{day} = [{}]\n", list(&profile[d * 24..d * 24 + 24])));
            }
        }
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_name_metric_threshold_scope_and_unit() {
        let t = |s: &str| target_slug(&Target::parse(s).expect("valid"));
        assert_eq!(t("service_level(60s)>=0.8"), "service_level_60s_share");
        assert_eq!(t("service_level(1m30s)[skill=billing]>=0.8"), "service_level_90s_skill_billing_share");
        assert_eq!(t("queue_wait_p90<=2m"), "queue_wait_p90_s");
        assert_eq!(t("abandon[channel=chat]<=5%"), "abandon_channel_chat_share");
        assert_eq!(t("service_level_excl(20s)>=0.9"), "service_level_excl_20s_share");
    }

    #[test]
    fn a_profile_becomes_a_staffing_table() {
        let day: Vec<u32> = (0..24).map(|h| h % 5).collect();
        let text =
            String::from_utf8(staffing_toml("team", HourKind::Day, &day, &["found by plan".into()])).expect("UTF-8");
        assert_eq!(
            text,
            "# found by plan\n[agents.team.staffing]\ndefault = [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3]\n"
        );
        let week: Vec<u32> = (0..168).map(|h| (h / 24) as u32).collect();
        let text = String::from_utf8(staffing_toml("team", HourKind::Week, &week, &[])).expect("UTF-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 9);
        assert_eq!(lines[1], format!("default = [{}]", vec!["0"; 24].join(", ")));
        assert_eq!(lines[8], format!("sunday = [{}]", vec!["6"; 24].join(", ")));
    }
}
