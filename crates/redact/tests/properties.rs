//! Property tests of the engine and the stage: no panics on any input, well-formed findings,
//! idempotent redaction, and full recall on texts built from known-valid synthetic entities.

// Helpers outside `#[test]` functions are test code too; a failed setup should panic here.
#![allow(clippy::unwrap_used)]

use arrow::array::{ArrayRef, RecordBatch, StringArray};
use proptest::prelude::*;
use sluice_core::{
    Batch, FieldSpec, FieldType, RecordId, RowMeta, RowStage, SourceRef, TargetSchema,
};
use sluice_redact::{Engine, RedactConfig, RedactStage};
use std::sync::{Arc, LazyLock};

/// Synthetic, valid examples of every entity (test card numbers, reserved domains, the
/// standard's sample ID).
const ENTITIES: &[&str] = &[
    "zhangsan@example.com",
    "ZHANG@QQ.COM",
    "13812345678",
    "+86 138 1234 5678",
    "１３９１２３４５６７８",
    "11010519491231002X",
    "110101199003074477",
    "6222021234567890128",
    "4111 1111 1111 1111",
    "192.168.1.10",
    "+44 20 7946 0958",
];

/// Pieces that make near-misses and glued forms when concatenated.
const PIECES: &[&str] = &[
    "0", "1", "5", "8", "9", " ", "-", ".", "@", "+", "x", "X", "v", "a", "com", "(", ")", "手机",
    "邮箱", "号", "１", "＠", "．", "\u{200B}", "\u{3000}", "version ", "，",
];

/// Han words that separate entities without gluing to them.
const HAN: &[&str] = &["，", "手机", "邮箱", "身份证号", "卡号", "。", "服务器"];

static ENGINE: LazyLock<Engine> = LazyLock::new(|| Engine::all().unwrap());

fn stage() -> RedactStage {
    RedactStage::build(&RedactConfig::default(), &schema()).unwrap()
}

fn schema() -> TargetSchema {
    TargetSchema {
        fields: vec![FieldSpec {
            name: "text".into(),
            source: "text".into(),
            ty: FieldType::String,
            required: false,
        }],
    }
}

fn fragments() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        proptest::sample::select(ENTITIES).prop_map(str::to_owned),
        proptest::sample::select(PIECES).prop_map(str::to_owned),
        "\\PC{0,4}",
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|parts| parts.concat())
}

fn separated_entities() -> impl Strategy<Value = String> {
    let pair = (
        proptest::sample::select(HAN),
        proptest::sample::select(ENTITIES),
    );
    proptest::collection::vec(pair, 1..8).prop_map(|pairs| {
        let mut text: String = pairs.iter().flat_map(|(han, e)| [*han, *e]).collect();
        text.push('。');
        text
    })
}

fn check_findings(text: &str) {
    let found = ENGINE.detect(text);
    let mut previous_end = 0;
    for d in &found {
        assert!(d.start < d.end, "empty finding {d:?}");
        assert!(d.start >= previous_end, "overlap or disorder at {d:?}");
        assert!(text.is_char_boundary(d.start) && text.is_char_boundary(d.end));
        assert!(d.end <= text.len());
        previous_end = d.end;
    }
}

fn batch(texts: &[String]) -> Batch {
    let column: ArrayRef = Arc::new(StringArray::from_iter_values(texts));
    let data = RecordBatch::try_new(schema().arrow_schema(), vec![column]).unwrap();
    let rows = (0..texts.len() as u64)
        .map(|i| RowMeta {
            id: RecordId::new("prop", i),
            source: SourceRef {
                input: 0,
                row: i,
                line: i + 1,
            },
        })
        .collect();
    Batch::new(data, rows).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn detect_never_panics_and_findings_are_well_formed(text in "\\PC*") {
        check_findings(&text);
    }

    #[test]
    fn findings_in_fragment_texts_are_well_formed(text in fragments()) {
        check_findings(&text);
    }

    #[test]
    fn redact_text_is_idempotent(text in fragments()) {
        let stage = stage();
        let once = stage.redact_text(&text);
        prop_assert_eq!(stage.redact_text(&once), once);
    }

    #[test]
    fn redact_text_is_idempotent_on_any_text(text in "\\PC*") {
        let stage = stage();
        let once = stage.redact_text(&text);
        prop_assert_eq!(stage.redact_text(&once), once);
    }

    #[test]
    fn every_separated_entity_is_redacted(text in separated_entities()) {
        let redacted = stage().redact_text(&text);
        let leaked = redacted
            .chars()
            .any(|c| c.is_ascii_digit() || c == '@' || ('０'..='９').contains(&c));
        prop_assert!(!leaked, "{} -> {}", text, redacted);
    }

    #[test]
    fn the_stage_conserves_rows_and_a_second_pass_finds_nothing(
        texts in proptest::collection::vec(fragments(), 0..6)
    ) {
        let config: RedactConfig = toml::from_str("[policy]\nPAYMENT_CARD = \"quarantine\"").unwrap();
        let stage = RedactStage::build(&config, &schema()).unwrap();
        let first = stage.process(batch(&texts)).unwrap();
        prop_assert!(first.report.conserves());
        prop_assert_eq!(first.kept.len() + first.removed.len(), texts.len());
        let second = stage.process(first.kept).unwrap();
        prop_assert!(second.spans.is_empty(), "{:?}", second.spans);
        prop_assert!(second.removed.is_empty());
    }
}

/// A shrunk case proptest found: redacting an email whose domain is `QQ.COM` must not leave a
/// second pass a QQ number glued to what follows.
#[test]
fn a_second_pass_finds_nothing_after_a_qq_mail_domain() {
    let config: RedactConfig = toml::from_str("[policy]\nPAYMENT_CARD = \"quarantine\"").unwrap();
    let stage = RedactStage::build(&config, &schema()).unwrap();
    let texts = vec!["ZHANG@QQ.COM+86 138 1234 5678192.168.1.104111 1111 1111 1111".to_owned()];
    let first = stage.process(batch(&texts)).unwrap();
    let second = stage.process(first.kept).unwrap();
    assert!(second.spans.is_empty(), "{:?}", second.spans);
}
