//! The samples README, rendered from the run's summary so its numbers are always the real ones.

use crate::summary::{Summary, join_counts};
use std::fmt::Write;

const INTRO: &str = "# Sample datasets

Raw records for sluice's pipelines (`pipelines/*.toml`) and end-to-end tests.

**Everything here is synthetic.** Names are drawn from small built-in lists; email addresses use the
reserved `example.*` domains; IPv4 addresses come from the documentation (RFC 5737) and private
(RFC 1918) ranges; UK and Australian phone numbers come from ranges reserved for fiction. Resident
ids, mobiles and card numbers are random values built to pass the format checks (GB 11643 check
character with a real area code and birth date, allocated mobile prefixes, Luhn); they were not
taken from anyone.

Regenerate (byte-identical for the same seed and generator version):

    cargo run -p sluice-samplegen -- --out samples

Options: `--seed N` (default 20250101) and `--scale N`, which multiplies every record count
(`--scale 400` gives about a million records per dataset for benchmarks; generation streams).
";

const EXERCISES: &str = "## What each dataset exercises

- **support-tickets** (`pipelines/support-tickets.toml`): nested JSON (`customer.*` dotted paths, a
  `messages` list of `{role, content}`), a glob over a plain and a gzip file, English, Chinese and
  mixed chats with PII glued to Chinese text (`手机13812345678`, `邮箱…@example.com`), full-width digits,
  upper-case and plus-addressed emails, 19-digit UnionPay cards; defects at parse level (malformed
  JSON, an array line, invalid UTF-8, blank lines), at mapping level (missing `ticket_id`, `messages`
  as a string) and at validation level (subject shorter than 3 chars).
- **insurance-claims** (`pipelines/insurance-claims.toml`): CSV with quoted multi-line descriptions and
  escaped quotes, a UTF-8 BOM, a GBK file with CRLF line ends (its own `[[inputs]]` entry with
  `encoding = \"gbk\"`), structured PII columns for whole-value redaction, and defects: a row with 10
  columns, a non-numeric `claim_amount`, an empty `claim_id`, a negative amount (expr rule), a short
  description (length rule), and an unterminated quote as the very last record of
  `claims-2025.csv` (so only that record is affected, however lenient the CSV parser is).
- **maintenance-logs** (`pipelines/maintenance-logs.toml`): zstd JSONL, mostly Chinese narratives with
  mobiles, PLC addresses and staff emails; defects: malformed JSON, `severity` as an object (wrong
  type), a severity outside the allowed set (expr rule) and a text too short (length rule).

Every dataset also has about 4 % planted duplicates, cycling through five variants: identical
(same id), resubmitted (new id, same text), upper-case, doubled spaces and full-width letters and
digits — all equal under the default `nfkc, casefold, collapse_whitespace` key normalisation. A key
guard redraws any record whose normalised key repeats by chance, so these are the *only* duplicates.
Hard negatives (order numbers, timestamps, versions such as `2.4.1.1024`, 18-digit numbers failing
the id checksum, card-like numbers failing Luhn) sit next to the PII; none of them is sensitive.
";

const TRUTH: &str = "## Ground truth (per dataset directory)

- `planted.jsonl`: one line per planted sensitive value, `{file, row, line, field, entity, value,
  row_kind}`. `entity` is EMAIL, PHONE, CN_RESIDENT_ID, PAYMENT_CARD, IP_ADDRESS, or PERSON (names,
  only ever in structured name fields). `row_kind` is `clean`, `duplicate` or the defect code.
  Every sensitive-looking value in the free text is listed (the generator's tests check it).
- `hard-negatives.jsonl`: `{file, row, line, field, kind, value, row_kind}` for each look-alike that
  redaction must leave alone.
- `expected.jsonl`: every record that is not clean, `{file, row, line, kind, detail, expect}`:
  duplicates (`expect: duplicate`, with `of` = the earlier row that survives under
  `survivor = \"first\"`), defects (`expect: quarantine`, or `quarantine_or_keep` for the
  unterminated quote) and blank lines (`row: null`, `expect: skip`).

`row` is the 0-based record index within the file (blank lines are not records; malformed lines
are; the CSV header is not), `line` the 1-based physical line where the record starts after
decompression and decoding, `field` the path in the raw record (`customer.email`,
`messages[2].content`, `description`).
";

/// The README text for a run.
pub fn render(summary: &Summary) -> String {
    let mut out = String::from(INTRO);
    let _ = writeln!(
        out,
        "\nThese files were generated with seed {}, scale {}.\n",
        summary.seed, summary.scale
    );
    out.push_str("## Files\n\n");
    out.push_str(
        "| File | Records | Format / encoding | Defects planted | PII planted | Duplicates |\n",
    );
    out.push_str("|---|---:|---|---|---|---:|\n");
    for dataset in &summary.datasets {
        for file in &dataset.files {
            let mut defects = join_counts(&file.defects);
            if file.blank_lines > 0 {
                defects.push_str(&format!("; {} blank lines", file.blank_lines));
            }
            let _ = writeln!(
                out,
                "| `{}/{}` | {} | {} | {} | {} | {} |",
                dataset.name,
                file.file,
                file.records,
                file.format,
                defects,
                join_counts(&file.planted),
                file.duplicates
            );
        }
    }
    out.push('\n');
    out.push_str(EXERCISES);
    out.push('\n');
    out.push_str(TRUTH);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::{DatasetSummary, FileSummary};

    #[test]
    fn table_has_one_row_per_file_with_its_counts() {
        let mut file = FileSummary::new("a.jsonl", "JSONL, UTF-8");
        file.records = 10;
        file.duplicates = 2;
        file.blank_lines = 1;
        file.defects.insert("malformed_json", 1);
        file.planted.insert("EMAIL", 3);
        let summary = Summary {
            seed: 7,
            scale: 1,
            datasets: vec![DatasetSummary {
                name: "d",
                files: vec![file],
            }],
        };
        let text = render(&summary);
        assert!(text.contains(
            "| `d/a.jsonl` | 10 | JSONL, UTF-8 | malformed_json 1; 1 blank lines | EMAIL 3 | 2 |"
        ));
        assert!(text.contains("seed 7, scale 1"));
        assert!(text.contains("synthetic"));
    }
}
