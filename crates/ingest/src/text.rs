//! Turning input bytes into UTF-8 text while remembering exactly where they were not valid.
//!
//! UTF-8 input is kept byte for byte and validated record by record, so one bad line costs one
//! record. Any other encoding is transcoded to UTF-8 up front (CSV and JSON structure is only
//! safe to parse in an ASCII-compatible encoding; a GBK trail byte can equal `|`) and every
//! malformed sequence leaves a U+FFFD plus its offset, so the record holding it can be
//! quarantined instead of carrying a silently replaced character.

use crate::error::IngestError;
use encoding_rs::{DecoderResult, Encoding, UTF_8};
use std::borrow::Cow;
use std::ops::Range;
use std::path::Path;

/// Decoded input: UTF-8 bytes (except where UTF-8 input was invalid) plus the encoding read.
#[derive(Debug)]
pub(crate) struct Text {
    bytes: Vec<u8>,
    encoding: &'static Encoding,
    /// Offsets in `bytes` of the replacement characters standing for malformed input
    /// (transcoded encodings only; UTF-8 input is checked directly).
    malformed: Vec<usize>,
}

/// Where inside a record its text stops being valid, as a byte offset from the record start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EncodingFault {
    pub offset: usize,
}

/// The encoding named by a WHATWG `label`.
pub(crate) fn encoding_for_label(
    label: &str,
    path: &Path,
) -> Result<&'static Encoding, IngestError> {
    // `for_label_no_replacement`: labels such as iso-2022-kr map to the "replacement" encoding,
    // which decodes every input to a single error; better to refuse them up front.
    Encoding::for_label_no_replacement(label.trim().as_bytes()).ok_or_else(|| {
        IngestError::UnknownEncoding {
            path: path.to_path_buf(),
            label: label.to_owned(),
        }
    })
}

impl Text {
    /// Decodes `data`: a BOM decides the encoding (and is dropped), else `label`, else UTF-8.
    pub(crate) fn decode(
        mut data: Vec<u8>,
        label: Option<&str>,
        path: &Path,
    ) -> Result<Text, IngestError> {
        let configured = label.map(|l| encoding_for_label(l, path)).transpose()?;
        let encoding = match Encoding::for_bom(&data) {
            Some((encoding, bom_len)) => {
                data.drain(..bom_len);
                encoding
            }
            None => configured.unwrap_or(UTF_8),
        };
        if encoding == UTF_8 {
            return Ok(Text {
                bytes: data,
                encoding,
                malformed: Vec::new(),
            });
        }
        let (bytes, malformed) = transcode(encoding, &data);
        Ok(Text {
            bytes,
            encoding,
            malformed,
        })
    }

    /// Decodes a later piece of an input already known to be in `encoding` (no BOM sniffing),
    /// for inputs read in pieces cut at line ends.
    pub(crate) fn decode_as(data: Vec<u8>, encoding: &'static Encoding) -> Text {
        if encoding == UTF_8 {
            return Text {
                bytes: data,
                encoding,
                malformed: Vec::new(),
            };
        }
        let (bytes, malformed) = transcode(encoding, &data);
        Text {
            bytes,
            encoding,
            malformed,
        }
    }

    /// The text's buffer, for reuse.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The encoding decoded from.
    pub(crate) fn encoding(&self) -> &'static Encoding {
        self.encoding
    }

    /// The text's bytes (UTF-8 wherever valid).
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The encoding the input was read in, lower-case (`utf-8`, `utf-16le`, `gbk`).
    pub(crate) fn encoding_name(&self) -> String {
        self.encoding.name().to_ascii_lowercase()
    }

    /// The text of `range`, or where in it the input was not valid in its encoding.
    pub(crate) fn str_at(&self, range: Range<usize>) -> Result<&str, EncodingFault> {
        let first = self.malformed.partition_point(|&o| o < range.start);
        if let Some(&offset) = self.malformed.get(first)
            && offset < range.end
        {
            return Err(EncodingFault {
                offset: offset - range.start,
            });
        }
        let slice = self.bytes.get(range).unwrap_or_default();
        std::str::from_utf8(slice).map_err(|e| EncodingFault {
            offset: e.valid_up_to(),
        })
    }

    /// The text of `range` with invalid bytes shown as U+FFFD, for quarantine content only.
    pub(crate) fn lossy(&self, range: Range<usize>) -> Cow<'_, str> {
        String::from_utf8_lossy(self.bytes.get(range).unwrap_or_default())
    }

    /// A value-free description of `fault` inside a `unit` ("line", "record").
    pub(crate) fn describe(&self, fault: EncodingFault, unit: &str) -> String {
        if self.encoding == UTF_8 {
            format!("invalid UTF-8 at byte {} of the {unit}", fault.offset)
        } else {
            format!(
                "malformed {} byte sequence at byte {} of the {unit} (offset in its UTF-8 form)",
                self.encoding.name(),
                fault.offset
            )
        }
    }
}

/// `input` transcoded to UTF-8, and the offsets where malformed sequences were replaced.
fn transcode(encoding: &'static Encoding, input: &[u8]) -> (Vec<u8>, Vec<usize>) {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(input.len().saturating_mul(3) / 2 + 16);
    let mut malformed = Vec::new();
    let mut rest = input;
    loop {
        let (result, read) = decoder.decode_to_string_without_replacement(rest, &mut out, true);
        rest = rest.get(read..).unwrap_or_default();
        match result {
            DecoderResult::InputEmpty => break,
            // No encoding needs more than 4 output bytes per input byte (single-byte encodings
            // need 3), so this always makes room for progress.
            DecoderResult::OutputFull => out.reserve(rest.len().saturating_mul(4) + 16),
            DecoderResult::Malformed(_, _) => {
                malformed.push(out.len());
                out.push(char::REPLACEMENT_CHARACTER);
            }
        }
    }
    (out.into_bytes(), malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(data: &[u8], label: Option<&str>) -> Text {
        Text::decode(data.to_vec(), label, Path::new("in.csv")).unwrap()
    }

    fn all(text: &Text) -> Result<&str, EncodingFault> {
        text.str_at(0..text.bytes().len())
    }

    #[test]
    fn utf8_is_the_default_and_its_bom_is_dropped() {
        let plain = decode("a,b\n你好".as_bytes(), None);
        assert_eq!(plain.encoding_name(), "utf-8");
        assert_eq!(all(&plain), Ok("a,b\n你好"));
        let bom = decode(b"\xEF\xBB\xBFa,b", None);
        assert_eq!(all(&bom), Ok("a,b"));
        // A BOM wins over a configured label.
        let bom = decode(b"\xEF\xBB\xBFa,b", Some("gbk"));
        assert_eq!(bom.encoding_name(), "utf-8");
    }

    #[test]
    fn utf16_boms_are_honoured() {
        let mut le = vec![0xFF, 0xFE];
        le.extend("id\n工单".encode_utf16().flat_map(u16::to_le_bytes));
        let text = decode(&le, None);
        assert_eq!(text.encoding_name(), "utf-16le");
        assert_eq!(all(&text), Ok("id\n工单"));
        let mut be = vec![0xFE, 0xFF];
        be.extend("x".encode_utf16().flat_map(u16::to_be_bytes));
        let text = decode(&be, None);
        assert_eq!(text.encoding_name(), "utf-16be");
        assert_eq!(all(&text), Ok("x"));
    }

    #[test]
    fn labels_select_legacy_encodings() {
        let (gbk, _, _) = encoding_rs::GBK.encode("理赔,金额");
        let text = decode(&gbk, Some("GBK"));
        assert_eq!(text.encoding_name(), "gbk");
        assert_eq!(all(&text), Ok("理赔,金额"));
        let err = Text::decode(b"x".to_vec(), Some("klingon"), Path::new("d/in.csv")).unwrap_err();
        assert!(matches!(err, IngestError::UnknownEncoding { .. }));
        assert!(err.to_string().contains("d/in.csv"));
        assert!(Text::decode(b"x".to_vec(), Some("iso-2022-kr"), Path::new("x")).is_err());
    }

    #[test]
    fn invalid_utf8_is_located_per_range() {
        let text = decode(b"ok\nab\xFFcd\nfine", None);
        assert_eq!(text.str_at(0..2), Ok("ok"));
        assert_eq!(text.str_at(3..8), Err(EncodingFault { offset: 2 }));
        assert_eq!(text.str_at(9..13), Ok("fine"));
        assert_eq!(text.lossy(3..8), "ab\u{FFFD}cd");
        assert_eq!(
            text.describe(EncodingFault { offset: 2 }, "line"),
            "invalid UTF-8 at byte 2 of the line"
        );
    }

    #[test]
    fn malformed_legacy_bytes_are_located_without_swallowing_newlines() {
        // 0x81 is a GBK lead byte; followed by `\n` it is malformed, and the newline survives.
        let mut data = encoding_rs::GBK.encode("好\n").0.into_owned();
        data.extend_from_slice(b"x\x81\nok");
        let text = decode(&data, Some("gbk"));
        let s = String::from_utf8_lossy(text.bytes()).into_owned();
        assert_eq!(s, "好\nx\u{FFFD}\nok");
        let line2 = 4..8; // "x" + U+FFFD (3 bytes)
        assert_eq!(text.str_at(line2), Err(EncodingFault { offset: 1 }));
        assert_eq!(text.str_at(0..3), Ok("好"));
        assert_eq!(text.str_at(9..11), Ok("ok"));
        assert!(
            text.describe(EncodingFault { offset: 1 }, "record")
                .starts_with("malformed GBK byte sequence at byte 1")
        );
    }

    #[test]
    fn odd_utf16_tail_is_malformed() {
        let mut le = vec![0xFF, 0xFE];
        le.extend("a\nb".encode_utf16().flat_map(u16::to_le_bytes));
        le.push(0x41);
        let text = decode(&le, None);
        assert_eq!(text.str_at(0..1), Ok("a"));
        assert!(text.str_at(2..text.bytes().len()).is_err());
    }
}
