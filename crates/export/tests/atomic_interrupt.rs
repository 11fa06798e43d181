//! The process-wide hooks of the atomic writer: the commit marker and `interrupt`. They change
//! global state, so they live in their own test binary (own process) and run as one test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use sluice_export::atomic::{Interruption, interrupt, set_commit_marker, was_interrupted};
use sluice_export::{AtomicFile, write_atomic};
use std::io::Write;

fn names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn marker_goes_before_the_first_change_and_interrupt_stops_everything() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let manifest = d.join("manifest.json");
    std::fs::write(&manifest, b"{\"old\": true}").unwrap();
    std::fs::write(d.join("data.parquet"), b"old data").unwrap();
    set_commit_marker(&manifest);

    // Writing the marker itself does not remove it.
    write_atomic(&manifest, b"{\"old\": 2}").unwrap();
    assert!(manifest.exists());

    // Preparing (not committing) another file leaves the old manifest in place ...
    let mut pending = AtomicFile::create(&d.join("data.parquet")).unwrap();
    pending.write_all(b"new data").unwrap();
    assert!(manifest.exists(), "nothing changed yet");
    // ... committing it removes the manifest first: it no longer describes the outputs.
    pending.commit().unwrap();
    assert!(!manifest.exists());
    assert_eq!(std::fs::read(d.join("data.parquet")).unwrap(), b"new data");
    // Later commits and the final manifest write work normally.
    write_atomic(&d.join("other.parquet"), b"x").unwrap();
    write_atomic(&manifest, b"{\"new\": true}").unwrap();
    assert_eq!(names(d), ["data.parquet", "manifest.json", "other.parquet"]);

    // An interrupt removes the temp being written and refuses every later write.
    assert!(!was_interrupted());
    let mut half = AtomicFile::create(&d.join("half.parquet")).unwrap();
    half.write_all(b"half of it").unwrap();
    assert!(names(d).iter().any(|n| n.starts_with(".half.parquet.tmp-")));
    let got = interrupt();
    assert_eq!(
        got,
        Interruption {
            committed: 4,
            abandoned: 1
        }
    );
    assert!(was_interrupted());
    assert_eq!(
        names(d),
        ["data.parquet", "manifest.json", "other.parquet"],
        "no temp left, nothing new"
    );
    let err = half.commit().unwrap_err();
    assert!(err.to_string().contains("interrupted"), "{err}");
    let err = write_atomic(&d.join("late.parquet"), b"x").unwrap_err();
    assert!(err.to_string().contains("interrupted"), "{err}");
    assert_eq!(names(d), ["data.parquet", "manifest.json", "other.parquet"]);
}
