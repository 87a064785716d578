//! The export manager: the only code that creates result files. A `ResultsFolder` owns the
//! temporary folder a result is written into, the list of files it holds, their checksums,
//! the manifest and its rerun command, and the move into place; format modules (the CSV
//! writers, charts, the report) only turn results into bytes and hand them over with `add`.
//!
//! A folder is written as `.NAME.tmp-PID` beside the target and renamed into place only when
//! complete, so a reader never sees half a result; it is registered while written, so a
//! Ctrl-C or SIGTERM handler can remove it (`results::abandon_in_progress`), and the next
//! `begin` for the same target removes those a dead process left.

use super::results::{self, check_replaceable, in_progress, io_at, parent_of, remove_tree, Manifest, OutputError};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

/// The SHA-256 of `bytes`, as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Quotes a word for a POSIX shell: a word of only `A-Za-z0-9_./=:,+-@%` is left bare, any
/// other (empty, spaces, quotes, braces, `$`, `~`, ...) is put in single quotes, a `'` inside
/// written `'\''`.
pub fn shell_quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_./=:,+-@%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// A command line kept as its words (what the program receives), written shell-quoted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandLine {
    words: Vec<String>,
}

impl CommandLine {
    pub fn new<S: Into<String>>(words: impl IntoIterator<Item = S>) -> CommandLine {
        CommandLine { words: words.into_iter().map(Into::into).collect() }
    }

    /// Appends one word.
    pub fn arg(&mut self, word: impl Into<String>) -> &mut CommandLine {
        self.words.push(word.into());
        self
    }

    /// Appends a flag and its value, as two words.
    pub fn opt(&mut self, flag: &str, value: impl Into<String>) -> &mut CommandLine {
        self.arg(flag).arg(value)
    }

    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// The words quoted for a POSIX shell and joined by spaces.
    pub fn to_shell(&self) -> String {
        self.words.iter().map(|w| shell_quote(w)).collect::<Vec<_>>().join(" ")
    }
}

/// Writes `files` into an existing results folder (`plot`), each under a temporary name then
/// renamed into place, so a reader never sees half a chart.
pub fn replace_files(folder: &Path, files: &[(String, Vec<u8>)]) -> Result<(), OutputError> {
    for (name, bytes) in files {
        let dest = folder.join(checked_name(name)?);
        let file = dest.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = dest.with_file_name(format!(".{file}.tmp-{}", std::process::id()));
        fs::write(&tmp, bytes).map_err(io_at(&tmp))?;
        if let Err(e) = fs::rename(&tmp, &dest) {
            let _ = fs::remove_file(&tmp);
            return Err(OutputError::Io { path: dest, error: e });
        }
    }
    Ok(())
}

/// What the manifest says of the run besides its files.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// The command whose folder this is (`run`, `sweep`; a merge writes a sweep's folder).
    pub command: String,
    pub scenario_file: String,
    pub scenario_name: String,
    pub seed: u64,
    pub replications: u32,
    /// The overrides applied, as `KEY=VALUE`.
    pub overrides: Vec<String>,
    /// The command that writes this folder again, byte for byte.
    pub rerun: CommandLine,
}

/// A results folder being written.
pub struct ResultsFolder {
    target: PathBuf,
    tmp: PathBuf,
    force: bool,
    /// Files recorded for the manifest, by name relative to the folder.
    files: Mutex<Vec<String>>,
    committed: bool,
}

impl ResultsFolder {
    /// Starts writing results for `target`. Refuses at once, before any work, if `target`
    /// exists and `force` is off, or if it is anything but an empty folder or an autoclose
    /// results folder (`results::inspect`). Removes what dead processes left beside it.
    pub fn begin(target: &Path, force: bool) -> Result<ResultsFolder, OutputError> {
        // Without a name the temporary folder would not be a sibling and the rename would fail.
        if target.file_name().is_none() {
            return Err(OutputError::NoName(target.to_path_buf()));
        }
        check_replaceable(target, force)?;
        let parent = parent_of(target);
        fs::create_dir_all(parent).map_err(|error| OutputError::Parent {
            target: target.to_path_buf(),
            parent: parent.to_path_buf(),
            error,
        })?;
        for stale in results::stale_folders(target, Path::new("/proc")) {
            // Litter only: a folder that cannot be removed does not stop this run.
            remove_tree(&stale);
        }
        let tmp = parent.join(format!(".{}.tmp-{}", name_of(target), std::process::id()));
        // Created and registered under the lock, so a signal handler sees it or none of it.
        let mut registry = in_progress();
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(io_at(&tmp))?;
        }
        fs::create_dir_all(&tmp).map_err(|error| OutputError::Staging {
            target: target.to_path_buf(),
            tmp: tmp.clone(),
            error,
        })?;
        registry.push(tmp.clone());
        drop(registry);
        Ok(ResultsFolder { target: target.to_path_buf(), tmp, force, files: Mutex::new(Vec::new()), committed: false })
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Where file `name` lies while the folder is written, for a module that reads back
    /// what was written (e.g. charts drawn from the CSVs).
    pub fn staged(&self, name: &str) -> Result<PathBuf, OutputError> {
        Ok(self.tmp.join(checked_name(name)?))
    }

    fn record(&self, name: &str) {
        let mut files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        if !files.iter().any(|f| f == name) {
            files.push(name.to_string());
        }
    }

    /// Where a new file `name` goes, its folders created.
    fn place(&self, name: &str) -> Result<PathBuf, OutputError> {
        let p = self.staged(name)?;
        if let Some(dir) = p.parent().filter(|d| *d != self.tmp) {
            fs::create_dir_all(dir).map_err(io_at(dir))?;
        }
        Ok(p)
    }

    /// A new file of the result, listed in the manifest. `name` may hold `/` for a subfolder.
    pub fn create(&self, name: &str) -> Result<BufWriter<File>, OutputError> {
        let w = self.create_part(name)?;
        self.record(name);
        Ok(w)
    }

    /// A scratch file in the temporary folder, not listed: a part for `concat`.
    pub fn create_part(&self, name: &str) -> Result<BufWriter<File>, OutputError> {
        let p = self.place(name)?;
        Ok(BufWriter::with_capacity(1 << 16, File::create(&p).map_err(io_at(&p))?))
    }

    /// Adds a whole file from bytes, listed in the manifest: how formats that render to
    /// memory (CSV tables, charts, the report) hand their output over.
    pub fn add(&self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let p = self.place(name)?;
        fs::write(&p, bytes).map_err(io_at(&p))?;
        self.record(name);
        Ok(())
    }

    /// Concatenates `parts` (in order) into `name`, listed, and removes them: the first part
    /// is renamed into place (one replication's file is not copied at all), the others are
    /// appended to it.
    pub fn concat(&self, name: &str, parts: &[String]) -> Result<(), OutputError> {
        let p = self.place(name)?;
        let Some((first, rest)) = parts.split_first() else {
            File::create(&p).map_err(io_at(&p))?;
            self.record(name);
            return Ok(());
        };
        let first = self.staged(first)?;
        fs::rename(&first, &p).map_err(io_at(&p))?;
        if !rest.is_empty() {
            let mut out = BufWriter::new(fs::OpenOptions::new().append(true).open(&p).map_err(io_at(&p))?);
            for part in rest {
                let pp = self.staged(part)?;
                let mut f = File::open(&pp).map_err(io_at(&pp))?;
                io::copy(&mut f, &mut out).map_err(io_at(&p))?;
                fs::remove_file(&pp).map_err(io_at(&pp))?;
            }
            out.flush().map_err(io_at(&p))?;
        }
        self.record(name);
        Ok(())
    }

    /// The files listed so far, sorted by name.
    pub fn files(&self) -> Vec<String> {
        let mut files = self.files.lock().unwrap_or_else(|p| p.into_inner()).clone();
        files.sort();
        files
    }

    /// The SHA-256 (hex) of every file listed so far, read back from disk, by name.
    pub fn sha256(&self) -> Result<BTreeMap<String, String>, OutputError> {
        self.files()
            .into_iter()
            .map(|name| {
                let p = self.staged(&name)?;
                let mut hasher = Sha256::new();
                let mut f = File::open(&p).map_err(io_at(&p))?;
                io::copy(&mut f, &mut hasher).map_err(io_at(&p))?;
                Ok((name, format!("{:x}", hasher.finalize())))
            })
            .collect()
    }

    /// Writes `manifest.toml` (listing every file, itself included), then moves the folder
    /// into place.
    pub fn commit_with_manifest(self, p: &Provenance) -> Result<PathBuf, OutputError> {
        self.write_manifest(p)?;
        self.commit()
    }

    /// The temporary folder as written so far, for a module that reads the finished files
    /// back (the charts and the report are drawn from the CSVs and the manifest).
    pub fn dir(&self) -> &Path {
        &self.tmp
    }

    /// Writes `manifest.toml` listing every file added so far; written again after more files
    /// are added (the charts), it lists those too.
    pub fn write_manifest(&self, p: &Provenance) -> Result<(), OutputError> {
        self.record("manifest.toml");
        let manifest = Manifest {
            program: results::PROGRAM.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            command: p.command.clone(),
            scenario_file: p.scenario_file.clone(),
            scenario_name: p.scenario_name.clone(),
            seed: p.seed,
            replications: p.replications,
            overrides: p.overrides.clone(),
            files: self.files(),
            rerun: p.rerun.to_shell(),
        };
        self.add("manifest.toml", manifest.to_toml().as_bytes())
    }

    /// Where the folder being replaced is put aside during `commit`: `.NAME.old-PID`, a
    /// sibling unique to this process (a folder left there by a crashed process of the same
    /// id is removed first).
    fn aside(&self) -> PathBuf {
        parent_of(&self.target).join(format!(".{}.old-{}", name_of(&self.target), std::process::id()))
    }

    /// Moves the finished folder into place, replacing an old one only with `force` and only
    /// if it still is one `--force` may replace. If the new folder cannot be moved in, the
    /// old one is put back.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        // Held throughout: a signal handler waits for the renames to finish.
        let mut registry = in_progress();
        // Checked again: the target may have appeared or changed while the results were made.
        if check_replaceable(&self.target, self.force)? != results::Existing::Nothing {
            let old = self.aside();
            if old.exists() {
                fs::remove_dir_all(&old).map_err(io_at(&old))?;
            }
            fs::rename(&self.target, &old).map_err(io_at(&self.target))?;
            if let Err(e) = fs::rename(&self.tmp, &self.target) {
                let _ = fs::rename(&old, &self.target);
                return Err(OutputError::Io { path: self.target.clone(), error: e });
            }
            // The new results are in place: an old folder that cannot be removed is only litter.
            let _ = fs::remove_dir_all(&old);
        } else {
            fs::rename(&self.tmp, &self.target).map_err(io_at(&self.target))?;
        }
        registry.retain(|d| *d != self.tmp);
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Drop for ResultsFolder {
    fn drop(&mut self) {
        if !self.committed {
            let mut registry = in_progress();
            let _ = fs::remove_dir_all(&self.tmp);
            registry.retain(|d| *d != self.tmp);
        }
    }
}

fn name_of(target: &Path) -> String {
    target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "results".into())
}

/// `name` if it is a relative path of plain parts (`a.csv`, `charts/x.svg`).
fn checked_name(name: &str) -> Result<&Path, OutputError> {
    let p = Path::new(name);
    let plain = !name.is_empty() && p.components().all(|c| matches!(c, Component::Normal(_)));
    if plain && !name.ends_with('/') {
        Ok(p)
    } else {
        Err(OutputError::BadName(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_only_when_the_shell_would_change_them() {
        assert_eq!(shell_quote("policy.schedulers.main.interval=5m,25m"), "policy.schedulers.main.interval=5m,25m");
        assert_eq!(shell_quote("a+b-c@d%e:f/g_h"), "a+b-c@d%e:f/g_h");
        assert_eq!(shell_quote("x={a=1, b=2}"), "'x={a=1, b=2}'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("$HOME"), "'$HOME'");
        assert_eq!(shell_quote("~/x"), "'~/x'");
        let mut c = CommandLine::new(["autoclose", "run"]);
        c.arg("my dir/s.toml").opt("--set", "k=\"5m\"").arg("--conversations");
        assert_eq!(c.to_shell(), r#"autoclose run 'my dir/s.toml' --set 'k="5m"' --conversations"#);
    }

    #[test]
    fn sha256_is_the_standard_one() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    fn provenance() -> Provenance {
        Provenance {
            command: "run".into(),
            scenario_file: "s.toml".into(),
            scenario_name: "s".into(),
            seed: 1,
            replications: 2,
            overrides: vec![],
            rerun: CommandLine::new(["autoclose", "run", "s.toml"]),
        }
    }

    #[test]
    fn added_files_are_listed_in_the_manifest_sorted() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let target = dir.path().join("res");
        let f = ResultsFolder::begin(&target, false).expect("begin");
        f.add("summary.csv", b"a").unwrap();
        f.add("charts/latency.svg", b"<svg/>").unwrap();
        f.create_part("x.part0").unwrap().write_all(b"x").unwrap();
        f.concat("conversations.csv", &["x.part0".into()]).unwrap();
        f.create_part("y.part0").unwrap().write_all(b"y0").unwrap();
        f.create_part("y.part1").unwrap().write_all(b"y1").unwrap();
        f.concat("sweeps.csv", &["y.part0".into(), "y.part1".into()]).unwrap();
        assert!(matches!(f.add("../escape.csv", b""), Err(OutputError::BadName(_))));
        assert!(matches!(f.add("/abs.csv", b""), Err(OutputError::BadName(_))));
        let sums = f.sha256().unwrap();
        assert_eq!(sums["summary.csv"], sha256_hex(b"a"));
        assert_eq!(sums.len(), 4);
        f.commit_with_manifest(&provenance()).expect("commit");
        let m: toml::Table = fs::read_to_string(target.join("manifest.toml")).unwrap().parse().unwrap();
        let files: Vec<&str> = m["files"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(files, ["charts/latency.svg", "conversations.csv", "manifest.toml", "summary.csv", "sweeps.csv"]);
        assert_eq!(m["rerun"].as_str(), Some("autoclose run s.toml"));
        assert_eq!(fs::read(target.join("conversations.csv")).unwrap(), b"x");
        assert_eq!(fs::read(target.join("sweeps.csv")).unwrap(), b"y0y1");
        assert!(!target.join("x.part0").exists());
        assert!(!target.join("y.part0").exists() && !target.join("y.part1").exists());
    }

    #[test]
    fn force_replaces_a_folder_even_when_an_old_one_was_left_aside() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let target = dir.path().join("res");
        fs::create_dir_all(&target).expect("create the old results");
        let manifest = "program = \"autoclose\"\nfiles = [\"manifest.toml\", \"old.csv\"]\n";
        fs::write(target.join("manifest.toml"), manifest).expect("write an old manifest");
        fs::write(target.join("old.csv"), "old").expect("write an old file");
        // Folders a crashed `--force` could have left: the former fixed name, and this
        // process's own name (a reused process id).
        for stale in [".res.old".to_string(), format!(".res.old-{}", std::process::id())] {
            fs::create_dir_all(dir.path().join(&stale)).expect("create a stale folder");
            fs::write(dir.path().join(&stale).join("x"), "x").expect("fill it");
        }
        let s = ResultsFolder::begin(&target, true).expect("begin with --force");
        s.add("new.csv", b"new").expect("write a new file");
        s.commit().expect("commit should replace the old folder");
        assert!(target.join("new.csv").exists() && !target.join("old.csv").exists());
        assert!(!dir.path().join(format!(".res.old-{}", std::process::id())).exists());
        assert!(!dir.path().join(format!(".res.tmp-{}", std::process::id())).exists());
    }

    #[test]
    fn a_target_needs_a_name() {
        for bad in [".", "..", "/", "results/.."] {
            let err = ResultsFolder::begin(Path::new(bad), true).err().expect("refused");
            assert_eq!(
                err.to_string(),
                format!("--out {bad}: the results folder needs a name of its own (not `.`, `..` or `/`): give e.g. --out results/run1")
            );
        }
    }

    #[test]
    fn without_force_an_existing_folder_is_refused() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let target = dir.path().join("res");
        fs::create_dir_all(&target).expect("create the old results");
        assert!(matches!(ResultsFolder::begin(&target, false), Err(OutputError::Exists(_))));
    }

    #[test]
    fn a_folder_that_turned_foreign_during_the_run_is_not_replaced() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let target = dir.path().join("res");
        let s = ResultsFolder::begin(&target, true).expect("begin with --force");
        s.add("new.csv", b"new").unwrap();
        fs::create_dir_all(&target).unwrap();
        fs::write(target.join("notes.txt"), "mine").unwrap();
        let err = s.commit().expect_err("a folder of other files should stay");
        assert!(matches!(err, OutputError::NotResults { .. }), "{err}");
        assert_eq!(fs::read(target.join("notes.txt")).unwrap(), b"mine");
        // The refused folder's temporary folder is gone with it.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_folder_is_registered_while_written_and_unregistered_after() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        let tmp = |n: &str| dir.path().join(format!(".{n}.tmp-{}", std::process::id()));
        let fa = ResultsFolder::begin(&a, false).expect("begin a");
        let fb = ResultsFolder::begin(&b, false).expect("begin b");
        assert!(in_progress().contains(&tmp("a")) && in_progress().contains(&tmp("b")));
        drop(fa);
        assert!(!tmp("a").exists() && !in_progress().contains(&tmp("a")));
        fb.commit().expect("commit b");
        assert!(b.is_dir() && !in_progress().contains(&tmp("b")));
    }
}
