//! The benchmarks: runs `scenarios/bench_large.toml` (about one million conversations over
//! 14 days) and `scenarios/bench_small.toml` (about 40,000 over 28 days) several times each in
//! this process and prints, per benchmark, wall time, events per second (an event is one pop
//! from the event queue), conversations per second and peak memory.
//! `cargo bench --bench large [-- --runs N] [-- --scenario FILE ...] [-- --set KEY=VALUE ...]`
//! (`--scenario`, repeatable, replaces the two; `--set` applies to each).
//!
//! Figures are medians over the runs; the machine may be shared, so compare medians and
//! ratios, not single runs. Each benchmark runs in a child process of its own (this binary,
//! started again with `--one FILE`), so that its peak memory, the child's high-water mark
//! (VmHWM), is that benchmark's alone: memory the allocator keeps after an earlier, larger
//! benchmark does not count.

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

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut runs = 5;
    let mut overrides = Vec::new();
    // What a child is started with besides its scenario: the runs and the overrides.
    let mut passed = Vec::new();
    let mut files = Vec::new();
    let mut one = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--runs" => {
                let n = it.next().expect("--runs takes a number");
                runs = n.parse().expect("--runs takes a number");
                passed.extend(["--runs", n]);
            }
            "--set" => {
                let kv = it.next().expect("--set takes KEY=VALUE");
                overrides.push(Override::parse(kv).expect("KEY=VALUE"));
                passed.extend(["--set", kv]);
            }
            "--scenario" => files.push(it.next().expect("--scenario takes a path").clone()),
            "--one" => one = Some(it.next().expect("--one takes a path").clone()),
            "--bench" => {}
            _ => {}
        }
    }
    if let Some(file) = one {
        return bench(&file, &overrides, runs);
    }
    if files.is_empty() {
        files = vec!["scenarios/bench_large.toml".to_string(), "scenarios/bench_small.toml".to_string()];
    }
    // Each in a child of its own, with `--one FILE`.
    let exe = std::env::current_exe().expect("the benchmark should know its own path");
    for file in &files {
        let status = std::process::Command::new(&exe).args(&passed).args(["--one", file]).status();
        if !status.is_ok_and(|s| s.success()) {
            eprintln!("the benchmark of {file} failed");
            std::process::exit(1);
        }
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
