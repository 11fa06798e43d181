//! `sluice run PIPELINE`: execute a pipeline and print the closing summary.

use crate::args::RunArgs;
use crate::exit::{Exit, fail, report_config_error};
use crate::summary;
use sluice_pipeline::{Plan, PlanOptions, RunError, RunOptions};
use std::io::IsTerminal;
use std::path::PathBuf;

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
    };
    match sluice_pipeline::run(plan, &options) {
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
