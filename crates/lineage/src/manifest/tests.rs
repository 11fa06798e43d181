use super::*;
use std::collections::BTreeMap;

fn output(path: &str, rows: u64, fill: char) -> OutputEntry {
    OutputEntry {
        path: path.to_owned(),
        role: "train".to_owned(),
        rows,
        bytes: 100,
        sha256: fill.to_string().repeat(64),
    }
}

/// A small, internally consistent manifest (synthetic values only).
pub(crate) fn sample() -> Manifest {
    let resolved =
        serde_json::json!({"pipeline": {"name": "tickets"}, "output": {"rows_per_shard": 10}});
    let mut report = StageReport {
        rows_in: 5,
        rows_out: 4,
        ..Default::default()
    };
    report.removed = BTreeMap::from([("DUP_EXACT".to_owned(), 1)]);
    let outputs = vec![output("data/train-00000-of-00001.parquet", 3, 'a')];
    Manifest {
        manifest_version: MANIFEST_VERSION.to_owned(),
        tool: Tool {
            name: "sluice".into(),
            version: "0.1.0".into(),
            commit: None,
        },
        pipeline: PipelineInfo {
            name: "tickets".into(),
            sha256: canonical_json_sha256(&resolved),
            resolved,
        },
        inputs: vec![InputEntry {
            path: "samples/tickets.jsonl".into(),
            format: "jsonl".into(),
            compression: None,
            encoding: "utf-8".into(),
            bytes: 42,
            sha256: "d".repeat(64),
            records: 5,
            blank_lines: 1,
            quarantined: 1,
        }],
        stages: vec![StageEntry {
            index: 0,
            kind: "dedup".into(),
            config_sha256: "e".repeat(64),
            report,
            key_fingerprint: None,
        }],
        root_sha256: root_digest(&outputs),
        outputs,
        conservation: Conservation::from_inputs(vec![InputConservation {
            path: "samples/tickets.jsonl".into(),
            records: 5,
            kept: 3,
            duplicates: 1,
            quarantined: 1,
        }]),
        gates: vec![GateResult {
            name: "max_quarantine_rate".into(),
            threshold: 0.2,
            observed: 0.2,
            passed: true,
        }],
        run: RunInfo {
            started_at: "2026-01-02T03:04:05Z".into(),
            finished_at: "2026-01-02T03:04:06Z".into(),
            duration_ms: 1000,
            threads: 2,
            host: "build-host".into(),
            cache: None,
        },
    }
}

#[test]
fn json_round_trip_through_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("manifest.json");
    let manifest = sample();
    let bytes = manifest.to_json_bytes();
    assert!(bytes.ends_with(b"}\n"));
    assert!(bytes.starts_with(b"{\n  \"manifest_version\": \"1\",\n  \"tool\": {\n    \"name\""));
    fs_err::write(&path, &bytes).unwrap();
    assert_eq!(Manifest::from_path(&path).unwrap(), manifest);
}

#[test]
fn fields_are_written_in_declared_order() {
    let text = String::from_utf8(sample().to_json_bytes()).unwrap();
    let order = [
        "\"manifest_version\"",
        "\"tool\"",
        "\"pipeline\"",
        "\"inputs\"",
        "\"stages\"",
        "\"outputs\"",
        "\"conservation\"",
        "\"gates\"",
        "\"root_sha256\"",
        "\"run\"",
    ];
    let positions: Vec<usize> = order.iter().map(|k| text.find(k).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
}

#[test]
fn deterministic_json_excludes_run() {
    let a = sample();
    let mut b = sample();
    b.run.host = "other-host".into();
    b.run.threads = 64;
    b.run.duration_ms = 7;
    assert_ne!(a.to_json_bytes(), b.to_json_bytes());
    assert_eq!(a.deterministic_json(), b.deterministic_json());
    let text = String::from_utf8(a.deterministic_json()).unwrap();
    assert!(!text.contains("\"run\""));
    assert!(!text.contains("build-host"));
    assert!(text.contains("\"root_sha256\""));
    assert!(text.ends_with("}\n"));
    let mut c = sample();
    c.outputs[0].rows = 4;
    assert_ne!(a.deterministic_json(), c.deterministic_json());
}

#[test]
fn root_digest_golden_and_order_free() {
    // Reference computed independently with Python's hashlib over the sorted lines.
    let outputs = vec![
        output("data/train-00000-of-00001.parquet", 3, 'a'),
        output("quarantine.parquet", 1, 'b'),
        output("data/validation-00000-of-00001.parquet", 0, 'c'),
    ];
    let golden = "31686c9129cb060109f68efbf3f0cb6dc39ba05e31167c7faad82e2d3c051b28";
    assert_eq!(root_digest(&outputs), golden);
    let mut reversed = outputs.clone();
    reversed.reverse();
    assert_eq!(root_digest(&reversed), golden);
    let mut changed = outputs;
    changed[1].rows = 2;
    assert_ne!(root_digest(&changed), golden);
    assert_eq!(
        root_digest(&[]),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn canonical_json_sorts_keys_recursively() {
    let written = serde_json::json!({"b": [1, {"z": true, "a": null}], "a": "x\u{e9}"});
    let reordered = serde_json::json!({"a": "x\u{e9}", "b": [1, {"a": null, "z": true}]});
    // Python: json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    let golden = "8d7a3874283cf885de1817143f9ad10ef99027f41792cb66b20d539d2d365d9a";
    assert_eq!(canonical_json_sha256(&written), golden);
    assert_eq!(canonical_json_sha256(&reordered), golden);
    let array_order_matters = serde_json::json!({"a": "x\u{e9}", "b": [{"a": null, "z": true}, 1]});
    assert_ne!(canonical_json_sha256(&array_order_matters), golden);
}

#[test]
fn unknown_versions_and_bad_json_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("manifest.json");
    let mut newer = sample();
    newer.manifest_version = "2".into();
    fs_err::write(&path, newer.to_json_bytes()).unwrap();
    assert!(matches!(
        Manifest::from_path(&path),
        Err(LineageError::UnsupportedVersion { found, .. }) if found == "2"
    ));
    fs_err::write(&path, b"{\"manifest_version\": \"1\", \"tool\": 3}").unwrap();
    assert!(matches!(
        Manifest::from_path(&path),
        Err(LineageError::Json { .. })
    ));
    fs_err::write(&path, b"not json").unwrap();
    assert!(matches!(
        Manifest::from_path(&path),
        Err(LineageError::Json { .. })
    ));
    assert!(matches!(
        Manifest::from_path(&dir.path().join("absent.json")),
        Err(LineageError::Io(_))
    ));
}

#[test]
fn conservation_from_inputs_sums_and_checks() {
    let ok = Conservation::from_inputs(vec![
        InputConservation {
            path: "a.csv".into(),
            records: 4,
            kept: 2,
            duplicates: 1,
            quarantined: 1,
        },
        InputConservation {
            path: "b.csv".into(),
            records: 3,
            kept: 3,
            duplicates: 0,
            quarantined: 0,
        },
    ]);
    assert_eq!(
        (ok.input_records, ok.kept, ok.duplicates, ok.quarantined),
        (7, 5, 1, 1)
    );
    assert!(ok.holds);
    let lost = Conservation::from_inputs(vec![InputConservation {
        path: "a.csv".into(),
        records: 4,
        kept: 2,
        duplicates: 1,
        quarantined: 0,
    }]);
    assert!(!lost.holds);
}

#[test]
fn run_info_from_times() {
    use std::time::{Duration, UNIX_EPOCH};
    let start = UNIX_EPOCH + Duration::from_secs(1_234_567_890);
    let run = RunInfo::from_times(start, start + Duration::from_millis(1500), 4, "h".into());
    assert_eq!(run.started_at, "2009-02-13T23:31:30Z");
    assert_eq!(run.finished_at, "2009-02-13T23:31:31Z");
    assert_eq!(run.duration_ms, 1500);
    let backwards = RunInfo::from_times(start, UNIX_EPOCH, 1, "h".into());
    assert_eq!(backwards.duration_ms, 0);
}
