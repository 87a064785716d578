//! The benchmarks: runs `scenarios/bench_large.toml` (about one million conversations over
//! 14 days) and `scenarios/bench_small.toml` (about 40,000 over 28 days) several times each in
//! this process and prints, per benchmark, wall time, events per second (an event is one pop
//! from the event queue), conversations per second and peak memory.
//! `cargo bench --bench large [-- --runs N] [-- --scenario FILE ...] [-- --set KEY=VALUE ...]`
//! (`--scenario`, repeatable, replaces the two; `--set` applies to each).
//!
//! Figures are medians over the runs; the machine may be shared, so compare medians and
//! ratios, not single runs. Peak memory is the process's high-water mark (VmHWM), reset before
//! each benchmark (`/proc/self/clear_refs`), so it covers that benchmark's largest run.

use autoclose::metrics::Metrics;
use autoclose::scenario::{load_file, overrides::Override};
use std::path::Path;
use std::time::Instant;

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Resets the process's high-water mark so that the next benchmark's peak is its own.
fn reset_peak_rss() {
    // "5" resets VmHWM (Linux 4.0 and later); elsewhere the peak stays the process's.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut runs = 5;
    let mut overrides = Vec::new();
    let mut files = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--runs" => runs = it.next().and_then(|v| v.parse().ok()).expect("--runs takes a number"),
            "--set" => overrides.push(Override::parse(it.next().expect("--set takes KEY=VALUE")).expect("KEY=VALUE")),
            "--scenario" => files.push(it.next().expect("--scenario takes a path").clone()),
            "--bench" => {}
            _ => {}
        }
    }
    if files.is_empty() {
        files = vec!["scenarios/bench_large.toml".to_string(), "scenarios/bench_small.toml".to_string()];
    }
    for file in &files {
        bench(file, &overrides, runs);
    }
}

/// Runs one benchmark `runs` times and prints its medians and peak memory.
fn bench(file: &str, overrides: &[Override], runs: usize) {
    let scenario = match load_file(Path::new(file), overrides) {
        Ok(s) => s,
        Err(d) => {
            eprintln!("{d}");
            std::process::exit(1);
        }
    };
    reset_peak_rss();
    println!("benchmark: {file} ({} of simulated time, replication 0, {runs} runs)", scenario.horizon);
    let (mut walls, mut eps, mut cps) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..runs {
        let started = Instant::now();
        let mut metrics = Metrics::new(&scenario, 0);
        let stats = autoclose::engine::run(&scenario, 0, &mut metrics, None).expect("the benchmark should run");
        let report = metrics.finish(stats.clone());
        let wall = started.elapsed().as_secs_f64();
        std::hint::black_box(report);
        println!(
            "  run {run}: {:.3} s, {} events, {} conversations, {:.2} M events/s",
            wall,
            stats.events,
            stats.arrived,
            stats.events as f64 / wall / 1e6
        );
        walls.push(wall);
        eps.push(stats.events as f64 / wall);
        cps.push(stats.arrived as f64 / wall);
    }
    println!("  median wall time:       {:.3} s", median(walls));
    println!("  median events/s:        {:.2} M", median(eps) / 1e6);
    println!("  median conversations/s: {:.0} k", median(cps) / 1e3);
    match peak_rss_mb() {
        Some(mb) => println!("  peak memory (VmHWM):    {mb:.1} MB"),
        None => println!("  peak memory:            unavailable (no /proc/self/status)"),
    }
}
