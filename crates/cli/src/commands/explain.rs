//! `sluice explain CODE`: a detector's documentation.

use crate::args::ExplainArgs;
use crate::exit::Exit;

/// Prints the doc block of the detector `code`; exit 2 if there is none.
pub fn execute(args: ExplainArgs) -> Exit {
    match sluice_redact::catalogue()
        .into_iter()
        .find(|d| d.code == args.code)
    {
        Some(d) => {
            println!("{} ({})\n\n{}", d.code, d.entity, d.doc.trim());
            Exit::Ok
        }
        None => {
            eprintln!(
                "error: no detector with code `{}`; `sluice list` shows them all",
                args.code
            );
            Exit::Error
        }
    }
}
