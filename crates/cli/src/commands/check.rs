//! `sluice check PIPELINE`: validate a pipeline file without reading data.

use crate::args::CheckArgs;
use crate::exit::{Exit, report_config_error};
use sluice_pipeline::{Plan, PlanOptions};

/// Loads and validates the pipeline; prints what it would run.
pub fn execute(args: CheckArgs) -> Exit {
    match Plan::load(&args.pipeline, &PlanOptions::default()) {
        Ok(plan) => {
            println!("ok: pipeline `{}` ({})", plan.name, args.pipeline.display());
            println!("  inputs  {}", plan.inputs.len());
            for input in &plan.inputs {
                println!("          {}", input.display);
            }
            println!(
                "  fields  {}",
                plan.schema
                    .fields
                    .iter()
                    .map(|f| format!("{}: {}", f.name, f.ty))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            println!(
                "  stages  {}",
                plan.stages
                    .iter()
                    .map(|s| s.stage.kind())
                    .collect::<Vec<_>>()
                    .join(" → ")
            );
            println!("  sha256  {}", plan.sha256);
            Exit::Ok
        }
        Err(e) => report_config_error(e),
    }
}
