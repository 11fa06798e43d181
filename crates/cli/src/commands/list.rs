//! `sluice list`: the redaction detectors, one per line.

use crate::args::ListArgs;
use crate::exit::{Exit, fail};

/// Prints code, entity type and summary of every detector.
pub fn execute(args: ListArgs) -> Exit {
    let catalogue = sluice_redact::catalogue();
    if args.json {
        let rows: Vec<_> = catalogue
            .iter()
            .map(|d| serde_json::json!({"code": d.code, "entity": d.entity, "summary": d.summary}))
            .collect();
        match serde_json::to_string_pretty(&rows) {
            Ok(text) => println!("{text}"),
            Err(e) => return fail("cannot render the list", &e),
        }
    } else {
        for d in &catalogue {
            println!("{:<18} {:<16} {}", d.code, d.entity, d.summary);
        }
    }
    Exit::Ok
}
