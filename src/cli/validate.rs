//! `autoclose validate`: every problem of every file, with line and column.

use super::ValidateArgs;
use autoclose::scenario::{self, overrides::Override};
use std::process::ExitCode;

pub fn validate(a: ValidateArgs) -> anyhow::Result<ExitCode> {
    let overrides =
        a.set.iter().map(|s| Override::parse(s).map_err(anyhow::Error::msg)).collect::<Result<Vec<_>, _>>()?;
    let mut failed = false;
    for path in &a.scenarios {
        if path.to_string_lossy().ends_with(".check.toml") {
            // A `check` sidecar (what theory a validation scenario is compared with), not a
            // scenario: say so rather than list every scenario key it lacks.
            failed = true;
            eprintln!(
                "{}: a `check` file (checks for {}), not a scenario: validate the scenario beside it, or run `autoclose check`",
                path.display(),
                path.to_string_lossy().trim_end_matches(".check.toml").to_owned() + ".toml"
            );
            continue;
        }
        match scenario::load_file(path, &overrides) {
            Ok(s) => println!(
                "ok: {} ({} channels, {} skills, {} agent groups, {} arrival streams, {} schedulers)",
                path.display(),
                s.channels.len(),
                s.skills.len(),
                s.agent_groups.len(),
                s.arrivals.len(),
                s.policy.schedulers.len()
            ),
            Err(diags) => {
                failed = true;
                eprintln!("{diags}");
                eprintln!("{}: {} problem(s)", path.display(), diags.0.len());
            }
        }
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
