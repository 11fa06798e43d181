//! `sluice report MANIFEST`: the self-contained HTML page a reviewer reads.

use crate::args::ReportArgs;
use crate::exit::{Exit, fail};
use sluice_report::QuarantineSample;
use std::path::{Path, PathBuf};

/// How many quarantined records the page lists by id.
const SAMPLE_ROWS: usize = 200;

/// Writes `report.html` beside the manifest (or to `--out`) and prints its path.
pub fn execute(args: ReportArgs) -> Exit {
    let manifest = match sluice_lineage::Manifest::from_path(&args.manifest) {
        Ok(m) => m,
        Err(e) => {
            return fail(
                &format!("cannot read manifest {}", args.manifest.display()),
                &e,
            );
        }
    };
    let base = args.manifest.parent().unwrap_or(Path::new("."));
    let sample = match manifest.outputs.iter().find(|o| o.role == "quarantine") {
        Some(q) => match quarantine_sample(&base.join(&q.path)) {
            Ok(s) => s,
            Err(e) => return fail(&format!("cannot read {}", q.path), e.as_ref()),
        },
        None => Vec::new(),
    };
    let html = sluice_report::render_html(&manifest, &sample);
    let target = args.out.clone().unwrap_or_else(|| base.join("report.html"));
    if let Err(e) = write(&target, html.as_bytes()) {
        return fail(&format!("cannot write {}", target.display()), &e);
    }
    println!("{}", target.display());
    Exit::Ok
}

fn write(path: &PathBuf, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, bytes)
}

fn quarantine_sample(path: &Path) -> Result<Vec<QuarantineSample>, Box<dyn std::error::Error>> {
    let file = std::fs::File::open(path)?;
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)?
        .with_limit(SAMPLE_ROWS)
        .build()?;
    let mut out = Vec::new();
    for batch in reader {
        for line in sluice_core::batch::rows_as_json(&batch?)? {
            let v: serde_json::Value = serde_json::from_str(&line)?;
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            out.push(QuarantineSample {
                record_id: s("record_id"),
                reason: s("reason"),
                stage: s("stage"),
                source_file: s("source_file"),
                source_line: v["source_line"].as_u64(),
            });
        }
    }
    Ok(out)
}
