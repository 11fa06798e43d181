use super::*;
use crate::manifest::tests::sample;
use crate::manifest::{InputConservation, StageEntry};
use arrow::array::{ArrayRef, RecordBatch, StringArray};
use parquet::arrow::ArrowWriter;
use sluice_core::digest::sha256_hex;
use std::sync::Arc;

const INPUT: &[u8] = b"{\"id\":1}\n{\"id\":2}\n";

fn write_rows(path: &Path, rows: usize) {
    let ids: ArrayRef = Arc::new(StringArray::from_iter_values(
        (0..rows).map(|i| format!("feed:{i}")),
    ));
    let batch = RecordBatch::try_from_iter([("record_id", ids)]).unwrap();
    let mut buf = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut buf, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    fs_err::create_dir_all(path.parent().unwrap()).unwrap();
    fs_err::write(path, buf).unwrap();
}

fn entry(dir: &Path, path: &str, role: &str, rows: u64) -> OutputEntry {
    let bytes = fs_err::read(dir.join(path)).unwrap();
    OutputEntry {
        path: path.to_owned(),
        role: role.to_owned(),
        rows,
        bytes: bytes.len() as u64,
        sha256: sha256_hex(&bytes),
    }
}

/// A run directory whose manifest matches its files: 5 input records → 3 kept, 1 duplicate,
/// 1 quarantined.
fn good_run() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let files = [
        ("data/train-00000-of-00001.parquet", "train", 3),
        ("quarantine.parquet", "quarantine", 1),
        ("duplicates.parquet", "duplicates", 1),
    ];
    for (path, _, rows) in files {
        write_rows(&root.join(path), rows as usize);
    }
    fs_err::write(root.join("README.md"), "synthetic dataset card\n").unwrap();
    fs_err::create_dir_all(root.join("samples")).unwrap();
    fs_err::write(root.join("samples/tickets.jsonl"), INPUT).unwrap();

    let mut manifest = sample();
    manifest.outputs = files
        .iter()
        .map(|(path, role, rows)| entry(root, path, role, *rows))
        .collect();
    manifest.outputs.push(entry(root, "README.md", "card", 0));
    manifest.root_sha256 = root_digest(&manifest.outputs);
    manifest.inputs[0].bytes = INPUT.len() as u64;
    manifest.inputs[0].sha256 = sha256_hex(INPUT);
    let manifest_path = root.join("manifest.json");
    fs_err::write(&manifest_path, manifest.to_json_bytes()).unwrap();
    (dir, manifest_path)
}

fn edit(manifest_path: &Path, change: impl FnOnce(&mut Manifest)) {
    let mut manifest = Manifest::from_path(manifest_path).unwrap();
    change(&mut manifest);
    fs_err::write(manifest_path, manifest.to_json_bytes()).unwrap();
}

fn status_of<'a>(report: &'a VerifyReport, path: &str) -> &'a FileStatus {
    &report.files.iter().find(|f| f.path == path).unwrap().status
}

#[test]
fn a_good_run_verifies() {
    let (_dir, manifest) = good_run();
    let report = verify(&manifest).unwrap();
    assert!(report.ok(), "{report:?}");
    assert!(report.problems.is_empty());
    assert_eq!(report.files.len(), 5);
    assert!(report.files.iter().all(|f| f.status == FileStatus::Ok));
    assert_eq!(report.files[4].kind, FileKind::Input);
}

#[test]
fn a_tampered_output_byte_is_reported() {
    let (dir, manifest) = good_run();
    let path = dir.path().join("data/train-00000-of-00001.parquet");
    let mut bytes = fs_err::read(&path).unwrap();
    bytes[5] ^= 0x01;
    fs_err::write(&path, bytes).unwrap();
    let report = verify(&manifest).unwrap();
    assert!(!report.ok());
    assert!(!report.root_ok);
    let FileStatus::Mismatch { what } = status_of(&report, "data/train-00000-of-00001.parquet")
    else {
        panic!("expected a mismatch");
    };
    assert!(what.starts_with("sha256 (recorded "), "{what}");
    assert_eq!(status_of(&report, "quarantine.parquet"), &FileStatus::Ok);
}

#[test]
fn a_deleted_output_is_missing() {
    let (dir, manifest) = good_run();
    fs_err::remove_file(dir.path().join("quarantine.parquet")).unwrap();
    let report = verify(&manifest).unwrap();
    assert!(!report.ok());
    assert!(!report.root_ok);
    assert_eq!(
        status_of(&report, "quarantine.parquet"),
        &FileStatus::Missing
    );
}

#[test]
fn a_wrong_row_count_is_reported() {
    let (_dir, manifest) = good_run();
    edit(&manifest, |m| {
        m.outputs[0].rows = 4;
        // Keep the manifest self-consistent so only the footer comparison can catch it.
        m.root_sha256 = root_digest(&m.outputs);
        m.conservation = crate::manifest::Conservation::from_inputs(vec![InputConservation {
            path: "samples/tickets.jsonl".into(),
            records: 6,
            kept: 4,
            duplicates: 1,
            quarantined: 1,
        }]);
        m.inputs[0].records = 6;
    });
    let report = verify(&manifest).unwrap();
    assert!(report.conservation_ok, "{:?}", report.problems);
    assert!(!report.ok());
    assert_eq!(
        status_of(&report, "data/train-00000-of-00001.parquet"),
        &FileStatus::Mismatch {
            what: "rows (recorded 4, found 3)".into()
        }
    );
    assert!(!report.root_ok, "the root over the files on disk differs");
}

#[test]
fn an_unreadable_parquet_footer_is_a_mismatch() {
    let (dir, manifest) = good_run();
    fs_err::write(dir.path().join("quarantine.parquet"), b"not parquet").unwrap();
    edit(&manifest, |m| {
        m.outputs[1] = entry(dir.path(), "quarantine.parquet", "quarantine", 1);
        m.root_sha256 = root_digest(&m.outputs);
    });
    let report = verify(&manifest).unwrap();
    assert_eq!(
        status_of(&report, "quarantine.parquet"),
        &FileStatus::Mismatch {
            what: "rows (not a readable Parquet file)".into()
        }
    );
    assert!(!report.ok());
}

#[test]
fn moved_or_changed_inputs_are_reported_but_do_not_fail() {
    let (dir, manifest) = good_run();
    fs_err::write(dir.path().join("samples/tickets.jsonl"), b"{\"id\":3}\n").unwrap();
    let report = verify(&manifest).unwrap();
    assert!(matches!(
        status_of(&report, "samples/tickets.jsonl"),
        FileStatus::Mismatch { .. }
    ));
    assert!(report.ok());

    fs_err::remove_file(dir.path().join("samples/tickets.jsonl")).unwrap();
    let report = verify(&manifest).unwrap();
    assert_eq!(
        status_of(&report, "samples/tickets.jsonl"),
        &FileStatus::Missing
    );
    assert!(report.ok());
}

#[test]
fn broken_conservation_is_reported() {
    let (_dir, manifest) = good_run();
    edit(&manifest, |m| m.conservation.kept = 2);
    let report = verify(&manifest).unwrap();
    assert!(!report.conservation_ok);
    assert!(!report.ok());
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("5 input records"))
    );
    assert!(report.problems.iter().any(|p| p.contains("kept is 2")));
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("training shards hold 3 rows but 2 were kept"))
    );

    let (_dir, manifest) = good_run();
    edit(&manifest, |m| m.conservation.quarantined = 0);
    let report = verify(&manifest).unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("quarantine outputs hold 1 rows but 0 were counted"))
    );

    let (_dir, manifest) = good_run();
    edit(&manifest, |m| {
        m.stages.push(StageEntry {
            index: 1,
            kind: "validate".into(),
            config_sha256: "f".repeat(64),
            report: sluice_core::StageReport {
                rows_in: 4,
                rows_out: 2,
                ..Default::default()
            },
            key_fingerprint: None,
        });
    });
    let report = verify(&manifest).unwrap();
    assert_eq!(
        report.problems,
        ["stage 1 (validate): 4 rows in but 2 out + 0 removed"]
    );
    assert!(!report.ok());
}

#[test]
fn report_serializes_for_machines() {
    let (dir, manifest) = good_run();
    fs_err::remove_file(dir.path().join("duplicates.parquet")).unwrap();
    let report = verify(&manifest).unwrap();
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["files"][0]["status"], "ok");
    assert_eq!(
        json["files"][2],
        serde_json::json!({"path": "duplicates.parquet", "kind": "output", "status": "missing"})
    );
}
