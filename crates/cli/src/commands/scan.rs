//! `sluice scan FILE...`: the redaction detectors as an audit over any JSONL, CSV or Parquet file,
//! for example a finished training set. Reports where sensitive values are, never the values.

use crate::args::ScanArgs;
use crate::exit::{Exit, fail};
use sluice_core::FieldPath;
use sluice_core::strings::visit_strings;
use sluice_ingest::InputOptions;
use std::collections::BTreeMap;
use std::io::Write;

/// One finding: where, what, which detector, char offsets in the field's value.
struct Finding {
    file: String,
    row: u64,
    field: String,
    entity: &'static str,
    detector: &'static str,
    start: usize,
    end: usize,
}

/// Scans every file; exit 1 when the findings exceed `--max-findings`.
pub fn execute(args: ScanArgs) -> Exit {
    let selection: Vec<String> = if args.detectors.is_empty() {
        vec!["default".to_owned()]
    } else {
        args.detectors.clone()
    };
    let engine = match sluice_redact::Engine::new(&selection) {
        Ok(e) => e,
        Err(e) => return fail("cannot build the detectors", &e),
    };
    let options = InputOptions {
        format: None,
        encoding: args.encoding.clone(),
        delimiter: None,
    };
    let mut findings: Vec<Finding> = Vec::new();
    let mut unreadable: u64 = 0;
    let mut records: u64 = 0;
    for (index, path) in args.files.iter().enumerate() {
        let display = path.display().to_string();
        let schema = match sluice_ingest::infer_schema(path, &options) {
            Ok(s) => s,
            Err(e) => return fail(&format!("cannot scan {display}"), &e),
        };
        let result = match sluice_ingest::read_input(path, index as u32, &options, &schema, 8192) {
            Ok(r) => r,
            Err(e) => return fail(&format!("cannot scan {display}"), &e),
        };
        records += result.records;
        unreadable += result.rejects.len() as u64;
        for batch in &result.batches {
            for (field, column) in schema.fields.iter().zip(batch.data.columns()) {
                visit_strings(
                    column.as_ref(),
                    &FieldPath::root(&field.name),
                    &mut |site, text| {
                        for d in engine.detect(text) {
                            let start = text[..d.start].chars().count();
                            let end = start + text[d.start..d.end].chars().count();
                            findings.push(Finding {
                                file: display.clone(),
                                row: batch.rows[site.row].source.row,
                                field: site.path.to_string(),
                                entity: d.entity,
                                detector: d.detector,
                                start,
                                end,
                            });
                        }
                    },
                );
            }
        }
    }
    findings.sort_by(|a, b| {
        (&a.file, a.row, &a.field, a.start).cmp(&(&b.file, b.row, &b.field, b.start))
    });
    if args.json {
        let mut out = std::io::stdout().lock();
        for f in &findings {
            let line = serde_json::json!({"file": f.file, "row": f.row, "field": f.field, "type": f.entity,
                "detector": f.detector, "start": f.start, "end": f.end});
            // A closed pipe (`| head`) ends the listing, not the program.
            if writeln!(out, "{line}").is_err() {
                break;
            }
        }
    } else {
        let mut by_type: BTreeMap<&str, u64> = BTreeMap::new();
        let mut by_field: BTreeMap<&str, u64> = BTreeMap::new();
        for f in &findings {
            *by_type.entry(f.entity).or_default() += 1;
            *by_field.entry(f.field.as_str()).or_default() += 1;
        }
        println!(
            "scanned {} records in {} files ({unreadable} unreadable)",
            records,
            args.files.len()
        );
        println!("findings {}", findings.len());
        for (t, n) in &by_type {
            println!("  type   {t:<20} {n}");
        }
        for (field, n) in &by_field {
            println!("  field  {field:<20} {n}");
        }
    }
    if findings.len() as u64 > args.max_findings {
        eprintln!(
            "{} findings exceed the threshold of {}",
            findings.len(),
            args.max_findings
        );
        Exit::DataFailed
    } else {
        Exit::Ok
    }
}
