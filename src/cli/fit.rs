//! `autoclose fit`: reads an export (and its message log), fits a scenario, writes it with
//! the samples of its empirical distributions, and checks that it validates.

use anyhow::{bail, Context};
use autoclose::fit::{self, FitOptions};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct FitArgs {
    /// The conversations export: seed 004's msdyn_liveconversation columns (msdyn_createdon,
    /// msdyn_activeagentassignedon, msdyn_wrapupinitiatedon, msdyn_closedon, msdyn_channel,
    /// msdyn_queueid, ...) or autoclose's own conversations.csv.
    pub conversations: PathBuf,
    /// The message log (conversation_id, time, sent_by customer|agent, event), e.g. autoclose's
    /// messages.csv: response times, the never-answer share, exchanges and parks come from it.
    #[arg(long)]
    pub messages: Option<PathBuf>,
    /// The scenario file to write; empirical samples go to a `<name>-data/` folder beside it.
    #[arg(long, default_value = "fitted.toml")]
    pub out: PathBuf,
    /// The fitted scenario's name [default: the output file's stem].
    #[arg(long)]
    pub name: Option<String>,
    /// Copy `[policy]` from this scenario file (an export does not show the policy).
    #[arg(long)]
    pub policy_from: Option<PathBuf>,
    /// Copy `[skills]` and `[agents]` from this scenario file (an export shows neither
    /// capacities nor staffing).
    #[arg(long)]
    pub staffing_from: Option<PathBuf>,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
    /// No table of what was fitted.
    #[arg(long, short)]
    pub quiet: bool,
}

fn read(path: &Path) -> anyhow::Result<String> {
    // A device or a pipe (/dev/zero) would be read without end.
    autoclose::scenario::reader::plain_file(path, autoclose::scenario::reader::MAX_DATA_BYTES)
        .map_err(|m| anyhow::anyhow!("cannot read {}: {m}", path.display()))?;
    fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The tables `keys` of a scenario file, as TOML text.
fn tables(path: &Path, keys: &[&str]) -> anyhow::Result<String> {
    let doc: toml_edit::DocumentMut = read(path)?.parse().with_context(|| format!("{} is not TOML", path.display()))?;
    let mut out = toml_edit::DocumentMut::new();
    for k in keys {
        match doc.get(k) {
            Some(item) => {
                out.insert(k, item.clone());
            }
            None => bail!("{} has no [{k}] table to copy", path.display()),
        }
    }
    Ok(out.to_string())
}

pub fn run(a: FitArgs) -> anyhow::Result<ExitCode> {
    // What is missing first: a refusal to overwrite would hide it.
    for input in std::iter::once(&a.conversations).chain(&a.messages) {
        if !input.exists() {
            bail!("{}: no such file", input.display());
        }
    }
    if a.out.exists() && !a.force {
        bail!("{} exists: add --force to replace it, or choose another --out", a.out.display());
    }
    let label = a.conversations.display().to_string();
    let convs = fit::read_conversations(&label, &read(&a.conversations)?)?;
    let log = match &a.messages {
        Some(p) => Some(fit::read_messages(&p.display().to_string(), &read(p)?)?),
        None => None,
    };
    let stem = a.out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "fitted".into());
    let name = a.name.clone().unwrap_or_else(|| fit::export::safe_name(&stem));
    let mut sources = vec![format!("`{label}`")];
    sources.extend(a.messages.iter().map(|p| format!("`{}`", p.display())));
    let opts = FitOptions {
        name,
        sources,
        policy: a.policy_from.as_deref().map(|p| tables(p, &["policy"])).transpose()?,
        staffing: a.staffing_from.as_deref().map(|p| tables(p, &["skills", "agents"])).transpose()?,
        data_dir: format!("{stem}-data"),
    };
    let out = fit::fit(&convs, log.as_ref(), &opts);
    let dir = a.out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
    // Everything is written into a temporary folder beside the target, checked, then moved
    // into place: a failure leaves neither a half-written scenario nor stray samples.
    let tmp = dir.join(format!(".{stem}.fit-tmp-{}", std::process::id()));
    let staged = stage(&tmp, &stem, &out);
    if let Err(e) = staged.and_then(|()| place(&tmp, &dir, &stem, &a.out, &opts.data_dir, a.force)) {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let _ = fs::remove_dir_all(&tmp);
    if !a.quiet {
        print_table(&out.summary);
        println!(
            "fitted: {} ({} conversations{})",
            a.out.display(),
            convs.len(),
            if log.is_some() { ", with messages" } else { "" }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the scenario and its sample files into `tmp` and checks that the scenario validates.
fn stage(tmp: &Path, stem: &str, out: &fit::FitOutput) -> anyhow::Result<()> {
    fs::create_dir_all(tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    for (rel, text) in &out.data_files {
        let p = tmp.join(rel);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        fs::write(&p, text).with_context(|| format!("cannot write {}", p.display()))?;
    }
    let file = tmp.join(format!("{stem}.toml"));
    fs::write(&file, &out.toml).with_context(|| format!("cannot write {}", file.display()))?;
    if let Err(d) = autoclose::scenario::load_file(&file, &[]) {
        bail!("the fitted scenario does not validate (a bug of fit, or a --policy-from/--staffing-from table that does not match the export's channels and queues):\n{d}");
    }
    Ok(())
}

/// Moves the staged samples folder and scenario into place.
fn place(tmp: &Path, dir: &Path, stem: &str, target: &Path, data_dir: &str, force: bool) -> anyhow::Result<()> {
    let staged_data = tmp.join(data_dir);
    if staged_data.exists() {
        let data = dir.join(data_dir);
        if data.exists() {
            if !force {
                bail!("{} exists: add --force to replace it, or choose another --out", data.display());
            }
            fs::remove_dir_all(&data).with_context(|| format!("cannot replace {}", data.display()))?;
        }
        fs::rename(&staged_data, &data).with_context(|| format!("cannot move the samples to {}", data.display()))?;
    }
    let file = tmp.join(format!("{stem}.toml"));
    fs::rename(&file, target).with_context(|| format!("cannot move {} to {}", file.display(), target.display()))
}

fn print_table(rows: &[fit::FitSummary]) {
    for r in rows {
        let never = r.never_share.map(|p| format!("  never {p:.3}")).unwrap_or_default();
        let ks = r.ks.map(|k| format!("  KS {k:.3}")).unwrap_or_default();
        let mut v = r.value.clone();
        if v.len() > 70 {
            v.truncate(67);
            v.push_str("...");
        }
        println!("  {:<10} {:<26} n {:>6} (+{} censored){ks}{never}  {v}", r.channel, r.key, r.n_events, r.n_censored);
    }
}
