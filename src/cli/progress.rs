//! A progress bar over simulated time, drawn only on a terminal (never in CI logs).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Runs `work` on another thread, showing how much of `total` simulated milliseconds the
/// counter it is given has reached.
pub fn with_progress<T: Send>(total: u64, quiet: bool, work: impl FnOnce(&AtomicU64) -> T + Send) -> T {
    let counter = AtomicU64::new(0);
    let show = !quiet && std::io::stderr().is_terminal();
    let bar = if show {
        ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} simulating [{bar:40}] {percent:>3}% eta {eta}")
            .expect("the template should be valid")
            .progress_chars("=> "),
    );
    std::thread::scope(|scope| {
        let handle = scope.spawn(|| work(&counter));
        while !handle.is_finished() {
            bar.set_position(counter.load(Ordering::Relaxed).min(total));
            std::thread::sleep(Duration::from_millis(100));
        }
        bar.finish_and_clear();
        handle.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}
