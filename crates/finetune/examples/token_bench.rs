//! Token-count throughput of the format stage's tokenizers over synthetic text.
//!
//! `cargo run --release -p sluice-finetune --example token_bench [MB] [tokenizer.json]`
//!
//! Generates about `MB` (default 4) of deterministic mixed English/Chinese support-ticket text,
//! counts it with cl100k, o200k and, if given, a Hugging Face tokenizer.json, and prints tokens,
//! seconds and tokens/s per tokenizer (single thread).

use sluice_tokenize::Tokenizer;
use std::path::Path;
use std::time::Instant;

const ENGLISH: [&str; 8] = [
    "My order has not arrived yet",
    "please check the tracking number",
    "the invoice shows a double charge",
    "I would like a refund to my card",
    "the app crashes when I open settings",
    "thanks for the quick reply",
    "can you reset my password",
    "the package was damaged on delivery",
];
const CHINESE: [&str; 8] = [
    "我的订单还没有发货",
    "请帮我查一下物流信息",
    "发票上重复扣款了",
    "我想申请退款到银行卡",
    "打开设置时应用闪退",
    "感谢您的快速回复",
    "能帮我重置密码吗",
    "包裹在运输中损坏了",
];

/// Deterministic synthetic documents of roughly `bytes` bytes in total (a tiny LCG picks phrases).
fn corpus(bytes: usize) -> Vec<String> {
    let mut state: u64 = 0x5eed;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    let mut docs = Vec::new();
    let mut total = 0;
    while total < bytes {
        let mut doc = String::new();
        for _ in 0..(8 + next() % 24) {
            let phrase = if next() % 3 == 0 {
                CHINESE[next() % CHINESE.len()]
            } else {
                ENGLISH[next() % ENGLISH.len()]
            };
            doc.push_str(phrase);
            doc.push_str(if next() % 4 == 0 { ". " } else { ", " });
            if next() % 10 == 0 {
                doc.push_str(&format!("ticket #{} ", next() % 100_000));
            }
        }
        total += doc.len();
        docs.push(doc);
    }
    docs
}

fn bench(tokenizer: &Tokenizer, docs: &[String], bytes: usize) {
    // Warm-up (first use loads the ranks).
    let _ = tokenizer.count("warm up");
    let start = Instant::now();
    let tokens: usize = docs.iter().map(|d| tokenizer.count(d)).sum();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{:<24} {:>10} tokens  {:>7.3} s  {:>12.0} tokens/s  {:>6.2} MB/s",
        tokenizer.name(),
        tokens,
        secs,
        tokens as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mb: f64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(4.0);
    let file = args.next();
    let docs = corpus((mb * 1e6) as usize);
    let bytes: usize = docs.iter().map(String::len).sum();
    println!(
        "{} docs, {:.2} MB of synthetic text",
        docs.len(),
        bytes as f64 / 1e6
    );
    for name in ["cl100k", "o200k"] {
        let start = Instant::now();
        let tokenizer = Tokenizer::builtin(name)?;
        println!("{name}: loaded in {:.3} s", start.elapsed().as_secs_f64());
        bench(&tokenizer, &docs, bytes);
    }
    if let Some(path) = file {
        bench(&Tokenizer::from_file(Path::new(&path))?, &docs, bytes);
    }
    Ok(())
}
