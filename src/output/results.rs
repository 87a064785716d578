//! The results folder: written into a temporary sibling folder and moved into place only when
//! complete, so a reader never sees a half-written result. The only module that creates files.

use serde::Serialize;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Why results could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{0} already exists: pass --force to replace it, or --out to write elsewhere")]
    Exists(PathBuf),
    /// The cause is a plain field written into the message (as a `source` it would be printed
    /// twice by `Error: {:#}`).
    #[error("{path}: {error}")]
    Io { path: PathBuf, error: io::Error },
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |error| OutputError::Io { path: path.to_path_buf(), error }
}

/// A results folder being written.
pub struct Staging {
    target: PathBuf,
    tmp: PathBuf,
    force: bool,
    committed: bool,
}

impl Staging {
    /// Starts writing results for `target`. Refuses at once, before any work, if `target`
    /// exists and `force` is off.
    pub fn begin(target: &Path, force: bool) -> Result<Staging, OutputError> {
        if target.exists() && !force {
            return Err(OutputError::Exists(target.to_path_buf()));
        }
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(io_at(parent))?;
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "results".into());
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(io_at(&tmp))?;
        }
        fs::create_dir_all(&tmp).map_err(io_at(&tmp))?;
        Ok(Staging { target: target.to_path_buf(), tmp, force, committed: false })
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    /// A new file in the temporary folder.
    pub fn create(&self, name: &str) -> Result<BufWriter<File>, OutputError> {
        let p = self.tmp.join(name);
        Ok(BufWriter::with_capacity(1 << 16, File::create(&p).map_err(io_at(&p))?))
    }

    /// Writes a whole file from bytes.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let p = self.tmp.join(name);
        fs::write(&p, bytes).map_err(io_at(&p))
    }

    /// Concatenates `parts` (in order) into `name` and removes them.
    pub fn concat(&self, name: &str, parts: &[String]) -> Result<(), OutputError> {
        let p = self.tmp.join(name);
        let mut out = BufWriter::new(File::create(&p).map_err(io_at(&p))?);
        for part in parts {
            let pp = self.tmp.join(part);
            let mut f = File::open(&pp).map_err(io_at(&pp))?;
            io::copy(&mut f, &mut out).map_err(io_at(&p))?;
            fs::remove_file(&pp).map_err(io_at(&pp))?;
        }
        out.flush().map_err(io_at(&p))
    }

    /// Where the folder being replaced is put aside during `commit`: `.NAME.old-PID`, a
    /// sibling unique to this process (a folder left there by a crashed process of the same
    /// id is removed first).
    fn aside(&self) -> PathBuf {
        let parent = self.tmp.parent().unwrap_or(Path::new("."));
        let name =
            self.target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "results".into());
        parent.join(format!(".{name}.old-{}", std::process::id()))
    }

    /// Moves the finished folder into place (replacing an old one only with `force`). If the
    /// new folder cannot be moved in, the old one is put back.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        if self.target.exists() {
            if !self.force {
                return Err(OutputError::Exists(self.target.clone()));
            }
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
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
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

    #[test]
    fn force_replaces_a_folder_even_when_an_old_one_was_left_aside() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let target = dir.path().join("res");
        fs::create_dir_all(&target).expect("create the old results");
        fs::write(target.join("old.csv"), "old").expect("write an old file");
        // Folders a crashed `--force` could have left: the former fixed name, and this
        // process's own name (a reused process id).
        for stale in [".res.old".to_string(), format!(".res.old-{}", std::process::id())] {
            fs::create_dir_all(dir.path().join(&stale)).expect("create a stale folder");
            fs::write(dir.path().join(&stale).join("x"), "x").expect("fill it");
        }
        let s = Staging::begin(&target, true).expect("begin with --force");
        s.write("new.csv", b"new").expect("write a new file");
        s.commit().expect("commit should replace the old folder");
        assert!(target.join("new.csv").exists() && !target.join("old.csv").exists());
        assert!(!dir.path().join(format!(".res.old-{}", std::process::id())).exists());
        assert!(!dir.path().join(format!(".res.tmp-{}", std::process::id())).exists());
    }

    #[test]
    fn without_force_an_existing_folder_is_refused() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let target = dir.path().join("res");
        fs::create_dir_all(&target).expect("create the old results");
        assert!(matches!(Staging::begin(&target, false), Err(OutputError::Exists(_))));
    }
}
