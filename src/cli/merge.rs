//! `autoclose merge` (being written).

#[derive(Debug, clap::Args)]
pub struct MergeArgs {}

pub fn merge(_a: MergeArgs) -> anyhow::Result<std::process::ExitCode> {
    anyhow::bail!("`merge` is being written")
}
