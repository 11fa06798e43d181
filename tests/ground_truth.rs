//! The sample generator writes ground truth next to every dataset (`samples/<d>/expected.jsonl`:
//! planted duplicates with their survivor, planted defects with the expected outcome;
//! `hard-negatives.jsonl`: look-alikes redaction must leave alone). This test runs each sample
//! pipeline and checks the real outputs against it, row by row, in both directions.

// Test helpers outside #[test] fns: a panic is the failure report here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sluice_test_support::{parquet_rows, repo_root};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

fn json_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

struct Outcome {
    /// record id → survivor id
    duplicates: BTreeMap<String, String>,
    /// record id → reason code
    quarantined: BTreeMap<String, String>,
    /// every training row, as JSON text
    training: Vec<String>,
    /// input file name → record id prefix
    prefixes: BTreeMap<String, String>,
    blank_lines: u64,
}

fn run(dataset: &str) -> Outcome {
    let out = tempfile::tempdir().unwrap();
    let pipeline = repo_root()
        .join("pipelines")
        .join(format!("{dataset}.toml"));
    let status = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args([
            "run",
            pipeline.to_str().unwrap(),
            "--out",
            out.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("manifest.json")).unwrap()).unwrap();
    let mut prefixes = BTreeMap::new();
    let mut blank_lines = 0;
    for input in manifest["inputs"].as_array().unwrap() {
        let path = input["path"].as_str().unwrap();
        let name = path.rsplit('/').next().unwrap().to_owned();
        prefixes.insert(name, input["sha256"].as_str().unwrap()[..16].to_owned());
        blank_lines += input["blank_lines"].as_u64().unwrap();
    }
    let rows = |file: &str| -> Vec<serde_json::Value> {
        parquet_rows(&out.path().join(file))
            .unwrap()
            .iter()
            .map(|r| serde_json::from_str(r).unwrap())
            .collect()
    };
    let duplicates = rows("duplicates.parquet")
        .iter()
        .map(|r| {
            (
                r["record_id"].as_str().unwrap().to_owned(),
                r["survivor_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let quarantined = rows("quarantine.parquet")
        .iter()
        .map(|r| {
            (
                r["record_id"].as_str().unwrap().to_owned(),
                r["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut training = Vec::new();
    for output in manifest["outputs"].as_array().unwrap() {
        let path = output["path"].as_str().unwrap();
        if path.starts_with("data/") {
            training.extend(parquet_rows(&out.path().join(path)).unwrap());
        }
    }
    Outcome {
        duplicates,
        quarantined,
        training,
        prefixes,
        blank_lines,
    }
}

fn record_id(outcome: &Outcome, file: &str, row: u64) -> String {
    format!(
        "{}:{row}",
        outcome
            .prefixes
            .get(file)
            .unwrap_or_else(|| panic!("no input named {file}"))
    )
}

fn check_dataset(dataset: &str) {
    let dir = repo_root().join("samples").join(dataset);
    let outcome = run(dataset);
    let expected = json_lines(&dir.join("expected.jsonl"));
    let mut explained: BTreeSet<String> = BTreeSet::new();
    let defects: BTreeSet<String> = expected
        .iter()
        .filter(|e| e["kind"] == "defect")
        .map(|e| {
            record_id(
                &outcome,
                e["file"].as_str().unwrap(),
                e["row"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut blank_lines = 0;
    for e in &expected {
        let kind = e["kind"].as_str().unwrap();
        if kind == "blank_line" {
            blank_lines += 1;
            continue;
        }
        let id = record_id(
            &outcome,
            e["file"].as_str().unwrap(),
            e["row"].as_u64().unwrap(),
        );
        let what = format!(
            "{dataset}: {} row {} ({kind} {})",
            e["file"], e["row"], e["detail"]
        );
        match e["expect"].as_str().unwrap() {
            "duplicate" => {
                let of = &e["of"];
                let survivor = record_id(
                    &outcome,
                    of["file"].as_str().unwrap(),
                    of["row"].as_u64().unwrap(),
                );
                assert_eq!(
                    outcome.duplicates.get(&id),
                    Some(&survivor),
                    "{what}: expected a duplicate of {survivor}"
                );
            }
            "quarantine" => {
                // A defective row that is an exact copy of an earlier defective row (the same
                // too-short text, say) is removed by dedup, which runs first: also correct.
                let ok = outcome.quarantined.contains_key(&id)
                    || outcome
                        .duplicates
                        .get(&id)
                        .is_some_and(|s| defects.contains(s));
                assert!(ok, "{what}: expected in quarantine");
            }
            "quarantine_or_keep" => {
                assert!(
                    !outcome.duplicates.contains_key(&id),
                    "{what}: must not be a duplicate"
                );
            }
            other => panic!("{what}: unknown expectation {other}"),
        }
        explained.insert(id);
    }
    assert_eq!(outcome.blank_lines, blank_lines, "{dataset}: blank lines");
    // The other direction: nothing was removed that the ground truth does not explain.
    for id in outcome.duplicates.keys().chain(outcome.quarantined.keys()) {
        assert!(
            explained.contains(id),
            "{dataset}: {id} was removed but is a clean row"
        );
    }

    // Hard negatives in clean rows survive redaction verbatim.
    let training = outcome.training.join("\n");
    let negatives = json_lines(&dir.join("hard-negatives.jsonl"));
    let mut over_redacted: BTreeMap<String, u64> = BTreeMap::new();
    let mut checked = 0;
    for n in &negatives {
        let id = record_id(
            &outcome,
            n["file"].as_str().unwrap(),
            n["row"].as_u64().unwrap(),
        );
        if n["row_kind"] != "clean" || explained.contains(&id) {
            continue;
        }
        checked += 1;
        let value = n["value"].as_str().unwrap();
        // Values as they appear inside JSON text.
        let encoded = serde_json::to_string(value).unwrap();
        if !training.contains(encoded.trim_matches('"')) {
            *over_redacted
                .entry(n["kind"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    assert!(
        checked > 100,
        "{dataset}: only {checked} hard negatives checked"
    );
    assert!(
        over_redacted.is_empty(),
        "{dataset}: hard negatives redacted by mistake: {over_redacted:?} of {checked}"
    );
}

#[test]
fn support_tickets_match_ground_truth() {
    check_dataset("support-tickets");
}

#[test]
fn insurance_claims_match_ground_truth() {
    check_dataset("insurance-claims");
}

#[test]
fn maintenance_logs_match_ground_truth() {
    check_dataset("maintenance-logs");
}
