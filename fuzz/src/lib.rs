//! Shared checks for the fuzz targets: what must hold for *any* input bytes.

use sluice_core::{FieldSpec, FieldType, TargetSchema};
use sluice_ingest::{IngestResult, InputOptions, read_bytes};
use std::path::Path;

/// A schema exercising the coercions: a required string id, optional text, an int, a float, a
/// bool and a nested (dotted) source.
pub fn schema() -> TargetSchema {
    let field = |name: &str, source: &str, ty: &str, required: bool| FieldSpec {
        name: name.into(),
        source: source.into(),
        ty: FieldType::parse(ty).expect("a valid type in the fuzz schema"),
        required,
    };
    TargetSchema {
        fields: vec![
            field("id", "id", "string", true),
            field("body", "body", "string", false),
            field("n", "n", "int64", false),
            field("x", "x", "float64", false),
            field("flag", "flag", "bool", false),
            field("who", "meta.who", "string", false),
        ],
    }
}

/// Reads `data` as the file `name` (its extension picks the reader) and checks the ingest
/// contract: no panic, every record accounted for exactly once in file order, a reason on every
/// reject, batches no larger than asked, and the same ids whatever the batch size.
pub fn check_ingest(data: &[u8], name: &str) {
    let schema = schema();
    let path = Path::new(name);
    let small = read_bytes(data.to_vec(), path, 0, &InputOptions::default(), &schema, 3);
    let large = read_bytes(
        data.to_vec(),
        path,
        0,
        &InputOptions::default(),
        &schema,
        1000,
    );
    match (small, large) {
        (Ok(small), Ok(large)) => {
            check_result(&small, 3);
            check_result(&large, 1000);
            assert_eq!(
                kept_ids(&small),
                kept_ids(&large),
                "ids depend on batch size"
            );
            assert_eq!(small.rejects.len(), large.rejects.len());
        }
        (Err(a), Err(b)) => {
            // Whole-file errors must name the file and agree across batch sizes.
            let (a, b) = (a.to_string(), b.to_string());
            assert_eq!(a, b);
            assert!(
                a.contains(name) || a.contains("header"),
                "error does not name the file: {a}"
            );
        }
        (a, b) => panic!(
            "batch size changed the outcome: {:?} vs {:?}",
            a.map(|r| r.records),
            b.map(|r| r.records)
        ),
    }
}

fn kept_ids(result: &IngestResult) -> Vec<String> {
    result
        .batches
        .iter()
        .flat_map(|b| b.rows.iter().map(|r| r.id.to_string()))
        .collect()
}

fn check_result(result: &IngestResult, batch_rows: usize) {
    let kept: u64 = result.batches.iter().map(|b| b.len() as u64).sum();
    assert_eq!(
        result.records,
        kept + result.rejects.len() as u64,
        "records != kept + rejects"
    );
    assert!(
        result
            .batches
            .iter()
            .all(|b| b.len() <= batch_rows && !b.is_empty())
    );
    let mut rows: Vec<u64> = result
        .batches
        .iter()
        .flat_map(|b| b.rows.iter().map(|r| r.source.row))
        .chain(result.rejects.iter().map(|r| r.row.source.row))
        .collect();
    rows.sort_unstable();
    let expected: Vec<u64> = (0..result.records).collect();
    assert_eq!(rows, expected, "row indices are not exactly 0..records");
    for reject in &result.rejects {
        assert!(
            !reject.reason.as_str().is_empty(),
            "reject without a reason"
        );
        assert!(!reject.detail.is_empty(), "reject without a detail");
        assert!(reject.row.source.line >= 1, "reject without a line");
    }
}

/// Checks the redaction engine's findings on `text`: in bounds, on char boundaries, sorted and
/// non-overlapping.
pub fn check_detections(engine: &sluice_redact::Engine, text: &str) {
    let found = engine.detect(text);
    let mut last_end = 0;
    for d in &found {
        assert!(d.start < d.end, "empty or inverted span {d:?}");
        assert!(
            d.end <= text.len(),
            "span {d:?} past the end ({})",
            text.len()
        );
        assert!(
            text.is_char_boundary(d.start) && text.is_char_boundary(d.end),
            "span {d:?} not on char boundaries"
        );
        assert!(d.start >= last_end, "span {d:?} overlaps the previous one");
        last_end = d.end;
    }
}
