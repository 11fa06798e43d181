//! `sluice report MANIFEST`: the self-contained HTML page a reviewer reads.

use crate::args::ReportArgs;
use crate::exit::{Exit, fail};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use sluice_report::{Cluster, QuarantineSample};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
    let clusters = match manifest.outputs.iter().find(|o| o.role == "lineage") {
        Some(l) => match read_clusters(&base.join(&l.path)) {
            Ok(c) => c,
            Err(e) => return fail(&format!("cannot read {}", l.path), e.as_ref()),
        },
        None => Vec::new(),
    };
    let html = sluice_report::render_report(&manifest, &sample, &clusters);
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

/// Rows of `path` projected to `columns` (the others, e.g. quarantined content, are never read),
/// one JSON object per row.
fn projected_rows(
    path: &Path,
    columns: &[&str],
) -> Result<Vec<serde_json::Value>, Box<dyn std::error::Error>> {
    let file = std::fs::File::open(path)?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)?;
    let mask = ProjectionMask::columns(builder.parquet_schema(), columns.iter().copied());
    let mut out = Vec::new();
    for batch in builder.with_projection(mask).build()? {
        for line in sluice_core::batch::rows_as_json(&batch?)? {
            out.push(serde_json::from_str(&line)?);
        }
    }
    Ok(out)
}

/// Every quarantined record's id, reason, stage and source position (ids and codes only), so
/// the page can count reasons over the whole table and list examples per reason.
fn quarantine_sample(path: &Path) -> Result<Vec<QuarantineSample>, Box<dyn std::error::Error>> {
    let columns = ["record_id", "reason", "stage", "source_file", "source_line"];
    Ok(projected_rows(path, &columns)?
        .into_iter()
        .map(|v| {
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            QuarantineSample {
                record_id: s("record_id"),
                reason: s("reason"),
                stage: s("stage"),
                source_file: s("source_file"),
                source_line: v["source_line"].as_u64(),
            }
        })
        .collect())
}

/// Dedup clusters with more than one member, from the lineage table's `cluster_id` and
/// `cluster_size` columns.
fn read_clusters(path: &Path) -> Result<Vec<Cluster>, Box<dyn std::error::Error>> {
    let mut sizes: BTreeMap<String, u64> = BTreeMap::new();
    for row in projected_rows(path, &["cluster_id", "cluster_size"])? {
        if let (Some(id), Some(size)) = (row["cluster_id"].as_str(), row["cluster_size"].as_u64())
            && size > 1
        {
            sizes.insert(id.to_owned(), size);
        }
    }
    Ok(sizes
        .into_iter()
        .map(|(id, size)| Cluster { id, size })
        .collect())
}
