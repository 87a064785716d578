//! Ctrl-C (SIGINT) and SIGTERM while results are written: remove the temporary folders being
//! written, then exit with 128 + the signal number (130, 143), as a shell reports a process
//! killed by it. SIGHUP keeps its default (a handler would undo `nohup`, which ignores it); the
//! folder a hang-up leaves is removed by the next run of the same target. Owns no folder: the library's registry says which ones are in progress.

/// Installs the handler: a thread that waits for either signal. Call once, before any results
/// folder is begun.
#[cfg(unix)]
pub fn install() -> anyhow::Result<()> {
    use anyhow::Context;
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]).context("installing signal handlers")?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // Held until exit: no folder is begun or moved into place after the clean-up.
                let _registry = autoclose::output::abandon_in_progress();
                std::process::exit(128 + signal);
            }
        })
        .context("starting the signal thread")?;
    Ok(())
}

/// Elsewhere the default handlers stay: a temporary folder left behind by an interrupted run
/// is removed by the next run for the same target where dead processes can be told apart.
#[cfg(not(unix))]
pub fn install() -> anyhow::Result<()> {
    Ok(())
}
