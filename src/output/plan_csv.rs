//! `plan.csv` and `plan_runs.csv`: the plan of every configuration as bytes. No file I/O.
//!
//! `plan.csv` has a row per (configuration, planned group): the fewest agents, the agents
//! saved against the baseline configuration, and each target's figure (mean and 95% interval)
//! at that staffing and with one agent fewer in that group. `plan_runs.csv` lists every
//! staffing the searches simulated, so the answer can be audited.

use crate::plan::search::Found;
use crate::plan::target::{Scope, Target, TargetMetric};
use crate::plan::{Evaluation, Plan};
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
        ["group", "reachable", "agents_needed", "agents_best_tried", "agents_saved_vs_baseline", "simulated_staffings"]
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
    for r in rows {
        let (counts, reachable) = answer(r.plan);
        for (k, &g) in r.plan.groups.iter().enumerate() {
            let mut rec: Vec<String> = vec![scenario_name.into(), r.label.into()];
            rec.extend(r.axis_values.iter().cloned());
            rec.push(r.scenario.agent_groups[g].name.clone());
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
    }
    w.into_inner().map_err(|e| e.into_error())
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
}
