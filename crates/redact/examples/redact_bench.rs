//! Redaction throughput: the full catalogue on generated mixed Chinese/English text, next to a
//! plain single-regex replace over the same text. Run with
//! `cargo run --release -p sluice-redact --example redact_bench [MB]` (single thread).

use regex::Regex;
use sluice_core::{FieldSpec, FieldType, TargetSchema};
use sluice_redact::{RedactConfig, RedactStage};
use std::time::Instant;

/// Realistic support-ticket lines: most carry no PII; some carry one or two entities.
const LINES: &[&str] = &[
    "客户反映昨天下午在门店购买的商品存在质量问题，希望尽快安排退换货处理。",
    "The customer reported that the delivery was delayed by three days and asked for a refund.",
    "请联系手机13812345678或邮箱zhangsan@example.com确认地址。",
    "订单号2024061812345已发货，物流单号SF1234567890123，预计周五送达。",
    "Server 10.0.0.1 returned error 502 at 2024-06-18 12:30:45, version v1.2.3.4.",
    "身份证号11010519491231002X的用户申请修改绑定银行卡6222021234567890128。",
    "Please call +44 20 7946 0958 or write to john.doe@example.co.uk before Friday.",
    "系统日志：用户登录成功，会话时长35分钟，无异常。",
    "Invoice INV-2024-000123 total 1,234.56 USD paid by card ending 4242.",
    "api_key = q8Wv2LmZ7xR4tY1uPo9s was committed to the repo by mistake.",
];

fn generate(bytes: usize) -> Vec<String> {
    let mut values = Vec::new();
    let mut total = 0;
    let mut i = 0usize;
    while total < bytes {
        // Values of 3-6 lines, like a ticket description.
        let value: String = (0..3 + i % 4)
            .map(|k| LINES[(i * 7 + k * 3) % LINES.len()])
            .collect::<Vec<_>>()
            .join(" ");
        total += value.len();
        values.push(value);
        i += 1;
    }
    values
}

fn mb_per_s(bytes: usize, seconds: f64) -> f64 {
    bytes as f64 / 1e6 / seconds.max(1e-9)
}

fn main() {
    let mb: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let values = generate(mb * 1_000_000);
    let bytes: usize = values.iter().map(String::len).sum();
    let schema = TargetSchema {
        fields: vec![FieldSpec {
            name: "text".into(),
            source: "text".into(),
            ty: FieldType::String,
            required: false,
        }],
    };
    let Ok(stage) = RedactStage::build(&RedactConfig::default(), &schema) else {
        eprintln!("the default redaction stage does not build");
        std::process::exit(2);
    };
    let Ok(email) = Regex::new(r"[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}")
    else {
        eprintln!("baseline regex does not compile");
        std::process::exit(2);
    };

    let started = Instant::now();
    let mut findings = 0usize;
    for value in &values {
        findings += stage.engine().detect(value).len();
    }
    let detect = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut out = 0usize;
    for value in &values {
        out += stage.redact_text(value).len();
    }
    let redact = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut baseline = 0usize;
    for value in &values {
        baseline += email.replace_all(value, "<EMAIL>").len();
    }
    let single = started.elapsed().as_secs_f64();

    println!(
        "{:.1} MB in {} values, {} detectors, {} findings",
        bytes as f64 / 1e6,
        values.len(),
        stage.engine().codes().len(),
        findings
    );
    println!(
        "full catalogue detect:       {:8.1} MB/s",
        mb_per_s(bytes, detect)
    );
    println!(
        "full catalogue redact_text:  {:8.1} MB/s ({out} bytes out)",
        mb_per_s(bytes, redact)
    );
    println!(
        "single-regex replace (email):{:8.1} MB/s ({baseline} bytes out)",
        mb_per_s(bytes, single)
    );
}
