//! Joins of the lineage table with the outputs, and signed statements, on a small synthetic run
//! whose digests are re-recorded after each tampering so that only the join (or signature)
//! check can catch it.

use super::*;
use crate::intoto::{intoto_statement, sign_dsse};
use crate::manifest::tests::sample;
use arrow::array::{ArrayRef, RecordBatch, StringArray, UInt64Array};
use ed25519_dalek::SigningKey;
use parquet::arrow::ArrowWriter;
use sluice_core::digest::sha256_hex;
use std::sync::Arc;

const TRAIN: &str = "data/train-00000-of-00001.parquet";

fn text(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

fn write(path: &Path, columns: Vec<(&str, ArrayRef)>) {
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let mut buf = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut buf, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    fs_err::create_dir_all(path.parent().unwrap()).unwrap();
    fs_err::write(path, buf).unwrap();
}

fn write_train(root: &Path, ids: &[&str]) {
    let ids: Vec<Option<&str>> = ids.iter().map(|i| Some(*i)).collect();
    let body: Vec<Option<&str>> = ids.iter().map(|_| Some("synthetic text")).collect();
    write(
        &root.join(TRAIN),
        vec![("record_id", text(&ids)), ("body", text(&body))],
    );
}

/// A lineage row: (record_id, status, reason, survivor, shard_row).
type Row<'a> = (
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    Option<u64>,
);

fn write_lineage(root: &Path, rows: &[Row<'static>]) {
    let col = |f: fn(&Row<'static>) -> Option<&'static str>| {
        text(&rows.iter().map(f).collect::<Vec<_>>())
    };
    let kept = |r: &Row| r.1 == "kept";
    let split: Vec<Option<&str>> = rows.iter().map(|r| kept(r).then_some("train")).collect();
    let shard: Vec<Option<&str>> = rows.iter().map(|r| kept(r).then_some(TRAIN)).collect();
    let shard_row: ArrayRef = Arc::new(UInt64Array::from(
        rows.iter().map(|r| r.4).collect::<Vec<_>>(),
    ));
    write(
        &root.join("lineage.parquet"),
        vec![
            ("record_id", col(|r| Some(r.0))),
            ("status", col(|r| Some(r.1))),
            ("reason", col(|r| r.2)),
            ("survivor_id", col(|r| r.3)),
            ("split", text(&split)),
            ("shard", text(&shard)),
            ("shard_row", shard_row),
        ],
    );
}

const LINEAGE: [Row; 5] = [
    ("feed:0", "kept", None, None, Some(0)),
    ("feed:1", "kept", None, None, Some(1)),
    ("feed:2", "kept", None, None, Some(2)),
    (
        "feed:3",
        "duplicate",
        Some("DUP_EXACT"),
        Some("feed:0"),
        None,
    ),
    ("feed:4", "quarantined", Some("Q_TOO_SHORT"), None, None),
];

/// 5 records → 3 kept (train rows 0..2), 1 duplicate of feed:0, 1 quarantined; every table
/// agrees with lineage.
fn run() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_train(root, &["feed:0", "feed:1", "feed:2"]);
    write(
        &root.join("duplicates.parquet"),
        vec![
            ("record_id", text(&[Some("feed:3")])),
            ("survivor_id", text(&[Some("feed:0")])),
            ("reason", text(&[Some("DUP_EXACT")])),
        ],
    );
    write(
        &root.join("quarantine.parquet"),
        vec![
            ("record_id", text(&[Some("feed:4")])),
            ("reason", text(&[Some("Q_TOO_SHORT")])),
        ],
    );
    write_lineage(root, &LINEAGE);
    let mut manifest = sample();
    manifest.outputs = [
        (TRAIN, "train", 3),
        ("duplicates.parquet", "duplicates", 1),
        ("quarantine.parquet", "quarantine", 1),
        ("lineage.parquet", "lineage", 5),
    ]
    .iter()
    .map(|(path, role, rows)| OutputEntry {
        path: (*path).to_owned(),
        role: (*role).to_owned(),
        rows: *rows,
        bytes: 0,
        sha256: String::new(),
    })
    .collect();
    let path = root.join("manifest.json");
    fs_err::write(&path, manifest.to_json_bytes()).unwrap();
    rerecord(&path);
    (dir, path)
}

/// Re-records every output's size, digest and row count, and the root: what someone who edits
/// the tables and "fixes" the manifest would do.
fn rerecord(manifest_path: &Path) {
    let dir = manifest_path.parent().unwrap();
    let mut m = Manifest::from_path(manifest_path).unwrap();
    for o in &mut m.outputs {
        let bytes = fs_err::read(dir.join(&o.path)).unwrap();
        o.bytes = bytes.len() as u64;
        o.sha256 = sha256_hex(&bytes);
        o.rows = parquet_row_count(&dir.join(&o.path)).unwrap();
    }
    m.root_sha256 = root_digest(&m.outputs);
    fs_err::write(manifest_path, m.to_json_bytes()).unwrap();
}

fn join<'a>(report: &'a VerifyReport, path: &str) -> &'a FileStatus {
    &report.joins.iter().find(|j| j.path == path).unwrap().status
}

fn mismatch(status: &FileStatus) -> &str {
    match status {
        FileStatus::Mismatch { what } => what,
        other => panic!("expected a mismatch, got {other:?}"),
    }
}

#[test]
fn a_consistent_run_joins() {
    let (_dir, manifest) = run();
    let report = verify(&manifest).unwrap();
    assert!(report.ok(), "{report:#?}");
    assert_eq!(report.joins.len(), 4);
    assert!(report.joins.iter().all(|j| j.status == FileStatus::Ok));
    let rows: Vec<u64> = report.joins.iter().map(|j| j.rows_checked).collect();
    assert_eq!(rows, [5, 3, 1, 1], "lineage, train, duplicates, quarantine");
    assert_eq!(report.signature, None);
}

#[test]
fn a_tampered_shard_record_id_is_named() {
    let (dir, manifest) = run();
    write_train(dir.path(), &["feed:0", "feed:9", "feed:2"]);
    rerecord(&manifest);
    let report = verify(&manifest).unwrap();
    assert!(report.root_ok, "digests were re-recorded");
    assert!(!report.ok());
    assert_eq!(
        mismatch(join(&report, TRAIN)),
        "row 1 holds record feed:9 but lineage places record feed:1 there"
    );
}

#[test]
fn reordered_shard_rows_are_named() {
    let (dir, manifest) = run();
    write_train(dir.path(), &["feed:1", "feed:0", "feed:2"]);
    rerecord(&manifest);
    let report = verify(&manifest).unwrap();
    assert!(!report.ok());
    let what = mismatch(join(&report, TRAIN));
    assert!(
        what.contains("row 0 holds record feed:1 but lineage places record feed:0 there"),
        "{what}"
    );
    assert!(what.contains("row 1 holds record feed:0"), "{what}");
}

#[test]
fn a_dropped_lineage_row_is_named() {
    let (dir, manifest) = run();
    write_lineage(
        dir.path(),
        &LINEAGE[..1]
            .iter()
            .chain(&LINEAGE[2..])
            .copied()
            .collect::<Vec<_>>(),
    );
    rerecord(&manifest);
    let report = verify(&manifest).unwrap();
    assert!(!report.ok());
    assert_eq!(
        mismatch(join(&report, TRAIN)),
        "row 1 (record feed:1) has no kept lineage row pointing at it"
    );
    assert_eq!(
        mismatch(join(&report, "lineage.parquet")),
        "2 records are `kept` but the manifest counts 3"
    );
}

#[test]
fn two_lineage_rows_claiming_one_shard_row_are_named() {
    let (dir, manifest) = run();
    let mut rows = LINEAGE;
    rows[1].4 = Some(0);
    write_lineage(dir.path(), &rows);
    rerecord(&manifest);
    let report = verify(&manifest).unwrap();
    let what = mismatch(join(&report, TRAIN));
    assert!(
        what.contains("row 0 (record feed:0) is claimed by 2 lineage rows (feed:0, feed:1)"),
        "{what}"
    );
    assert!(
        what.contains("row 1 (record feed:1) has no kept lineage row"),
        "{what}"
    );
}

#[test]
fn a_lineage_row_pointing_outside_the_shard_is_named() {
    let (dir, manifest) = run();
    let mut rows = LINEAGE;
    rows[2].4 = Some(7);
    write_lineage(dir.path(), &rows);
    rerecord(&manifest);
    let report = verify(&manifest).unwrap();
    let what = mismatch(join(&report, "lineage.parquet"));
    assert!(
        what.contains("kept record feed:2 points at row 7 of `data/train-00000-of-00001.parquet`, which has 3 rows"),
        "{what}"
    );
}

#[test]
fn side_tables_must_match_lineage_statuses() {
    let (dir, manifest) = run();
    // The quarantined record listed as a duplicate, the real duplicate left out.
    write(
        &dir.path().join("duplicates.parquet"),
        vec![
            ("record_id", text(&[Some("feed:4")])),
            ("survivor_id", text(&[Some("feed:0")])),
            ("reason", text(&[Some("DUP_EXACT")])),
        ],
    );
    rerecord(&manifest);
    let report = verify(&manifest).unwrap();
    assert!(!report.ok());
    let what = mismatch(join(&report, "duplicates.parquet"));
    assert!(
        what.contains("record feed:4 is listed here but lineage gives it another status"),
        "{what}"
    );
    assert!(
        what.contains("record feed:3 is `duplicate` in lineage but not listed here"),
        "{what}"
    );
    assert_eq!(join(&report, "quarantine.parquet"), &FileStatus::Ok);
}

#[test]
fn a_different_survivor_or_reason_is_named() {
    let (dir, manifest) = run();
    write(
        &dir.path().join("duplicates.parquet"),
        vec![
            ("record_id", text(&[Some("feed:3")])),
            ("survivor_id", text(&[Some("feed:2")])),
            ("reason", text(&[Some("DUP_NEAR")])),
        ],
    );
    rerecord(&manifest);
    let report = verify(&manifest).unwrap();
    assert_eq!(
        mismatch(join(&report, "duplicates.parquet")),
        "record feed:3: reason DUP_NEAR here but DUP_EXACT in lineage; record feed:3: survivor feed:2 here but feed:0 in lineage"
    );
}

#[test]
fn a_missing_lineage_table_is_reported() {
    let (dir, manifest) = run();
    fs_err::remove_file(dir.path().join("lineage.parquet")).unwrap();
    let report = verify(&manifest).unwrap();
    assert!(!report.ok());
    assert_eq!(join(&report, "lineage.parquet"), &FileStatus::Missing);
}

fn key() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32])
}

/// Signs the run's statement into `manifest.dsse.json` and writes the public key as hex.
fn sign(manifest: &Path, key: &SigningKey) -> (PathBuf, PathBuf) {
    let dir = manifest.parent().unwrap();
    let envelope = sign_dsse(
        &intoto_statement(&Manifest::from_path(manifest).unwrap()),
        key,
    );
    let envelope_path = dir.join(SIGNATURE_FILE);
    fs_err::write(&envelope_path, envelope.to_string()).unwrap();
    let pubkey = dir.join("reviewer.pub");
    fs_err::write(&pubkey, hex::encode(key.verifying_key().to_bytes())).unwrap();
    (envelope_path, pubkey)
}

fn with_key(pubkey: &Path) -> VerifyOptions {
    VerifyOptions {
        signature: None,
        pubkey: Some(pubkey.to_path_buf()),
    }
}

#[test]
fn a_good_signature_verifies() {
    let (_dir, manifest) = run();
    let (envelope, pubkey) = sign(&manifest, &key());
    let report = verify_with(&manifest, &with_key(&pubkey)).unwrap();
    assert!(report.ok(), "{report:#?}");
    let signature = report.signature.unwrap();
    assert!(signature.key_checked);
    assert_eq!(signature.status, FileStatus::Ok);
    assert_eq!(signature.path, envelope.display().to_string());

    // Found by convention without a key: compared with the manifest, not authenticated.
    let report = verify(&manifest).unwrap();
    let signature = report.signature.unwrap();
    assert!(!signature.key_checked);
    assert_eq!(signature.status, FileStatus::Ok);
}

#[test]
fn a_corrupted_signature_fails() {
    let (_dir, manifest) = run();
    let (envelope, pubkey) = sign(&manifest, &key());
    let mut value: serde_json::Value =
        serde_json::from_slice(&fs_err::read(&envelope).unwrap()).unwrap();
    let sig = value["signatures"][0]["sig"].as_str().unwrap().to_owned();
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    value["signatures"][0]["sig"] = format!("{flipped}{}", &sig[1..]).into();
    fs_err::write(&envelope, value.to_string()).unwrap();
    let report = verify_with(&manifest, &with_key(&pubkey)).unwrap();
    assert!(!report.ok());
    assert!(
        mismatch(&report.signature.unwrap().status)
            .contains("no signature in the envelope verifies")
    );
}

#[test]
fn another_key_fails() {
    let (dir, manifest) = run();
    sign(&manifest, &key());
    let other = dir.path().join("other.pub");
    let other_key = SigningKey::from_bytes(&[9u8; 32]);
    fs_err::write(&other, other_key.verifying_key().to_bytes()).unwrap();
    let report = verify_with(&manifest, &with_key(&other)).unwrap();
    assert!(!report.ok());
}

#[test]
fn a_statement_of_other_outputs_fails_even_when_signed() {
    let (dir, manifest) = run();
    let (_, pubkey) = sign(&manifest, &key());
    // The data changes and the manifest is re-recorded, but the signed statement is the old one.
    write_train(dir.path(), &["feed:0", "feed:1", "feed:2", "feed:5"]);
    rerecord(&manifest);
    let report = verify_with(&manifest, &with_key(&pubkey)).unwrap();
    assert!(!report.ok());
    let what = mismatch(&report.signature.unwrap().status).to_owned();
    assert!(
        what.contains("data/train-00000-of-00001.parquet: not attested with the manifest's sha256"),
        "{what}"
    );
}

#[test]
fn a_key_without_an_envelope_fails() {
    let (dir, manifest) = run();
    let pubkey = dir.path().join("reviewer.pub");
    fs_err::write(&pubkey, key().verifying_key().to_bytes()).unwrap();
    let report = verify_with(&manifest, &with_key(&pubkey)).unwrap();
    assert!(!report.ok());
    assert_eq!(report.signature.unwrap().status, FileStatus::Missing);
}

#[test]
fn join_and_signature_verdicts_serialize() {
    let (_dir, manifest) = run();
    let (_, pubkey) = sign(&manifest, &key());
    let json = serde_json::to_value(verify_with(&manifest, &with_key(&pubkey)).unwrap()).unwrap();
    assert_eq!(
        json["joins"][0],
        serde_json::json!({"path": "lineage.parquet", "role": "lineage", "rows_checked": 5, "status": "ok"})
    );
    assert_eq!(json["signature"]["key_checked"], true);
    assert_eq!(json["signature"]["status"], "ok");
}
