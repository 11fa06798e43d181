//! `sluice verify MANIFEST`: recompute digests and counts; exit 1 on any mismatch.

use crate::args::VerifyArgs;
use crate::exit::{Exit, fail};
use sluice_lineage::{FileKind, FileStatus};

/// Prints a verdict per file and an overall verdict.
pub fn execute(args: VerifyArgs) -> Exit {
    let report = match sluice_lineage::verify(&args.manifest) {
        Ok(r) => r,
        Err(e) => return fail(&format!("cannot verify {}", args.manifest.display()), &e),
    };
    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => return fail("cannot render the report", &e),
        }
    } else {
        for file in &report.files {
            let kind = match file.kind {
                FileKind::Output => "output",
                FileKind::Input => "input",
            };
            match &file.status {
                FileStatus::Ok => println!("{:<8} {kind:<7} {}", "ok", file.path),
                FileStatus::Missing => println!("{:<8} {kind:<7} {}", "missing", file.path),
                FileStatus::Mismatch { what } => {
                    println!("{:<8} {kind:<7} {}: {what}", "MISMATCH", file.path)
                }
            }
        }
        for problem in &report.problems {
            println!("problem  {problem}");
        }
        println!(
            "{:<8} root digest",
            if report.root_ok { "ok" } else { "MISMATCH" }
        );
        println!(
            "{:<8} conservation",
            if report.conservation_ok {
                "ok"
            } else {
                "MISMATCH"
            }
        );
        println!(
            "{}",
            if report.ok() {
                "verified"
            } else {
                "verification FAILED"
            }
        );
    }
    if report.ok() {
        Exit::Ok
    } else {
        Exit::DataFailed
    }
}
