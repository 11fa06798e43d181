//! The generated files agree with their ground truth: every planted value is where
//! `planted.jsonl` says, is valid for its type, and is the only sensitive-looking thing in the
//! free text; hard negatives fail every check; duplicates and defects are exactly those listed
//! in `expected.jsonl`.

// Helpers outside #[test] functions panic on failure too: this whole crate is test code.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::Value;
use sluice_samplegen::audit;
use sluice_samplegen::checksum::{
    gb11643_checksum_ok, is_allocated_cn_mobile, is_valid_cn_resident_id, luhn_valid,
};
use sluice_samplegen::names::{EN_FIRST, EN_LAST, contains_chinese_name_shape};
use sluice_samplegen::text::{fold_width, normalize_key};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::Ipv4Addr;
use support::{Parsed, RawRecord, data_files, generated, json_field, records, truth};

const DATASETS: [&str; 3] = ["support-tickets", "insurance-claims", "maintenance-logs"];

const CLAIM_COLUMNS: [&str; 9] = [
    "claim_id",
    "policy_no",
    "customer_name",
    "customer_id_number",
    "customer_phone",
    "email",
    "claim_amount",
    "incident_date",
    "description",
];

/// Every record of a dataset, keyed by (file, row).
fn dataset_records(dataset: &str) -> BTreeMap<(String, u64), RawRecord> {
    let (dir, summary) = generated();
    let mut all = BTreeMap::new();
    for file in data_files(summary, dataset) {
        for record in records(&dir.join(dataset).join(&file)) {
            all.insert((file.clone(), record.row), record);
        }
    }
    all
}

fn dataset_truth(dataset: &str, name: &str) -> Vec<Value> {
    truth(&generated().0.join(dataset).join(name))
}

fn key_of(line: &Value) -> (String, u64) {
    (
        line["file"].as_str().unwrap().to_string(),
        line["row"].as_u64().unwrap(),
    )
}

/// The text of `field` in a parsed record, when the record has the expected shape.
fn field_text(record: &RawRecord, field: &str) -> Option<String> {
    match &record.parsed {
        Parsed::Json(value) => json_field(value, field)?.as_str().map(str::to_string),
        Parsed::Csv(fields) if fields.len() == CLAIM_COLUMNS.len() => {
            let index = CLAIM_COLUMNS.iter().position(|c| *c == field)?;
            Some(fields[index].clone())
        }
        _ => None,
    }
}

/// Free-text fields of a well-formed record, as (path, text).
fn free_text(dataset: &str, record: &RawRecord) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut push = |path: String| {
        if let Some(text) = field_text(record, &path) {
            out.push((path, text));
        }
    };
    match dataset {
        "support-tickets" => {
            push("subject".into());
            push("resolution".into());
            if let Parsed::Json(v) = &record.parsed {
                let n = v
                    .get("messages")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                for i in 0..n {
                    push(format!("messages[{i}].content"));
                }
            }
        }
        "insurance-claims" => push("description".into()),
        _ => push("text".into()),
    }
    out
}

/// The text exact dedup compares for a record (None when the record has no valid key).
fn dedup_key(dataset: &str, record: &RawRecord) -> Option<String> {
    match dataset {
        "support-tickets" => {
            let Parsed::Json(v) = &record.parsed else {
                return None;
            };
            let mut key = normalize_key(v.get("subject")?.as_str()?);
            for m in v.get("messages")?.as_array()? {
                key.push('\u{1F}');
                key.push_str(m["role"].as_str()?);
                key.push(':');
                key.push_str(&normalize_key(m["content"].as_str()?));
            }
            Some(key)
        }
        "insurance-claims" => field_text(record, "description").map(|d| normalize_key(&d)),
        _ => field_text(record, "text").map(|t| normalize_key(&t)),
    }
}

fn folded_digits(value: &str) -> String {
    value
        .chars()
        .map(fold_width)
        .filter(char::is_ascii_digit)
        .collect()
}

#[test]
fn planted_values_sit_in_their_fields_at_the_stated_lines() {
    for dataset in DATASETS {
        let records = dataset_records(dataset);
        let planted = dataset_truth(dataset, "planted.jsonl");
        assert!(!planted.is_empty());
        for line in planted {
            let record = records
                .get(&key_of(&line))
                .unwrap_or_else(|| panic!("no record for {line}"));
            assert_eq!(record.line, line["line"].as_u64().unwrap(), "{line}");
            let value = line["value"].as_str().unwrap();
            let field = line["field"].as_str().unwrap();
            match field_text(record, field) {
                Some(text) => assert!(text.contains(value), "{line}"),
                None => {
                    assert_ne!(line["row_kind"], "clean", "clean rows parse: {line}");
                    assert!(record.raw.contains(value), "{line}");
                }
            }
        }
    }
}

#[test]
fn planted_values_are_valid_for_their_entity() {
    let mut seen = HashSet::new();
    for dataset in DATASETS {
        for line in dataset_truth(dataset, "planted.jsonl") {
            let entity = line["entity"].as_str().unwrap();
            let value = line["value"].as_str().unwrap();
            let folded: String = value.chars().map(fold_width).collect();
            let digits = folded_digits(value);
            seen.insert(entity.to_string());
            match entity {
                "CN_RESIDENT_ID" => assert!(is_valid_cn_resident_id(&folded), "{line}"),
                "PAYMENT_CARD" => {
                    assert!(
                        luhn_valid(&digits) && (15..=19).contains(&digits.len()),
                        "{line}"
                    );
                }
                "PHONE" if folded.starts_with("+86") => {
                    assert!(is_allocated_cn_mobile(&digits[2..]), "{line}")
                }
                "PHONE" if folded.starts_with('+') => {
                    assert!((10..=15).contains(&digits.len()), "{line}")
                }
                "PHONE" => assert!(is_allocated_cn_mobile(&digits), "{line}"),
                "EMAIL" => {
                    let (local, domain) = folded.split_once('@').unwrap();
                    assert!(
                        !local.is_empty() && domain.to_ascii_lowercase().contains("example."),
                        "{line}"
                    );
                }
                "IP_ADDRESS" => assert!(folded.parse::<Ipv4Addr>().is_ok(), "{line}"),
                "PERSON" => assert!(!value.trim().is_empty()),
                other => panic!("unknown entity {other}"),
            }
            if entity != "PERSON" {
                // Doubled-space duplicates are only caught once whitespace is collapsed (as dedup
                // does before redaction ever sees them).
                let collapsed = value
                    .split(' ')
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                assert!(
                    !audit::is_clean(&collapsed),
                    "the audit scanner must see planted {line}"
                );
            }
        }
    }
    let expected: HashSet<String> = [
        "CN_RESIDENT_ID",
        "PAYMENT_CARD",
        "PHONE",
        "EMAIL",
        "IP_ADDRESS",
        "PERSON",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(seen, expected);
}

#[test]
fn hard_negatives_fail_every_check() {
    let mut kinds = HashSet::new();
    for dataset in DATASETS {
        let records = dataset_records(dataset);
        for line in dataset_truth(dataset, "hard-negatives.jsonl") {
            let value = line["value"].as_str().unwrap();
            let folded: String = value.chars().map(fold_width).collect();
            assert!(audit::is_clean(value), "{line}");
            assert!(records[&key_of(&line)].raw.contains(value), "{line}");
            let kind = line["kind"].as_str().unwrap();
            kinds.insert(kind.to_string());
            match kind {
                "id_checksum_fail" => {
                    assert_eq!(folded.len(), 18);
                    assert!(!gb11643_checksum_ok(&folded), "{line}");
                }
                "card_luhn_fail" => assert!(!luhn_valid(&folded), "{line}"),
                "version" | "timestamp" | "order_number" => {
                    assert!(folded.parse::<Ipv4Addr>().is_err(), "{line}");
                }
                other => panic!("unknown kind {other}"),
            }
        }
    }
    assert_eq!(kinds.len(), 5, "{kinds:?}");
}

#[test]
fn free_text_holds_nothing_sensitive_beyond_the_planted_values() {
    let english_names: HashSet<String> = EN_FIRST
        .iter()
        .flat_map(|f| EN_LAST.iter().map(move |l| format!("{f} {l}")))
        .collect();
    for dataset in DATASETS {
        let records = dataset_records(dataset);
        let mut planted: HashMap<(String, u64), Vec<String>> = HashMap::new();
        for line in dataset_truth(dataset, "planted.jsonl") {
            planted
                .entry(key_of(&line))
                .or_default()
                .push(line["value"].as_str().unwrap().to_string());
        }
        for (key, record) in &records {
            let mut values = planted.get(key).cloned().unwrap_or_default();
            values.sort_by_key(|v| std::cmp::Reverse(v.len()));
            for (path, text) in free_text(dataset, record) {
                let rest = values
                    .iter()
                    .fold(text.clone(), |t, v| t.replace(v.as_str(), "§"));
                assert!(
                    audit::is_clean(&rest),
                    "{dataset} {key:?} {path}: {:?} in {text}",
                    audit::scan(&rest)
                );
                assert!(
                    !contains_chinese_name_shape(&text),
                    "{dataset} {key:?} {path}: {text}"
                );
                let words: Vec<&str> = text.split_whitespace().collect();
                for pair in words.windows(2) {
                    assert!(
                        !english_names.contains(&pair.join(" ")),
                        "{dataset} {key:?} {path}: {text}"
                    );
                }
            }
        }
    }
}

#[test]
fn duplicates_are_exactly_the_listed_rows() {
    for dataset in DATASETS {
        let records = dataset_records(dataset);
        let expected = dataset_truth(dataset, "expected.jsonl");
        let mut listed: HashMap<(String, u64), &Value> = HashMap::new();
        for line in &expected {
            if line["kind"] != "blank_line" {
                listed.insert(key_of(line), line);
            }
        }
        let mut first_seen: HashMap<String, (String, u64)> = HashMap::new();
        let mut duplicates = 0;
        for (key, record) in &records {
            let entry = listed.get(key);
            let is_defect = entry.is_some_and(|e| e["kind"] == "defect");
            let Some(dedup) = dedup_key(dataset, record).filter(|_| !is_defect) else {
                continue;
            };
            match first_seen.get(&dedup) {
                None => {
                    assert!(entry.is_none(), "{dataset} {key:?}: listed but unique");
                    first_seen.insert(dedup, key.clone());
                }
                Some(original) => {
                    let entry = entry.unwrap_or_else(|| {
                        panic!("{dataset} {key:?}: unlisted duplicate of {original:?}")
                    });
                    assert_eq!(entry["kind"], "duplicate");
                    assert_eq!(key_of(&entry["of"]), *original, "{dataset} {key:?}");
                    duplicates += 1;
                }
            }
        }
        let listed_dups = expected.iter().filter(|l| l["kind"] == "duplicate").count();
        assert_eq!(duplicates, listed_dups, "{dataset}");
        let total = records.len();
        assert!(
            duplicates * 100 >= total * 3 && duplicates * 100 <= total * 5,
            "{dataset}: {duplicates}/{total}"
        );
        let variants: HashSet<&str> = expected
            .iter()
            .filter(|l| l["kind"] == "duplicate")
            .map(|l| l["detail"].as_str().unwrap())
            .collect();
        assert_eq!(variants.len(), 5, "{dataset}: {variants:?}");
    }
}

#[test]
fn defects_are_what_expected_jsonl_says() {
    let (dir, summary) = generated();
    for dataset in DATASETS {
        let records = dataset_records(dataset);
        let expected = dataset_truth(dataset, "expected.jsonl");
        let mut defects = 0;
        for line in expected.iter().filter(|l| l["kind"] == "defect") {
            defects += 1;
            let record = &records[&key_of(line)];
            let json = match &record.parsed {
                Parsed::Json(v) => Some(v),
                _ => None,
            };
            let csv = match &record.parsed {
                Parsed::Csv(f) => Some(f),
                _ => None,
            };
            let detail = line["detail"].as_str().unwrap();
            let ok = match detail {
                "malformed_json" => {
                    json.is_none() && std::str::from_utf8(record.raw.as_bytes()).is_ok()
                }
                "invalid_utf8" => json.is_none() && record.raw.contains('\u{FFFD}'),
                "json_array_line" => json.is_some_and(Value::is_array),
                "missing_ticket_id" => json.is_some_and(|v| v.get("ticket_id").is_none()),
                "messages_not_a_list" => json.is_some_and(|v| v["messages"].is_string()),
                "subject_too_short" => {
                    json.is_some_and(|v| v["subject"].as_str().unwrap().chars().count() < 3)
                }
                "severity_object" => json.is_some_and(|v| v["severity"].is_object()),
                "severity_unknown" => json.is_some_and(|v| v["severity"].is_string()),
                "text_too_short" => {
                    json.is_some_and(|v| v["text"].as_str().unwrap().chars().count() < 10)
                }
                "too_many_columns" => csv.is_some_and(|f| f.len() == 10),
                "non_numeric_amount" => csv.is_some_and(|f| f[6].parse::<f64>().is_err()),
                "empty_claim_id" => csv.is_some_and(|f| f[0].is_empty()),
                "negative_amount" => csv.is_some_and(|f| f[6].parse::<f64>().unwrap() < 0.0),
                "short_description" => csv.is_some_and(|f| f[8].chars().count() < 20),
                "unterminated_quote" => {
                    let last = records
                        .keys()
                        .filter(|(file, _)| file == &key_of(line).0)
                        .map(|k| k.1)
                        .max();
                    eprintln!(
                        "unterminated: {:?}",
                        csv.map(|f| (f.len(), f.last().map(|d| d.chars().count())))
                    );
                    last == Some(record.row) && record.raw.matches('"').count() % 2 == 1
                }
                other => panic!("unknown defect {other}"),
            };
            assert!(ok, "{dataset}: {line}");
        }
        let summary_defects: u64 = summary
            .datasets
            .iter()
            .find(|d| d.name == dataset)
            .unwrap()
            .files
            .iter()
            .map(|f| f.defect_total())
            .sum();
        assert_eq!(defects as u64, summary_defects);
        let rate = defects as f64 / records.len() as f64;
        assert!(
            (0.015..=0.04).contains(&rate),
            "{dataset}: defect rate {rate}"
        );
    }
    // Blank lines listed in expected.jsonl are blank.
    for line in dataset_truth("support-tickets", "expected.jsonl")
        .iter()
        .filter(|l| l["kind"] == "blank_line")
    {
        let path = dir
            .join("support-tickets")
            .join(line["file"].as_str().unwrap());
        let (_, blanks) = support::jsonl_records(&path);
        assert!(blanks.contains(&line["line"].as_u64().unwrap()), "{line}");
    }
}

#[test]
fn every_defect_kind_appears_in_every_dataset() {
    let expected_kinds: [(&str, &[&str]); 3] = [
        (
            "support-tickets",
            &[
                "malformed_json",
                "json_array_line",
                "invalid_utf8",
                "missing_ticket_id",
                "messages_not_a_list",
                "subject_too_short",
            ],
        ),
        (
            "insurance-claims",
            &[
                "too_many_columns",
                "non_numeric_amount",
                "empty_claim_id",
                "negative_amount",
                "short_description",
                "unterminated_quote",
            ],
        ),
        (
            "maintenance-logs",
            &[
                "malformed_json",
                "severity_object",
                "severity_unknown",
                "text_too_short",
            ],
        ),
    ];
    for (dataset, kinds) in expected_kinds {
        let found: HashSet<String> = dataset_truth(dataset, "expected.jsonl")
            .iter()
            .filter(|l| l["kind"] == "defect")
            .map(|l| l["detail"].as_str().unwrap().to_string())
            .collect();
        let wanted: HashSet<String> = kinds.iter().map(|k| k.to_string()).collect();
        assert_eq!(found, wanted, "{dataset}");
    }
    let blank = dataset_truth("support-tickets", "expected.jsonl")
        .iter()
        .filter(|l| l["kind"] == "blank_line")
        .count();
    assert!(blank > 0);
}

#[test]
fn clean_rows_are_valid_for_their_pipeline() {
    for dataset in DATASETS {
        let records = dataset_records(dataset);
        let listed: HashSet<(String, u64)> = dataset_truth(dataset, "expected.jsonl")
            .iter()
            .filter(|l| l["kind"] == "defect")
            .map(key_of)
            .collect();
        for (key, record) in records.iter().filter(|(k, _)| !listed.contains(k)) {
            match (&record.parsed, dataset) {
                (Parsed::Json(v), "support-tickets") => {
                    assert!(
                        v["ticket_id"].is_string()
                            && v["subject"].as_str().unwrap().chars().count() >= 3
                    );
                    let messages = v["messages"].as_array().unwrap();
                    assert!(
                        messages
                            .iter()
                            .all(|m| m["role"].is_string() && m["content"].is_string())
                    );
                }
                (Parsed::Json(v), "maintenance-logs") => {
                    assert!(
                        ["low", "medium", "high", "critical"]
                            .contains(&v["severity"].as_str().unwrap())
                    );
                    assert!(v["text"].as_str().unwrap().chars().count() >= 10);
                    assert!(v["log_id"].is_string() && v["technician"]["phone"].is_string());
                }
                (Parsed::Csv(f), "insurance-claims") => {
                    assert_eq!(f.len(), 9, "{key:?}");
                    assert!(
                        !f[0].is_empty() && f[6].parse::<f64>().unwrap() > 0.0,
                        "{key:?}"
                    );
                    assert!((20..=4000).contains(&f[8].chars().count()), "{key:?}");
                }
                _ => panic!("{dataset} {key:?} does not parse"),
            }
        }
    }
}

#[test]
fn files_are_small_and_the_readme_shows_the_real_counts() {
    let (dir, summary) = generated();
    for dataset in DATASETS {
        for entry in fs_err::read_dir(dir.join(dataset)).unwrap() {
            let entry = entry.unwrap();
            let size = entry.metadata().unwrap().len();
            assert!(size < 3 * 1024 * 1024, "{:?} is {size} bytes", entry.path());
        }
    }
    let readme = fs_err::read_to_string(dir.join("README.md")).unwrap();
    for dataset in &summary.datasets {
        for file in &dataset.files {
            let row = format!("| `{}/{}` | {} |", dataset.name, file.file, file.records);
            assert!(readme.contains(&row), "{row}");
        }
    }
    let total: u64 = summary
        .datasets
        .iter()
        .flat_map(|d| &d.files)
        .map(|f| f.records)
        .sum();
    assert_eq!(total, 1_300 + 1_200 + 1_600 + 1_400 + 2_500);
}
