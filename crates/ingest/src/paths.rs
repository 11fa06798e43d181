//! Resolving an input path or glob pattern to the sorted list of files it names.

use crate::error::IngestError;
use std::path::{Path, PathBuf};

/// The files `pattern` names, sorted by path. A path to an existing file returns itself; a
/// directory is an error (as is a glob that matches one), and so is a pattern that matches
/// nothing. Hidden files (leading `.`) are matched only by a pattern that spells the dot.
pub fn expand_glob(pattern: &Path) -> Result<Vec<PathBuf>, IngestError> {
    if pattern.is_dir() {
        return Err(IngestError::IsDirectory {
            path: pattern.to_path_buf(),
        });
    }
    if pattern.is_file() {
        return Ok(vec![pattern.to_path_buf()]);
    }
    let text = pattern
        .to_str()
        .ok_or_else(|| IngestError::InvalidPattern {
            pattern: pattern.to_path_buf(),
            reason: "the pattern is not valid UTF-8".to_owned(),
        })?;
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        // Editor backups and lock files (`.~lock.x.csv#`) must not sneak into a run.
        require_literal_leading_dot: true,
    };
    let entries = glob::glob_with(text, options).map_err(|e| IngestError::InvalidPattern {
        pattern: pattern.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| IngestError::Read {
            path: e.path().to_path_buf(),
            source: e.into(),
        })?;
        if path.is_dir() {
            return Err(IngestError::IsDirectory { path });
        }
        files.push(path);
    }
    if files.is_empty() {
        return Err(IngestError::NoMatch {
            pattern: pattern.to_path_buf(),
        });
    }
    files.sort();
    files.dedup();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        fs_err::write(&path, b"x").unwrap();
        path
    }

    #[test]
    fn glob_matches_are_sorted_and_skip_hidden_files() {
        let dir = tempfile::tempdir().unwrap();
        let b = touch(dir.path(), "claims-b.csv");
        let a = touch(dir.path(), "claims-a.csv");
        let c = touch(dir.path(), "claims-c.csv");
        touch(dir.path(), ".claims-hidden.csv");
        touch(dir.path(), "other.csv");
        let found = expand_glob(&dir.path().join("claims-*.csv")).unwrap();
        assert_eq!(found, vec![a, b, c]);
    }

    #[test]
    fn a_plain_file_returns_itself() {
        let dir = tempfile::tempdir().unwrap();
        // Glob metacharacters in a real file name must not be interpreted.
        let odd = touch(dir.path(), "data[1].jsonl");
        assert_eq!(expand_glob(&odd).unwrap(), vec![odd]);
    }

    #[test]
    fn nothing_matching_is_an_error_naming_the_pattern() {
        let dir = tempfile::tempdir().unwrap();
        let pattern = dir.path().join("nope-*.jsonl");
        let err = expand_glob(&pattern).unwrap_err();
        assert!(matches!(err, IngestError::NoMatch { .. }));
        assert!(err.to_string().contains("nope-*.jsonl"));
        let missing = dir.path().join("missing.jsonl");
        assert!(matches!(
            expand_glob(&missing),
            Err(IngestError::NoMatch { .. })
        ));
    }

    #[test]
    fn directories_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let err = expand_glob(dir.path()).unwrap_err();
        assert!(matches!(err, IngestError::IsDirectory { .. }));
        assert!(err.to_string().contains(&dir.path().display().to_string()));
        fs_err::create_dir(dir.path().join("sub.jsonl")).unwrap();
        touch(dir.path(), "a.jsonl");
        assert!(matches!(
            expand_glob(&dir.path().join("*.jsonl")),
            Err(IngestError::IsDirectory { .. })
        ));
    }

    #[test]
    fn invalid_patterns_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let err = expand_glob(&dir.path().join("a[.csv")).unwrap_err();
        assert!(matches!(err, IngestError::InvalidPattern { .. }));
    }
}
