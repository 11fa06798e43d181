//! JSON Lines: one object per line; blank lines are counted, not records.

use crate::coerce::json_type;
use crate::error::IngestError;
use crate::mapping::{lookup_path, map_fields};
use crate::problem::Problem;
use crate::sink::RecordOut;
use crate::strict_json::{Json, StrictError, parse_strict};
use crate::text::Text;
use sluice_core::TargetSchema;
use std::ops::Range;

/// Reads every line of `text` into `sink`. Row numbers count non-blank lines from 0; lines are
/// 1-based physical lines (`\n`, with `\r\n` tolerated).
pub(crate) fn read_jsonl(
    text: &Text,
    schema: &TargetSchema,
    sink: &mut impl RecordOut,
) -> Result<(), IngestError> {
    read_jsonl_piece(text, schema, sink).map(|_| ())
}

/// [`read_jsonl`] on a piece of an input (or all of it), lines counted from the piece's start;
/// returns the number of lines in the piece.
pub(crate) fn read_jsonl_piece(
    text: &Text,
    schema: &TargetSchema,
    sink: &mut impl RecordOut,
) -> Result<u64, IngestError> {
    let bytes = text.bytes();
    let mut start = 0;
    let mut line = 0;
    while start < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
        let content_end = if end > start && bytes[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        line += 1;
        read_line(text, start..content_end, line, schema, sink)?;
        start = end + 1;
    }
    Ok(line)
}

fn read_line(
    text: &Text,
    range: Range<usize>,
    line: u64,
    schema: &TargetSchema,
    sink: &mut impl RecordOut,
) -> Result<(), IngestError> {
    if text.bytes()[range.clone()]
        .iter()
        .all(u8::is_ascii_whitespace)
    {
        sink.blank_lines(1);
        return Ok(());
    }
    let line_text = match text.str_at(range.clone()) {
        Ok(s) => s,
        Err(fault) => {
            let problem = Problem::invalid_encoding(text.describe(fault, "line"));
            sink.reject(line, problem, &text.lossy(range));
            return Ok(());
        }
    };
    if line_text.trim().is_empty() {
        sink.blank_lines(1);
        return Ok(());
    }
    let object = match parse_strict(line_text) {
        Ok(Json::Object(object)) => object,
        Ok(other) => {
            sink.reject(line, Problem::not_an_object(json_type(&other)), line_text);
            return Ok(());
        }
        Err(StrictError::Malformed(error)) => {
            sink.reject(line, Problem::malformed_json(&error), line_text);
            return Ok(());
        }
        Err(StrictError::DuplicateKey { column }) => {
            sink.reject(line, Problem::duplicate_key(column), line_text);
            return Ok(());
        }
    };
    match map_fields(&schema.fields, |_, spec| lookup_path(&object, spec)) {
        Ok(row) => sink.keep(line, row),
        Err(problem) => {
            sink.reject(line, problem, line_text);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use crate::{InputOptions, read_input};
    use sluice_core::{ReasonCode, RecordId, SourceRef};

    const EMAIL: &str = "wang.fang.fake@example.invalid";

    fn tickets() -> sluice_core::TargetSchema {
        schema(&[
            ("ticket_id", "id", "string", true),
            ("email", "customer.email", "string", false),
            ("priority", "priority", "int64", false),
            ("messages", "messages", "messages", false),
        ])
    }

    fn good(id: u32) -> String {
        format!(
            r#"{{"id": "T{id}", "customer": {{"email": "{EMAIL}"}}, "priority": "{id}", "messages": [{{"role": "user", "content": "printer jammed, contact {EMAIL}"}}, {{"role": "assistant", "content": "on it"}}]}}"#
        )
    }

    #[test]
    fn plain_jsonl_with_blank_and_crlf_lines() {
        let dir = tempfile::tempdir().unwrap();
        let body = format!("{}\r\n\n   \n{}\n", good(1), good(2));
        let path = write(dir.path(), "t.jsonl", body.as_bytes());
        let result = read(&path, &tickets());
        assert_conserved(&result);
        assert_eq!(result.records, 2);
        assert_eq!(result.blank_lines, 2);
        assert_eq!(result.encoding, "utf-8");
        assert_eq!(
            strings(&result, "ticket_id"),
            vec![Some("T1".into()), Some("T2".into())]
        );
        let rows = &result.batches[0].rows;
        assert_eq!(
            rows[1].source,
            SourceRef {
                input: 0,
                row: 1,
                line: 4
            }
        );
        assert_eq!(rows[1].id, RecordId::new(&result.sha256, 1));
        let json = result.batches[0].rows_as_json().unwrap();
        assert!(json[0].contains(r#""messages":[{"role":"user","content":"printer jammed"#));
        assert!(json[0].contains(r#""priority":1"#));
    }

    #[test]
    fn compressed_jsonl_reads_like_plain_and_hashes_the_stored_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let body = format!("{}\n{}\n", good(1), good(2));
        let plain = read(&write(dir.path(), "t.jsonl", body.as_bytes()), &tickets());
        let gz_bytes = gzip(body.as_bytes());
        let gz = read(&write(dir.path(), "t.jsonl.gz", &gz_bytes), &tickets());
        let zst_bytes = zstd::encode_all(body.as_bytes(), 3).unwrap();
        let zst = read(&write(dir.path(), "t.ndjson.zst", &zst_bytes), &tickets());
        for (result, raw, compression) in [
            (&gz, &gz_bytes, crate::Compression::Gzip),
            (&zst, &zst_bytes, crate::Compression::Zstd),
        ] {
            assert_conserved(result);
            assert_eq!(result.compression, compression);
            assert_eq!(result.bytes, raw.len() as u64);
            assert_eq!(result.sha256, sluice_core::digest::sha256_hex(raw));
            assert_ne!(result.sha256, plain.sha256);
            assert_eq!(strings(result, "email"), strings(&plain, "email"));
        }
    }

    #[test]
    fn a_gzip_without_the_extension_is_sniffed() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "t.data", &gzip(good(1).as_bytes()));
        let opts = InputOptions {
            format: Some(crate::InputFormat::Jsonl),
            ..Default::default()
        };
        let result = read_with(&path, &opts, &tickets());
        assert_eq!(result.compression, crate::Compression::Gzip);
        assert_eq!(result.records, 1);
        assert!(result.rejects.is_empty());
    }

    #[test]
    fn invalid_utf8_costs_only_its_own_line() {
        let dir = tempfile::tempdir().unwrap();
        let mut body = good(1).into_bytes();
        body.extend_from_slice(b"\n{\"id\": \"T\xFF2\"}\n");
        body.extend_from_slice(good(3).as_bytes());
        let path = write(dir.path(), "t.jsonl", &body);
        let result = read(&path, &tickets());
        assert_conserved(&result);
        assert_eq!(kept_rows(&result), vec![0, 2]);
        let reject = &result.rejects[0];
        assert_eq!(reject.reason, ReasonCode::PARSE_INVALID_ENCODING);
        assert_eq!((reject.row.source.row, reject.row.source.line), (1, 2));
        assert_eq!(reject.detail, "invalid UTF-8 at byte 9 of the line");
        assert_eq!(reject.content.as_deref(), Some("{\"id\": \"T\u{FFFD}2\"}"));
        assert_eq!(
            strings(&result, "ticket_id"),
            vec![Some("T1".into()), Some("T3".into())]
        );
    }

    #[test]
    fn broken_lines_are_quarantined_with_value_free_details() {
        let dir = tempfile::tempdir().unwrap();
        let lines = [
            good(0),
            format!(r#"{{"id": "T1", "customer": {{"email": "{EMAIL}""#),
            format!(r#"["{EMAIL}"]"#),
            format!(r#"{{"customer": {{"email": "{EMAIL}"}}}}"#),
            format!(r#"{{"id": "T4", "priority": "{EMAIL}"}}"#),
            format!(r#"{{"id": "T5", "messages": [{{"role": "user", "content": ["{EMAIL}"]}}]}}"#),
            format!(r#"{{"id": "T6", "customer": "{EMAIL}"}}"#),
            good(7),
        ];
        let path = write(dir.path(), "t.jsonl", lines.join("\n").as_bytes());
        let result = read(&path, &tickets());
        assert_conserved(&result);
        assert_eq!(kept_rows(&result), vec![0, 7]);
        let got: Vec<(u64, &str)> = result
            .rejects
            .iter()
            .map(|r| (r.row.source.line, r.reason.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (2, "PARSE_MALFORMED_JSON"),
                (3, "PARSE_NOT_AN_OBJECT"),
                (4, "INGEST_MISSING_FIELD"),
                (5, "INGEST_TYPE_MISMATCH"),
                (6, "INGEST_TYPE_MISMATCH"),
                (7, "INGEST_TYPE_MISMATCH"),
            ]
        );
        assert_eq!(
            result.rejects[0].detail,
            "invalid JSON (unexpected end of input) at column 67"
        );
        assert_eq!(
            result.rejects[1].detail,
            "top-level JSON value is of type array, expected an object"
        );
        assert_eq!(
            result.rejects[3].detail,
            "field `priority` (source `priority`): expected int64, found string"
        );
        assert_eq!(
            result.rejects[4].detail,
            "field `messages` (source `messages`) at `[0].content`: expected string, found array"
        );
        for (reject, line) in result.rejects.iter().zip(&lines[1..]) {
            assert_eq!(reject.content.as_deref(), Some(line.as_str()));
        }
        assert_details_free_of(&result, EMAIL);
    }

    #[test]
    fn ids_are_stable_across_reads_and_batch_sizes() {
        let dir = tempfile::tempdir().unwrap();
        let body = (0..7).map(good).collect::<Vec<_>>().join("\n");
        let path = write(dir.path(), "t.jsonl", body.as_bytes());
        let ids = |batch_rows| {
            let result =
                read_input(&path, 2, &InputOptions::default(), &tickets(), batch_rows).unwrap();
            assert_conserved(&result);
            assert!(result.batches.iter().all(|b| b.len() <= batch_rows.max(1)));
            result
                .batches
                .iter()
                .flat_map(|b| b.rows.clone())
                .collect::<Vec<_>>()
        };
        let first = ids(3);
        assert_eq!(first, ids(3));
        assert_eq!(first, ids(1000));
        assert_eq!(first.len(), 7);
        assert!(first.iter().all(|r| r.source.input == 2));
    }

    #[test]
    fn utf16le_with_bom_is_transcoded() {
        let dir = tempfile::tempdir().unwrap();
        let body = "{\"id\": \"工单-1\"}\r\n{\"id\": \"工单-2\"}\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(body.encode_utf16().flat_map(u16::to_le_bytes));
        let result = read(&write(dir.path(), "t.jsonl", &bytes), &tickets());
        assert_conserved(&result);
        assert_eq!(result.encoding, "utf-16le");
        assert_eq!(
            strings(&result, "ticket_id"),
            vec![Some("工单-1".into()), Some("工单-2".into())]
        );
    }
}
