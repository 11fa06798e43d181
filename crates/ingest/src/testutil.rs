//! Fixtures and checks shared by the crate's tests. All data is synthetic.

use crate::{IngestResult, InputOptions, read_input};
use arrow::array::{Array, AsArray};
use sluice_core::{FieldSpec, FieldType, RecordId, TargetSchema};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A schema from `(name, source, type, required)` tuples.
pub(crate) fn schema(fields: &[(&str, &str, &str, bool)]) -> TargetSchema {
    TargetSchema {
        fields: fields
            .iter()
            .map(|(name, source, ty, required)| FieldSpec {
                name: (*name).into(),
                source: (*source).into(),
                ty: FieldType::parse(ty).unwrap(),
                required: *required,
            })
            .collect(),
    }
}

pub(crate) fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    fs_err::write(&path, bytes).unwrap();
    path
}

pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

pub(crate) fn read(path: &Path, schema: &TargetSchema) -> IngestResult {
    read_with(path, &InputOptions::default(), schema)
}

pub(crate) fn read_with(path: &Path, opts: &InputOptions, schema: &TargetSchema) -> IngestResult {
    read_input(path, 0, opts, schema, 1000).unwrap()
}

/// Every record is accounted for exactly once: rows 0..records appear once across kept rows and
/// rejects, each list in file order, with ids derived from the file digest.
pub(crate) fn assert_conserved(result: &IngestResult) {
    let kept: u64 = result.batches.iter().map(|b| b.len() as u64).sum();
    assert_eq!(result.records, kept + result.rejects.len() as u64);
    let kept_rows = kept_rows(result);
    let reject_rows: Vec<u64> = result.rejects.iter().map(|r| r.row.source.row).collect();
    assert!(kept_rows.is_sorted() && reject_rows.is_sorted());
    let mut all: Vec<u64> = kept_rows.into_iter().chain(reject_rows).collect();
    all.sort_unstable();
    assert_eq!(all, (0..result.records).collect::<Vec<_>>());
    let metas = result
        .batches
        .iter()
        .flat_map(|b| &b.rows)
        .chain(result.rejects.iter().map(|r| &r.row));
    for meta in metas {
        assert_eq!(meta.id, RecordId::new(&result.sha256, meta.source.row));
        assert!(meta.source.line >= 1);
    }
    for batch in &result.batches {
        assert_eq!(batch.data.num_rows(), batch.rows.len());
        assert!(!batch.is_empty());
    }
}

pub(crate) fn kept_rows(result: &IngestResult) -> Vec<u64> {
    result
        .batches
        .iter()
        .flat_map(|b| b.rows.iter().map(|r| r.source.row))
        .collect()
}

/// The values of a `string` field across all batches.
pub(crate) fn strings(result: &IngestResult, field: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    for batch in &result.batches {
        let column = batch.data.column_by_name(field).unwrap().as_string::<i32>();
        out.extend(
            (0..column.len()).map(|i| column.is_valid(i).then(|| column.value(i).to_owned())),
        );
    }
    out
}

/// No reject detail quotes `secret`.
pub(crate) fn assert_details_free_of(result: &IngestResult, secret: &str) {
    for reject in &result.rejects {
        assert!(
            !reject.detail.contains(secret),
            "detail leaks a value: {}",
            reject.detail
        );
    }
}
