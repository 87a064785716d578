//! A progress bar over simulated time, drawn only on a terminal (never in CI logs).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// How often a drawn bar is brought up to date.
const REDRAW_INTERVAL: Duration = Duration::from_millis(100);

/// Runs `work`, showing how much of `total` simulated milliseconds the counter it is given
/// has reached. Without a bar to draw (quiet, or not a terminal) `work` runs on this thread
/// and nothing waits; with one, it runs on another thread and the bar is redrawn until the
/// worker says it is done (not polled with a sleep, so the end is never waited for).
pub fn with_progress<T: Send>(total: u64, quiet: bool, work: impl FnOnce(&AtomicU64) -> T + Send) -> T {
    let counter = AtomicU64::new(0);
    if quiet || !std::io::stderr().is_terminal() {
        return work(&counter);
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} simulating [{bar:40}] {percent:>3}% eta {eta}")
            .expect("the template should be valid")
            .progress_chars("=> "),
    );
    let (done_tx, done_rx) = mpsc::channel::<()>();
    std::thread::scope(|scope| {
        let counter = &counter;
        let handle = scope.spawn(move || {
            let result = work(counter);
            // The receiver lives until the join below; a send cannot fail before it.
            let _ = done_tx.send(());
            result
        });
        // Returns at once when the worker finishes (or panics, which drops the sender).
        while let Err(mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(REDRAW_INTERVAL) {
            bar.set_position(counter.load(Ordering::Relaxed).min(total));
        }
        bar.finish_and_clear();
        handle.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_bar_the_work_runs_on_this_thread_and_nothing_waits() {
        let here = std::thread::current().id();
        let started = std::time::Instant::now();
        let (ran_on, counted) = with_progress(10, true, |c| {
            c.store(7, Ordering::Relaxed);
            (std::thread::current().id(), c.load(Ordering::Relaxed))
        });
        assert_eq!((ran_on, counted), (here, 7));
        assert!(started.elapsed() < REDRAW_INTERVAL, "took {:?}", started.elapsed());
    }
}
