//! What a results folder is and how it is kept safe: the manifest, the test of whether an
//! existing path may be replaced by `--force`, the registry of temporary folders being
//! written (removed on Ctrl-C or SIGTERM), and the clean-up of those left by dead processes.
//! Creates no results itself: `export::ResultsFolder` does the writing.

use serde::Serialize;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The program name a manifest or shard description must carry for `--force` to replace the
/// folder it sits in.
pub const PROGRAM: &str = "autoclose";

/// Why results could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{0} already exists: pass --force to replace it, or --out to write elsewhere")]
    Exists(PathBuf),
    #[error("{} is {found}, not an autoclose results folder (one with a manifest.toml or shard.toml saying program = \"autoclose\"), so --force will not replace it: choose another --out, or remove it yourself", path.display())]
    NotResults { path: PathBuf, found: String },
    #[error("{} holds {} that autoclose did not write there ({}), so --force will not replace it: move them out of the folder, or choose another --out", path.display(), entries(names.len()), names.join(", "))]
    Unlisted { path: PathBuf, names: Vec<String> },
    #[error("--out {}: cannot create its folder {} ({error})", target.display(), parent.display())]
    Parent { target: PathBuf, parent: PathBuf, error: io::Error },
    #[error("--out {}: cannot create the temporary folder {} beside it ({error}): results are written there first and moved into place, so the folder that holds --out must be writable", target.display(), tmp.display())]
    Staging { target: PathBuf, tmp: PathBuf, error: io::Error },
    #[error("`{0}` is not a file name inside a results folder (no absolute path, no `..`, no empty part)")]
    BadName(String),
    #[error("--out {}: the results folder needs a name of its own (not `.`, `..` or `/`): give e.g. --out results/run1", .0.display())]
    NoName(PathBuf),
    /// The cause is a plain field written into the message (as a `source` it would be printed
    /// twice by `Error: {:#}`).
    #[error("{path}: {error}")]
    Io { path: PathBuf, error: io::Error },
}

pub(crate) fn io_at(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |error| OutputError::Io { path: path.to_path_buf(), error }
}

/// What stands at the path a results folder is to be written to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Existing {
    /// Nothing: the folder is simply created.
    Nothing,
    /// An empty folder, or a folder written by autoclose (`manifest.toml` or `shard.toml`
    /// with `program = "autoclose"`): `--force` may replace it.
    Replaceable,
    /// Anything else (a file, a link, a folder of other files), described for the message:
    /// never replaced.
    Foreign(String),
    /// A folder autoclose wrote that also holds entries it did not (a note, a folder of the
    /// user's), by name: never replaced, so `--force` deletes nothing of the user's.
    Unlisted(Vec<String>),
}

fn entries(n: usize) -> String {
    if n == 1 {
        "1 entry".into()
    } else {
        format!("{n} entries")
    }
}

/// Whether autoclose may have put `name` in a results folder without listing it: a chart or
/// the report `plot` redraws (by their own names only: a `diagram.png` of the user's is not
/// one), the temporary file of one that `plot` was interrupted writing (`.report.html.tmp-PID`),
/// and the load test's default store with SQLite's side files.
fn written_unlisted(name: &str) -> bool {
    let drawn = |n: &str| {
        n == "report.html"
            || crate::output::charts::Chart::STEMS
                .iter()
                .any(|stem| n == format!("{stem}.png") || n == format!("{stem}.svg"))
    };
    let interrupted = name
        .strip_prefix('.')
        .and_then(|n| n.rsplit_once(".tmp-"))
        .is_some_and(|(file, pid)| drawn(file) && !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()));
    drawn(name) || interrupted || ["", "-wal", "-shm", "-journal"].iter().any(|s| name == format!("store.sqlite{s}"))
}

/// The top-level names a marker file lists: a manifest's `files` (first path component) and
/// a shard description's checksummed files.
fn listed_names(marker: &toml::Table) -> Vec<String> {
    let files = marker.get("files").and_then(|v| v.as_array()).into_iter().flatten().filter_map(|v| v.as_str());
    let summed = marker.get("sha256").and_then(|v| v.as_table()).into_iter().flat_map(|t| t.keys().map(String::as_str));
    files.chain(summed).filter_map(|f| f.split('/').next()).map(String::from).collect()
}

/// Looks at `target` without following a symbolic link.
pub fn inspect(target: &Path) -> Result<Existing, OutputError> {
    let meta = match fs::symlink_metadata(target) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Existing::Nothing),
        Err(e) => return Err(OutputError::Io { path: target.to_path_buf(), error: e }),
    };
    if meta.file_type().is_symlink() {
        // Renaming the link would replace the link, not what it points to; a results folder
        // is never written as one.
        return Ok(Existing::Foreign("a symbolic link".into()));
    }
    if !meta.is_dir() {
        return Ok(Existing::Foreign(format!("a file ({} bytes)", meta.len())));
    }
    let mut names: Vec<String> = fs::read_dir(target)
        .map_err(io_at(target))?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()
        .map_err(io_at(target))?;
    if names.is_empty() {
        return Ok(Existing::Replaceable);
    }
    let markers: Vec<toml::Table> =
        ["manifest.toml", "shard.toml"].iter().filter_map(|m| autoclose_marker(&target.join(m))).collect();
    names.sort();
    if !markers.is_empty() {
        let listed: Vec<String> = markers.iter().flat_map(listed_names).collect();
        let is_file = |n: &str| fs::symlink_metadata(target.join(n)).is_ok_and(|m| m.is_file());
        let unlisted: Vec<String> = (names.into_iter())
            .filter(|n| {
                n != "manifest.toml" && n != "shard.toml" && !(written_unlisted(n) && is_file(n)) && !listed.contains(n)
            })
            .collect();
        return Ok(if unlisted.is_empty() { Existing::Replaceable } else { Existing::Unlisted(unlisted) });
    }
    let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
    let more = if names.len() > 3 { ", ..." } else { "" };
    Ok(Existing::Foreign(format!(
        "a folder of {} {} ({}{more})",
        names.len(),
        if names.len() == 1 { "entry" } else { "entries" },
        shown.join(", ")
    )))
}

/// The table of `path` if it is a plain file of TOML whose top-level `program` is
/// `"autoclose"`.
fn autoclose_marker(path: &Path) -> Option<toml::Table> {
    let is_file = fs::symlink_metadata(path).is_ok_and(|m| m.is_file());
    let text = is_file.then(|| fs::read_to_string(path).ok()).flatten()?;
    text.parse::<toml::Table>().ok().filter(|t| t.get("program").and_then(|v| v.as_str()) == Some(PROGRAM))
}

/// Refuses `target` unless it is missing, or it is replaceable and `force` is on.
pub fn check_replaceable(target: &Path, force: bool) -> Result<Existing, OutputError> {
    let found = inspect(target)?;
    match &found {
        Existing::Nothing => {}
        // What --force would refuse too is said at once, not after a useless --force.
        Existing::Unlisted(names) => {
            return Err(OutputError::Unlisted { path: target.to_path_buf(), names: names.clone() })
        }
        _ if !force => return Err(OutputError::Exists(target.to_path_buf())),
        Existing::Replaceable => {}
        Existing::Foreign(what) => {
            return Err(OutputError::NotResults { path: target.to_path_buf(), found: what.clone() })
        }
    }
    Ok(found)
}

/// Temporary folders being written by this process: a signal handler removes them all.
static IN_PROGRESS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The registry, whatever a panicking holder left in it (it is only a list of paths).
pub(crate) fn in_progress() -> MutexGuard<'static, Vec<PathBuf>> {
    IN_PROGRESS.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Removes every temporary folder this process is writing, for a handler of Ctrl-C or
/// SIGTERM that is about to exit. The guard it returns keeps any other thread from starting
/// or committing a folder until the process exits: hold it while calling `exit`. A folder
/// being moved into place is finished first, as the commit holds the same lock.
pub fn abandon_in_progress() -> MutexGuard<'static, Vec<PathBuf>> {
    let mut list = in_progress();
    for dir in list.drain(..) {
        remove_tree(&dir);
    }
    list
}

/// Removes a folder tree, retrying a little: worker threads may still be creating files in it.
pub(crate) fn remove_tree(dir: &Path) {
    for _ in 0..5 {
        match fs::remove_dir_all(dir) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => std::thread::sleep(std::time::Duration::from_millis(20)),
            _ => return,
        }
    }
}

/// The process ids embedded in `.NAME.tmp-PID` and `.NAME.old-PID`, and which kind it is.
fn stale_pid(file_name: &str, name: &str) -> Option<(u32, bool)> {
    let rest = file_name.strip_prefix('.')?.strip_prefix(name)?;
    let (pid, old) =
        if let Some(p) = rest.strip_prefix(".tmp-") { (p, false) } else { (rest.strip_prefix(".old-")?, true) };
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((pid.parse().ok()?, old))
}

/// The folders beside `target` that a dead process left while writing it: `.NAME.tmp-PID`
/// and, when `target` exists (so the commit that put it aside got through), `.NAME.old-PID`.
/// A process is dead when `proc/PID` does not exist; where `proc/self` does not exist either
/// (no procfs), nothing can be told dead and nothing is listed. This process's own folders
/// are never listed, nor folders of another user (whose processes `hidepid` may hide).
pub fn stale_folders(target: &Path, proc: &Path) -> Vec<PathBuf> {
    let Ok(me) = fs::metadata(proc.join("self")) else { return Vec::new() };
    let parent = parent_of(target);
    let Some(name) = target.file_name().map(|n| n.to_string_lossy().into_owned()) else { return Vec::new() };
    let target_exists = fs::symlink_metadata(target).is_ok();
    let Ok(entries) = fs::read_dir(parent) else { return Vec::new() };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()) && e.metadata().is_ok_and(|m| same_owner(&m, &me)))
        .filter_map(|e| {
            let (pid, old) = stale_pid(&e.file_name().to_string_lossy(), &name)?;
            let dead = pid != std::process::id() && !proc.join(pid.to_string()).exists();
            (dead && (!old || target_exists)).then(|| e.path())
        })
        .collect();
    out.sort();
    out
}

#[cfg(unix)]
fn same_owner(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.uid() == b.uid()
}

#[cfg(not(unix))]
fn same_owner(_: &fs::Metadata, _: &fs::Metadata) -> bool {
    true
}

/// The folder a target sits in (`.` for a bare name).
pub(crate) fn parent_of(target: &Path) -> &Path {
    target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// What was run, so any result can be rerun: written as `manifest.toml` beside the CSVs,
/// with the scenario text as run in `scenario.toml`.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub program: String,
    pub version: String,
    pub command: String,
    pub scenario_file: String,
    pub scenario_name: String,
    pub seed: u64,
    pub replications: u32,
    pub overrides: Vec<String>,
    pub files: Vec<String>,
    pub rerun: String,
}

impl Manifest {
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a manifest of strings and numbers should serialise")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder_with(dir: &Path, files: &[(&str, &str)]) -> PathBuf {
        let target = dir.join("res");
        fs::create_dir_all(&target).expect("create the folder");
        for (name, text) in files {
            fs::write(target.join(name), text).expect("write a file");
        }
        target
    }

    #[test]
    fn only_empty_or_autoclose_folders_are_replaceable() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        assert_eq!(inspect(&dir.path().join("none")).unwrap(), Existing::Nothing);
        let empty = dir.path().join("empty");
        fs::create_dir(&empty).unwrap();
        assert_eq!(inspect(&empty).unwrap(), Existing::Replaceable);
        let results = folder_with(dir.path(), &[("manifest.toml", "program = \"autoclose\"\nseed = 1\n")]);
        assert_eq!(inspect(&results).unwrap(), Existing::Replaceable);
        fs::remove_dir_all(&results).unwrap();
        let shard = folder_with(dir.path(), &[("shard.toml", "format = 3\nprogram = \"autoclose\"\n")]);
        assert_eq!(inspect(&shard).unwrap(), Existing::Replaceable);
        fs::remove_dir_all(&shard).unwrap();
        let other =
            folder_with(dir.path(), &[("manifest.toml", "program = \"cargo\"\n"), ("b", ""), ("c", ""), ("d", "")]);
        assert_eq!(inspect(&other).unwrap(), Existing::Foreign("a folder of 4 entries (b, c, d, ...)".into()));
        fs::remove_dir_all(&other).unwrap();
        let broken = folder_with(dir.path(), &[("manifest.toml", "program = \"autoclose")]);
        assert_eq!(inspect(&broken).unwrap(), Existing::Foreign("a folder of 1 entry (manifest.toml)".into()));
        let file = dir.path().join("f.txt");
        fs::write(&file, "hello").unwrap();
        assert_eq!(inspect(&file).unwrap(), Existing::Foreign("a file (5 bytes)".into()));
        let err = check_replaceable(&file, true).expect_err("a file is never replaced");
        assert!(err.to_string().contains("f.txt is a file (5 bytes), not an autoclose results folder"), "{err}");
        assert!(matches!(check_replaceable(&empty, false), Err(OutputError::Exists(_))));
    }

    #[test]
    fn a_results_folder_holding_what_autoclose_did_not_write_is_not_replaced() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let manifest = "program = \"autoclose\"\nfiles = [\"manifest.toml\", \"summary.csv\", \"staffing/a.toml\"]\n";
        // The listed files, and the charts, report and store autoclose adds without listing.
        let results = folder_with(
            dir.path(),
            &[("manifest.toml", manifest), ("summary.csv", "x"), ("tradeoff.png", ""), ("store.sqlite-wal", "")],
        );
        fs::create_dir(results.join("staffing")).unwrap();
        assert_eq!(inspect(&results).unwrap(), Existing::Replaceable);
        fs::write(results.join(".report.html.tmp-4242"), "").unwrap();
        assert_eq!(inspect(&results).unwrap(), Existing::Replaceable, "what an interrupted plot leaves");
        fs::write(results.join("notes.txt"), "mine").unwrap();
        fs::write(results.join("diagram.png"), "mine").unwrap();
        fs::create_dir(results.join("mydata")).unwrap();
        fs::create_dir(results.join("sweep_load.svg")).unwrap();
        assert_eq!(
            inspect(&results).unwrap(),
            Existing::Unlisted(vec![
                "diagram.png".into(),
                "mydata".into(),
                "notes.txt".into(),
                "sweep_load.svg".into()
            ])
        );
        let err = check_replaceable(&results, false).expect_err("refused without --force, for the same reason");
        assert!(err.to_string().contains("that autoclose did not write there"), "{err}");
        let err = check_replaceable(&results, true).expect_err("the user's files are never deleted");
        assert!(
            err.to_string().contains("holds 4 entries that autoclose did not write there (diagram.png, mydata,"),
            "{err}"
        );
        fs::remove_dir_all(&results).unwrap();
        // A bare manifest lists nothing: every other entry is the user's.
        let bare = folder_with(dir.path(), &[("manifest.toml", "program = \"autoclose\"\n"), ("precious.txt", "")]);
        assert_eq!(inspect(&bare).unwrap(), Existing::Unlisted(vec!["precious.txt".into()]));
        // A shard folder: its description's checksummed files.
        let shard = dir.path().join("shard");
        fs::create_dir(&shard).unwrap();
        fs::write(shard.join("shard.toml"), "program = \"autoclose\"\n[sha256]\n\"summary.csv\" = \"00\"\n").unwrap();
        fs::write(shard.join("summary.csv"), "").unwrap();
        assert_eq!(inspect(&shard).unwrap(), Existing::Replaceable);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_to_a_results_folder_is_not_replaced() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let results = folder_with(dir.path(), &[("manifest.toml", "program = \"autoclose\"\n")]);
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&results, &link).unwrap();
        assert_eq!(inspect(&link).unwrap(), Existing::Foreign("a symbolic link".into()));
    }

    #[test]
    fn stale_names_carry_the_target_name_and_a_pid() {
        assert_eq!(stale_pid(".res.tmp-123", "res"), Some((123, false)));
        assert_eq!(stale_pid(".res.old-9", "res"), Some((9, true)));
        for other in [".res.tmp-", ".res.tmp-12a", ".resx.tmp-1", "res.tmp-1", ".res.old", ".other.tmp-1"] {
            assert_eq!(stale_pid(other, "res"), None, "{other}");
        }
    }

    #[test]
    fn without_procfs_nothing_is_stale() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let target = dir.path().join("res");
        fs::create_dir_all(dir.path().join(".res.tmp-1234567")).unwrap();
        let no_proc = dir.path().join("no-proc");
        assert!(stale_folders(&target, &no_proc).is_empty());
        // A fake procfs where only `self` and process 7 exist.
        fs::create_dir_all(no_proc.join("self")).unwrap();
        fs::create_dir_all(no_proc.join("7")).unwrap();
        fs::create_dir_all(dir.path().join(".res.tmp-7")).unwrap();
        fs::create_dir_all(dir.path().join(".res.old-8")).unwrap();
        assert_eq!(stale_folders(&target, &no_proc), vec![dir.path().join(".res.tmp-1234567")]);
        // Once the target exists, a dead process's folder set aside is litter too.
        fs::create_dir_all(&target).unwrap();
        assert_eq!(
            stale_folders(&target, &no_proc),
            vec![dir.path().join(".res.old-8"), dir.path().join(".res.tmp-1234567")]
        );
    }
}
