//! A rerun into an output directory leaves only its own files: target exports an earlier run
//! wrote (another target, another split) are removed, like stale training shards.

// Test helpers outside #[test] fns: a panic is the failure report here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sluice_test_support::repo_root;
use std::process::Command;

#[test]
fn files_of_earlier_runs_leave_the_targets_directory() {
    let out = tempfile::tempdir().unwrap();
    let run = || {
        let status = Command::new(env!("CARGO_BIN_EXE_sluice"))
            .arg("run")
            .arg(repo_root().join("pipelines/support-chat.toml"))
            .arg("--out")
            .arg(out.path())
            .args(["--no-cache", "--json"])
            .output()
            .unwrap()
            .status;
        assert!(
            status.code() == Some(0) || status.code() == Some(1),
            "{status}"
        );
    };
    run();
    let targets = out.path().join("targets");
    let kept = targets.join("openai/train.jsonl");
    assert!(kept.is_file());
    std::fs::create_dir_all(targets.join("retired-target")).unwrap();
    std::fs::write(targets.join("retired-target/train.jsonl"), "{}\n").unwrap();
    std::fs::write(targets.join("openai/old-split.jsonl"), "{}\n").unwrap();
    run();
    assert!(kept.is_file());
    assert!(!targets.join("openai/old-split.jsonl").exists());
    assert!(!targets.join("retired-target").exists());
    // Every file left in targets/ is one the manifest lists.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("manifest.json")).unwrap()).unwrap();
    let listed: Vec<&str> = manifest["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    for dir in std::fs::read_dir(&targets).unwrap() {
        for file in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            let path = file.unwrap().path();
            let relative = path
                .strip_prefix(out.path())
                .unwrap()
                .to_string_lossy()
                .into_owned();
            assert!(listed.contains(&relative.as_str()), "{relative} is listed");
        }
    }
}
