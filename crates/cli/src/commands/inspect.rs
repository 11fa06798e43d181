//! `sluice inspect FILE`: summarise a Parquet file (schema, rows, metadata) or a manifest.

use crate::args::InspectArgs;
use crate::exit::{Exit, fail};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::reader::{FileReader, SerializedFileReader};
use std::fs::File;

/// Prints the summary to stdout.
pub fn execute(args: InspectArgs) -> Exit {
    let is_json = args.file.extension().is_some_and(|e| e == "json");
    if is_json {
        inspect_manifest(&args)
    } else {
        inspect_parquet(&args)
    }
}

fn inspect_manifest(args: &InspectArgs) -> Exit {
    let manifest = match sluice_lineage::Manifest::from_path(&args.file) {
        Ok(m) => m,
        Err(e) => return fail(&format!("cannot read manifest {}", args.file.display()), &e),
    };
    let c = &manifest.conservation;
    println!(
        "manifest  {} (version {})",
        args.file.display(),
        manifest.manifest_version
    );
    println!(
        "pipeline  {} sha256 {}",
        manifest.pipeline.name, manifest.pipeline.sha256
    );
    println!("tool      {} {}", manifest.tool.name, manifest.tool.version);
    println!("inputs    {}", manifest.inputs.len());
    for i in &manifest.inputs {
        println!(
            "          {} {} records, {} bytes, sha256 {}",
            i.path, i.records, i.bytes, i.sha256
        );
    }
    println!("stages");
    for s in &manifest.stages {
        println!(
            "          {}. {:<9} in {} out {} removed {:?}",
            s.index + 1,
            s.kind,
            s.report.rows_in,
            s.report.rows_out,
            s.report.removed
        );
    }
    println!("outputs");
    for o in &manifest.outputs {
        println!(
            "          {} ({}) {} rows sha256 {}",
            o.path, o.role, o.rows, o.sha256
        );
    }
    println!(
        "funnel    {} in = {} kept + {} duplicates + {} quarantined ({})",
        c.input_records,
        c.kept,
        c.duplicates,
        c.quarantined,
        if c.holds { "holds" } else { "DOES NOT HOLD" }
    );
    println!("root      {}", manifest.root_sha256);
    Exit::Ok
}

fn inspect_parquet(args: &InspectArgs) -> Exit {
    let open = || File::open(&args.file);
    let file = match open() {
        Ok(f) => f,
        Err(e) => return fail(&format!("cannot open {}", args.file.display()), &e),
    };
    let reader = match SerializedFileReader::new(file) {
        Ok(r) => r,
        Err(e) => {
            return fail(
                &format!("{} is not a readable Parquet file", args.file.display()),
                &e,
            );
        }
    };
    let meta = reader.metadata();
    let file_meta = meta.file_metadata();
    println!("file        {}", args.file.display());
    println!("rows        {}", file_meta.num_rows());
    println!("row groups  {}", meta.num_row_groups());
    println!("created by  {}", file_meta.created_by().unwrap_or("?"));
    if let Some(rg) = meta.row_groups().first()
        && let Some(col) = rg.columns().first()
    {
        println!("compression {:?}", col.compression());
    }
    println!("columns");
    let builder = match open()
        .map_err(parquet::errors::ParquetError::from)
        .and_then(ParquetRecordBatchReaderBuilder::try_new)
    {
        Ok(b) => b,
        Err(e) => return fail(&format!("cannot read {}", args.file.display()), &e),
    };
    for field in builder.schema().fields() {
        println!("            {}: {}", field.name(), field.data_type());
    }
    if let Some(kv) = file_meta.key_value_metadata() {
        // The Arrow IPC schema blob is noise for a reader; the columns above already show it.
        for entry in kv.iter().filter(|e| e.key != "ARROW:schema") {
            println!(
                "metadata    {} = {}",
                entry.key,
                entry.value.as_deref().unwrap_or("")
            );
        }
    }
    if args.rows > 0 {
        let reader = match builder
            .with_batch_size(args.rows)
            .with_limit(args.rows)
            .build()
        {
            Ok(r) => r,
            Err(e) => return fail(&format!("cannot read {}", args.file.display()), &e),
        };
        for batch in reader {
            match batch
                .map_err(sluice_core::CoreError::from)
                .and_then(|b| sluice_core::batch::rows_as_json(&b))
            {
                Ok(lines) => lines.iter().for_each(|l| println!("{l}")),
                Err(e) => return fail(&format!("cannot decode {}", args.file.display()), &e),
            }
        }
    }
    Exit::Ok
}
