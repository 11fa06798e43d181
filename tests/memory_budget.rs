//! Bounded memory: an input three times the configured memory budget completes, spills, keeps
//! the rows it holds in memory within the budget, and gives byte-identical outputs to a run
//! without a budget.

// Test helpers outside #[test] fns: a panic is the failure report here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sluice_test_support::output_tree;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const PIPELINE: &str = r#"
[pipeline]
name = "budget"

[[inputs]]
path = "in/*.jsonl*"

[fields]
id = { type = "string", required = true }
body = { type = "string", required = true }

[[stages]]
kind = "dedup"
key = ["body"]
near = { threshold = 0.8 }

[[stages]]
kind = "redact"
fields = ["body"]

[[stages]]
kind = "validate"
[[stages.rules]]
kind = "length"
field = "body"
min = 40

[output]
splits = { train = 0.9, validation = 0.1 }
rows_per_shard = 4000
"#;

const BUDGET: u64 = 1 << 20;

/// About 3 MiB of synthetic tickets in two files (one zstd), with duplicates and PII.
fn project(dir: &Path) -> u64 {
    std::fs::create_dir_all(dir.join("in")).unwrap();
    std::fs::write(dir.join("pipeline.toml"), PIPELINE).unwrap();
    let words = [
        "pump",
        "valve",
        "sensor",
        "gearbox",
        "bearing",
        "filter",
        "seal",
        "motor",
        "belt",
        "coupling",
        "压力",
        "阀门",
        "传感器",
        "轴承",
    ];
    let mut total = 0;
    for (file, rows) in [("a.jsonl", 8000u64), ("b.jsonl.zst", 5000)] {
        let mut text = String::new();
        for i in 0..rows {
            let n = if i % 13 == 0 { i.saturating_sub(1) } else { i };
            let mut body = format!("ticket {n} for unit {}: ", n * 7919 % 1000);
            for k in 0..30 {
                body.push_str(words[((n * 31 + k * 17) % words.len() as u64) as usize]);
                body.push(' ');
            }
            if i % 5 == 0 {
                body.push_str(&format!("contact t{n}@example.com or 138{:08}", n));
            }
            if i % 17 == 0 {
                body = "too short".to_owned();
            }
            text.push_str(&format!("{{\"id\":\"{file}-{i}\",\"body\":\"{body}\"}}\n"));
        }
        total += text.len() as u64;
        let bytes = if file.ends_with(".zst") {
            sluice_test_support::zstd_compress(text.as_bytes()).unwrap()
        } else {
            text.into_bytes()
        };
        std::fs::write(dir.join("in").join(file), bytes).unwrap();
    }
    total
}

/// The run's JSON summary and what it logged.
fn run(dir: &Path, out: &str, budget: &str) -> (serde_json::Value, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(["run", "pipeline.toml", "--out", out, "--json", "--no-cache"])
        .args(["--memory-budget", budget, "--batch-rows", "500"])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the sluice binary runs");
    assert!(
        output.status.code() == Some(0) || output.status.code() == Some(1),
        "sluice run failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        serde_json::from_slice(&output.stdout).expect("--json prints one JSON summary"),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Every output file's bytes (manifests without their run block).
fn outputs(out: &Path) -> BTreeMap<String, Vec<u8>> {
    output_tree(out).unwrap()
}

#[test]
fn an_input_three_times_the_budget_completes_within_it() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let input_bytes = project(dir);
    assert!(
        input_bytes >= 3 * BUDGET,
        "the input is {input_bytes} bytes"
    );

    let (bounded, bounded_log) = run(dir, "bounded", &BUDGET.to_string());
    let spill = &bounded["spill"];
    assert_eq!(spill["budget_bytes"], BUDGET);
    assert!(
        spill["batches"].as_u64().unwrap() > 0,
        "the run spilled: {spill}"
    );
    // Resident row data stays within the budget plus the one batch always admitted.
    let peak = spill["peak_resident_bytes"].as_u64().unwrap();
    assert!(peak <= BUDGET + BUDGET / 2, "peak resident {peak} bytes");
    assert!(bounded["duplicates"].as_u64().unwrap() > 0);
    assert!(bounded["quarantined"].as_u64().unwrap() > 0);

    // Dedup's decision attributes count against the budget: past it, the row data it tagged is
    // spilled to make room, and when they alone exceed it the run says so.
    let attributes = spill["attributes_peak_bytes"].as_u64().unwrap();
    assert!(attributes > BUDGET, "dedup attributes {attributes} bytes");
    assert!(spill["evicted_batches"].as_u64().unwrap() > 0, "{spill}");
    let warning = "decision attributes exceeded the memory budget";
    assert!(bounded_log.contains(warning), "{bounded_log}");

    let (unbounded, unbounded_log) = run(dir, "unbounded", "none");
    assert_eq!(unbounded["spill"]["attributes_peak_bytes"], attributes);
    assert!(!unbounded_log.contains(warning));
    assert_eq!(unbounded["spill"]["evicted_batches"], 0);
    assert_eq!(unbounded["spill"]["batches"], 0);
    assert!(unbounded["spill"]["peak_resident_bytes"].as_u64().unwrap() > 2 * BUDGET);
    // Each phase reports its wall time and peak memory; a global stage's phase also its steps.
    let steps: Vec<(String, Vec<String>)> = unbounded["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|phase| {
            let names = phase["steps"].as_array().unwrap().iter();
            (
                phase["phase"].as_str().unwrap().to_owned(),
                names
                    .map(|s| s["step"].as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect();
    let expected: Vec<(String, Vec<String>)> = [
        ("ingest", &[][..]),
        ("1 dedup", &["tag", "decide", "apply", "clusters"][..]),
        // Redaction without dataset propagation and rules that compare no rows with each other
        // need no decision: one pass over the rows.
        ("2 redact", &["apply"][..]),
        ("3 validate", &["apply"][..]),
        ("export", &[][..]),
        ("lineage", &[][..]),
    ]
    .iter()
    .map(|(phase, names)| {
        let names = names.iter().map(|n| (*n).to_owned()).collect();
        ((*phase).to_owned(), names)
    })
    .collect();
    assert_eq!(steps, expected);
    assert_eq!(
        outputs(&dir.join("bounded")),
        outputs(&dir.join("unbounded")),
        "spilling changes nothing in the outputs"
    );

    // A budget the attributes fit but not beside all the row data: ingest keeps the rows in
    // memory, and dedup spills the ones it has tagged as its attributes grow, without a warning.
    let roomy = attributes + BUDGET;
    let (evicting, evicting_log) = run(dir, "evicting", &roomy.to_string());
    let spill = &evicting["spill"];
    assert_eq!(spill["attributes_peak_bytes"], attributes);
    assert!(spill["evicted_batches"].as_u64().unwrap() > 0, "{spill}");
    assert!(spill["peak_resident_bytes"].as_u64().unwrap() <= roomy + BUDGET / 2);
    assert!(!evicting_log.contains(warning), "{evicting_log}");
    assert_eq!(
        outputs(&dir.join("evicting")),
        outputs(&dir.join("unbounded")),
        "making room changes nothing in the outputs"
    );
    // No spill file is left behind in the output directory.
    assert!(
        outputs(&dir.join("bounded"))
            .keys()
            .all(|name| !name.contains("spill"))
    );
}
