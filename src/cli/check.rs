//! `autoclose check` (being written).

#[derive(Debug, clap::Args)]
pub struct CheckArgs {}

pub fn check(_a: CheckArgs) -> anyhow::Result<std::process::ExitCode> {
    anyhow::bail!("`check` is being written")
}
