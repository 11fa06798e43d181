//! Incremental reruns: a rerun with unchanged inputs and configuration reuses every stage and
//! says so; a changed input re-ingests only that input; a changed stage (configuration or a file
//! it names) resumes from the stage before it; and whatever was reused, the outputs are
//! byte-identical to a run from scratch.

// Test helpers outside #[test] fns: a panic is the failure report here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sluice_test_support::output_tree;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const PIPELINE: &str = r#"
[pipeline]
name = "incremental"

[[inputs]]
path = "in/*.jsonl"

[fields]
id = { type = "string", required = true }
body = { type = "string", required = true }

[[stages]]
kind = "dedup"
key = ["body"]

[[stages]]
kind = "redact"
fields = ["body"]
[[stages.dictionaries]]
code = "staff_names"
entity = "PERSON"
terms_file = "staff.txt"

[[stages]]
kind = "validate"
[[stages.rules]]
kind = "length"
field = "body"
min = MIN_LENGTH

[output]
splits = { train = 0.8, validation = 0.2 }
"#;

/// Writes the pipeline (with `min_length` for its last stage), two inputs and the dictionary.
fn project(dir: &Path, min_length: u32) {
    std::fs::create_dir_all(dir.join("in")).unwrap();
    std::fs::write(
        dir.join("pipeline.toml"),
        PIPELINE.replace("MIN_LENGTH", &min_length.to_string()),
    )
    .unwrap();
    for (file, offset) in [("a.jsonl", 0), ("b.jsonl", 1000)] {
        let mut text = String::new();
        for i in 0..60 {
            let n = offset + i;
            // Every 7th row repeats an earlier body (a duplicate); every 11th is short.
            let body = if i % 11 == 0 {
                "short".to_owned()
            } else if i % 7 == 0 {
                format!(
                    "ticket about order {} handled by Ada Lovelace",
                    offset + i - 1
                )
            } else {
                format!("ticket about order {n} handled by Ada Lovelace, mail x{n}@example.com")
            };
            text.push_str(&format!("{{\"id\":\"r{n}\",\"body\":\"{body}\"}}\n"));
        }
        std::fs::write(dir.join("in").join(file), text).unwrap();
    }
    std::fs::write(dir.join("staff.txt"), "Ada Lovelace\n").unwrap();
}

/// Runs the pipeline of `dir` into `dir/out` with the cache at `dir/cache`; returns the JSON
/// summary.
fn run(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let output = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(["run", "pipeline.toml", "--out", "out", "--json"])
        .args(extra)
        .current_dir(dir)
        .env("SLUICE_CACHE_DIR", dir.join("cache"))
        .env("NO_COLOR", "1")
        .output()
        .expect("the sluice binary runs");
    assert!(
        output.status.success(),
        "sluice run failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("--json prints one JSON summary")
}

/// (inputs reused, stages reused) from a JSON summary.
fn reuse(summary: &serde_json::Value) -> (u64, u64) {
    let cache = &summary["cache"];
    (
        cache["inputs_reused"].as_u64().unwrap(),
        cache["stages_reused"].as_u64().unwrap(),
    )
}

/// Every output file's bytes (manifests without their run block).
fn outputs(out: &Path) -> BTreeMap<String, Vec<u8>> {
    output_tree(out).unwrap()
}

/// The same project run from scratch, without a cache.
fn fresh_outputs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let copy = tempfile::tempdir().unwrap();
    for name in ["pipeline.toml", "staff.txt", "in/a.jsonl", "in/b.jsonl"] {
        let target = copy.path().join(name);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(dir.join(name), target).unwrap();
    }
    let summary = run(copy.path(), &["--no-cache"]);
    assert!(
        summary["cache"].is_null(),
        "--no-cache reports no cache use"
    );
    assert!(
        !copy.path().join("cache").exists(),
        "--no-cache writes no cache"
    );
    outputs(&copy.path().join("out"))
}

#[test]
fn reruns_reuse_what_did_not_change_and_give_identical_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    project(dir, 10);

    let first = run(dir, &[]);
    assert_eq!(reuse(&first), (0, 0), "a first run has nothing to reuse");
    let baseline = outputs(&dir.join("out"));
    assert_eq!(baseline, fresh_outputs(dir));

    // Nothing changed: every stage is reused and the outputs are identical.
    let second = run(dir, &[]);
    assert_eq!(reuse(&second), (2, 3));
    assert_eq!(outputs(&dir.join("out")), baseline);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("out/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["run"]["cache"]["stages_reused"], 3);

    // The last stage's configuration changed: the first two stages are reused.
    project(dir, 12);
    let third = run(dir, &[]);
    assert_eq!(reuse(&third), (2, 2));
    assert_eq!(outputs(&dir.join("out")), fresh_outputs(dir));

    // A file the redact stage names changed, not its configuration: redact and validate rerun.
    std::fs::write(dir.join("staff.txt"), "Ada Lovelace\nCharles Babbage\n").unwrap();
    let fourth = run(dir, &[]);
    assert_eq!(reuse(&fourth), (2, 1));
    assert_eq!(outputs(&dir.join("out")), fresh_outputs(dir));

    // One input changed: only it is read again, and every stage reruns (they see all rows).
    let mut b = std::fs::read_to_string(dir.join("in/b.jsonl")).unwrap();
    b.push_str("{\"id\":\"late\",\"body\":\"a late ticket handled by Charles Babbage\"}\n");
    std::fs::write(dir.join("in/b.jsonl"), b).unwrap();
    let fifth = run(dir, &[]);
    assert_eq!(reuse(&fifth), (1, 0));
    let after_change = outputs(&dir.join("out"));
    assert_eq!(after_change, fresh_outputs(dir));
    assert_ne!(after_change, baseline);
}

#[test]
fn a_damaged_cache_entry_is_recomputed_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    project(dir, 10);
    run(dir, &[]);
    let baseline = outputs(&dir.join("out"));
    // Truncate every cached batch file: reading them fails, so the run falls back to computing.
    let mut damaged = 0;
    let mut stack = vec![dir.join("cache")];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "parquet") {
                std::fs::write(&path, b"PAR1").unwrap();
                damaged += 1;
            }
        }
    }
    assert!(damaged > 0, "the first run stored batches");
    let rerun = run(dir, &[]);
    assert_eq!(reuse(&rerun), (0, 0));
    assert_eq!(outputs(&dir.join("out")), baseline);
    // The damaged entries were replaced: the next run reuses everything again.
    assert_eq!(reuse(&run(dir, &[])), (2, 3));
}

#[cfg(unix)]
#[test]
fn the_cache_is_private_and_outside_the_outputs() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    project(dir, 10);
    let summary = run(dir, &[]);
    let namespace = Path::new(summary["cache"]["dir"].as_str().unwrap());
    assert!(namespace.starts_with(dir.join("cache")));
    for d in [dir.join("cache"), namespace.to_path_buf()] {
        let mode = std::fs::metadata(&d).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{} is private", d.display());
    }
    // Nothing of the cache is among the outputs the manifest lists.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("out/manifest.json")).unwrap()).unwrap();
    for output in manifest["outputs"].as_array().unwrap() {
        assert!(!output["path"].as_str().unwrap().contains("cache"));
    }
}
