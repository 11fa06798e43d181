//! Atomic file writes: a reader sees either the old file or the complete new one, never a torn
//! write, even if sluice is killed or the machine loses power mid-write.
//!
//! The bytes go to a hidden temp file in the target's directory (same filesystem, so the rename is
//! atomic), are fsynced, renamed over the target, and the directory is fsynced so the rename
//! itself survives a crash. The temp name starts with `.` so a leftover from a crash is skipped by
//! shell globs and by Hugging Face's `data/train-*` file discovery.

use crate::error::ExportError;
use std::io::Write;
use std::path::{Path, PathBuf};

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
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(file_name);
        temp_name.push(format!(".tmp-{}", std::process::id()));
        let temp = dir.join(temp_name);
        let file = fs_err::File::create(&temp)?;
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
        fs_err::rename(&self.temp, &self.target)?;
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
            // Best effort: an abandoned write must not leave partial files behind, and there is
            // no caller left to report a failure to.
            let _ = std::fs::remove_file(&self.temp);
        }
    }
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
    fn rejects_a_path_without_file_name() {
        assert!(matches!(
            write_atomic(Path::new("/"), b"x"),
            Err(ExportError::Input(_))
        ));
    }
}
