//! `autoclose plan`: for each configuration of a `--vary` grid, the fewest agents meeting every
//! `--target` at the conservative end of its 95% interval; `plan.csv`, `plan_runs.csv`, the
//! grid and the manifest in one results folder, and a terminal table.

use super::run::load;
use super::set_threads;
use super::{FolderOpts, ScenarioOpts};
use autoclose::grid::{self, Grid};
use autoclose::metrics::HourKind;
use autoclose::output::plan_csv::{answer, staffing_toml, write_plan, write_plan_runs, PlanRow};
use autoclose::output::{CommandLine, Provenance, ResultsFolder};
use autoclose::plan::search::Found;
use autoclose::plan::target::Target;
use autoclose::plan::{group_indices, plan, plan_by_hour, Plan};
use autoclose::scenario::reader::MAX_AGENTS;
use rayon::prelude::*;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// A service target, e.g. 'service_level(60s)>=0.80' (S/A), 'service_level_excl(60s)>=0.80'
    /// (abandons within 60s left out), 'queue_wait_p90<=2m',
    /// 'abandon[skill=billing]<=0.05'. Repeatable: every target must hold.
    #[arg(long = "target", value_name = "EXPR", required = true)]
    pub targets: Vec<String>,
    /// An axis of the grid of configurations to plan, as for `sweep`. Repeatable.
    #[arg(long = "vary", value_name = "KEY=V1,V2,...")]
    pub vary: Vec<String>,
    /// The agent groups whose head counts are planned [default: every group]; the others
    /// keep the scenario's staffing.
    #[arg(long, value_delimiter = ',', value_name = "NAME,...")]
    pub groups: Vec<String>,
    /// `--seed`, `--set`, and `--replications`: replications per staffing tried (at least 2).
    #[command(flatten)]
    pub scenario_opts: ScenarioOpts,
    /// Plan a staffing profile by hour of day (`hour`) or of week (`week-hour`) for one group
    /// (`--groups NAME`): every target met in every hour; the profile is written as
    /// `staffing_<config>.toml`.
    #[arg(long, value_enum, value_name = "BUCKET")]
    pub by: Option<By>,
    /// The most agents a group may have; a target not met by then is reported unreachable.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub max_agents: u32,
    /// The configuration `agents_saved_vs_baseline` compares with, by label or index
    /// [default: the first].
    #[arg(long, value_name = "LABEL|INDEX")]
    pub baseline: Option<String>,
    /// Results folder [default: results/<scenario name>-plan].
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub folder: FolderOpts,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// No table.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The hour buckets of `--by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum By {
    /// 24 buckets: hour of day, the same every weekday.
    Hour,
    /// 168 buckets: weekday x hour of day.
    WeekHour,
}

impl By {
    fn kind(self) -> HourKind {
        match self {
            By::Hour => HourKind::Day,
            By::WeekHour => HourKind::Week,
        }
    }

    fn word(self) -> &'static str {
        match self {
            By::Hour => "hour",
            By::WeekHour => "week-hour",
        }
    }
}

pub fn run(a: PlanArgs) -> anyhow::Result<ExitCode> {
    set_threads(a.threads)?;
    super::signals::install()?;
    let targets = a.targets.iter().map(|t| Target::parse(t)).collect::<Result<Vec<_>, _>>()?;
    anyhow::ensure!(
        (1..=MAX_AGENTS as u32).contains(&a.max_agents),
        "--max-agents must be from 1 to {MAX_AGENTS} (a group's largest head count), got {}",
        a.max_agents
    );
    let grid = Grid::parse(&a.vary)?;
    let ov = a.scenario_opts.overrides()?;
    let base = load(&a.scenario, &ov)?;
    let scenarios = grid::load_configs(&a.scenario, &base, &ov, &grid)?;
    let baseline = a.baseline.as_deref().map(|b| grid.find(b)).transpose()?.unwrap_or(0);
    let groups = group_indices(&base, &a.groups)?;
    // A varied head count of a planned group would be overwritten by every staffing the
    // search tries: the axis would change nothing.
    for axis in &grid.axes {
        for key in &axis.keys {
            let planned = groups.iter().map(|&g| &base.agent_groups[g].name).find(|name| {
                [format!("agents.{name}.count"), format!("agents.{name}.staffing")]
                    .iter()
                    .any(|k| key == k || key.starts_with(&format!("{k}.")))
            });
            if let Some(name) = planned {
                anyhow::bail!(
                    "--vary {key}: group {name} is planned, so the search sets its head count and this axis would change nothing; vary another group's, or leave {name} out of --groups"
                );
            }
        }
    }
    if a.by.is_some() {
        anyhow::ensure!(
            groups.len() == 1,
            "--by plans the profile of one agent group; name it with --groups (the scenario has {})",
            base.agent_groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>().join(", ")
        );
    }
    for t in &targets {
        t.check_scope(&base)?;
    }
    let target = a.out.clone().unwrap_or_else(|| PathBuf::from("results").join(format!("{}-plan", base.name)));
    let folder = ResultsFolder::begin(&target, a.folder.force)?;

    let started = Instant::now();
    let plans: Vec<Plan> = scenarios
        .par_iter()
        .map(|s| match a.by {
            None => plan(s, &groups, &targets, a.max_agents),
            Some(by) => plan_by_hour(s, &groups, &targets, a.max_agents, by.kind()),
        })
        .collect::<Result<_, _>>()?;
    let wall = started.elapsed();

    let axis_columns: Vec<String> = (0..grid.axes.len()).map(|i| grid.column(i)).collect();
    let rows: Vec<PlanRow> = grid
        .configs
        .iter()
        .zip(&scenarios)
        .zip(&plans)
        .map(|((c, s), p)| PlanRow { label: &c.label, axis_values: grid.cells(c), scenario: s, plan: p })
        .collect();
    folder.add("plan.csv", &write_plan(Vec::new(), &base.name, &axis_columns, &targets, &rows, baseline)?)?;
    folder.add("plan_runs.csv", &write_plan_runs(Vec::new(), &targets, &rows)?)?;
    folder.add("grid.csv", &grid::write_grid(Vec::new(), &grid)?)?;
    for (i, r) in rows.iter().enumerate() {
        let (Some(ip), &[g]) = (&r.plan.intraday, r.plan.groups.as_slice()) else { continue };
        let (profile, met) = ip.answer();
        let by = a.by.map_or("hour", By::word);
        let comment = vec![
            format!(
                "Staffing of agent group `{}` by {by}, from `autoclose plan --by {by}`",
                r.scenario.agent_groups[g].name
            ),
            format!(
                "(configuration {}): {} for {}.",
                r.label,
                if met { "every target met in every hour" } else { "NOT every hour meets the targets" },
                targets.iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(", ")
            ),
            "Put it in place of the group's `count` (or `staffing`).".to_string(),
        ];
        let name = &r.scenario.agent_groups[g].name;
        folder.add(&format!("staffing_{i}.toml"), &staffing_toml(name, ip.kind, profile, &comment))?;
    }
    folder.add("scenario.toml", base.source_text.as_bytes())?;
    let args = a.scenario_opts.grid_args(&a.vary, a.baseline.clone());
    let mut rerun = CommandLine::new(["autoclose", "plan", &a.scenario.display().to_string()]);
    for t in &a.targets {
        rerun.opt("--target", t.clone());
    }
    for w in args.words() {
        rerun.arg(w);
    }
    if !a.groups.is_empty() {
        rerun.opt("--groups", a.groups.join(","));
    }
    if let Some(by) = a.by {
        rerun.opt("--by", by.word());
    }
    rerun.opt("--max-agents", a.max_agents.to_string());
    if a.folder.no_charts {
        rerun.arg("--no-charts");
    }
    rerun.opt("--out", target.display().to_string());
    let p = Provenance {
        command: "plan".into(),
        scenario_file: a.scenario.display().to_string(),
        scenario_name: base.name.clone(),
        seed: base.seed,
        replications: base.replications,
        overrides: ov.iter().map(|o| format!("{}={}", o.key, o.value)).collect(),
        rerun,
    };
    let shown = (!a.quiet).then(|| table(&rows, &targets));
    let dir = autoclose::output::visuals::finish(folder, &p, !a.folder.no_charts)?;
    let unreachable = plans.iter().filter(|p| matches!(p.found, Found::Unreachable { .. })).count();
    if let Some(shown) = shown {
        let runs: usize =
            plans.iter().map(|p| p.evaluations.len() + p.intraday.as_ref().map_or(0, |i| i.evaluations.len())).sum();
        println!(
            "{}: planned {} configuration(s) x {} replication(s) of {}: {runs} staffings simulated in {:.2} s",
            base.name,
            plans.len(),
            base.replications,
            base.horizon,
            wall.as_secs_f64()
        );
        print!("{shown}");
        println!("results: {}", dir.display());
    }
    if unreachable > 0 {
        eprintln!(
            "warning: {unreachable} configuration(s) cannot meet the targets within --max-agents {}",
            a.max_agents
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A line per (configuration, group): the agents needed and each target's figure there.
fn table(rows: &[PlanRow], targets: &[Target]) -> String {
    use std::fmt::Write as _;
    let mut lines: Vec<Vec<String>> = Vec::new();
    let mut header = vec!["configuration".to_string(), "group".into(), "agents".into()];
    header.extend(targets.iter().map(|t| t.text.clone()));
    lines.push(header);
    for r in rows {
        let (counts, reachable) = answer(r.plan);
        let at = r.plan.at(counts);
        for (k, &g) in r.plan.groups.iter().enumerate() {
            let mut l = vec![
                r.label.to_string(),
                r.scenario.agent_groups[g].name.clone(),
                if reachable { counts[k].to_string() } else { format!(">{} (unreachable)", counts[k]) },
            ];
            for (i, t) in targets.iter().enumerate() {
                let v = at.map(|e| e.verdicts[i]);
                l.push(match v.and_then(|v| v.mean.zip(v.conservative)) {
                    Some((m, c)) => t.show(m, c),
                    None => "n/a".into(),
                });
            }
            lines.push(l);
        }
    }
    let widths: Vec<usize> =
        (0..lines[0].len()).map(|i| lines.iter().map(|l| l[i].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for (n, l) in lines.iter().enumerate() {
        let cells: Vec<String> = l
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| if i < 2 { format!("{c:<w$}") } else { format!("{c:>w$}") })
            .collect();
        let _ = writeln!(out, "  {}", cells.join("  ").trim_end());
        if n == 0 {
            let _ = writeln!(out, "  {}", widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "));
        }
    }
    out.push_str(
        "  (each figure: mean over replications (conservative end of its 95% interval), at the agents shown)\n",
    );
    for r in rows {
        let (Some(ip), &[g]) = (&r.plan.intraday, r.plan.groups.as_slice()) else { continue };
        let (profile, met) = ip.answer();
        let hours: u64 = profile.iter().map(|&c| u64::from(c)).sum();
        // The flat count over the buckets the horizon reaches (the others get 0 agents).
        let kind = if profile.len() == HourKind::Week.buckets() { HourKind::Week } else { HourKind::Day };
        let flat = answer(r.plan).0[0] as u64 * kind.reached(r.scenario.horizon.ms()) as u64;
        let _ = writeln!(
            out,
            "  {} {} by hour{}: {} ({hours} agent-hours against {flat} flat)",
            r.label,
            r.scenario.agent_groups[g].name,
            if met { "" } else { " (NOT met in every hour)" },
            profile.iter().map(u32::to_string).collect::<Vec<_>>().join(" ")
        );
    }
    out
}
