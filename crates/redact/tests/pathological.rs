//! Pathological values must finish: the engine's work is linear in the value's length. These
//! tests bound *work* (they complete, findings are well-formed), not time; throughput lives in
//! `examples/redact_bench.rs`.

#![allow(clippy::unwrap_used)]

use sluice_redact::Engine;

fn check(engine: &Engine, text: &str) -> usize {
    let found = engine.detect(text);
    let mut previous_end = 0;
    for d in &found {
        assert!(d.start >= previous_end && d.start < d.end && d.end <= text.len());
        assert!(text.is_char_boundary(d.start) && text.is_char_boundary(d.end));
        previous_end = d.end;
    }
    found.len()
}

#[test]
fn a_million_digits_in_one_run_yield_nothing() {
    let engine = Engine::all().unwrap();
    assert_eq!(check(&engine, &"1".repeat(1_000_000)), 0);
    let mixed: String = (0..1_000_000u32)
        .map(|i| char::from(b'0' + ((i * 7 + i / 13) % 10) as u8))
        .collect();
    assert_eq!(check(&engine, &mixed), 0);
}

#[test]
fn digit_groups_and_separator_runs_finish() {
    let engine = Engine::all().unwrap();
    for unit in [
        "1 ",
        "12-",
        "1.",
        "a:",
        "ab12",
        "AA11",
        "eyJ",
        "-----BEGIN PRIVATE KEY-----",
        "qq 1",
        "密码=x",
    ] {
        let text = unit.repeat(1_000_000 / unit.len());
        check(&engine, &text);
    }
}

#[test]
fn a_10_mb_mixed_value_is_scanned_and_every_entity_found() {
    let engine = Engine::all().unwrap();
    let block = "客户张先生来电，手机13812345678，邮箱zhangsan@example.com，订单号2024061812345，\
                 身份证号11010519491231002X。Server 10.0.0.1 logged in v1.2.3.4. ";
    let count = 10_000_000 / block.len();
    let text = block.repeat(count);
    assert_eq!(check(&engine, &text), 4 * count);
}
