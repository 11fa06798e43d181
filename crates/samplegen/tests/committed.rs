//! The committed `samples/` are exactly what the generator produces, and the committed
//! `pipelines/` only use documented keys and point at fields and files that exist.

// Helpers outside #[test] functions panic on failure too: this whole crate is test code.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in fs_err::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.insert(name, fs_err::read(&path).unwrap());
            }
        }
    }
    files
}

#[test]
fn committed_samples_are_up_to_date() {
    let fresh = tempfile::tempdir().unwrap();
    let config = sluice_samplegen::Config {
        out: fresh.path().to_path_buf(),
        seed: sluice_samplegen::DEFAULT_SEED,
        scale: 1,
        only: Vec::new(),
    };
    sluice_samplegen::generate(&config).unwrap();
    let expected = snapshot(fresh.path());
    let committed = snapshot(&repo().join("samples"));
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "regenerate with `cargo run -p sluice-samplegen -- --out samples`"
    );
    for (name, bytes) in &expected {
        assert!(
            &committed[name] == bytes,
            "samples/{name} is stale: regenerate with `cargo run -p sluice-samplegen -- --out samples`"
        );
    }
}

/// Keys documented in docs/pipeline-format.md, per table.
fn allowed(table: &str) -> &'static [&'static str] {
    match table {
        "root" => &["pipeline", "inputs", "fields", "stages", "output", "gates"],
        "pipeline" => &["name", "description"],
        "inputs" => &["path", "format", "encoding", "delimiter"],
        "field" => &["from", "type", "required"],
        "dedup" => &["kind", "key", "normalize", "survivor"],
        "redact" => &["kind", "fields", "detectors", "policy", "columns"],
        "validate" => &["kind", "rules"],
        "rule" => &[
            "kind", "fields", "field", "min", "max", "id", "expr", "severity",
        ],
        "output" => &["splits", "rows_per_shard"],
        "gates" => &["max_quarantine_rate", "min_rows"],
        _ => &[],
    }
}

fn check_keys(table: &str, value: &Value, file: &str) {
    for key in value.as_table().unwrap().keys() {
        assert!(
            allowed(table).contains(&key.as_str()),
            "{file}: undocumented key {key} in {table}"
        );
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Whether a sample file name matches an input path pattern (only `*` wildcards are used).
fn matches(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = name;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(at) = rest.find(part) else {
                return false;
            };
            rest = &rest[at + part.len()..];
        }
    }
    rest.is_empty()
}

/// One plain pipeline per sample dataset, named after it.
const BASELINE_PIPELINES: [&str; 3] = ["insurance-claims", "maintenance-logs", "support-tickets"];

#[test]
fn pipelines_use_documented_keys_and_existing_fields_and_files() {
    let dir = repo().join("pipelines");
    let mut seen = Vec::new();
    for entry in fs_err::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let doc: Value = toml::from_str(&fs_err::read_to_string(&path).unwrap()).unwrap();
        // The strict shape below is that of the one baseline pipeline per sample dataset; the
        // other pipelines (every stage on, fine-tuning targets) are checked by `sluice check`
        // and the end-to-end goldens.
        if !BASELINE_PIPELINES.contains(&doc["pipeline"]["name"].as_str().unwrap_or("")) {
            continue;
        }
        check_keys("root", &doc, &file);
        check_keys("pipeline", &doc["pipeline"], &file);
        let name = doc["pipeline"]["name"].as_str().unwrap();
        assert_eq!(format!("{name}.toml"), file);
        seen.push(name.to_string());

        for input in doc["inputs"].as_array().unwrap() {
            check_keys("inputs", input, &file);
            let pattern = dir.join(input["path"].as_str().unwrap());
            let parent = pattern.parent().unwrap();
            let file_pattern = pattern.file_name().unwrap().to_string_lossy().into_owned();
            let hits = fs_err::read_dir(parent)
                .unwrap()
                .filter(|e| {
                    matches(
                        &file_pattern,
                        &e.as_ref().unwrap().file_name().to_string_lossy(),
                    )
                })
                .count();
            assert!(hits > 0, "{file}: {} matches no file", input["path"]);
            if file_pattern.contains("gbk") {
                assert_eq!(input["encoding"].as_str(), Some("gbk"), "{file}");
            }
        }

        let fields = doc["fields"].as_table().unwrap();
        for spec in fields.values() {
            check_keys("field", spec, &file);
        }
        let known = |f: &String| fields.contains_key(f.as_str());
        let stages = doc["stages"].as_array().unwrap();
        let kinds: Vec<&str> = stages.iter().map(|s| s["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["dedup", "redact", "validate"], "{file}");
        for stage in stages {
            let kind = stage["kind"].as_str().unwrap();
            check_keys(kind, stage, &file);
            match kind {
                "dedup" => assert!(
                    strings(&stage["key"]).iter().all(known),
                    "{file}: dedup key"
                ),
                "redact" => {
                    assert!(
                        strings(&stage["fields"]).iter().all(known),
                        "{file}: redact fields"
                    );
                    assert_eq!(strings(&stage["detectors"]), ["default"]);
                    let columns = stage["columns"].as_table().unwrap();
                    assert!(columns.keys().all(known), "{file}: columns");
                    assert!(columns.values().all(|v| v.as_str() == Some("placeholder")));
                }
                _ => {
                    let rules = stage["rules"].as_array().unwrap();
                    for rule in rules {
                        check_keys("rule", rule, &file);
                        if let Some(list) = rule.get("fields") {
                            assert!(strings(list).iter().all(known), "{file}: rule fields");
                        }
                        if let Some(field) = rule.get("field") {
                            assert!(
                                known(&field.as_str().unwrap().to_string()),
                                "{file}: rule field"
                            );
                        }
                    }
                    let rule_kinds: Vec<&str> =
                        rules.iter().map(|r| r["kind"].as_str().unwrap()).collect();
                    for needed in ["required", "length", "expr"] {
                        assert!(rule_kinds.contains(&needed), "{file}: no {needed} rule");
                    }
                }
            }
        }
        check_keys("output", &doc["output"], &file);
        let splits = doc["output"]["splits"].as_table().unwrap();
        assert_eq!(splits["train"].as_float(), Some(0.9));
        assert_eq!(splits["validation"].as_float(), Some(0.1));
        check_keys("gates", &doc["gates"], &file);
        let max_rate = doc["gates"]["max_quarantine_rate"].as_float().unwrap();
        assert!(
            (0.05..=0.2).contains(&max_rate),
            "{file}: the sample's ~3 % defects must pass"
        );
    }
    seen.sort();
    assert_eq!(seen, BASELINE_PIPELINES);
}

#[test]
fn pattern_matching_helper() {
    assert!(matches("tickets-*.jsonl*", "tickets-001.jsonl.gz"));
    assert!(matches("tickets-*.jsonl*", "tickets-000.jsonl"));
    assert!(!matches("tickets-*.jsonl*", "planted.jsonl"));
    assert!(matches("claims-2025.csv", "claims-2025.csv"));
    assert!(!matches("claims-2025.csv", "claims-2025.csv.bak"));
}
