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
//!
//! Without `--scenario` it then times the tiny run of issue 11 (`quickstart` over 2 hours) as
//! whole processes of this build's binary, with and without the charts, median of 21 each.
//!
//! `-- --against BIN [--pairs N]` times whole processes instead, side by side: this build's
//! `autoclose run FILE --force --no-charts --quiet` and BIN's (another build, such as the
//! baseline of docs/performance.md), in turn (A B, then B A, ...), `RAYON_NUM_THREADS=1`, this
//! process and so its children pinned to one core; each process's CPU time (user + system) is
//! the kernel's accounting of that child (`wait4`). It prints each pair's ratio and the median
//! ratio (15 pairs unless `--pairs`): the ratios are what to quote on a shared machine.

use autoclose::metrics::Metrics;
use autoclose::scenario::{load_file, overrides::Override};
use std::path::Path;
use std::process::{Command, Stdio};
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
    let (mut against, mut pairs) = (None, 15);
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
            "--against" => against = Some(it.next().expect("--against takes a binary").clone()),
            "--pairs" => pairs = it.next().and_then(|n| n.parse().ok()).expect("--pairs takes a number"),
            "--bench" => {}
            _ => {}
        }
    }
    if let Some(file) = one {
        return bench(&file, &overrides, runs);
    }
    let defaults = files.is_empty();
    if defaults {
        files = vec!["scenarios/bench_large.toml".to_string(), "scenarios/bench_small.toml".to_string()];
    }
    if let Some(bin) = against {
        let sets: Vec<&str> = passed.windows(2).filter(|w| w[0] == "--set").map(|w| w[1]).collect();
        return side_by_side(&files, &bin, pairs.max(1), &sets);
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
    if defaults {
        tiny_run();
    }
}

/// The tiny run of issue 11 (`quickstart` over 2 hours, one replication): whole processes of
/// this build's binary as a user starts them (every core), with the charts and the report and
/// with `--no-charts`, taken in turn; prints the median wall time of each against the 20 ms
/// target.
fn tiny_run() {
    const RUNS: usize = 21;
    let ours = env!("CARGO_BIN_EXE_autoclose");
    let out = std::env::temp_dir().join(format!("autoclose-tiny-{}", std::process::id()));
    let args = ["run", "scenarios/quickstart.toml", "--set", "scenario.horizon=2h", "--set", "scenario.warmup=0h"];
    let once = |charts: bool| {
        let started = Instant::now();
        let status = Command::new(ours)
            .args(args)
            .args(["--replications", "1", "--force", "--quiet", "--out"])
            .arg(&out)
            .args(if charts { None } else { Some("--no-charts") })
            .stdout(Stdio::null())
            .status();
        assert!(status.is_ok_and(|s| s.success()), "the tiny run failed");
        started.elapsed().as_secs_f64()
    };
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        with.push(once(true));
        without.push(once(false));
    }
    let _ = std::fs::remove_dir_all(&out);
    println!("benchmark: the tiny run (autoclose {} --replications 1), whole process, {RUNS} runs", args.join(" "));
    println!("  median wall time, charts and report: {:.1} ms (target: under 20 ms)", median(with) * 1e3);
    println!("  median wall time, --no-charts:       {:.1} ms", median(without) * 1e3);
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

/// `--against BIN`: this build's binary and `bin` on each file, whole processes in turn, one
/// core, CPU time per process; prints the pairs' ratios and their median.
fn side_by_side(files: &[String], bin: &str, pairs: usize, sets: &[&str]) {
    let ours = env!("CARGO_BIN_EXE_autoclose");
    pin_to_one_core();
    let out = std::env::temp_dir().join(format!("autoclose-side-by-side-{}", std::process::id()));
    for file in files {
        println!("side by side: {file}, {ours} against {bin}, {pairs} pairs, one core");
        let (mut ratios, mut a_s, mut b_s) = (Vec::new(), Vec::new(), Vec::new());
        for k in 0..pairs {
            let run = |exe: &str| child_cpu_s(exe, file, sets, &out);
            let (a, b) = if k % 2 == 0 {
                let a = run(ours);
                (a, run(bin))
            } else {
                let b = run(bin);
                (run(ours), b)
            };
            println!("  pair {k}: {a:.4} s against {b:.4} s, ratio {:.3}", a / b);
            ratios.push(a / b);
            a_s.push(a);
            b_s.push(b);
        }
        let (lo, hi) = ratios.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &r| (lo.min(r), hi.max(r)));
        println!("  median CPU ratio:       {:.3} (pairs {lo:.3} to {hi:.3})", median(ratios));
        println!("  median CPU:             {:.4} s against {:.4} s", median(a_s), median(b_s));
    }
    let _ = std::fs::remove_dir_all(&out);
}

/// Pins this process (and so the children it starts) to the first core it may run on, so
/// that the two binaries of a pair meet the same core and caches.
fn pin_to_one_core() {
    // SAFETY: `set` is a plain bit set on the stack, read and written only through libc's
    // own accessors; pid 0 is this process.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return eprintln!("could not read this process's cores: running unpinned");
        }
        let Some(core) = (0..libc::CPU_SETSIZE as usize).find(|&c| libc::CPU_ISSET(c, &set)) else { return };
        libc::CPU_ZERO(&mut set);
        libc::CPU_SET(core, &mut set);
        if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            eprintln!("could not pin to core {core}: running unpinned");
        }
    }
}

/// One whole run of `exe` on `file` as a child process; its CPU time (user + system) in
/// seconds, from the kernel's accounting of that child.
// The child is reaped by `wait4`, which also gives its CPU time, not by `Child::wait`.
#[allow(clippy::zombie_processes)]
fn child_cpu_s(exe: &str, file: &str, sets: &[&str], out: &Path) -> f64 {
    let child = Command::new(exe)
        .args(["run", file, "--force", "--no-charts", "--quiet", "--out"])
        .arg(out)
        .args(sets.iter().flat_map(|kv| ["--set", kv]))
        .env("RAYON_NUM_THREADS", "1")
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {exe}: {e}"));
    let (mut status, pid) = (0, child.id() as libc::pid_t);
    // SAFETY: `usage` is written by the kernel; the child is this process's and not yet
    // reaped (`Child` reaps only when asked to wait, which it is not).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let ok = reaped == pid && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    assert!(ok, "{exe} run {file} failed");
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}
