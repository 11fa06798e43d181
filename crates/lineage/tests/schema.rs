//! `schemas/manifest-v1.schema.json` describes what sluice writes: every golden manifest and a
//! manifest built from the model validate; manifests with a missing digest, a wrong type or an
//! unknown field do not.
// Test helpers outside #[test] fns: a panic is the failure report here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use sluice_lineage::{Manifest, Tool};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn validator() -> jsonschema::Validator {
    let path = repo().join("schemas/manifest-v1.schema.json");
    let schema: Value = serde_json::from_slice(&fs_err::read(path).unwrap()).unwrap();
    jsonschema::meta::validate(&schema).expect("the schema is valid draft 2020-12");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles")
}

fn errors(instance: &Value) -> Vec<String> {
    validator()
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// Goldens are stored without the `tool` block (it changes with every release and commit) and
/// the `run` block (it differs on every run); put plausible ones back.
fn as_written(mut manifest: Value) -> Value {
    manifest["tool"] = serde_json::to_value(Tool::current()).unwrap();
    manifest["run"] = json!({
        "started_at": "2026-01-02T03:04:05Z",
        "finished_at": "2026-01-02T03:04:06Z",
        "duration_ms": 1000,
        "threads": 2,
        "host": "ci"
    });
    manifest
}

fn golden_manifests() -> Vec<(PathBuf, Value)> {
    let mut out = Vec::new();
    for entry in fs_err::read_dir(repo().join("tests/golden")).unwrap() {
        let path = entry.unwrap().path().join("manifest.json");
        if path.is_file() {
            let value: Value = serde_json::from_slice(&fs_err::read(&path).unwrap()).unwrap();
            out.push((path, value));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn fixture() -> Manifest {
    Manifest::from_path(&Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/manifest.json"))
        .unwrap()
}

fn fixture_json() -> Value {
    serde_json::from_slice(&fixture().to_json_bytes()).unwrap()
}

#[test]
fn every_golden_manifest_validates() {
    let goldens = golden_manifests();
    assert!(goldens.len() >= 3, "expected the sample pipelines' goldens");
    for (path, manifest) in goldens {
        let errs = errors(&as_written(manifest));
        assert!(errs.is_empty(), "{}: {errs:#?}", path.display());
    }
}

#[test]
fn a_manifest_built_from_the_model_validates() {
    let mut manifest = fixture();
    manifest.tool = Tool::current();
    let value: Value = serde_json::from_slice(&manifest.to_json_bytes()).unwrap();
    assert_eq!(errors(&value), Vec::<String>::new());
    // The optional parts: a key fingerprint, a commit, no commit.
    manifest.stages[0].key_fingerprint = Some("0123456789abcdef".into());
    manifest.tool.commit = Some("0123456789abcdef0123456789abcdef01234567-dirty".into());
    let value: Value = serde_json::from_slice(&manifest.to_json_bytes()).unwrap();
    assert_eq!(errors(&value), Vec::<String>::new());
    manifest.tool.commit = None;
    let value: Value = serde_json::from_slice(&manifest.to_json_bytes()).unwrap();
    assert_eq!(errors(&value), Vec::<String>::new());
}

/// Applies `change` to a valid manifest and returns the validation errors.
fn errors_after(change: impl FnOnce(&mut Value)) -> Vec<String> {
    let mut value = fixture_json();
    change(&mut value);
    errors(&value)
}

#[test]
fn a_missing_digest_fails() {
    let errs = errors_after(|m| {
        m["outputs"][0].as_object_mut().unwrap().remove("sha256");
    });
    assert!(errs.iter().any(|e| e.contains("sha256")), "{errs:?}");
    let errs = errors_after(|m| {
        m.as_object_mut().unwrap().remove("root_sha256");
    });
    assert!(errs.iter().any(|e| e.contains("root_sha256")), "{errs:?}");
}

#[test]
fn a_malformed_digest_fails() {
    for bad in ["ABC", "F".repeat(64).as_str(), "f".repeat(63).as_str()] {
        let errs = errors_after(|m| m["inputs"][0]["sha256"] = json!(bad));
        assert!(
            errs.iter().any(|e| e.contains("/inputs/0/sha256")),
            "{bad}: {errs:?}"
        );
    }
}

#[test]
fn wrong_types_fail() {
    let cases: [(&str, Value); 5] = [
        ("/outputs/0/rows", json!("3")),
        ("/outputs/0/rows", json!(-1)),
        ("/conservation/holds", json!("yes")),
        ("/stages/0/report/removed/DUP_EXACT", json!(1.5)),
        ("/run/threads", json!(0)),
    ];
    for (pointer, bad) in cases {
        let errs = errors_after(|m| *m.pointer_mut(pointer).unwrap() = bad.clone());
        assert!(
            errs.iter().any(|e| e.ends_with(pointer)),
            "{pointer} = {bad}: {errs:?}"
        );
    }
}

#[test]
fn unknown_fields_and_versions_fail() {
    let errs = errors_after(|m| m["outputs"][0]["extra"] = json!(1));
    assert!(!errs.is_empty());
    let errs = errors_after(|m| m["surprise"] = json!({}));
    assert!(!errs.is_empty());
    let errs = errors_after(|m| m["manifest_version"] = json!("2"));
    assert!(
        errs.iter().any(|e| e.contains("manifest_version")),
        "{errs:?}"
    );
    let errs = errors_after(|m| {
        m.as_object_mut().unwrap().remove("run");
    });
    assert!(errs.iter().any(|e| e.contains("run")), "{errs:?}");
}

#[test]
fn output_paths_stay_inside_the_run_directory() {
    for bad in [
        "/etc/passwd",
        "../elsewhere.parquet",
        "data/../../x",
        "data//x",
    ] {
        let errs = errors_after(|m| m["outputs"][0]["path"] = json!(bad));
        assert!(
            errs.iter().any(|e| e.contains("/outputs/0/path")),
            "{bad}: {errs:?}"
        );
    }
}
