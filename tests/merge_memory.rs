//! `merge` streams: the peak of live heap bytes while merging a grid does not grow with the
//! number of shards, and stays far below the size of the files it merges. Measured with a
//! counting global allocator, so this binary holds this one test only (another test running
//! at the same time would count too).

use sha2::{Digest, Sha256};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);
static PEAK_BYTES: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE_BYTES.fetch_add(by, Ordering::SeqCst) + by;
    PEAK_BYTES.fetch_max(now, Ordering::SeqCst);
}

// SAFETY: every call is passed on to the system allocator unchanged; only sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::SeqCst);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            LIVE_BYTES.fetch_sub(layout.size(), Ordering::SeqCst);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A 4 x 4 grid (16 configurations, so up to 16 shards), 7 simulated days, 2 replications:
/// the time series and sweeps, which merge copies, outweigh the summary figures it keeps.
fn sweep(out: &Path, extra: &[String]) {
    let mut args: Vec<String> = [
        "sweep",
        "scenarios/quickstart.toml",
        "--vary",
        "policy.schedulers.main.interval=5m,10m,30m,1h",
        "--vary",
        "policy.channels.whatsapp.timeouts.waiting=30m,2h,1d,2d",
        "--set",
        "scenario.horizon=7d",
        "--replications",
        "2",
        "--threads",
        "2",
        "--quiet",
        "--out",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(out.display().to_string());
    args.extend(extra.iter().cloned());
    let run = Command::new(env!("CARGO_BIN_EXE_autoclose")).args(&args).output().expect("the binary should start");
    assert!(run.status.success(), "autoclose {args:?} failed:\n{}", String::from_utf8_lossy(&run.stderr));
}

/// A writer that keeps only the SHA-256 of what it is given.
struct HashSink(Sha256);

impl Write for HashSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Merges the shards through the library, as `autoclose merge` does, the CSVs written to
/// hashing sinks: the peak of live heap bytes above what was live before, and the SHA-256 of
/// each merged CSV.
fn measured_merge(dirs: &[PathBuf]) -> (usize, Vec<String>) {
    let base = LIVE_BYTES.load(Ordering::SeqCst);
    PEAK_BYTES.store(base, Ordering::SeqCst);
    let m = autoclose::grid::merge(dirs).expect("the shards should merge");
    let mut sums = Vec::new();
    for file in autoclose::grid::RowsFile::ALL {
        let sink = m.write_rows(file, HashSink(Sha256::new())).expect("the merged CSV should be written");
        sums.push(format!("{:x}", sink.0.finalize()));
    }
    drop(m);
    (PEAK_BYTES.load(Ordering::SeqCst) - base, sums)
}

fn sha256_of(p: &Path) -> String {
    format!("{:x}", Sha256::digest(std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))))
}

fn file_bytes(p: &Path) -> u64 {
    std::fs::metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).len()
}

#[test]
fn merge_peak_memory_does_not_grow_with_the_shard_count() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let single = tmp.path().join("single");
    sweep(&single, &[]);
    let expected: Vec<String> =
        autoclose::grid::RowsFile::ALL.iter().map(|f| sha256_of(&single.join(f.name()))).collect();
    let total_bytes: u64 = autoclose::grid::RowsFile::ALL.iter().map(|f| file_bytes(&single.join(f.name()))).sum();
    let mut peaks = Vec::new();
    for n in [2usize, 16] {
        let dirs: Vec<PathBuf> = (0..n)
            .map(|i| {
                let d = tmp.path().join(format!("s{i}-of-{n}"));
                sweep(&d, &["--shard".into(), format!("{i}/{n}")]);
                d
            })
            .collect();
        let largest_shard_bytes = dirs
            .iter()
            .map(|d| autoclose::grid::RowsFile::ALL.iter().map(|f| file_bytes(&d.join(f.name()))).sum::<u64>())
            .max()
            .expect("shards");
        let (peak, sums) = measured_merge(&dirs);
        assert_eq!(sums, expected, "{n} shards: the merged CSVs should be the single run's, byte for byte");
        eprintln!("{n} shards: peak {peak} B, largest shard {largest_shard_bytes} B, all files {total_bytes} B");
        // Measured: about 0.8 MB, of which about 0.65 MB are the summary figures kept for the
        // comparison; the three files merged are 7 MB. Holding them would take more than that.
        assert!(
            (peak as u64) < total_bytes / 4,
            "{n} shards: the merge's peak of {peak} live bytes is not far below the {total_bytes} bytes it merges"
        );
        peaks.push(peak);
    }
    // What is kept per shard is its folder's name and checksums (measured: about 1 KB each).
    assert!(
        peaks[1] <= peaks[0] + 32 * 1024,
        "the peak grew from {} bytes with 2 shards to {} bytes with 16",
        peaks[0],
        peaks[1]
    );
}
