//! `autoclose sweep` (being written).

#[derive(Debug, clap::Args)]
pub struct SweepArgs {}

pub fn sweep(_a: SweepArgs) -> anyhow::Result<std::process::ExitCode> {
    anyhow::bail!("`sweep` is being written")
}
