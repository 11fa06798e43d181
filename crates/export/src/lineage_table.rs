//! `lineage.parquet`: one row per input record saying where it came from and where it went.
//!
//! A reviewer answers "where did this released row come from", "what happened to this source
//! row" and "which redactions touched it" from this table alone; it never holds a value.

use crate::error::ExportError;
use crate::output::OutputFile;
use crate::parquet_writer::ParquetFileWriter;
use arrow::array::{
    ArrayRef, Float32Array, ListArray, RecordBatch, StringArray, StructArray, UInt32Array,
    UInt64Array,
};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field, FieldRef, Fields, Schema, SchemaRef};
use serde::Serialize;
use sluice_core::Span;
pub use sluice_core::SpanKind;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// File name of the lineage table, relative to the output directory.
pub const LINEAGE_FILE: &str = "lineage.parquet";

/// One redaction applied to a record (offsets in chars of the original value).
///
/// A run holds every span until the lineage table is written (34M of them at 16M bench rows),
/// so a span is its offsets and one pointer to its shared [`SpanKind`]: 24 bytes, where four
/// shared names took 80 and a string each 190.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineageSpan {
    /// Its names.
    #[serde(flatten)]
    pub kind: Arc<SpanKind>,
    /// List element index within the record, 0 for scalars.
    pub element: u32,
    /// Start offset (chars).
    pub start: u32,
    /// End offset (chars, exclusive).
    pub end: u32,
}

impl LineageSpan {
    /// Field path, e.g. `messages[].content`.
    pub fn field(&self) -> &str {
        &self.kind.field
    }
    /// Entity type.
    pub fn entity(&self) -> &str {
        &self.kind.entity
    }
    /// Detector code.
    pub fn detector(&self) -> &str {
        &self.kind.detector
    }
    /// Action taken.
    pub fn action(&self) -> &str {
        &self.kind.action
    }
}

/// Makes [`LineageSpan`]s that share their [`SpanKind`]s: each distinct one is stored once.
#[derive(Debug, Default)]
pub struct SpanNames {
    /// Kinds by a hash of their names (colliding kinds share the vector).
    kinds: HashMap<u64, Vec<Arc<SpanKind>>>,
    hasher: std::hash::RandomState,
}

impl SpanNames {
    /// The shared kind with these names.
    pub fn kind(
        &mut self,
        field: &str,
        entity: &str,
        detector: &str,
        action: &str,
    ) -> Arc<SpanKind> {
        let names = (field, entity, detector, action);
        let same = self
            .kinds
            .entry(std::hash::BuildHasher::hash_one(&self.hasher, names))
            .or_default();
        let found = same.iter().find(|k| {
            (
                k.field.as_str(),
                k.entity.as_str(),
                k.detector.as_str(),
                k.action.as_str(),
            ) == names
        });
        if let Some(kind) = found {
            return Arc::clone(kind);
        }
        let kind = Arc::new(SpanKind {
            field: field.to_owned(),
            entity: entity.to_owned(),
            detector: detector.to_owned(),
            action: action.to_owned(),
        });
        same.push(Arc::clone(&kind));
        kind
    }
}

impl From<&Span> for LineageSpan {
    /// The lineage's copy of `span`, sharing its kind.
    fn from(span: &Span) -> Self {
        LineageSpan {
            kind: Arc::clone(&span.kind),
            element: span.element,
            start: span.start,
            end: span.end,
        }
    }
}

/// The fate of one input record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineageRow {
    /// Stable record id.
    pub record_id: String,
    /// Input file as recorded in the manifest.
    pub source_file: String,
    /// sha256 of that input file.
    pub source_sha256: String,
    /// 0-based record index in the file.
    pub source_row: u64,
    /// 1-based line where the record starts.
    pub source_line: u64,
    /// `kept`, `duplicate` or `quarantined`.
    pub status: String,
    /// Stage that removed the record (for removed records).
    pub stage: Option<String>,
    /// Reason code (for removed records).
    pub reason: Option<String>,
    /// The record kept in its place (for duplicates).
    pub survivor_id: Option<String>,
    /// Split the record was written to (for kept records).
    pub split: Option<String>,
    /// Shard file (for kept records).
    pub shard: Option<String>,
    /// Row within the shard (for kept records).
    pub shard_row: Option<u64>,
    /// Dedup cluster (named after its survivor's record id), when a dedup stage ran.
    pub cluster_id: Option<String>,
    /// Rows in that cluster.
    pub cluster_size: Option<u32>,
    /// Estimated similarity to the survivor (near duplicates; 1.0 for exact ones).
    pub similarity: Option<f32>,
    /// Redactions applied to the record.
    pub redactions: Vec<LineageSpan>,
    /// Codes of `warn` rules the row failed (kept rows only; a removed row's reason says why).
    pub flags: Vec<String>,
}

/// A lineage row that borrows its text, so a run can describe a million records without copying
/// a string; [`lineage_batch`] turns a slice of them into columns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineageRowRef<'a> {
    /// Stable record id.
    pub record_id: &'a str,
    /// Input file as recorded in the manifest.
    pub source_file: &'a str,
    /// sha256 of that input file.
    pub source_sha256: &'a str,
    /// 0-based record index in the file.
    pub source_row: u64,
    /// 1-based line where the record starts.
    pub source_line: u64,
    /// `kept`, `duplicate` or `quarantined`.
    pub status: &'a str,
    /// Stage that removed the record.
    pub stage: Option<&'a str>,
    /// Reason code.
    pub reason: Option<&'a str>,
    /// The record kept in its place.
    pub survivor_id: Option<&'a str>,
    /// Split of a kept record.
    pub split: Option<&'a str>,
    /// Shard file of a kept record.
    pub shard: Option<&'a str>,
    /// Row within the shard.
    pub shard_row: Option<u64>,
    /// Dedup cluster.
    pub cluster_id: Option<&'a str>,
    /// Rows in that cluster.
    pub cluster_size: Option<u32>,
    /// Similarity to the survivor.
    pub similarity: Option<f32>,
    /// Redactions applied to the record.
    pub redactions: &'a [LineageSpan],
    /// Codes of `warn` rules the row failed.
    pub flags: &'a [String],
}

impl LineageRow {
    /// The row as borrowed fields.
    pub fn as_ref_row(&self) -> LineageRowRef<'_> {
        LineageRowRef {
            record_id: &self.record_id,
            source_file: &self.source_file,
            source_sha256: &self.source_sha256,
            source_row: self.source_row,
            source_line: self.source_line,
            status: &self.status,
            stage: self.stage.as_deref(),
            reason: self.reason.as_deref(),
            survivor_id: self.survivor_id.as_deref(),
            split: self.split.as_deref(),
            shard: self.shard.as_deref(),
            shard_row: self.shard_row,
            cluster_id: self.cluster_id.as_deref(),
            cluster_size: self.cluster_size,
            similarity: self.similarity,
            redactions: &self.redactions,
            flags: &self.flags,
        }
    }
}

fn lineage_schema() -> SchemaRef {
    let text = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
    let span = Fields::from(vec![
        text("field", false),
        Field::new("element", DataType::UInt32, false),
        text("entity", false),
        text("detector", false),
        Field::new("start", DataType::UInt32, false),
        Field::new("end", DataType::UInt32, false),
        text("action", false),
    ]);
    Arc::new(Schema::new(vec![
        text("record_id", false),
        text("source_file", false),
        text("source_sha256", false),
        Field::new("source_row", DataType::UInt64, false),
        Field::new("source_line", DataType::UInt64, false),
        text("status", false),
        text("stage", true),
        text("reason", true),
        text("survivor_id", true),
        text("split", true),
        text("shard", true),
        Field::new("shard_row", DataType::UInt64, true),
        text("cluster_id", true),
        Field::new("cluster_size", DataType::UInt32, true),
        Field::new("similarity", DataType::Float32, true),
        Field::new(
            "redactions",
            DataType::List(Arc::new(Field::new("item", DataType::Struct(span), true))),
            false,
        ),
        Field::new(
            "flags",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            false,
        ),
    ]))
}

/// `rows` as columns of the lineage table, built directly (a lineage row has a fixed
/// shape, so there is no need for a generic row-to-column decoder).
pub fn lineage_batch<'a>(rows: &[LineageRowRef<'a>]) -> Result<RecordBatch, ExportError> {
    let schema = &lineage_schema();
    let text = |get: fn(LineageRowRef<'a>) -> &'a str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| get(*r))))
    };
    let optional_text = |get: fn(LineageRowRef<'a>) -> Option<&'a str>| -> ArrayRef {
        Arc::new(rows.iter().map(|r| get(*r)).collect::<StringArray>())
    };
    let number = |get: fn(LineageRowRef<'a>) -> u64| -> ArrayRef {
        Arc::new(UInt64Array::from_iter_values(rows.iter().map(|r| get(*r))))
    };
    let spans: Vec<&LineageSpan> = rows.iter().flat_map(|r| r.redactions).collect();
    let span_text = |get: fn(&LineageSpan) -> &str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(spans.iter().map(|s| get(s))))
    };
    let span_number = |get: fn(&LineageSpan) -> u32| -> ArrayRef {
        Arc::new(UInt32Array::from_iter_values(spans.iter().map(|s| get(s))))
    };
    let list_of = |index: usize| -> Result<FieldRef, ExportError> {
        match schema.field(index).data_type() {
            DataType::List(item) => Ok(item.clone()),
            other => Err(ExportError::Input(format!(
                "lineage column {index} is {other}"
            ))),
        }
    };
    let redaction_item = list_of(15)?;
    let DataType::Struct(span_fields) = redaction_item.data_type() else {
        return Err(ExportError::Input(
            "lineage redactions are not structs".to_owned(),
        ));
    };
    let span_columns = vec![
        span_text(LineageSpan::field),
        span_number(|s| s.element),
        span_text(LineageSpan::entity),
        span_text(LineageSpan::detector),
        span_number(|s| s.start),
        span_number(|s| s.end),
        span_text(LineageSpan::action),
    ];
    let redactions = ListArray::try_new(
        redaction_item.clone(),
        OffsetBuffer::from_lengths(rows.iter().map(|r| r.redactions.len())),
        Arc::new(StructArray::try_new(
            span_fields.clone(),
            span_columns,
            None,
        )?),
        None,
    )?;
    let flags = ListArray::try_new(
        list_of(16)?,
        OffsetBuffer::from_lengths(rows.iter().map(|r| r.flags.len())),
        Arc::new(StringArray::from_iter_values(
            rows.iter().flat_map(|r| r.flags.iter().map(String::as_str)),
        )),
        None,
    )?;
    let columns: Vec<ArrayRef> = vec![
        text(|r| r.record_id),
        text(|r| r.source_file),
        text(|r| r.source_sha256),
        number(|r| r.source_row),
        number(|r| r.source_line),
        text(|r| r.status),
        optional_text(|r| r.stage),
        optional_text(|r| r.reason),
        optional_text(|r| r.survivor_id),
        optional_text(|r| r.split),
        optional_text(|r| r.shard),
        Arc::new(rows.iter().map(|r| r.shard_row).collect::<UInt64Array>()),
        optional_text(|r| r.cluster_id),
        Arc::new(rows.iter().map(|r| r.cluster_size).collect::<UInt32Array>()),
        Arc::new(rows.iter().map(|r| r.similarity).collect::<Float32Array>()),
        Arc::new(redactions),
        Arc::new(flags),
    ];
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

/// Writes `lineage.parquet` from `rows` (already in source order), a row group at a time.
pub fn write_lineage_table(out_dir: &Path, rows: &[LineageRow]) -> Result<OutputFile, ExportError> {
    let mut writer = LineageTableWriter::create(out_dir)?;
    for chunk in rows.chunks(crate::parquet_writer::MAX_ROW_GROUP_ROWS) {
        let refs: Vec<LineageRowRef<'_>> = chunk.iter().map(LineageRow::as_ref_row).collect();
        writer.push_batch(&lineage_batch(&refs)?)?;
    }
    writer.finish()
}

/// `lineage.parquet` written a batch at a time (batches made by [`lineage_batch`], in source
/// order), in bounded memory, with the same bytes whatever the batch sizes.
pub struct LineageTableWriter {
    file: ParquetFileWriter,
}

impl LineageTableWriter {
    /// Starts `out_dir/lineage.parquet`.
    pub fn create(out_dir: &Path) -> Result<Self, ExportError> {
        Ok(LineageTableWriter {
            file: ParquetFileWriter::create(out_dir, LINEAGE_FILE, &lineage_schema())?,
        })
    }

    /// Appends rows made into columns by [`lineage_batch`].
    pub fn push_batch(&mut self, batch: &RecordBatch) -> Result<(), ExportError> {
        self.file.push(batch)
    }

    /// Commits the file and describes it.
    pub fn finish(self) -> Result<OutputFile, ExportError> {
        Ok(self.file.finish()?.described(LINEAGE_FILE, "lineage"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use sluice_core::SourceRef;

    #[test]
    fn spans_share_equal_names_and_keep_every_value() {
        let mut names = SpanNames::default();
        let span = |names: &mut SpanNames, entity: &str, start: u32| Span {
            source: SourceRef {
                input: 0,
                row: 0,
                line: 1,
            },
            kind: names.kind("body", entity, "email", "placeholder"),
            element: 2,
            start,
            end: start + 5,
        };
        let a = LineageSpan::from(&span(&mut names, "EMAIL", 1));
        let b = LineageSpan::from(&span(&mut names, "PHONE", 9));
        let c = LineageSpan::from(&span(&mut names, "EMAIL", 20));
        assert_eq!(
            (
                a.field(),
                a.element,
                a.entity(),
                a.detector(),
                a.start,
                a.end,
                a.action()
            ),
            ("body", 2, "EMAIL", "email", 1, 6, "placeholder")
        );
        assert_eq!((b.entity(), b.start, b.end), ("PHONE", 9, 14));
        assert!(Arc::ptr_eq(&a.kind, &c.kind));
        assert!(!Arc::ptr_eq(&a.kind, &b.kind));
        assert_eq!(std::mem::size_of::<LineageSpan>(), 24);
    }

    fn row(i: u64, kept: bool) -> LineageRow {
        LineageRow {
            record_id: format!("feed:{i}"),
            source_file: "in/a.jsonl".to_owned(),
            source_sha256: "feed".repeat(16),
            source_row: i,
            source_line: i + 1,
            status: if kept { "kept" } else { "quarantined" }.to_owned(),
            stage: (!kept).then(|| "validate".to_owned()),
            reason: (!kept).then(|| "Q_X".to_owned()),
            survivor_id: None,
            split: kept.then(|| "train".to_owned()),
            shard: kept.then(|| "data/train-00000-of-00001.parquet".to_owned()),
            shard_row: kept.then_some(i),
            cluster_id: Some(format!("feed:{i}")),
            cluster_size: Some(1),
            similarity: None,
            redactions: if kept {
                vec![LineageSpan {
                    kind: Arc::new(SpanKind {
                        field: "messages[].content".into(),
                        entity: "EMAIL".into(),
                        detector: "email".into(),
                        action: "placeholder".into(),
                    }),
                    element: 1,
                    start: 3,
                    end: 17,
                }]
            } else {
                Vec::new()
            },
            flags: if kept {
                vec!["Q_SHORT".to_owned()]
            } else {
                Vec::new()
            },
        }
    }

    #[test]
    fn writes_and_reads_back_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let out = write_lineage_table(dir.path(), &[row(0, true), row(1, false)]).unwrap();
        assert_eq!(out.rows, 2);
        assert_eq!(out.role, "lineage");
        let file = std::fs::File::open(dir.path().join(LINEAGE_FILE)).unwrap();
        let batch = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap()
            .next()
            .unwrap()
            .unwrap();
        let json = sluice_core::batch::rows_as_json(&batch).unwrap();
        assert!(
            json[0].contains(r#""redactions":[{"field":"messages[].content","element":1"#),
            "{}",
            json[0]
        );
        assert!(json[0].contains(r#""flags":["Q_SHORT"]"#), "{}", json[0]);
        assert!(json[1].contains(r#""reason":"Q_X""#));
        assert!(!json[1].contains("shard_row"));
    }

    #[test]
    fn columns_equal_what_the_json_decoder_makes_of_the_rows() {
        let schema = lineage_schema();
        let mut rows: Vec<LineageRow> = (0..50).map(|i| row(i, i % 3 != 0)).collect();
        rows[4].similarity = Some(0.8125);
        rows[4].cluster_size = Some(3);
        let extra = rows[4].redactions[0].clone();
        rows[5].redactions.push(extra);
        rows[5].flags.push("Q_OTHER".to_owned());
        rows[6].survivor_id = Some("feed:1".to_owned());
        let mut decoder = arrow::json::ReaderBuilder::new(schema.clone())
            .build_decoder()
            .unwrap();
        decoder.serialize(&rows).unwrap();
        let decoded = decoder.flush().unwrap().unwrap();
        let refs: Vec<LineageRowRef<'_>> = rows.iter().map(LineageRow::as_ref_row).collect();
        let direct = lineage_batch(&refs).unwrap();
        assert_eq!(direct, decoded);
        let empty = lineage_batch(&[]).unwrap();
        assert_eq!(empty.num_rows(), 0);
    }

    #[test]
    fn many_rows_stream_in_row_groups() {
        let dir = tempfile::tempdir().unwrap();
        let rows: Vec<LineageRow> = (0..(2 * crate::parquet_writer::MAX_ROW_GROUP_ROWS as u64
            + 17))
            .map(|i| row(i, i % 3 != 0))
            .collect();
        let out = write_lineage_table(dir.path(), &rows).unwrap();
        assert_eq!(out.rows, rows.len() as u64);
        let file = std::fs::File::open(dir.path().join(LINEAGE_FILE)).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        assert_eq!(reader.metadata().num_row_groups(), 3);
        let read: usize = reader.build().unwrap().map(|b| b.unwrap().num_rows()).sum();
        assert_eq!(read, rows.len());
    }

    #[test]
    fn an_empty_table_still_has_the_schema() {
        let dir = tempfile::tempdir().unwrap();
        let out = write_lineage_table(dir.path(), &[]).unwrap();
        assert_eq!(out.rows, 0);
    }
}
