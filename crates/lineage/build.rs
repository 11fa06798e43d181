//! Records the source commit of this build for the manifest's `tool.commit`.
//!
//! `SLUICE_GIT_COMMIT` wins when set (release pipelines and builds from a tarball set it);
//! otherwise `git rev-parse HEAD`, with `-dirty` appended when tracked or untracked files under
//! the build inputs (`crates/`, `src/`, `Cargo.toml`, `Cargo.lock`) differ from HEAD. Outside a
//! git checkout, or without git, nothing is recorded and the manifest says `null`.
//!
//! The script reruns when HEAD moves, when the branch it points at moves, and when any build
//! input changes, so `-dirty` is accurate for the binary being built. `git status` is limited to
//! the build inputs, so the (ignored, large) target directory is never walked.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Source paths, relative to the workspace root, whose changes make a build dirty.
const BUILD_INPUTS: [&str; 4] = ["crates", "src", "Cargo.toml", "Cargo.lock"];

fn main() {
    println!("cargo:rerun-if-env-changed=SLUICE_GIT_COMMIT");
    if let Some(commit) = std::env::var("SLUICE_GIT_COMMIT")
        .ok()
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
    {
        emit(&commit);
        return;
    }
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let Some(root) = git(&manifest_dir, &["rev-parse", "--show-toplevel"]).map(PathBuf::from)
    else {
        // Not a checkout (or no git): rerun if one appears, record nothing.
        println!("cargo:rerun-if-changed=build.rs");
        return;
    };
    watch_git_state(&root);
    for input in BUILD_INPUTS {
        let path = root.join(input);
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    let Some(head) = git(&root, &["rev-parse", "HEAD"]) else {
        // A fresh repository without commits.
        return;
    };
    let mut status_args = vec!["status", "--porcelain", "--"];
    status_args.extend(BUILD_INPUTS);
    let dirty = git(&root, &status_args).is_some_and(|s| !s.is_empty());
    emit(&if dirty { format!("{head}-dirty") } else { head });
}

fn emit(commit: &str) {
    println!("cargo:rustc-env=SLUICE_LINEAGE_BUILD_COMMIT={commit}");
}

/// Reruns the script when HEAD, the branch it names, or the packed refs change.
fn watch_git_state(root: &Path) {
    let git_path = |name: &str| {
        git(root, &["rev-parse", "--git-path", name]).map(|p| {
            let p = PathBuf::from(p);
            if p.is_absolute() { p } else { root.join(p) }
        })
    };
    let mut watched = vec![git_path("HEAD"), git_path("packed-refs")];
    if let Some(branch) = git(root, &["symbolic-ref", "-q", "HEAD"]) {
        watched.push(git_path(&branch));
    }
    for path in watched.into_iter().flatten().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// Trimmed stdout of a successful `git` command run in `dir`, or `None`.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    Some(String::from_utf8(output.stdout).ok()?.trim().to_owned())
}
