//! CSV and TSV: a header row, then one record per row; quoted fields may span lines.
//!
//! Records are read as raw bytes (`csv::ByteRecord`) so each one is validated in its own
//! encoding, and their byte spans are tracked so line numbers and quarantine content come from
//! the file itself. An unterminated quote would otherwise swallow the rest of the file into one
//! field; instead its first line is quarantined and reading resumes on the next line.

use crate::error::IngestError;
use crate::lines::LineIndex;
use crate::mapping::map_fields;
use crate::problem::Problem;
use crate::sink::RecordOut;
use crate::strict_json::Json;
use crate::text::Text;
use csv::ByteRecord;
use sluice_core::TargetSchema;
use std::borrow::Cow;
use std::ops::Range;
use std::path::Path;

const QUOTE: u8 = b'"';

/// Reads the header and every record of `text` into `sink`.
pub(crate) fn read_delimited(
    text: &Text,
    delimiter: u8,
    schema: &TargetSchema,
    sink: &mut impl RecordOut,
    path: &Path,
) -> Result<(), IngestError> {
    let mut header = None;
    read_delimited_piece(text, delimiter, schema, sink, path, &mut header)?;
    if header.is_none() {
        return Err(IngestError::MissingHeader {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// The header of a delimited input, carried from its first piece to the next ones.
#[derive(Clone)]
pub(crate) struct Header {
    len: usize,
    /// For each schema field, its column (exact header match; the first of duplicate headers).
    columns: Vec<Option<usize>>,
}

/// Reads one piece of a delimited input that starts at a record start and ends at a record end
/// (see [`last_record_end`]), lines counted from the piece's start. The header comes from
/// the first piece that has one. Returns the number of lines in the piece.
pub(crate) fn read_delimited_piece(
    text: &Text,
    delimiter: u8,
    schema: &TargetSchema,
    sink: &mut impl RecordOut,
    path: &Path,
    header: &mut Option<Header>,
) -> Result<u64, IngestError> {
    let lines = LineIndex::new(text.bytes());
    let mut scanner = Scanner::new(text.bytes(), delimiter);
    let mut gap = BlankLines { last_line: 0 };
    if header.is_none() {
        let Some((names, header_span)) = read_header(&mut scanner, text, path)? else {
            // Only blank lines so far: the header is in a later piece, if anywhere.
            sink.blank_lines(lines.total());
            return Ok(lines.total());
        };
        *header = Some(Header {
            len: names.len(),
            columns: schema
                .fields
                .iter()
                .map(|spec| names.iter().position(|name| *name == spec.source))
                .collect(),
        });
        gap.next_record(&lines, &header_span, sink);
    }
    let Some(header) = header.as_ref() else {
        return Ok(lines.total());
    };
    while let Some(scanned) = scanner.next() {
        match scanned {
            Scanned::Broken { span, detail } => {
                let line = gap.next_record(&lines, &span, sink);
                sink.reject(line, Problem::malformed_csv(detail), &text.lossy(span));
            }
            Scanned::Record { span, fields } => {
                let line = gap.next_record(&lines, &span, sink);
                let record = RawRecord {
                    span,
                    line,
                    fields: &fields,
                };
                read_record(text, &record, header.len, &header.columns, schema, sink)?;
            }
        }
    }
    sink.blank_lines(lines.total().saturating_sub(gap.last_line));
    Ok(lines.total())
}

/// Where the complete records of `bytes` (which starts at a record start) end: just after its
/// last `\n` outside a quoted field, by the same quoting rules as the reader. `None` when no
/// record ends in `bytes` (one long record, or an unterminated quote: the piece then grows).
pub(crate) fn last_record_end(bytes: &[u8], delimiter: u8) -> Option<usize> {
    scan_quotes(bytes, delimiter).last_record_end
}

/// What one pass over a record-aligned text says about its quoting.
struct QuoteScan {
    /// The text ends inside a quoted field.
    ends_inside: bool,
    /// Just after the last `\n` outside a quoted field.
    last_record_end: Option<usize>,
}

/// The csv crate's quoting rules: a quote opens only at the start of a field, `""` inside quotes
/// is a literal quote, and a quote in the middle of an unquoted field is a literal character.
fn scan_quotes(bytes: &[u8], delimiter: u8) -> QuoteScan {
    let mut in_quotes = false;
    let mut at_field_start = true;
    let mut last_record_end = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_quotes {
            if b == QUOTE {
                if bytes.get(i + 1) == Some(&QUOTE) {
                    i += 1;
                } else {
                    in_quotes = false;
                }
            }
        } else if b == QUOTE && at_field_start {
            in_quotes = true;
            at_field_start = false;
        } else {
            if b == b'\n' {
                last_record_end = Some(i + 1);
            }
            at_field_start = b == delimiter || b == b'\n' || b == b'\r';
        }
        i += 1;
    }
    QuoteScan {
        ends_inside: in_quotes,
        last_record_end,
    }
}

/// The header names of a delimited `text` (for schema inference).
pub(crate) fn header_names(
    text: &Text,
    delimiter: u8,
    path: &Path,
) -> Result<Vec<String>, IngestError> {
    let mut scanner = Scanner::new(text.bytes(), delimiter);
    match read_header(&mut scanner, text, path)? {
        Some((names, _)) => Ok(names),
        None => Err(IngestError::MissingHeader {
            path: path.to_path_buf(),
        }),
    }
}

/// A header's names and its byte span.
type HeaderLine = (Vec<String>, Range<usize>);

fn read_header(
    scanner: &mut Scanner<'_>,
    text: &Text,
    path: &Path,
) -> Result<Option<HeaderLine>, IngestError> {
    let invalid = |detail: String| IngestError::InvalidHeader {
        path: path.to_path_buf(),
        detail,
    };
    match scanner.next() {
        None => Ok(None),
        Some(Scanned::Broken { detail, .. }) => Err(invalid(detail.to_owned())),
        Some(Scanned::Record { span, fields }) => {
            text.str_at(span.clone())
                .map_err(|fault| invalid(text.describe(fault, "header")))?;
            let names = fields
                .iter()
                .map(|name| String::from_utf8_lossy(name).into_owned())
                .collect();
            Ok(Some((names, span)))
        }
    }
}

/// Counts the blank lines csv skips between records (they are not records).
struct BlankLines {
    last_line: u64,
}

impl BlankLines {
    /// Accounts for the lines before `span` and returns the line it starts on.
    fn next_record(
        &mut self,
        lines: &LineIndex,
        span: &Range<usize>,
        sink: &mut impl RecordOut,
    ) -> u64 {
        let first = lines.line_of(span.start);
        sink.blank_lines(first.saturating_sub(self.last_line + 1));
        self.last_line = lines.line_of(span.end.saturating_sub(1).max(span.start));
        first
    }
}

struct RawRecord<'r> {
    span: Range<usize>,
    line: u64,
    fields: &'r ByteRecord,
}

fn read_record(
    text: &Text,
    record: &RawRecord<'_>,
    header_len: usize,
    columns: &[Option<usize>],
    schema: &TargetSchema,
    sink: &mut impl RecordOut,
) -> Result<(), IngestError> {
    let raw = match text.str_at(record.span.clone()) {
        Ok(raw) => raw,
        Err(fault) => {
            let problem = Problem::invalid_encoding(text.describe(fault, "record"));
            sink.reject(record.line, problem, &text.lossy(record.span.clone()));
            return Ok(());
        }
    };
    if record.fields.len() != header_len {
        let problem = Problem::column_count(record.fields.len(), header_len);
        sink.reject(record.line, problem, raw);
        return Ok(());
    }
    let mut cells: Vec<Option<Json<'_>>> = Vec::with_capacity(columns.len());
    for column in columns {
        let cell = column
            .and_then(|c| record.fields.get(c))
            .unwrap_or_default();
        // Every cell is a slice of the validated record minus quoting, so it is valid UTF-8.
        cells.push(match std::str::from_utf8(cell) {
            Ok("") => None,
            Ok(s) => Some(Json::String(Cow::Borrowed(s))),
            Err(e) => {
                let detail = format!("invalid UTF-8 at byte {} of a field", e.valid_up_to());
                sink.reject(record.line, Problem::invalid_encoding(detail), raw);
                return Ok(());
            }
        });
    }
    match map_fields(&schema.fields, |i, _| {
        Ok(cells.get(i).and_then(Option::as_ref))
    }) {
        Ok(row) => sink.keep(record.line, row),
        Err(problem) => {
            sink.reject(record.line, problem, raw);
            Ok(())
        }
    }
}

/// One step of reading: a record with its byte span (terminator excluded), or a line that
/// could not be read as a record.
enum Scanned {
    Record {
        span: Range<usize>,
        fields: ByteRecord,
    },
    Broken {
        span: Range<usize>,
        detail: &'static str,
    },
}

/// A csv reader over the text that can restart after a broken record.
struct Scanner<'a> {
    bytes: &'a [u8],
    builder: csv::ReaderBuilder,
    reader: csv::Reader<&'a [u8]>,
    base: usize,
    delimiter: u8,
}

impl<'a> Scanner<'a> {
    fn new(bytes: &'a [u8], delimiter: u8) -> Self {
        let mut builder = csv::ReaderBuilder::new();
        // The header is read as a record; column counts are checked per record, not by csv.
        builder
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .quote(QUOTE);
        let reader = builder.from_reader(bytes);
        Scanner {
            bytes,
            builder,
            reader,
            base: 0,
            delimiter,
        }
    }

    fn offset(&self) -> usize {
        self.base + usize::try_from(self.reader.position().byte()).unwrap_or(usize::MAX)
    }

    fn next(&mut self) -> Option<Scanned> {
        let before = self.offset().min(self.bytes.len());
        let mut fields = ByteRecord::new();
        let result = self.reader.read_byte_record(&mut fields);
        let after = self.offset().clamp(before, self.bytes.len());
        // csv reports a record's position from before the blank lines it skipped.
        let start = before
            + self.bytes[before..after]
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
        match result {
            Ok(false) => None,
            Ok(true) => {
                let terminator = self.bytes[start..after]
                    .iter()
                    .rev()
                    .take_while(|b| matches!(b, b'\r' | b'\n'))
                    .count();
                let end = after - terminator;
                if ends_inside_quotes(&self.bytes[start..end], self.delimiter) {
                    Some(self.broken_line(start, "unterminated quoted field"))
                } else {
                    Some(Scanned::Record {
                        span: start..end,
                        fields,
                    })
                }
            }
            Err(_) if start >= self.bytes.len() => None,
            Err(_) => Some(self.broken_line(start, "record the CSV parser rejects")),
        }
    }

    /// Quarantines the line starting at `start` and resumes reading on the next one.
    fn broken_line(&mut self, start: usize, detail: &'static str) -> Scanned {
        let newline =
            memchr::memchr(b'\n', &self.bytes[start..]).map_or(self.bytes.len(), |i| start + i);
        let end = if newline > start && self.bytes[newline - 1] == b'\r' {
            newline - 1
        } else {
            newline
        };
        let resume = (newline + 1).min(self.bytes.len());
        self.reader = self.builder.from_reader(&self.bytes[resume..]);
        self.base = resume;
        Scanned::Broken {
            span: start..end,
            detail,
        }
    }
}

/// True when `raw` (one record) ends inside a quoted field.
fn ends_inside_quotes(raw: &[u8], delimiter: u8) -> bool {
    scan_quotes(raw, delimiter).ends_inside
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;
    use crate::{InputFormat, InputOptions, read_input};
    use sluice_core::{ReasonCode, SourceRef};

    const PHONE: &str = "13800001111";

    fn claims() -> TargetSchema {
        schema(&[
            ("claim_id", "claim_id", "string", true),
            ("amount", "amount", "float64", false),
            ("approved", "approved", "bool", false),
            ("description", "description", "string", false),
        ])
    }

    #[test]
    fn quote_scanner_follows_csv_rules() {
        assert!(!ends_inside_quotes(b"a,\"b\nc\",d", b','));
        assert!(ends_inside_quotes(b"a,\"b\nc,d", b','));
        assert!(!ends_inside_quotes(b"a,\"say \"\"hi\"\"\"", b','));
        assert!(ends_inside_quotes(b"a,\"x\"\"", b','));
        assert!(!ends_inside_quotes(b"a,b\"c,d", b','));
        assert!(ends_inside_quotes(b"a\t\"b", b'\t'));
        assert!(!ends_inside_quotes(b"a;\"b;c\"", b';'));
    }

    #[test]
    fn csv_with_quoted_multiline_field_and_crlf() {
        let dir = tempfile::tempdir().unwrap();
        let body = "claim_id,amount,approved,description\r\n\
                    C1,12.5,yes,\"water damage,\r\nkitchen \"\"ceiling\"\"\"\r\n\
                    \r\n\
                    C2,,NO,plain\r\n";
        let path = write(dir.path(), "claims.csv", body.as_bytes());
        let result = read(&path, &claims());
        assert_conserved(&result);
        assert_eq!(result.format, InputFormat::Csv);
        assert_eq!((result.records, result.blank_lines), (2, 1));
        assert_eq!(
            strings(&result, "description"),
            vec![
                Some("water damage,\r\nkitchen \"ceiling\"".into()),
                Some("plain".into())
            ]
        );
        let rows = &result.batches[0].rows;
        assert_eq!(
            rows[0].source,
            SourceRef {
                input: 0,
                row: 0,
                line: 2
            }
        );
        assert_eq!(rows[1].source.line, 5);
        let json = result.batches[0].rows_as_json().unwrap();
        assert_eq!(
            json[1],
            r#"{"claim_id":"C2","approved":false,"description":"plain"}"#
        );
        assert!(json[0].contains(r#""amount":12.5,"approved":true"#));
    }

    #[test]
    fn custom_delimiter_and_tsv() {
        let dir = tempfile::tempdir().unwrap();
        let semi = write(dir.path(), "c.csv", b"claim_id;amount\nC1;3\nC2;4,5\n");
        let opts = InputOptions {
            delimiter: Some(';'),
            ..Default::default()
        };
        let result = read_with(&semi, &opts, &claims());
        assert_conserved(&result);
        assert_eq!(strings(&result, "claim_id"), vec![Some("C1".into())]);
        assert_eq!(result.rejects[0].reason, ReasonCode::INGEST_TYPE_MISMATCH);
        assert_eq!(result.rejects[0].content.as_deref(), Some("C2;4,5"));

        let tsv = write(
            dir.path(),
            "c.tsv",
            b"claim_id\tdescription\nC1\tcomma, inside\nC2\t\"quoted\ttab\"\n",
        );
        let result = read(&tsv, &claims());
        assert_conserved(&result);
        assert_eq!(result.format, InputFormat::Tsv);
        assert_eq!(
            strings(&result, "description"),
            vec![Some("comma, inside".into()), Some("quoted\ttab".into())]
        );
    }

    #[test]
    fn column_count_mismatch_and_missing_required() {
        let dir = tempfile::tempdir().unwrap();
        let body = format!(
            "claim_id,amount,description\nC1,1,ok\nC2,2,call {PHONE},extra\n,3,no id {PHONE}\nC4,4\n  \nC6,6,fine\n"
        );
        let result = read(&write(dir.path(), "c.csv", body.as_bytes()), &claims());
        assert_conserved(&result);
        assert_eq!(kept_rows(&result), vec![0, 5]);
        let got: Vec<(u64, u64, &str)> = result
            .rejects
            .iter()
            .map(|r| (r.row.source.row, r.row.source.line, r.reason.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, 3, "PARSE_COLUMN_COUNT"),
                (2, 4, "INGEST_MISSING_FIELD"),
                (3, 5, "PARSE_COLUMN_COUNT"),
                (4, 6, "PARSE_COLUMN_COUNT"),
            ]
        );
        assert_eq!(
            result.rejects[0].detail,
            "record has 4 columns, header has 3"
        );
        assert_eq!(
            result.rejects[1].detail,
            "required field `claim_id` (source `claim_id`) is missing or null"
        );
        assert_eq!(
            result.rejects[0].content.as_deref(),
            Some(format!("C2,2,call {PHONE},extra").as_str())
        );
        assert_details_free_of(&result, PHONE);
    }

    #[test]
    fn unterminated_quote_costs_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let body = "claim_id,description\nC1,ok\nC2,\"multi\nline\"\nC3,\"never closed\r\nC4,after\nC5,last";
        let result = read(&write(dir.path(), "c.csv", body.as_bytes()), &claims());
        assert_conserved(&result);
        assert_eq!(
            strings(&result, "claim_id"),
            vec![
                Some("C1".into()),
                Some("C2".into()),
                Some("C4".into()),
                Some("C5".into())
            ]
        );
        let reject = &result.rejects[0];
        assert_eq!(reject.reason, ReasonCode::PARSE_MALFORMED_CSV);
        assert_eq!((reject.row.source.row, reject.row.source.line), (2, 5));
        assert_eq!(reject.detail, "unterminated quoted field");
        assert_eq!(reject.content.as_deref(), Some("C3,\"never closed"));
        let rows = &result.batches[0].rows;
        assert_eq!(
            rows[2].source,
            SourceRef {
                input: 0,
                row: 3,
                line: 6
            }
        );
        assert_eq!(
            rows[3].source,
            SourceRef {
                input: 0,
                row: 4,
                line: 7
            }
        );
        assert_eq!(result.blank_lines, 0);
    }

    #[test]
    fn invalid_utf8_record_between_good_ones() {
        let dir = tempfile::tempdir().unwrap();
        let body = b"claim_id,description\nC1,fine\nC2,bad \xC3\x28 byte\nC3,fine\n";
        let result = read(&write(dir.path(), "c.csv", body), &claims());
        assert_conserved(&result);
        assert_eq!(kept_rows(&result), vec![0, 2]);
        let reject = &result.rejects[0];
        assert_eq!(reject.reason, ReasonCode::PARSE_INVALID_ENCODING);
        assert_eq!((reject.row.source.row, reject.row.source.line), (1, 3));
        assert_eq!(reject.detail, "invalid UTF-8 at byte 7 of the record");
    }

    #[test]
    fn gbk_csv_decodes_and_quarantines_malformed_records() {
        let dir = tempfile::tempdir().unwrap();
        let (head, _, _) = encoding_rs::GBK.encode("claim_id,description\n赔案1,水管爆裂\n");
        let mut body = head.into_owned();
        body.extend_from_slice(b"bad,\x81\n");
        body.extend_from_slice(&encoding_rs::GBK.encode("赔案3,屋顶漏水\n").0);
        let path = write(dir.path(), "c.csv", &body);
        let opts = InputOptions {
            encoding: Some("gbk".into()),
            ..Default::default()
        };
        let result = read_with(&path, &opts, &claims());
        assert_conserved(&result);
        assert_eq!(result.encoding, "gbk");
        assert_eq!(
            strings(&result, "description"),
            vec![Some("水管爆裂".into()), Some("屋顶漏水".into())]
        );
        assert_eq!(result.rejects[0].reason, ReasonCode::PARSE_INVALID_ENCODING);
        assert_eq!(result.rejects[0].row.source.line, 3);
        // Without the label the GBK bytes are not UTF-8: every record is quarantined, none lost.
        let utf8 = read(&path, &claims());
        assert_conserved(&utf8);
        assert_eq!(utf8.records, 3);
        assert!(utf8.batches.is_empty());
    }

    #[test]
    fn utf8_bom_and_utf16le_bom_csv() {
        let dir = tempfile::tempdir().unwrap();
        let text = "claim_id,description\nC1,损坏\n";
        let mut bom8 = b"\xEF\xBB\xBF".to_vec();
        bom8.extend_from_slice(text.as_bytes());
        let mut bom16 = vec![0xFF, 0xFE];
        bom16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        for (bytes, encoding) in [(bom8, "utf-8"), (bom16, "utf-16le")] {
            let result = read(&write(dir.path(), "c.csv", &bytes), &claims());
            assert_conserved(&result);
            assert_eq!(result.encoding, encoding);
            assert_eq!(strings(&result, "claim_id"), vec![Some("C1".into())]);
            assert_eq!(strings(&result, "description"), vec![Some("损坏".into())]);
        }
    }

    #[test]
    fn header_problems_fail_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let empty = write(dir.path(), "empty.csv", b"\n\n");
        let err = read_input(&empty, 0, &InputOptions::default(), &claims(), 10).unwrap_err();
        assert!(matches!(err, IngestError::MissingHeader { .. }), "{err}");
        assert!(err.to_string().contains("empty.csv"));
        let bad = write(dir.path(), "bad.csv", b"claim\xFF_id\nC1\n");
        let err = read_input(&bad, 0, &InputOptions::default(), &claims(), 10).unwrap_err();
        assert!(matches!(err, IngestError::InvalidHeader { .. }), "{err}");
        let header_only = write(dir.path(), "h.csv", b"claim_id,amount\n");
        let result = read(&header_only, &claims());
        assert_eq!((result.records, result.batches.len()), (0, 0));
    }

    #[test]
    fn unmapped_or_absent_columns() {
        let dir = tempfile::tempdir().unwrap();
        // `amount` is not in the header: optional, so null; extra columns are ignored.
        let path = write(dir.path(), "c.csv", b"claim_id,other\nC1,x\n");
        let result = read(&path, &claims());
        assert_conserved(&result);
        let json = result.batches[0].rows_as_json().unwrap();
        assert_eq!(json, vec![r#"{"claim_id":"C1"}"#]);
        let required_absent = schema(&[("id", "ID", "string", true)]);
        let result = read(&path, &required_absent);
        assert_conserved(&result);
        assert_eq!(result.rejects[0].reason, ReasonCode::INGEST_MISSING_FIELD);
    }

    #[test]
    fn messages_column_holding_json_text() {
        let dir = tempfile::tempdir().unwrap();
        let body = "id,messages\nT1,\"[{\"\"role\"\":\"\"user\"\",\"\"content\"\":\"\"hi\"\"}]\"\nT2,not json\n";
        let fields = schema(&[
            ("id", "id", "string", true),
            ("messages", "messages", "messages", true),
        ]);
        let result = read(&write(dir.path(), "m.csv", body.as_bytes()), &fields);
        assert_conserved(&result);
        let json = result.batches[0].rows_as_json().unwrap();
        assert_eq!(
            json,
            vec![r#"{"id":"T1","messages":[{"role":"user","content":"hi"}]}"#]
        );
        assert_eq!(result.rejects[0].reason, ReasonCode::INGEST_TYPE_MISMATCH);
    }
}
