//! Synthetic schema and batches shared by the crate's unit tests.

use arrow::array::RecordBatch;
use arrow::json::ReaderBuilder;
use sluice_core::{Batch, FieldSpec, FieldType, RecordId, RowMeta, SourceRef, TargetSchema};

/// A ticket-like schema with every kind of field.
pub fn schema() -> TargetSchema {
    let spec = |name: &str, ty: FieldType| FieldSpec {
        name: name.to_owned(),
        source: name.to_owned(),
        ty,
        required: false,
    };
    TargetSchema {
        fields: vec![
            spec("subject", FieldType::String),
            spec("amount", FieldType::Float64),
            spec("priority", FieldType::Int64),
            spec("escalated", FieldType::Bool),
            spec("messages", FieldType::messages()),
        ],
    }
}

/// The columns of `rows` under [`schema`].
pub fn batch(rows: &[serde_json::Value]) -> RecordBatch {
    let mut decoder = ReaderBuilder::new(schema().arrow_schema())
        .build_decoder()
        .unwrap();
    decoder.serialize(rows).unwrap();
    decoder
        .flush()
        .unwrap()
        .unwrap_or_else(|| RecordBatch::new_empty(schema().arrow_schema()))
}

/// The id of test row `row`.
pub fn id(row: u64) -> RecordId {
    RecordId::new("0123456789abcdef", row)
}

/// A full batch of `rows` with ids `0..rows.len()`.
pub fn rows_batch(rows: &[serde_json::Value]) -> Batch {
    let metas = (0..rows.len() as u64)
        .map(|row| RowMeta {
            id: id(row),
            source: SourceRef {
                input: 0,
                row,
                line: row + 1,
            },
        })
        .collect();
    Batch::new(batch(rows), metas).unwrap()
}

/// `rows` split into batches of `size` (the last may be shorter), ids `0..rows.len()` in order.
pub fn batches(rows: &[serde_json::Value], size: usize) -> Vec<Batch> {
    rows.chunks(size.max(1))
        .enumerate()
        .map(|(chunk, part)| {
            let first = (chunk * size.max(1)) as u64;
            let metas = (first..first + part.len() as u64)
                .map(|row| RowMeta {
                    id: id(row),
                    source: SourceRef {
                        input: 0,
                        row,
                        line: row + 1,
                    },
                })
                .collect();
            Batch::new(batch(part), metas).unwrap()
        })
        .collect()
}
