//! `sluice trace`: where a record came from and where it went, from the lineage table.
//!
//! `sluice trace ID --manifest out/x/manifest.json` follows one record id; `--source FILE:ROW`
//! starts from a source row instead (deletion requests: which released rows came from it).
//! A duplicate is followed to its survivor, whose released row carries the same content.

use crate::args::TraceArgs;
use crate::exit::{Exit, fail};
use serde_json::Value;
use std::path::Path;

/// Prints the trace; exit 1 when nothing matches.
pub fn execute(args: TraceArgs) -> Exit {
    let manifest = match sluice_lineage::Manifest::from_path(&args.manifest) {
        Ok(m) => m,
        Err(e) => {
            return fail(
                &format!("cannot read manifest {}", args.manifest.display()),
                &e,
            );
        }
    };
    let Some(lineage) = manifest.outputs.iter().find(|o| o.role == "lineage") else {
        eprintln!("error: the manifest lists no lineage table (run with a newer sluice)");
        return Exit::Error;
    };
    let base = args.manifest.parent().unwrap_or(Path::new("."));
    let rows = match read_rows(&base.join(&lineage.path)) {
        Ok(rows) => rows,
        Err(e) => return fail(&format!("cannot read {}", lineage.path), e.as_ref()),
    };
    let matches: Vec<&Value> = match (&args.record_id, &args.source) {
        (Some(id), None) => rows
            .iter()
            .filter(|r| r["record_id"] == id.as_str())
            .collect(),
        (None, Some(source)) => {
            let Some((file, row)) = source
                .rsplit_once(':')
                .and_then(|(f, r)| Some((f, r.parse::<u64>().ok()?)))
            else {
                eprintln!("error: --source takes FILE:ROW (0-based row), e.g. samples/a.jsonl:42");
                return Exit::Error;
            };
            rows.iter()
                .filter(|r| {
                    let path = r["source_file"].as_str().unwrap_or_default();
                    r["source_row"] == row
                        && (path == file
                            || path.ends_with(&format!("/{file}"))
                            || file.ends_with(path.trim_start_matches("../")))
                })
                .collect()
        }
        _ => {
            eprintln!("error: give either a record id or --source FILE:ROW");
            return Exit::Error;
        }
    };
    if matches.is_empty() {
        eprintln!("no record matches");
        return Exit::DataFailed;
    }
    let mut traces = Vec::new();
    for row in matches {
        let survivor = row["survivor_id"]
            .as_str()
            .and_then(|id| rows.iter().find(|r| r["record_id"] == id));
        traces.push(serde_json::json!({ "record": row, "survivor": survivor }));
    }
    if args.json {
        for t in &traces {
            println!("{t}");
        }
    } else {
        for t in &traces {
            print!("{}", render(&t["record"]));
            if !t["survivor"].is_null() {
                println!("  survivor:");
                for line in render(&t["survivor"]).lines() {
                    println!("    {line}");
                }
            }
        }
    }
    Exit::Ok
}

fn read_rows(path: &Path) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    let file = std::fs::File::open(path)?;
    let reader =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)?.build()?;
    let mut rows = Vec::new();
    for batch in reader {
        for line in sluice_core::batch::rows_as_json(&batch?)? {
            rows.push(serde_json::from_str(&line)?);
        }
    }
    Ok(rows)
}

fn render(row: &Value) -> String {
    let s = |k: &str| row[k].as_str().unwrap_or("-").to_owned();
    let mut out = format!("record {}\n", s("record_id"));
    out.push_str(&format!(
        "  source      {} row {} (line {}), sha256 {}\n",
        s("source_file"),
        row["source_row"],
        row["source_line"],
        s("source_sha256")
    ));
    match row["status"].as_str() {
        Some("kept") => out.push_str(&format!(
            "  status      kept: split {}, {} row {}\n",
            s("split"),
            s("shard"),
            row["shard_row"]
        )),
        Some("duplicate") => out.push_str(&format!(
            "  status      duplicate ({}) of {}, removed by {}\n",
            s("reason"),
            s("survivor_id"),
            s("stage")
        )),
        _ => out.push_str(&format!(
            "  status      quarantined ({}) by {}\n",
            s("reason"),
            s("stage")
        )),
    }
    let flags: Vec<&str> = row["flags"]
        .as_array()
        .map(|f| f.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    if !flags.is_empty() {
        out.push_str(&format!(
            "  flagged     {}
",
            flags.join(", ")
        ));
    }
    let redactions = row["redactions"].as_array().cloned().unwrap_or_default();
    out.push_str(&format!("  redactions  {}\n", redactions.len()));
    for r in redactions {
        out.push_str(&format!(
            "              {}[{}] {}..{} {} by {} → {}\n",
            r["field"].as_str().unwrap_or("?"),
            r["element"],
            r["start"],
            r["end"],
            r["entity"].as_str().unwrap_or("?"),
            r["detector"].as_str().unwrap_or("?"),
            r["action"].as_str().unwrap_or("?"),
        ));
    }
    out
}
