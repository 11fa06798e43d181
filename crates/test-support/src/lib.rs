//! Helpers shared by sluice's tests: where the repository is, decoding Parquet outputs to
//! comparable text, and golden files that a developer can regenerate on purpose.

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::path::{Path, PathBuf};

/// The repository root (the workspace directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Every row of a Parquet file as one compact JSON object per line, in file order.
pub fn parquet_rows(path: &Path) -> Result<Vec<String>, String> {
    let file = fs_err::File::open(path).map_err(|e| e.to_string())?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file.into_parts().0)
        .and_then(|b| b.build())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| format!("{}: {e}", path.display()))?;
        rows.extend(sluice_core::batch::rows_as_json(&batch).map_err(|e| e.to_string())?);
    }
    Ok(rows)
}

/// The Parquet file decoded to sorted JSON lines: a text form that is stable to compare and
/// readable in a diff.
pub fn parquet_as_sorted_text(path: &Path) -> Result<String, String> {
    let mut rows = parquet_rows(path)?;
    rows.sort();
    let mut text = rows.join("\n");
    text.push('\n');
    Ok(text)
}

/// A manifest's JSON with the run-time block (the only non-deterministic part) removed and
/// `tool.commit` blanked to `null`: the commit identifies the build, not the data, so goldens
/// must not change with every commit.
pub fn manifest_without_run(bytes: &[u8]) -> Result<serde_json::Value, String> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if let Some(object) = value.as_object_mut() {
        object.remove("run");
        if let Some(tool) = object
            .get_mut("tool")
            .and_then(serde_json::Value::as_object_mut)
        {
            tool.insert("commit".to_owned(), serde_json::Value::Null);
        }
    }
    Ok(value)
}

/// Compares `actual` with the golden file at `golden` (relative to the repo root). With
/// `SLUICE_UPDATE_GOLDEN=1` the file is (re)written instead, so intended changes are one command
/// (`make golden`) and one reviewed diff.
pub fn assert_golden(golden: &str, actual: &str) {
    let path = repo_root().join(golden);
    if std::env::var_os("SLUICE_UPDATE_GOLDEN").is_some() {
        if let Some(parent) = path.parent() {
            fs_err::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        fs_err::write(&path, actual).unwrap_or_else(|e| panic!("{e}"));
        return;
    }
    let expected = fs_err::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{e}\nrun `make golden` to create it, then review the diff"));
    if expected != actual {
        let (line, (want, got)) = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map(|(i, pair)| (i + 1, pair))
            .unwrap_or((
                expected.lines().count().min(actual.lines().count()) + 1,
                ("<end or extra lines>", "<end or extra lines>"),
            ));
        panic!(
            "{golden} differs at line {line}\n  expected: {want}\n  actual:   {got}\n\
             ({} expected lines, {} actual). If the change is intended: `make golden` and review the diff.",
            expected.lines().count(),
            actual.lines().count()
        );
    }
}

/// Every file below `out`, by `/`-separated relative path, with its bytes; `manifest.json` files
/// are replaced by their canonical JSON without the run block ([`manifest_without_run`]), so two
/// runs that should agree compare equal.
pub fn output_tree(out: &Path) -> Result<std::collections::BTreeMap<String, Vec<u8>>, String> {
    let mut files = std::collections::BTreeMap::new();
    let mut stack = vec![out.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs_err::read_dir(&dir).map_err(|e| e.to_string())? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path
                .strip_prefix(out)
                .map_err(|e| e.to_string())?
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = fs_err::read(&path).map_err(|e| e.to_string())?;
            let bytes = if name.ends_with("manifest.json") {
                serde_json::to_vec(&manifest_without_run(&bytes)?).map_err(|e| e.to_string())?
            } else {
                bytes
            };
            files.insert(name, bytes);
        }
    }
    Ok(files)
}

/// `bytes` as one zstd frame (level 3), for compressed test inputs.
pub fn zstd_compress(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    zstd::encode_all(bytes, 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_without_run_drops_run_and_blanks_the_commit() {
        let bytes = br#"{"manifest_version":"1","tool":{"name":"sluice","version":"0.1.0","commit":"abc123-dirty"},"root_sha256":"00","run":{"threads":2}}"#;
        let value = manifest_without_run(bytes).expect("valid JSON");
        assert!(value.get("run").is_none());
        assert_eq!(value["tool"]["commit"], serde_json::Value::Null);
        assert_eq!(value["tool"]["version"], "0.1.0", "the rest of tool stays");
        assert_eq!(value["root_sha256"], "00");
    }

    #[test]
    fn manifest_without_run_rejects_non_json() {
        assert!(manifest_without_run(b"not json").is_err());
    }
}
