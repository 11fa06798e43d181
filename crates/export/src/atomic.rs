//! Atomic file writes: a reader sees either the old file or the complete new one, never a torn
//! write, even if sluice is killed or the machine loses power mid-write.
//!
//! The bytes go to a hidden temp file in the target's directory (same filesystem, so the rename is
//! atomic), are fsynced, renamed over the target, and the directory is fsynced so the rename
//! itself survives a crash. The temp name starts with `.` and ends in `.tmp-<pid>` (never in the
//! target's extension), so a leftover from a crash is skipped by shell globs, by Hugging Face's
//! `data/train-*` file discovery and by anything looking for `*.parquet`; the next write of the same
//! target removes such leftovers.
//!
//! Two process-wide hooks make a whole run crash- and interrupt-safe:
//! - a *commit marker* ([`set_commit_marker`], the run's manifest): it is deleted right before the
//!   first other file is committed, so a run killed half-way through writing its outputs never
//!   leaves an older manifest describing files that have since changed;
//! - [`interrupt`]: after it, no file is created or committed any more and the temp files being
//!   written are removed, so Ctrl-C never leaves a half-written output.

use crate::error::ExportError;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// Process-wide commit bookkeeping, behind one lock so that an interrupt and a commit (a rename)
/// never interleave.
#[derive(Debug, Default)]
struct CommitState {
    interrupted: bool,
    commits: u64,
    marker: Option<PathBuf>,
    live_temps: BTreeSet<PathBuf>,
}

static STATE: Mutex<CommitState> = Mutex::new(CommitState {
    interrupted: false,
    commits: 0,
    marker: None,
    live_temps: BTreeSet::new(),
});

fn state() -> MutexGuard<'static, CommitState> {
    // A panic while holding the lock leaves plain data behind, still consistent.
    STATE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Declares `path` the commit point of this process's output (the run's manifest): it is removed
/// before the first commit of any other file, and is expected to be written last.
pub fn set_commit_marker(path: &Path) {
    state().marker = Some(path.to_path_buf());
}

/// What [`interrupt`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interruption {
    /// Files committed (renamed into place) by this process before the interrupt.
    pub committed: u64,
    /// Temp files that were being written and have been removed.
    pub abandoned: usize,
}

/// Stops all further atomic writes of this process: every later [`AtomicFile::create`] and
/// [`AtomicFile::commit`] fails with an `Interrupted` IO error, and temp files being written are
/// removed now. Safe to call from a signal-handling thread; returns what had been committed.
pub fn interrupt() -> Interruption {
    let mut state = state();
    state.interrupted = true;
    let temps = std::mem::take(&mut state.live_temps);
    for temp in &temps {
        // Best effort: a temp that cannot be removed is still hidden and never mistaken for an
        // output, and the next write of its target cleans it up.
        let _ = std::fs::remove_file(temp);
    }
    Interruption {
        committed: state.commits,
        abandoned: temps.len(),
    }
}

/// True once [`interrupt`] has been called in this process.
pub fn was_interrupted() -> bool {
    state().interrupted
}

fn interrupted_error() -> ExportError {
    ExportError::Io(std::io::Error::new(
        std::io::ErrorKind::Interrupted,
        "sluice was interrupted; no further outputs are written",
    ))
}

/// Writes `bytes` to `path` atomically, creating parent directories.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    file.commit()
}

/// A file being written atomically. Write to it, then [`AtomicFile::commit`]; dropping it
/// uncommitted removes the temp file and leaves the target untouched.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    temp: PathBuf,
    file: Option<fs_err::File>,
}

impl AtomicFile {
    /// Starts writing `path` (parent directories are created).
    pub fn create(path: &Path) -> Result<Self, ExportError> {
        let file_name = path.file_name().ok_or_else(|| {
            ExportError::Input(format!("`{}` does not name a file", path.display()))
        })?;
        let dir = parent_dir(path);
        fs_err::create_dir_all(&dir)?;
        let mut prefix = std::ffi::OsString::from(".");
        prefix.push(file_name);
        prefix.push(".tmp-");
        remove_stale_temps(&dir, &prefix);
        let mut temp_name = prefix;
        temp_name.push(std::process::id().to_string());
        let temp = dir.join(temp_name);
        let mut state = state();
        if state.interrupted {
            return Err(interrupted_error());
        }
        let file = fs_err::File::create(&temp)?;
        state.live_temps.insert(temp.clone());
        drop(state);
        Ok(AtomicFile {
            target: path.to_path_buf(),
            temp,
            file: Some(file),
        })
    }

    /// The path the file will have once committed.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes, fsyncs, renames over the target and fsyncs the directory.
    pub fn commit(mut self) -> Result<(), ExportError> {
        let file = self.file.take().ok_or_else(|| {
            ExportError::Input(format!("`{}` was already committed", self.target.display()))
        })?;
        file.sync_all()?;
        drop(file);
        // The lock is held across the rename so that an interrupt either happens before it (and
        // the target is untouched) or after it (and is told about this commit).
        let mut state = state();
        if state.interrupted {
            drop(state);
            let _ = std::fs::remove_file(&self.temp);
            return Err(interrupted_error());
        }
        state.live_temps.remove(&self.temp);
        if let Some(marker) = state.marker.take() {
            if marker == self.target {
                state.marker = Some(marker);
            } else {
                remove_marker(&marker)?;
            }
        }
        fs_err::rename(&self.temp, &self.target)?;
        state.commits += 1;
        drop(state);
        sync_dir(&parent_dir(&self.target))?;
        Ok(())
    }

    fn file(&mut self) -> std::io::Result<&mut fs_err::File> {
        self.file
            .as_mut()
            .ok_or_else(|| std::io::Error::other("atomic file already committed"))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file()?.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.file()?.write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file()?.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            state().live_temps.remove(&self.temp);
            // Best effort: an abandoned write must not leave partial files behind, and there is
            // no caller left to report a failure to.
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Removes the commit marker (and makes the removal durable) before the first output changes.
fn remove_marker(marker: &Path) -> Result<(), ExportError> {
    match fs_err::remove_file(marker) {
        Ok(()) => sync_dir(&parent_dir(marker)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Removes `<prefix><pid>` temp files in `dir` left by killed writers of the same target. A temp
/// of a process that is still alive (another sluice writing the same directory) is left alone
/// where liveness can be checked (Linux `/proc`).
fn remove_stale_temps(dir: &Path, prefix: &std::ffi::OsStr) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = prefix.as_encoded_bytes();
    let own = std::process::id().to_string();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.as_encoded_bytes().strip_prefix(prefix) else {
            continue;
        };
        let Ok(pid) = std::str::from_utf8(pid) else {
            continue;
        };
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        // Our own name is about to be truncated by `File::create` anyway.
        if pid == own || process_is_alive(pid) {
            continue;
        }
        // Best effort: a leftover that cannot be removed is still hidden and harmless.
        let _ = std::fs::remove_file(entry.path());
    }
}

#[cfg(target_os = "linux")]
fn process_is_alive(pid: &str) -> bool {
    Path::new("/proc").join(pid).exists()
}

#[cfg(not(target_os = "linux"))]
fn process_is_alive(_pid: &str) -> bool {
    false
}

/// The directory holding `path` (`.` for a bare file name).
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<(), ExportError> {
    fs_err::File::open(dir)?.sync_all()?;
    Ok(())
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<(), ExportError> {
    // Directories cannot be opened for fsync on Windows; the rename is durable via the file.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs_err::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_creates_parents_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/out.bin");
        write_atomic(&path, b"hello").unwrap();
        assert_eq!(fs_err::read(&path).unwrap(), b"hello");
        assert_eq!(entries(&dir.path().join("a/b")), vec!["out.bin"]);
    }

    #[test]
    fn replaces_existing_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bin");
        write_atomic(&path, b"a much longer first version").unwrap();
        write_atomic(&path, b"v2").unwrap();
        assert_eq!(fs_err::read(&path).unwrap(), b"v2");
        assert_eq!(entries(dir.path()), vec!["out.bin"]);
    }

    #[test]
    fn streaming_commit_and_abandon() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stream.txt");
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"part one, ").unwrap();
        file.write_all(b"part two").unwrap();
        assert!(!path.exists(), "target must not appear before commit");
        file.commit().unwrap();
        assert_eq!(fs_err::read(&path).unwrap(), b"part one, part two");

        let mut abandoned = AtomicFile::create(&path).unwrap();
        abandoned.write_all(b"never committed").unwrap();
        drop(abandoned);
        assert_eq!(fs_err::read(&path).unwrap(), b"part one, part two");
        assert_eq!(entries(dir.path()), vec!["stream.txt"]);
    }

    #[test]
    fn leftovers_of_dead_writers_are_removed_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("train.parquet");
        // pid 0 is never a user process, so this is a leftover of a killed run.
        fs_err::write(dir.path().join(".train.parquet.tmp-0"), b"partial").unwrap();
        let own = format!(".train.parquet.tmp-{}", std::process::id());
        // Not ours: another target's temp and a non-numeric suffix are left alone.
        fs_err::write(dir.path().join(".other.parquet.tmp-0"), b"x").unwrap();
        fs_err::write(dir.path().join(".train.parquet.tmp-abc"), b"x").unwrap();
        #[cfg(target_os = "linux")]
        let live = {
            // pid 1 is alive on Linux: a concurrent writer whose temp must survive.
            fs_err::write(dir.path().join(".train.parquet.tmp-1"), b"x").unwrap();
            vec![".train.parquet.tmp-1".to_owned()]
        };
        #[cfg(not(target_os = "linux"))]
        let live: Vec<String> = Vec::new();
        write_atomic(&path, b"complete").unwrap();
        let mut expected = vec![
            ".other.parquet.tmp-0".to_owned(),
            ".train.parquet.tmp-abc".to_owned(),
            "train.parquet".to_owned(),
        ];
        expected.extend(live);
        expected.sort();
        assert_eq!(entries(dir.path()), expected);
        assert!(!entries(dir.path()).contains(&own));
    }

    #[test]
    fn rejects_a_path_without_file_name() {
        assert!(matches!(
            write_atomic(Path::new("/"), b"x"),
            Err(ExportError::Input(_))
        ));
    }
}
