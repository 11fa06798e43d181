//! Per-detector cost: times an engine holding one detector at a time over the same generated
//! text as `redact_bench`, to show where the full catalogue spends its time. Run with
//! `cargo run --release -p sluice-redact --example redact_profile [MB]` (single thread).

use sluice_redact::{Engine, catalogue};
use std::time::Instant;

#[path = "common/corpus.rs"]
mod corpus;

fn main() {
    let mb: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    for (name, values) in corpus::corpora(mb * 1_000_000) {
        let bytes: usize = values.iter().map(String::len).sum();
        println!(
            "{name}: {:.1} MB in {} values",
            bytes as f64 / 1e6,
            values.len()
        );
        let mut rows = Vec::new();
        for info in catalogue() {
            let Ok(engine) = Engine::new(&[info.code]) else {
                eprintln!("detector {} does not build", info.code);
                std::process::exit(2);
            };
            let started = Instant::now();
            let mut findings = 0usize;
            for value in &values {
                findings += engine.detect(value).len();
            }
            rows.push((started.elapsed().as_secs_f64(), info.code, findings));
        }
        rows.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (seconds, code, findings) in rows {
            println!(
                "  {code:<24} {:8.1} ms {:8.1} MB/s {findings:>8} findings",
                seconds * 1e3,
                bytes as f64 / 1e6 / seconds.max(1e-9)
            );
        }
    }
}
