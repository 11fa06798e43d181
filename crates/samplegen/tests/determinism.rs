//! Generation is a pure function of (seed, scale, generator version).

// Helpers outside #[test] functions panic on failure too: this whole crate is test code.
#![allow(clippy::unwrap_used)]

use sluice_samplegen::{Config, generate};
use std::collections::BTreeMap;
use std::path::Path;

fn run(dir: &Path, seed: u64, scale: u32) -> sluice_samplegen::Summary {
    generate(&Config {
        out: dir.to_path_buf(),
        seed,
        scale,
        only: Vec::new(),
    })
    .unwrap()
}

/// Every file under `dir` by relative path.
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
fn same_seed_gives_byte_identical_files() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let summary_a = run(a.path(), 7, 1);
    let summary_b = run(b.path(), 7, 1);
    assert_eq!(summary_a, summary_b);
    let (files_a, files_b) = (snapshot(a.path()), snapshot(b.path()));
    assert_eq!(files_a.len(), 15, "{:?}", files_a.keys());
    assert_eq!(
        files_a.keys().collect::<Vec<_>>(),
        files_b.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &files_a {
        assert!(bytes == &files_b[name], "{name} differs between runs");
    }
}

#[test]
fn another_seed_changes_every_data_file() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run(a.path(), 7, 1);
    run(b.path(), 8, 1);
    let (files_a, files_b) = (snapshot(a.path()), snapshot(b.path()));
    for (name, bytes) in files_a
        .iter()
        .filter(|(n, _)| n.contains("-0") || n.contains("claims-") || n.contains("logs-"))
    {
        assert!(bytes != &files_b[name], "{name} ignores the seed");
    }
}

#[test]
fn scale_multiplies_record_counts() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let one = run(a.path(), 3, 1);
    let two = run(b.path(), 3, 2);
    for (d1, d2) in one.datasets.iter().zip(&two.datasets) {
        for (f1, f2) in d1.files.iter().zip(&d2.files) {
            assert_eq!(f2.records, 2 * f1.records, "{}", f1.file);
        }
    }
}

#[test]
fn zero_scale_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = generate(&Config {
        out: dir.path().to_path_buf(),
        seed: 1,
        scale: 0,
        only: Vec::new(),
    })
    .unwrap_err();
    assert!(err.to_string().contains("scale"));
}

#[test]
fn one_dataset_alone_has_the_same_files_as_in_a_full_run() {
    let (all, one) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run(all.path(), 7, 1);
    let summary = generate(&Config {
        out: one.path().to_path_buf(),
        seed: 7,
        scale: 1,
        only: vec!["maintenance-logs".into()],
    })
    .unwrap();
    assert_eq!(summary.datasets.len(), 1);
    let (files_all, files_one) = (snapshot(all.path()), snapshot(one.path()));
    let data: Vec<&String> = files_one.keys().filter(|k| *k != "README.md").collect();
    assert!(!data.is_empty());
    for name in data {
        assert!(name.starts_with("maintenance-logs"), "{name}");
        assert!(files_one[name] == files_all[name], "{name} differs");
    }
}

#[test]
fn an_unknown_dataset_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = generate(&Config {
        out: dir.path().to_path_buf(),
        seed: 1,
        scale: 1,
        only: vec!["tickets".into()],
    })
    .unwrap_err();
    assert!(err.to_string().contains("tickets"));
}
