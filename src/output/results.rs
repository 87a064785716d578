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
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io { path: path.to_path_buf(), source }
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

    /// Moves the finished folder into place (replacing an old one only with `force`).
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        if self.target.exists() {
            if !self.force {
                return Err(OutputError::Exists(self.target.clone()));
            }
            let old = self.tmp.with_extension("old");
            fs::rename(&self.target, &old).map_err(io_at(&self.target))?;
            fs::rename(&self.tmp, &self.target).map_err(io_at(&self.target))?;
            fs::remove_dir_all(&old).map_err(io_at(&old))?;
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
