//! Charts and the report from real results folders: every chart produced where its data
//! exists, as a valid 1600x1000 PNG and a valid SVG; the series handed to each chart equal the
//! CSV values (checked on the prepared data, not the pixels); `plot` on a merged shard folder
//! gives the same charts as the single run.

use autoclose::output::charts::{self, grid, latency, plan, states, sweep_load, tradeoff, Chart};
use autoclose::output::load::{self, LoadedResults};
use autoclose::output::report;
use autoclose::output::visuals::{render, render_folder, RenderOptions};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_autoclose");
const GRID: [&str; 6] = [
    "--vary",
    "policy.schedulers.job.interval=25m,1h",
    "--vary",
    "policy.channels.whatsapp.timeouts.waiting=2h,1d",
    "--set",
    "scenario.horizon=2d",
];

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn autoclose(args: &[&str]) {
    let out = Command::new(BIN).args(args).output().expect("the autoclose binary should start");
    assert!(out.status.success(), "autoclose {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// A run of a bundled scenario into `dir/name`, with `extra` arguments.
fn run_of(dir: &Path, name: &str, scenario: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let scenario = repo(scenario);
    let mut args =
        vec!["run", scenario.to_str().expect("path should be UTF-8"), "--out", out.to_str().expect("UTF-8"), "-q"];
    args.extend(extra);
    autoclose(&args);
    out
}

/// A quickstart run (3 replications) with a per-run limit on its sweep.
fn run_folder(dir: &Path) -> PathBuf {
    let limit = ["--replications", "3", "--set", "policy.schedulers.main.max_closures_per_run=6"];
    run_of(dir, "run", "scenarios/quickstart.toml", &limit)
}

/// A 2 x 2 grid of the sweep-frequency study, 3 replications of 2 days.
fn grid_folder(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let scenario = repo("scenarios/study_sweep_frequency.toml");
    let mut args = vec!["sweep", scenario.to_str().expect("path should be UTF-8")];
    args.extend(GRID);
    args.extend(["--set", "scenario.replications=3", "--out", out.to_str().expect("path should be UTF-8"), "-q"]);
    args.extend(extra);
    autoclose(&args);
    out
}

/// Rows of a CSV as maps from column name to cell.
fn csv_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).expect("the CSV should open");
    let h: Vec<String> = r.headers().expect("the CSV should have a header").iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            let rec = rec.expect("every record should parse");
            h.iter().cloned().zip(rec.iter().map(String::from)).collect()
        })
        .collect()
}

/// The `stat` row's value of a summary column for (config, breakdown, group).
fn summary_cell(
    rows: &[std::collections::HashMap<String, String>],
    config: &str,
    stat: &str,
    b: &str,
    g: &str,
    col: &str,
) -> f64 {
    let row = rows
        .iter()
        .find(|r| r["config"] == config && r["stat"] == stat && r["breakdown"] == b && r["group"] == g)
        .unwrap_or_else(|| panic!("summary.csv should have a {stat} row for {config}/{b}/{g}"));
    row[col].parse().unwrap_or_else(|_| panic!("{col} should be a number, got {:?}", row[col]))
}

fn assert_png(name: &str, bytes: &[u8]) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{name} should start with the PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR", "{name} should start with an IHDR chunk");
    let w = u32::from_be_bytes(bytes[16..20].try_into().expect("4 bytes"));
    let h = u32::from_be_bytes(bytes[20..24].try_into().expect("4 bytes"));
    assert_eq!((w, h), (1600, 1000), "{name} size");
    let decoder = png::Decoder::new(bytes);
    let mut reader = decoder.read_info().expect("the PNG should decode");
    let mut buf = vec![0; reader.output_buffer_size()];
    reader.next_frame(&mut buf).expect("the PNG's pixels should decode");
    let distinct: BTreeSet<&[u8]> = buf.chunks(3).step_by(7).collect();
    assert!(distinct.len() > 20, "{name} should not be blank: {} colours", distinct.len());
}

fn assert_svg(name: &str, bytes: &[u8]) {
    let text = std::str::from_utf8(bytes).expect("SVG should be UTF-8");
    let doc = roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{name} should parse as XML: {e}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg", "{name} root element");
    assert_eq!(root.attribute("width"), Some("1600"));
    assert_eq!(root.attribute("height"), Some("1000"));
    assert!(doc.descendants().filter(|n| n.tag_name().name() == "text").count() > 10, "{name} should have labels");
}

fn names(files: &[(String, Vec<u8>)]) -> Vec<&str> {
    files.iter().map(|(n, _)| n.as_str()).collect()
}

#[test]
fn a_run_gives_its_four_charts_as_png_and_svg_and_the_report() {
    let dir = tempfile::tempdir().expect("a temp dir should be creatable");
    let folder = run_folder(dir.path());
    let files = render_folder(&folder, &RenderOptions::default()).expect("rendering should succeed");
    assert_eq!(
        names(&files),
        [
            "closure_latency.png",
            "closure_latency.svg",
            "tradeoff.png",
            "tradeoff.svg",
            "states_over_time.png",
            "states_over_time.svg",
            "sweep_load.png",
            "sweep_load.svg",
            "report.html"
        ]
    );
    for (name, bytes) in &files {
        if name.ends_with(".png") {
            assert_png(name, bytes);
        } else if name.ends_with(".svg") {
            assert_svg(name, bytes);
        }
    }
}

#[test]
fn a_grid_adds_the_capacity_and_wait_chart() {
    let dir = tempfile::tempdir().expect("a temp dir should be creatable");
    let folder = grid_folder(dir.path(), "grid", &[]);
    let files = render_folder(&folder, &RenderOptions { png: true, svg: true, report: false })
        .expect("rendering should succeed");
    let stems: Vec<&str> = names(&files).into_iter().filter_map(|n| n.strip_suffix(".png")).collect();
    assert_eq!(stems, ["closure_latency", "zombie_capacity_queue_wait", "tradeoff", "states_over_time", "sweep_load"]);
    for (name, bytes) in &files {
        if name.ends_with(".png") {
            assert_png(name, bytes);
        } else {
            assert_svg(name, bytes);
        }
    }
}

fn loaded(folder: &Path) -> LoadedResults {
    load::load(folder).expect("the results folder should load")
}

#[test]
fn run_series_equal_the_csv_values() {
    let dir = tempfile::tempdir().expect("a temp dir should be creatable");
    let folder = run_folder(dir.path());
    let r = loaded(&folder);
    let summary = csv_rows(&folder.join("summary.csv"));

    // Latency: one box for the one scheduler, the overall means, with its 25-minute interval.
    let lat = latency::prepare(&r).expect("a run with auto-closures should have a latency chart");
    assert_eq!(lat.categories, ["main: every 25m"]);
    assert_eq!(lat.intervals_s, [Some(1500.0)]);
    let b = &lat.boxes[0];
    for (got, col) in [
        (b.p50_s, "latency_p50_s"),
        (b.p90_s, "latency_p90_s"),
        (b.p95_s, "latency_p95_s"),
        (b.p99_s, "latency_p99_s"),
        (b.max_s, "latency_max_s"),
    ] {
        assert_eq!(got, summary_cell(&summary, "base", "mean", "overall", "all", col), "{col}");
    }

    // Trade-off: one point per skill, from the skill rows with their intervals.
    let t = tradeoff::prepare(&r).expect("a run should have a trade-off chart");
    assert_eq!(t.series.iter().map(|s| s.skill.as_str()).collect::<Vec<_>>(), ["billing", "tech"]);
    for s in &t.series {
        let p = &s.points[0];
        assert_eq!(p.label, "as run");
        assert_eq!(
            p.premature_share.mean,
            summary_cell(&summary, "base", "mean", "skill", &s.skill, "premature_share")
        );
        assert_eq!(
            p.premature_share.ci95_low,
            Some(summary_cell(&summary, "base", "ci95_low", "skill", &s.skill, "premature_share"))
        );
        assert_eq!(
            p.silent_capacity_hours.ci95_high,
            Some(summary_cell(&summary, "base", "ci95_high", "skill", &s.skill, "silent_capacity_hours"))
        );
    }
    // No grid: no capacity-by-grid chart, no plan chart.
    assert!(grid::prepare(&r).is_none());
    assert!(plan::prepare(&r).is_none());

    // States: per bucket, the mean over the 3 replications of timeseries.csv.
    let ts = csv_rows(&folder.join("timeseries.csv"));
    let st = states::prepare(&r).expect("a run should have a states chart");
    let buckets: BTreeSet<i64> = ts.iter().map(|r| r["bucket_start_s"].parse::<i64>().expect("bucket start")).collect();
    assert_eq!(st.t_s.len(), buckets.len());
    assert_eq!(st.warmup_end_s, Some(12.0 * 3600.0));
    let k = 100;
    let at_k: Vec<_> = ts.iter().filter(|r| r["bucket_start_s"] == format!("{}", st.t_s[k] as i64)).collect();
    assert_eq!(at_k.len(), 3);
    let mean = |col: &str| at_k.iter().map(|r| r[col].parse::<f64>().expect("number")).sum::<f64>() / 3.0;
    assert!((st.states[0][k] - mean("active_mean")).abs() < 1e-9);
    assert!((st.states[2][k] - mean("waiting_mean")).abs() < 1e-9);
    assert!((st.capacity_in_use[k].mean - mean("capacity_in_use_units")).abs() < 1e-9);
    assert!((st.zombie_capacity[k].mean - mean("zombie_capacity_units")).abs() < 1e-9);
    assert!(
        st.capacity_in_use[k].low <= st.capacity_in_use[k].mean
            && st.capacity_in_use[k].mean <= st.capacity_in_use[k].high
    );

    // Sweep load: closures per run index averaged over replications, and the limit of 6.
    let sw = csv_rows(&folder.join("sweeps.csv"));
    let sl = sweep_load::prepare(&r).expect("a run with a sweep should have a sweep-load chart");
    assert_eq!(sl.limits, [("main".to_string(), 6.0)]);
    assert_eq!(sl.series.len(), 1);
    assert_eq!(sl.series[0].label, "main: every 25m");
    let runs = &sl.series[0].runs;
    assert_eq!(runs.len(), sw.iter().filter(|r| r["replication"] == "0").count());
    let k = 60;
    let closed: Vec<f64> =
        sw.iter().filter(|r| r["run"] == k.to_string()).map(|r| r["closed"].parse().expect("number")).collect();
    assert_eq!(closed.len(), 3);
    assert!((runs[k].1.mean - closed.iter().sum::<f64>() / 3.0).abs() < 1e-9);
    assert_eq!(runs[k].0, 60.0 * 1500.0);
    assert!(closed.iter().all(|&c| c <= 6.0), "the limit should hold in sweeps.csv");
}

#[test]
fn grid_series_equal_the_csv_values() {
    let dir = tempfile::tempdir().expect("a temp dir should be creatable");
    let folder = grid_folder(dir.path(), "grid", &[]);
    let r = loaded(&folder);
    let summary = csv_rows(&folder.join("summary.csv"));
    let configs =
        ["interval=25m,waiting=2h", "interval=25m,waiting=1d", "interval=1h,waiting=2h", "interval=1h,waiting=1d"];
    assert_eq!(r.configs(), configs);

    let lat = latency::prepare(&r).expect("the grid should have a latency chart");
    assert_eq!(lat.categories, ["25m", "1h"]);
    assert_eq!(lat.intervals_s, [Some(1500.0), Some(3600.0)]);
    assert_eq!(lat.series, ["waiting=2h", "waiting=1d"]);
    for b in &lat.boxes {
        assert_eq!(b.p99_s, summary_cell(&summary, &b.source, "mean", "overall", "all", "latency_p99_s"));
    }
    let positions: Vec<(usize, usize, &str)> =
        lat.boxes.iter().map(|b| (b.category, b.series, b.source.as_str())).collect();
    assert_eq!(positions, [(0, 0, configs[0]), (0, 1, configs[1]), (1, 0, configs[2]), (1, 1, configs[3])]);

    let g = grid::prepare(&r).expect("the grid should have a capacity chart");
    assert_eq!(g.x_desc, "sweep interval (policy.schedulers.job.interval)");
    assert_eq!(g.series_heading, "policy.channels.whatsapp.timeouts.waiting");
    for p in &g.zombie {
        assert_eq!(
            p.estimate.mean,
            summary_cell(&summary, &p.config, "mean", "overall", "all", "zombie_capacity_agents")
        );
        assert_eq!(
            p.estimate.ci95_low,
            Some(summary_cell(&summary, &p.config, "ci95_low", "overall", "all", "zombie_capacity_agents"))
        );
    }
    for p in &g.wait {
        assert_eq!(
            p.estimate.ci95_high,
            Some(summary_cell(&summary, &p.config, "ci95_high", "overall", "all", "queue_wait_mean_s"))
        );
    }

    // Trade-off: along the timeout axis at the baseline's interval (25m), ordered by timeout.
    let t = tradeoff::prepare(&r).expect("the grid should have a trade-off chart");
    assert_eq!(t.point_heading, "policy.channels.whatsapp.timeouts.waiting");
    let s = &t.series[0];
    assert_eq!(s.skill, "service");
    assert_eq!(
        s.points.iter().map(|p| (p.label.as_str(), p.config.as_str())).collect::<Vec<_>>(),
        [("2h", configs[0]), ("1d", configs[1])]
    );
    assert_eq!(
        s.points[1].premature_share.mean,
        summary_cell(&summary, configs[1], "mean", "skill", "service", "premature_share")
    );
    assert!(t.subtitle.contains("at interval=25m"), "{}", t.subtitle);

    // States and sweep load show the baseline / the interval axis at the baseline's timeout.
    assert_eq!(states::prepare(&r).expect("states chart").config, configs[0]);
    let sl = sweep_load::prepare(&r).expect("sweep-load chart");
    assert_eq!(
        sl.series.iter().map(|s| (s.label.as_str(), s.config.as_str())).collect::<Vec<_>>(),
        [("interval=25m", configs[0]), ("interval=1h", configs[2])]
    );
    assert!(sl.limits.is_empty());

    // The report: headline of the baseline, one comparison row per configuration.
    let ctx = report::context(&r, Vec::new());
    assert_eq!(ctx.headline_config.as_deref(), Some(configs[0]));
    let table = ctx.comparison.expect("a grid report should have a comparison table");
    assert_eq!(table.rows.len(), 4);
    assert_eq!(table.rows[0][0], format!("{} (baseline)", configs[0]));
    assert_eq!(
        table.headers[1..5],
        ["interval", "waiting", "auto-closed conversations", "closure latency p50 (minutes)"]
    );
    assert_eq!(table.rows[2][1..3], ["1h", "2h"]);
}

#[test]
fn a_plan_along_the_sweep_interval_alone_names_its_group_in_the_legend() {
    let dir = tempfile::tempdir().expect("a temp dir should be creatable");
    let folder = grid_folder(dir.path(), "grid", &[]);
    std::fs::write(
        folder.join("plan.csv"),
        "config,policy.schedulers.job.interval_s,group,agents_needed\n\
         interval=25m,1500,billing_team,15\ninterval=12h,43200,billing_team,48\n",
    )
    .expect("plan.csv should be writable");
    let p = plan::prepare(&loaded(&folder)).expect("plan.csv should give a plan chart");
    let series: Vec<(&str, &[(usize, f64)])> =
        p.series.iter().map(|s| (s.label.as_str(), s.points.as_slice())).collect();
    assert_eq!(series, [("group billing_team", &[(0, 15.0), (1, 48.0)][..])]);
    assert_eq!(p.series_heading, "");
}

#[test]
fn plan_csv_adds_the_agents_needed_chart() {
    let dir = tempfile::tempdir().expect("a temp dir should be creatable");
    let folder = grid_folder(dir.path(), "grid", &[]);
    std::fs::write(
        folder.join("plan.csv"),
        "config,policy.schedulers.job.interval_s,policy.channels.whatsapp.timeouts.waiting_s,group,agents_needed\n\
         \"interval=25m,waiting=2h\",1500,7200,team,18\n\"interval=25m,waiting=1d\",1500,86400,team,17\n\
         \"interval=1h,waiting=2h\",3600,7200,team,19\n\"interval=1h,waiting=1d\",3600,86400,team,\n",
    )
    .expect("plan.csv should be writable");
    let r = loaded(&folder);
    let p = plan::prepare(&r).expect("plan.csv should give a plan chart");
    assert_eq!(p.categories, ["25m", "1h"]);
    assert_eq!(p.x_desc, "sweep interval (policy.schedulers.job.interval)");
    let series: Vec<(&str, &[(usize, f64)])> =
        p.series.iter().map(|s| (s.label.as_str(), s.points.as_slice())).collect();
    assert_eq!(series, [("waiting=2h", &[(0, 18.0), (1, 19.0)][..]), ("waiting=1d", &[(0, 17.0)][..])]);
    assert_eq!(p.series[1].not_met, [1]);
    let files = render(&r, &RenderOptions::default()).expect("rendering should succeed");
    let f = files.iter().find(|(n, _)| n == "agents_needed.png").expect("agents_needed.png should be drawn");
    assert_png(&f.0, &f.1);
    let ctx = report::context(&r, Vec::new());
    let plan_table = ctx.plan.expect("the report should show the plan");
    assert_eq!(plan_table.rows[3][3..], ["team", "not met"]);

    // A `plan` folder without summary.csv still gives its chart and a report.
    let only = dir.path().join("plan-only");
    std::fs::create_dir(&only).expect("folder should be creatable");
    for f in ["plan.csv", "grid.csv", "scenario.toml"] {
        std::fs::copy(folder.join(f), only.join(f)).expect("copy should succeed");
    }
    let files = render_folder(&only, &RenderOptions::default()).expect("a plan folder should render");
    assert_eq!(names(&files), ["agents_needed.png", "agents_needed.svg", "report.html"]);
}

#[test]
fn plot_on_merged_shards_gives_the_single_run_charts() {
    let dir = tempfile::tempdir().expect("a temp dir should be creatable");
    let single = grid_folder(dir.path(), "single", &[]);
    let a = grid_folder(dir.path(), "a", &["--shard", "0/2"]);
    let b = grid_folder(dir.path(), "b", &["--shard", "1/2"]);
    let merged = dir.path().join("merged");
    let s = |p: &Path| p.to_str().expect("path should be UTF-8").to_string();
    autoclose(&["merge", &s(&a), &s(&b), "--out", &s(&merged), "-q"]);
    autoclose(&["plot", &s(&single), "-q"]);
    autoclose(&["plot", &s(&merged), "-q"]);
    let listing = |p: &Path| -> BTreeSet<String> {
        std::fs::read_dir(p)
            .expect("folder should list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".png") || n.ends_with(".svg") || n.ends_with(".html"))
            .collect()
    };
    let charts = listing(&single);
    assert_eq!(charts.len(), 11, "{charts:?}");
    assert_eq!(charts, listing(&merged));
    for name in charts.iter().filter(|n| n.ends_with(".svg")) {
        let x = std::fs::read(single.join(name)).expect("chart should read");
        let y = std::fs::read(merged.join(name)).expect("chart should read");
        assert!(x == y, "{name} should be identical for the merged folder");
    }
    assert!(!listing(&merged).iter().any(|n| n.ends_with(".tmp")));
}

#[test]
fn a_folder_without_summary_is_refused_by_plot() {
    let dir = tempfile::tempdir().expect("a temp dir should be creatable");
    let out =
        Command::new(BIN).args(["plot", dir.path().to_str().expect("UTF-8")]).output().expect("binary should start");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a results folder (no summary.csv or plan.csv)"), "{err}");
    // A load test's folder is named for what it is, with the command that redraws it.
    std::fs::write(dir.path().join("loadtest.csv"), "run\n").expect("a file should be writable");
    let out =
        Command::new(BIN).args(["plot", dir.path().to_str().expect("UTF-8")]).output().expect("binary should start");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("a `loadtest` folder (loadtest.csv)") && err.contains("rerun `autoclose loadtest"), "{err}");
}

#[test]
fn charts_draw_the_same_bytes_whatever_the_order() {
    let dir = tempfile::tempdir().expect("a temp dir should be creatable");
    let folder = run_folder(dir.path());
    let r = loaded(&folder);
    let all = charts::prepare_all(&r);
    let first: Vec<String> = all.iter().map(|c: &Chart| c.svg().expect("svg")).collect();
    let again: Vec<String> = all.iter().rev().map(|c| c.svg().expect("svg")).rev().collect();
    assert_eq!(first, again);
}

#[test]
fn a_run_whose_channel_uses_two_schedulers_gets_its_latency_box_labelled_with_both() {
    // ServiceNow's preset: an idle job every 2 minutes and an abandoned job every hour, both
    // on the one messaging channel; the box is the channel row's, under both schedulers, with
    // no dashed interval (two sweeps, two intervals). This run once drew no latency chart.
    let dir = tempfile::tempdir().expect("a temp dir should be creatable");
    let short = ["--set", "scenario.horizon=3d", "--replications", "2", "--no-charts"];
    let out = run_of(dir.path(), "servicenow", "scenarios/servicenow.toml", &short);
    let r = loaded(&out);
    let summary = csv_rows(&out.join("summary.csv"));
    let lat = latency::prepare(&r).expect("a run with auto-closures should have a latency chart");
    assert_eq!(lat.categories, ["messaging (servicenow_abandoned_job: every 1h + servicenow_idle_job: every 2m)"]);
    assert_eq!(lat.intervals_s, [None]);
    assert_eq!(lat.boxes.len(), 1);
    assert_eq!(lat.boxes[0].p90_s, summary_cell(&summary, "base", "mean", "channel", "messaging", "latency_p90_s"));
    assert!(lat.boxes[0].p90_s > 0.0, "the idle job closes conversations late");
}

/// A plan folder with plan.csv alone: an intraday plan of one group whose profile misses in its
/// third hour, as plan.csv writes one (`write_plan`): every hour's row unreachable with no
/// answer, the profile's counts as `agents_best_tried`, the verdict per hour in `_holds`.
fn hourly_plan_folder(dir: &Path) -> PathBuf {
    let folder = dir.join("hourly");
    std::fs::create_dir(&folder).expect("the folder should be creatable");
    let mut text = String::from(
        "scenario,config,group,hour,reachable,agents_needed,agents_best_tried,agents_saved_vs_baseline,\
         simulated_staffings,service_level_60s_share_mean,service_level_60s_share_ci95_low,\
         service_level_60s_share_ci95_high,service_level_60s_share_holds,fewer_service_level_60s_share_mean,\
         fewer_service_level_60s_share_ci95_low,fewer_service_level_60s_share_ci95_high,\
         fewer_service_level_60s_share_holds\n",
    );
    for h in 0..24 {
        let (tried, holds, low) = (4 + h % 5, h != 2, if h == 2 { "0.75" } else { "0.85" });
        text.push_str(&format!("q,base,generalists,{h},false,,{tried},,40,0.9,{low},0.95,{holds},0.7,0.6,0.8,false\n"));
    }
    std::fs::write(folder.join("plan.csv"), text).expect("plan.csv should be writable");
    folder
}

#[test]
fn an_hourly_plan_is_drawn_against_the_hour_and_tabled_with_its_figures() {
    let dir = tempfile::tempdir().expect("a temp dir should be creatable");
    let r = loaded(&hourly_plan_folder(dir.path()));
    let p = plan::prepare(&r).expect("plan.csv should give a plan chart");
    assert_eq!(p.x_desc, "hour of the day");
    assert_eq!(p.title, "Agents needed to meet the targets, by hour of the day");
    assert_eq!((p.categories.len(), p.categories[7].as_str(), p.tick_step), (24, "07:00", 2));
    assert_eq!(p.series.len(), 1);
    assert_eq!(p.series[0].label, "group generalists");
    assert_eq!(p.series[0].points.len(), 24);
    assert_eq!(p.series[0].points[..3], [(0, 4.0), (1, 5.0), (2, 6.0)]);
    assert_eq!(p.series[0].not_met, [2]);

    // The report: no headline figures (there is no summary.csv), the plan's own figures in its
    // table, and a warning for the hour without an answer.
    let ctx = report::context(&r, Vec::new());
    assert!(ctx.headline.is_empty() && ctx.comparison.is_none() && ctx.headline_config.is_none());
    let t = ctx.plan.expect("a plan table");
    assert_eq!(
        t.headers,
        [
            "configuration",
            "group",
            "hour",
            "agents needed",
            "service level 60s at the plan",
            "service level 60s with one agent fewer"
        ]
    );
    assert_eq!(t.rows.len(), 24);
    assert_eq!(
        t.rows[1],
        ["base", "generalists", "01:00", "5", "90.0 % (85.0 % to 95.0 %), holds", "70.0 % (60.0 % to 80.0 %), fails"]
    );
    assert_eq!(t.rows[2][3], "6, not met");
    assert_eq!(t.rows[2][4], "90.0 % (75.0 % to 95.0 %), fails");
    assert_eq!(
        ctx.warnings,
        ["Target not met for base, group generalists in hour 02:00: the profile the search ended at misses there \
          (its counts are in plan.csv's agents_best_tried, each hour's verdict in its _holds columns)."]
    );
    let page = report::render(&report::context(&r, Vec::new()));
    assert!(!page.contains("Headline figures") && !page.contains("every headline interval"));
}

#[test]
fn a_week_hour_plan_names_the_day_of_every_hour_monday_included() {
    let dir = tempfile::tempdir().expect("a temp dir should be creatable");
    let folder = dir.path().join("week");
    std::fs::create_dir(&folder).expect("the folder should be creatable");
    std::fs::write(
        folder.join("plan.csv"),
        "scenario,config,group,hour,reachable,agents_needed\nq,base,g,1,true,3\nq,base,g,30,true,5\n",
    )
    .expect("plan.csv should be writable");
    let r = loaded(&folder);
    let t = report::context(&r, Vec::new()).plan.expect("a plan table");
    let hours: Vec<&str> = t.rows.iter().map(|row| row[2].as_str()).collect();
    assert_eq!(hours, ["Mon 01:00", "Tue 06:00"]);
    let p = plan::prepare(&r).expect("a plan chart");
    assert_eq!((p.categories.len(), p.x_desc.as_str(), p.categories[24].as_str()), (168, "hour of the week", "Tue"));
}

#[test]
fn a_third_axis_is_held_at_the_baseline_in_the_interval_charts() {
    // Interval x waiting timeout x head count: one line (box colour) per timeout, the head
    // count at the baseline's 22, named in the subtitle; the 18-agent configurations are not drawn.
    let dir = tempfile::tempdir().expect("a temp dir should be creatable");
    let extra = ["--vary", "agents.team.count=18,22", "--baseline", "interval=25m,waiting=2h,count=22"];
    let folder = grid_folder(dir.path(), "grid3", &extra);
    let r = loaded(&folder);
    let g = grid::prepare(&r).expect("a grid chart");
    assert_eq!(g.series, ["waiting=2h", "waiting=1d"]);
    assert!(g.subtitle.contains("at count=22, overall"), "{}", g.subtitle);
    assert_eq!(g.zombie.len(), 4);
    assert!(g.zombie.iter().all(|p| p.config.ends_with("count=22")), "{:?}", g.zombie);
    let lat = latency::prepare(&r).expect("a latency chart");
    assert_eq!(lat.series, ["waiting=2h", "waiting=1d"]);
    assert!(lat.boxes.iter().all(|b| b.source.ends_with("count=22")) && lat.boxes.len() == 4);
    assert!(lat.subtitle.contains("at count=22"), "{}", lat.subtitle);
}
