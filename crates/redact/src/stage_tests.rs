//! Tests of the redaction stage on small batches built with Arrow's JSON decoder.

use super::*;
use arrow::array::AsArray;
use arrow::json::ReaderBuilder;
use serde_json::{Value, json};
use sluice_core::strings::visit_strings;
use sluice_core::{FieldSpec, RecordId, RowMeta, SourceRef};
use std::sync::Arc;

// Synthetic values only: reserved example domains, test card numbers, the standard's sample ID.
const EMAIL: &str = "zhangsan@example.com";
const MOBILE: &str = "13812345678";
const RESIDENT_ID: &str = "11010519491231002X";
const CARD: &str = "6222021234567890128";

fn schema() -> TargetSchema {
    let field = |name: &str, ty: FieldType| FieldSpec {
        name: name.to_owned(),
        source: name.to_owned(),
        ty,
        required: false,
    };
    TargetSchema {
        fields: vec![
            field("ticket_id", FieldType::String),
            field("description", FieldType::String),
            field("customer_name", FieldType::String),
            field("customer_phone", FieldType::Int64),
            field("amount", FieldType::Float64),
            field("messages", FieldType::messages()),
        ],
    }
}

fn batch(rows: &[Value]) -> Batch {
    let mut decoder = ReaderBuilder::new(schema().arrow_schema())
        .build_decoder()
        .unwrap();
    decoder.serialize(rows).unwrap();
    let data = decoder.flush().unwrap().unwrap();
    let metas = (0..rows.len() as u64)
        .map(|i| RowMeta {
            id: RecordId::new("feed", i),
            source: SourceRef {
                input: 0,
                row: i,
                line: i + 1,
            },
        })
        .collect();
    Batch::new(data, metas).unwrap()
}

fn stage(config: &str) -> RedactStage {
    let config: RedactConfig = toml::from_str(config).unwrap();
    RedactStage::build(&config, &schema()).unwrap()
}

fn build_error(config: &str) -> String {
    let config: RedactConfig = toml::from_str(config).unwrap();
    RedactStage::build(&config, &schema())
        .unwrap_err()
        .to_string()
}

/// The string values of top-level column `field`, `None` for null rows.
fn texts(batch: &Batch, field: &str) -> Vec<Option<String>> {
    let column = batch.data.column_by_name(field).unwrap().as_string::<i32>();
    column.iter().map(|v| v.map(str::to_owned)).collect()
}

/// Every string under `field` with its path, as `(row, element, path, value)`.
fn nested(batch: &Batch, field: &str) -> Vec<(usize, u32, String, String)> {
    let column = batch.data.column_by_name(field).unwrap();
    let mut out = Vec::new();
    visit_strings(column.as_ref(), &FieldPath::root(field), &mut |site, s| {
        out.push((site.row, site.element, site.path.to_string(), s.to_owned()));
    });
    out
}

fn rows() -> Vec<Value> {
    vec![
        json!({"ticket_id": "T1", "description": format!("请联系手机{MOBILE}或邮箱{EMAIL}。"), "amount": 1.5}),
        json!({"ticket_id": "T2", "description": format!("身份证号{RESIDENT_ID}，卡号{CARD}")}),
        json!({"ticket_id": "T3", "description": "没有敏感信息"}),
    ]
}

#[test]
fn placeholders_replace_findings_and_spans_use_char_offsets() {
    let out = stage("").process(batch(&rows())).unwrap();
    assert_eq!(
        texts(&out.kept, "description"),
        vec![
            Some("请联系手机<PHONE>或邮箱<EMAIL>。".to_owned()),
            Some("身份证号<CN_RESIDENT_ID>，卡号<PAYMENT_CARD>".to_owned()),
            Some("没有敏感信息".to_owned()),
        ]
    );
    let first: Vec<_> = out
        .spans
        .iter()
        .filter(|s| s.source.row == 0)
        .map(|s| {
            (
                s.kind.entity.as_str(),
                s.kind.detector.as_str(),
                s.start,
                s.end,
                s.kind.action.as_str(),
            )
        })
        .collect();
    // 请联系手机 is 5 chars; the phone is 11; 或邮箱 3 more.
    assert_eq!(
        first,
        vec![
            ("PHONE", "cn_mobile", 5, 16, "placeholder"),
            ("EMAIL", "email", 19, 39, "placeholder"),
        ]
    );
    assert!(
        out.spans
            .iter()
            .all(|s| s.kind.field.as_str() == "description" && s.element == 0)
    );
    assert_eq!(out.report.rows_in, 3);
    assert_eq!(out.report.rows_out, 3);
    assert!(out.report.conserves());
    assert_eq!(out.report.redactions_by_type["PAYMENT_CARD"], 1);
    assert_eq!(out.report.redactions_by_field["description"], 4);
    // The ticket id and the untouched row are left exactly as they were.
    assert_eq!(texts(&out.kept, "ticket_id")[0].as_deref(), Some("T1"));
}

#[test]
fn mask_keeps_the_last_four_chars() {
    let out = stage("[policy]\nPHONE = \"mask\"")
        .process(batch(&rows()))
        .unwrap();
    assert_eq!(
        texts(&out.kept, "description")[0].as_deref(),
        Some("请联系手机*******5678或邮箱<EMAIL>。")
    );
    assert_eq!(out.spans[0].kind.action.as_str(), "mask");
}

#[test]
fn drop_field_nulls_only_that_field_of_that_row() {
    let out = stage("[policy]\nCN_RESIDENT_ID = \"drop_field\"")
        .process(batch(&rows()))
        .unwrap();
    let descriptions = texts(&out.kept, "description");
    assert_eq!(descriptions[1], None);
    assert!(descriptions[0].is_some() && descriptions[2].is_some());
    assert_eq!(texts(&out.kept, "ticket_id")[1].as_deref(), Some("T2"));
    let row1: Vec<_> = out
        .spans
        .iter()
        .filter(|s| s.source.row == 1)
        .map(|s| s.kind.action.as_str())
        .collect();
    // The card in the dropped field is gone with it.
    assert_eq!(row1, vec!["drop_field", "drop_field"]);
    assert_eq!(out.kept.len(), 3);
}

#[test]
fn quarantine_removes_the_row_with_value_free_detail_and_redacted_content() {
    let out = stage("[policy]\nCN_RESIDENT_ID = \"quarantine\"")
        .process(batch(&rows()))
        .unwrap();
    assert_eq!(out.kept.len(), 2);
    assert_eq!(
        texts(&out.kept, "ticket_id"),
        vec![Some("T1".into()), Some("T3".into())]
    );
    assert_eq!(out.removed.len(), 1);
    let removal = &out.removed[0];
    assert_eq!(removal.row.id.as_str(), "feed:1");
    assert_eq!(removal.reason, ReasonCode::PII_QUARANTINE);
    assert_eq!(
        removal.detail,
        "CN_RESIDENT_ID in description at chars 4..22"
    );
    let content: Value = serde_json::from_str(removal.content.as_deref().unwrap()).unwrap();
    assert_eq!(
        content,
        json!({"ticket_id": "T2", "description": "身份证号<CN_RESIDENT_ID>，卡号<PAYMENT_CARD>"})
    );
    assert_eq!(out.report.removed["PII_QUARANTINE"], 1);
    assert_eq!((out.report.rows_in, out.report.rows_out), (3, 2));
    assert!(out.report.conserves());
    let actions: Vec<_> = out
        .spans
        .iter()
        .filter(|s| s.source.row == 1)
        .map(|s| s.kind.action.as_str())
        .collect();
    assert_eq!(actions, vec!["quarantine", "placeholder"]);
}

#[test]
fn messages_contents_are_redacted_and_roles_never_touched() {
    let rows = vec![json!({"ticket_id": "T1", "messages": [
        {"role": "user", "content": format!("我的邮箱是{EMAIL}")},
        {"role": "assistant", "content": "好的"},
        // A role that looks like a phone number is still a role: never rewritten.
        {"role": MOBILE, "content": format!("电话{MOBILE}")},
    ]})];
    let out = stage("").process(batch(&rows)).unwrap();
    let values = nested(&out.kept, "messages");
    assert!(values.contains(&(
        0,
        0,
        "messages[].content".into(),
        "我的邮箱是<EMAIL>".into()
    )));
    assert!(values.contains(&(0, 2, "messages[].content".into(), "电话<PHONE>".into())));
    assert!(values.contains(&(0, 2, "messages[].role".into(), MOBILE.into())));
    assert!(values.contains(&(0, 0, "messages[].role".into(), "user".into())));
    let spans: Vec<_> = out
        .spans
        .iter()
        .map(|s| (s.kind.field.as_str(), s.element, s.start, s.end))
        .collect();
    assert_eq!(
        spans,
        vec![
            ("messages[].content", 0, 5, 25),
            ("messages[].content", 2, 2, 13)
        ]
    );
    assert_eq!(out.report.redactions_by_field["messages[].content"], 2);
}

#[test]
fn drop_field_on_a_message_nulls_the_whole_messages_field() {
    let rows = vec![json!({"ticket_id": "T1", "messages": [
        {"role": "user", "content": "你好"},
        {"role": "user", "content": format!("身份证{RESIDENT_ID}")},
    ]})];
    let out = stage("[policy]\nCN_RESIDENT_ID = \"drop_field\"")
        .process(batch(&rows))
        .unwrap();
    assert!(out.kept.data.column_by_name("messages").unwrap().is_null(0));
    assert_eq!(out.spans[0].kind.action.as_str(), "drop_field");
    assert_eq!(out.spans[0].element, 1);
}

#[test]
fn columns_get_whole_value_rules_without_scanning() {
    let rows = vec![
        json!({"ticket_id": "T1", "customer_name": "张三", "customer_phone": 13812345678_i64}),
        json!({"ticket_id": "T2", "customer_name": null, "customer_phone": null}),
    ];
    let out = stage("[columns]\ncustomer_name = \"placeholder\"\ncustomer_phone = \"drop_field\"")
        .process(batch(&rows))
        .unwrap();
    assert_eq!(
        texts(&out.kept, "customer_name"),
        vec![Some("<CUSTOMER_NAME>".into()), None]
    );
    let phone = out.kept.data.column_by_name("customer_phone").unwrap();
    assert_eq!(phone.null_count(), 2);
    let spans: Vec<_> = out
        .spans
        .iter()
        .map(|s| {
            (
                s.source.row,
                s.kind.entity.as_str(),
                s.kind.detector.as_str(),
                s.end,
                s.kind.action.as_str(),
            )
        })
        .collect();
    assert_eq!(
        spans,
        vec![
            (0, "CUSTOMER_NAME", "column", 2, "placeholder"),
            (0, "CUSTOMER_PHONE", "column", 0, "drop_field"),
        ]
    );
}

#[test]
fn column_remove_and_drop_field_on_text_keep_nulls_and_record_every_value() {
    let rows = vec![
        json!({"ticket_id": "T1", "customer_name": "张三丰"}),
        json!({"ticket_id": "T2", "customer_name": null}),
        json!({"ticket_id": "T3", "customer_name": ""}),
    ];
    let removed = stage("propagate = \"off\"\n[columns]\ncustomer_name = \"remove\"")
        .process(batch(&rows))
        .unwrap();
    assert_eq!(
        texts(&removed.kept, "customer_name"),
        vec![Some(String::new()), None, Some(String::new())]
    );
    let chars: Vec<_> = removed
        .spans
        .iter()
        .map(|s| (s.source.row, s.kind.action.as_str(), s.start, s.end))
        .collect();
    assert_eq!(chars, vec![(0, "remove", 0, 3), (2, "remove", 0, 0)]);
    let dropped = stage("[columns]\ncustomer_name = \"drop_field\"")
        .process(batch(&rows))
        .unwrap();
    assert_eq!(
        texts(&dropped.kept, "customer_name"),
        vec![None, None, None]
    );
    assert_eq!(dropped.spans.len(), 2);
}

#[test]
fn column_mask_and_quarantine() {
    let rows = vec![
        json!({"ticket_id": "T1", "customer_name": "王小明先生"}),
        json!({"ticket_id": "T2", "customer_phone": 13812345678_i64}),
        json!({"ticket_id": "T3"}),
    ];
    let out = stage("[columns]\ncustomer_name = \"mask\"\ncustomer_phone = \"quarantine\"")
        .process(batch(&rows))
        .unwrap();
    assert_eq!(
        texts(&out.kept, "customer_name")[0].as_deref(),
        Some("*小明先生")
    );
    assert_eq!(out.removed.len(), 1);
    assert_eq!(out.removed[0].row.id.as_str(), "feed:1");
    assert_eq!(
        out.removed[0].detail,
        "CUSTOMER_PHONE in customer_phone at chars 0..0"
    );
    assert_eq!(
        out.removed[0].content.as_deref(),
        Some(r#"{"ticket_id":"T2"}"#)
    );
    assert!(out.report.conserves());
}

#[test]
fn default_fields_are_text_fields_minus_columns() {
    let stage = stage("[columns]\ncustomer_name = \"placeholder\"");
    assert_eq!(
        stage.scanned_fields(),
        ["ticket_id", "description", "messages"]
    );
    let listed = self::stage("fields = [\"messages\", \"description\"]");
    assert_eq!(listed.scanned_fields(), ["description", "messages"]);
}

#[test]
fn only_listed_fields_and_detectors_are_used() {
    let out = stage("fields = [\"messages\"]\ndetectors = [\"email\"]")
        .process(batch(&rows()))
        .unwrap();
    assert!(out.spans.is_empty());
    assert_eq!(
        texts(&out.kept, "description"),
        texts(&batch(&rows()), "description")
    );
}

#[test]
fn build_rejects_bad_configs_naming_the_key() {
    let cases = [
        ("detectors = [\"email\", \"nino\"]", "`nino`"),
        ("fields = [\"body\"]", "`body`"),
        ("fields = [\"amount\"]", "`amount` has type float64"),
        (
            "fields = [\"description\", \"description\"]",
            "listed twice",
        ),
        ("[policy]\nEMAL = \"mask\"", "`EMAL`"),
        ("[policy]\nemail = \"mask\"", "`email`"),
        ("[columns]\nnope = \"placeholder\"", "`nope`"),
        (
            "[columns]\ncustomer_phone = \"mask\"",
            "`customer_phone` has type int64",
        ),
        (
            "fields = [\"customer_name\"]\n[columns]\ncustomer_name = \"placeholder\"",
            "`customer_name` is in both",
        ),
    ];
    for (config, expected) in cases {
        let message = build_error(config);
        assert!(message.contains(expected), "{config:?} gave {message:?}");
    }
}

#[test]
fn redact_text_uses_placeholders_whatever_the_policy() {
    let stage = stage("[policy]\ndefault = \"quarantine\"");
    assert_eq!(
        stage.redact_text(&format!("raw line {EMAIL},{MOBILE}")),
        "raw line <EMAIL>,<PHONE>"
    );
    assert_eq!(stage.redact_text("nothing here"), "nothing here");
}

#[test]
fn nothing_sensitive_reaches_spans_reports_details_or_errors() {
    let secrets = [EMAIL, MOBILE, RESIDENT_ID, CARD, "张三"];
    let rows = vec![
        json!({"ticket_id": "T1", "description": format!("{EMAIL} {MOBILE} {CARD}"), "customer_name": "张三"}),
        json!({"ticket_id": "T2", "messages": [{"role": "user", "content": format!("ID {RESIDENT_ID}")}]}),
    ];
    let out = stage("[policy]\nCN_RESIDENT_ID = \"quarantine\"\nPHONE = \"drop_field\"\n[columns]\ncustomer_name = \"quarantine\"")
        .process(batch(&rows))
        .unwrap();
    assert_eq!(out.removed.len(), 2);
    let mut visible = serde_json::to_string(&out.spans).unwrap();
    visible.push_str(&serde_json::to_string(&out.report).unwrap());
    for removal in &out.removed {
        visible.push_str(&removal.detail);
        visible.push_str(removal.content.as_deref().unwrap_or(""));
        visible.push_str(&format!("{removal:?}"));
    }
    visible.push_str(&format!("{:?}{:?}", out.spans, out.report));
    for secret in secrets {
        assert!(!visible.contains(secret), "{secret} leaked into {visible}");
    }
}

#[test]
fn splitting_a_batch_gives_the_same_edits() {
    let stage = stage("[policy]\nCN_RESIDENT_ID = \"quarantine\"");
    let all = stage.process(batch(&rows())).unwrap();
    let rows = rows();
    let mut spans = Vec::new();
    let mut removed = Vec::new();
    for row in &rows {
        let mut one = batch(std::slice::from_ref(row));
        // Same identities as in the whole batch.
        let index = rows.iter().position(|r| r == row).unwrap() as u64;
        one.rows[0].id = RecordId::new("feed", index);
        one.rows[0].source = SourceRef {
            input: 0,
            row: index,
            line: index + 1,
        };
        let out = stage.process(one).unwrap();
        spans.extend(out.spans);
        removed.extend(
            out.removed
                .into_iter()
                .map(|r| (r.row.id, r.detail, r.content)),
        );
    }
    assert_eq!(all.spans, spans);
    let all_removed: Vec<_> = all
        .removed
        .into_iter()
        .map(|r| (r.row.id, r.detail, r.content))
        .collect();
    assert_eq!(all_removed, removed);
}

#[test]
fn empty_batches_pass_through() {
    let out = stage("")
        .process(Batch::empty(schema().arrow_schema()))
        .unwrap();
    assert!(out.kept.is_empty() && out.removed.is_empty() && out.spans.is_empty());
    assert!(out.report.conserves());
}

#[test]
fn a_batch_missing_a_field_fails_naming_the_field_not_values() {
    let column: ArrayRef = Arc::new(arrow::array::StringArray::from(vec![EMAIL]));
    let data = RecordBatch::try_from_iter([("description", column)]).unwrap();
    let meta = RowMeta {
        id: RecordId::new("feed", 0),
        source: SourceRef {
            input: 0,
            row: 0,
            line: 1,
        },
    };
    let message = stage("fields = [\"description\", \"messages\"]")
        .process(Batch::new(data, vec![meta]).unwrap())
        .unwrap_err()
        .to_string();
    assert!(message.contains("`messages`"), "{message}");
    assert!(!message.contains(EMAIL));
}

const KEY: &str = "synthetic-pseudonym-key-for-tests";

fn keyed_stage(config: &str) -> RedactStage {
    let config: RedactConfig = toml::from_str(config).unwrap();
    let env = |name: &str| (name == "TEST_KEY").then(|| KEY.to_owned());
    let context = BuildContext {
        env: &env,
        base_dir: None,
    };
    RedactStage::build_in(&config, &schema(), &context).unwrap()
}

#[test]
fn pseudonyms_join_across_records_and_batches() {
    let stage = keyed_stage("pseudonym_key_env = \"TEST_KEY\"\n[policy]\ndefault = \"pseudonym\"");
    let rows = vec![
        json!({"ticket_id": "T1", "description": format!("手机{MOBILE}")}),
        json!({"ticket_id": "T2", "description": "电话 +86 138-1234-5678，邮箱ZhangSan@Example.com"}),
    ];
    let out = stage.process(batch(&rows)).unwrap();
    let texts = texts(&out.kept, "description");
    let token = texts[0]
        .as_deref()
        .unwrap()
        .trim_start_matches("手机")
        .to_owned();
    assert!(
        token.starts_with("<PHONE_") && token.ends_with('>'),
        "{token}"
    );
    assert!(texts[1].as_deref().unwrap().contains(&token));
    assert!(texts[1].as_deref().unwrap().contains("<EMAIL_"));
    // Another batch (another shard or run) gives the same token.
    let again = stage.process(batch(&rows[..1])).unwrap();
    assert_eq!(texts_of(&again), vec![format!("手机{token}")]);
    assert_eq!(stage.key_fingerprint().map(|f| f.len()), Some(16));
    assert!(!format!("{stage:?}").contains(KEY));
}

fn texts_of(out: &StageOutput) -> Vec<String> {
    texts(&out.kept, "description")
        .into_iter()
        .flatten()
        .collect()
}

#[test]
fn format_preserving_pseudonyms_keep_parsable_shapes() {
    let stage =
        keyed_stage("pseudonym_key_env = \"TEST_KEY\"\n[policy]\ndefault = \"pseudonym_format\"");
    let out = stage
        .process(batch(&[
            json!({"description": format!("邮箱{EMAIL}，手机{MOBILE}")}),
        ]))
        .unwrap();
    let text = texts_of(&out).remove(0);
    assert!(text.contains("@pseudo.invalid"), "{text}");
    assert!(!text.contains(EMAIL) && !text.contains(MOBILE), "{text}");
    let digits = text.split("手机").nth(1).unwrap();
    assert_eq!(digits.len(), 11);
    assert!(digits.bytes().all(|b| b.is_ascii_digit()));
}

#[test]
fn indexed_placeholders_number_values_per_record() {
    let stage = stage("[policy]\ndefault = \"indexed_placeholder\"");
    let rows = vec![
        json!({"description": format!("{MOBILE}、13912345678、+86 138 1234 5678"),
               "messages": [{"role": "user", "content": format!("再打13912345678或{EMAIL}")}]}),
        json!({"description": "13912345678"}),
    ];
    let out = stage.process(batch(&rows)).unwrap();
    assert_eq!(
        texts_of(&out),
        vec![
            "<PHONE_1>、<PHONE_2>、<PHONE_1>".to_owned(),
            "<PHONE_1>".to_owned()
        ]
    );
    let contents: Vec<_> = nested(&out.kept, "messages")
        .into_iter()
        .map(|n| n.3)
        .collect();
    assert!(
        contents.contains(&"再打<PHONE_2>或<EMAIL_1>".to_owned()),
        "{contents:?}"
    );
}

#[test]
fn remove_deletes_spans_and_secret_group_quarantines_secrets() {
    let stage = stage("[policy]\ndefault = \"remove\"\nsecret = \"quarantine\"");
    let rows = vec![
        json!({"description": format!("手机{MOBILE}。")}),
        json!({"description": "key AKIAZ3MSJV4WWYQXV6TR"}),
    ];
    let out = stage.process(batch(&rows)).unwrap();
    assert_eq!(texts_of(&out), vec!["手机。".to_owned()]);
    assert_eq!(out.removed.len(), 1);
    assert!(out.removed[0].detail.contains("SECRET_AWS_KEY"));
    assert!(!out.removed[0].detail.contains("AKIA"));
}

#[test]
fn a_missing_or_short_key_is_a_build_error_naming_the_source_only() {
    let env = |name: &str| (name == "SHORT").then(|| "tiny".to_owned());
    let context = BuildContext {
        env: &env,
        base_dir: None,
    };
    let build = |text: &str| {
        let config: RedactConfig = toml::from_str(text).unwrap();
        RedactStage::build_in(&config, &schema(), &context)
            .unwrap_err()
            .to_string()
    };
    let missing = build("[policy]\nEMAIL = \"pseudonym\"");
    assert!(missing.contains("`SLUICE_PSEUDONYM_KEY`"), "{missing}");
    let short = build("pseudonym_key_env = \"SHORT\"\n[columns]\ncustomer_name = \"pseudonym\"");
    assert!(
        short.contains("`SHORT`") && !short.contains("tiny"),
        "{short}"
    );
    // No pseudonym action: no key needed, no fingerprint.
    assert!(stage("").key_fingerprint().is_none());
}

#[test]
fn the_key_can_come_from_a_file_relative_to_the_base_dir() {
    let dir = std::env::temp_dir().join(format!("sluice-redact-key-{}", std::process::id()));
    fs_err::create_dir_all(&dir).unwrap();
    fs_err::write(dir.join("key.txt"), format!("{KEY}\n")).unwrap();
    let env = |_: &str| None;
    let context = BuildContext {
        env: &env,
        base_dir: Some(&dir),
    };
    let config: RedactConfig = toml::from_str(
        "pseudonym_key_file = \"key.txt\"\n[columns]\ncustomer_name = \"pseudonym\"",
    )
    .unwrap();
    let from_file = RedactStage::build_in(&config, &schema(), &context).unwrap();
    let from_env =
        keyed_stage("pseudonym_key_env = \"TEST_KEY\"\n[columns]\ncustomer_name = \"pseudonym\"");
    assert_eq!(from_file.key_fingerprint(), from_env.key_fingerprint());
    let rows = [json!({"customer_name": "张三"})];
    let a = from_file.process(batch(&rows)).unwrap();
    let b = from_env.process(batch(&rows)).unwrap();
    assert_eq!(
        texts(&a.kept, "customer_name"),
        texts(&b.kept, "customer_name")
    );
    assert!(
        texts(&a.kept, "customer_name")[0]
            .as_deref()
            .unwrap()
            .starts_with("<CUSTOMER_NAME_")
    );
    fs_err::remove_dir_all(&dir).unwrap();
}

#[test]
fn declared_regex_and_dictionary_detectors_redact_and_take_policies() {
    let dir = std::env::temp_dir().join(format!("sluice-redact-terms-{}", std::process::id()));
    fs_err::create_dir_all(&dir).unwrap();
    fs_err::write(dir.join("vip.txt"), "# VIP list\n王五\n\nLi Wei\n").unwrap();
    let config: RedactConfig = toml::from_str(
        r#"
        [policy]
        PERSON = "indexed_placeholder"
        [[custom]]
        code = "employee_id"
        entity = "EMPLOYEE_ID"
        pattern = "EMP-[0-9]{6}"
        [[dictionaries]]
        code = "vip_names"
        entity = "PERSON"
        terms = ["张三"]
        terms_file = "vip.txt"
        "#,
    )
    .unwrap();
    let env = |_: &str| None;
    let context = BuildContext {
        env: &env,
        base_dir: Some(&dir),
    };
    let stage = RedactStage::build_in(&config, &schema(), &context).unwrap();
    assert!(
        stage
            .engine()
            .codes()
            .ends_with(&["employee_id", "vip_names"])
    );
    let out = stage
        .process(batch(&[
            json!({"description": "工号EMP-004211的张三和王五、li wei，张三再来"}),
        ]))
        .unwrap();
    assert_eq!(
        texts_of(&out),
        vec!["工号<EMPLOYEE_ID>的<PERSON_1>和<PERSON_2>、<PERSON_3>，<PERSON_1>再来".to_owned()]
    );
    assert_eq!(out.spans[1].kind.detector.as_str(), "vip_names");
    fs_err::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_declared_detectors_are_build_errors_without_terms() {
    for (config, needle) in [
        (
            "[[custom]]\ncode = \"email\"\nentity = \"X\"\npattern = \"x\"",
            "taken",
        ),
        (
            "[[custom]]\ncode = \"emp\"\nentity = \"emp\"\npattern = \"x\"",
            "upper-case",
        ),
        (
            "[[custom]]\ncode = \"emp\"\nentity = \"EMP\"\npattern = \"(\"",
            "compile",
        ),
        (
            "[[dictionaries]]\ncode = \"vip\"\nentity = \"PERSON\"\nterms = [\" \"]",
            "no terms",
        ),
        (
            "[[dictionaries]]\ncode = \"vip\"\nentity = \"PERSON\"\nterms_file = \"/nonexistent/vip.txt\"",
            "terms_file",
        ),
        (
            "[[custom]]\ncode = \"a\"\nentity = \"A\"\npattern = \"x\"\n[[dictionaries]]\ncode = \"a\"\nentity = \"A\"\nterms = [\"张三\"]",
            "twice",
        ),
        ("[policy]\nEMPLOYEE_ID = \"mask\"", "EMPLOYEE_ID"),
    ] {
        let err = build_error(config);
        assert!(err.contains(needle), "{config}: {err}");
        assert!(!err.contains("张三"), "{err}");
    }
}

#[test]
fn column_values_are_propagated_into_the_same_records_text() {
    let config = "[columns]\ncustomer_name = \"placeholder\"\ncustomer_phone = \"drop_field\"";
    let rows = vec![
        json!({"customer_name": "张三丰", "customer_phone": 13812345678_i64,
               "description": "张三丰来电，手机13812345678，张三丰的订单",
               "messages": [{"role": "user", "content": "我是张三丰"}]}),
        // Another record's name is not looked for here; a short ASCII name is not propagated.
        json!({"customer_name": "Li", "description": "张三丰 and Linux Li"}),
    ];
    let out = stage(config).process(batch(&rows)).unwrap();
    assert_eq!(
        texts(&out.kept, "description"),
        vec![
            Some("<CUSTOMER_NAME>来电，手机<PHONE>，<CUSTOMER_NAME>的订单".to_owned()),
            Some("张三丰 and Linux Li".to_owned()),
        ]
    );
    let contents: Vec<_> = nested(&out.kept, "messages")
        .into_iter()
        .map(|n| n.3)
        .collect();
    assert!(
        contents.contains(&"我是<CUSTOMER_NAME>".to_owned()),
        "{contents:?}"
    );
    let propagated: Vec<_> = out
        .spans
        .iter()
        .filter(|s| s.kind.detector.as_str() == PROPAGATED_DETECTOR)
        .map(|s| {
            (
                s.kind.field.as_str().to_owned(),
                s.kind.entity.as_str(),
                s.start,
                s.end,
            )
        })
        .collect();
    assert_eq!(
        propagated,
        vec![
            ("description".to_owned(), "CUSTOMER_NAME", 0, 3),
            ("description".to_owned(), "CUSTOMER_NAME", 20, 23),
            ("messages[].content".to_owned(), "CUSTOMER_NAME", 2, 5),
        ]
    );
    let off = stage(&format!("propagate = false\n{config}"))
        .process(batch(&rows[..1]))
        .unwrap();
    assert!(
        texts(&off.kept, "description")[0]
            .as_deref()
            .unwrap()
            .starts_with("张三丰")
    );
}

#[test]
fn non_text_column_values_are_propagated_as_displayed() {
    // 90210 is no phone to any detector: only propagation of the number finds it.
    let rows = vec![
        json!({"customer_phone": 90210_i64, "description": "回拨90210，不是190210"}),
        json!({"customer_phone": null, "description": "回拨90210"}),
    ];
    let out = stage("[columns]\ncustomer_phone = \"drop_field\"")
        .process(batch(&rows))
        .unwrap();
    assert_eq!(
        texts(&out.kept, "description"),
        vec![
            Some("回拨<CUSTOMER_PHONE>，不是190210".to_owned()),
            Some("回拨90210".to_owned()),
        ]
    );
}

/// Runs the stage's two passes over `rows` cut into batches of `size` rows; returns the
/// description of every kept row, in order.
fn run_dataset(stage: &mut RedactStage, rows: &[Value], size: usize) -> Vec<Option<String>> {
    let batches: Vec<Batch> = rows.chunks(size).map(batch).collect();
    let attrs = batches
        .iter()
        .map(|b| stage.tag(b))
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    stage.decide(&Batch::identities(&batches), attrs).unwrap();
    batches
        .into_iter()
        .enumerate()
        .flat_map(|(i, b)| texts(&stage.apply(i, b).unwrap().kept, "description"))
        .collect()
}

#[test]
fn dataset_propagation_redacts_every_records_text_whatever_the_batch_size() {
    let config = "propagate = \"dataset\"\n[columns]\ncustomer_name = \"placeholder\"";
    let rows = vec![
        json!({"customer_name": "张三丰", "description": "客户来电"}),
        json!({"customer_name": "Wang Fang", "description": "about 张三丰"}),
        // A short name (`Li`) is never propagated; `Wang Fang` inside a longer word is glued.
        json!({"customer_name": "Li", "description": "Li met Wang Fang and Wang Fangs"}),
        json!({"description": "张三丰 called; Linux Li"}),
    ];
    let expected = vec![
        Some("客户来电".to_owned()),
        Some("about <CUSTOMER_NAME>".to_owned()),
        Some("Li met <CUSTOMER_NAME> and Wang Fangs".to_owned()),
        Some("<CUSTOMER_NAME> called; Linux Li".to_owned()),
    ];
    for size in [1, 3, rows.len()] {
        let mut dataset = stage(config);
        assert!(dataset.needs_decision());
        assert_eq!(run_dataset(&mut dataset, &rows, size), expected, "{size}");
        // The stage's debug form names how many values it holds, never one of them.
        let debug = format!("{dataset:?}");
        assert!(
            !debug.contains("张三丰") && !debug.contains("Wang"),
            "{debug}"
        );
    }
    // Record mode (the default) redacts a value in its own record only, so it needs no
    // decision and applying without one gives the same rows.
    let mut record = stage("[columns]\ncustomer_name = \"placeholder\"");
    assert!(!record.needs_decision());
    let decided = run_dataset(&mut record, &rows, 2);
    assert_eq!(decided[1], Some("about 张三丰".to_owned()));
    assert_eq!(decided[3], Some("张三丰 called; Linux Li".to_owned()));
    let undecided = stage("[columns]\ncustomer_name = \"placeholder\"");
    let applied: Vec<Option<String>> = rows
        .chunks(2)
        .enumerate()
        .flat_map(|(i, chunk)| {
            texts(
                &undecided.apply(i, batch(chunk)).unwrap().kept,
                "description",
            )
        })
        .collect();
    assert_eq!(applied, decided);
}

#[test]
fn keep_private_ip_leaves_internal_addresses() {
    let rows = vec![json!({"description": "from 10.0.0.1 via 8.8.8.8"})];
    let out = stage("").process(batch(&rows)).unwrap();
    assert_eq!(
        texts(&out.kept, "description"),
        vec![Some("from <IP_ADDRESS> via <IP_ADDRESS>".to_owned())]
    );
    let kept = stage("keep_private_ip = true")
        .process(batch(&rows))
        .unwrap();
    assert_eq!(
        texts(&kept.kept, "description"),
        vec![Some("from 10.0.0.1 via <IP_ADDRESS>".to_owned())]
    );
}
