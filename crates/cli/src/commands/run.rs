//! `sluice run PIPELINE`: execute a pipeline and print the closing summary.

use crate::args::{MemoryBudget, RunArgs};
use crate::exit::{Exit, fail, report_config_error};
use crate::summary;
use sluice_pipeline::{Plan, PlanOptions, RunError, RunOptions};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Exit code of a run stopped by Ctrl-C (128 + SIGINT), as shells report it.
const INTERRUPTED: i32 = 130;

/// Runs the pipeline; exit 1 when a gate failed, 2 on any error (conservation included).
pub fn execute(args: RunArgs) -> Exit {
    let plan = match Plan::load(
        &args.pipeline,
        &PlanOptions {
            inputs_override: args.inputs.clone(),
        },
    ) {
        Ok(plan) => plan,
        Err(e) => return report_config_error(e),
    };
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(&plan.name));
    let name = plan.name.clone();
    let options = RunOptions {
        out_dir,
        threads: args.threads,
        progress: std::io::stderr().is_terminal(),
        batch_rows: args.batch_rows,
        cache_root: if args.no_cache {
            None
        } else {
            args.cache_dir
                .clone()
                .or_else(sluice_pipeline::default_cache_root)
        },
        memory_budget: match args.memory_budget {
            Some(MemoryBudget::Unlimited) => None,
            Some(MemoryBudget::Bytes(bytes)) => Some(bytes),
            None => default_memory_budget(),
        },
        spill_dir: args.spill_dir.clone(),
    };
    // The manifest is the commit point: it goes away before the first output changes, so a run
    // killed half-way never leaves an old manifest describing new files.
    let manifest = options.out_dir.join("manifest.json");
    sluice_export::atomic::set_commit_marker(&manifest);
    install_interrupt_handler(&options.out_dir);
    let outcome = sluice_pipeline::run(plan, &options);
    if sluice_export::atomic::was_interrupted() && outcome.is_err() {
        eprintln!("{}", partial_outputs_message(&options.out_dir));
        std::process::exit(INTERRUPTED);
    }
    match outcome {
        Ok(result) => {
            if args.json {
                println!("{}", summary::as_json(&name, &result));
            } else {
                print!("{}", summary::render(&name, &result));
            }
            if result.failed_gates.is_empty() {
                Exit::Ok
            } else {
                Exit::DataFailed
            }
        }
        Err(e @ RunError::Conservation { .. }) => {
            eprintln!(
                "error: {e}\n  the manifest at {} records the mismatch",
                options.out_dir.join("manifest.json").display()
            );
            Exit::Error
        }
        Err(e) => fail(&format!("run of pipeline `{name}` failed"), &e),
    }
}

/// On Ctrl-C, stops every further output write. Before any output was committed, nothing on disk
/// changed and the process exits at once; otherwise the run stops at its next write (the main
/// thread reports it) and a second Ctrl-C exits immediately.
fn install_interrupt_handler(out_dir: &Path) {
    static SEEN: AtomicBool = AtomicBool::new(false);
    let out_dir = out_dir.to_path_buf();
    let installed = ctrlc::set_handler(move || {
        let got = sluice_export::atomic::interrupt();
        if got.committed == 0 {
            eprintln!("interrupted; no outputs were changed");
            std::process::exit(INTERRUPTED);
        }
        if SEEN.swap(true, Ordering::SeqCst) {
            eprintln!("{}", partial_outputs_message(&out_dir));
            std::process::exit(INTERRUPTED);
        }
        eprintln!(
            "interrupted while writing outputs; stopping at the next file (Ctrl-C again to exit now)"
        );
    });
    if let Err(e) = installed {
        // Without the handler Ctrl-C kills the process outright, which the atomic writes and
        // the manifest-last rule already make safe; worth a note, not a failure.
        tracing::warn!("cannot install the Ctrl-C handler: {e}");
    }
}

fn partial_outputs_message(out_dir: &Path) -> String {
    format!(
        "interrupted while writing outputs; some files in {} were replaced and its manifest was removed, so it holds no committed run (rerun to complete it)",
        out_dir.display()
    )
}

/// Half of the machine's physical memory (Linux `/proc/meminfo`); `None` (no spilling) where it
/// cannot be read.
fn default_memory_budget() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024 / 2)
}
