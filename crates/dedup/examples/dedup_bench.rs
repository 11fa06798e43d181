//! Throughput of the dedup stage on generated English and Chinese records (no criterion).
//!
//! `cargo run --release -p sluice-dedup --example dedup_bench -- [records] [batch_size]`
//! (defaults 100000, 8192). Tag runs single-threaded here, so the figures are per core; the
//! pipeline tags and applies batches in parallel.

use sluice_core::GlobalStage;
use sluice_dedup::eval::{eval_batches, eval_schema, generate};
use sluice_dedup::{DedupConfig, ExactDedup};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let records: usize = args.first().map_or(Ok(100_000), |a| a.parse())?;
    let batch_size: usize = args.get(1).map_or(Ok(8192), |a| a.parse())?;
    // About 2.2 records per original.
    let mut data = generate(1, records * 10 / 22 + 1);
    data.truncate(records);
    let bytes: usize = data.iter().map(|r| r.text.len()).sum();
    let batches = eval_batches(&data, batch_size)?;
    println!(
        "{} records, {:.1} MB of text, batches of {batch_size}",
        data.len(),
        bytes as f64 / 1e6
    );
    println!(
        "{:<22} {:>9} {:>9} {:>9} {:>12} {:>8} {:>8}",
        "mode", "tag s", "decide s", "apply s", "records/s", "MB/s", "removed"
    );
    for (name, text) in [
        ("exact", "key = [\"body\"]"),
        (
            "exact + near (128)",
            "key = [\"body\"]\nnear = { threshold = 0.8 }",
        ),
    ] {
        let config: DedupConfig = toml::from_str(text)?;
        let mut stage = ExactDedup::build(config, &eval_schema())?;
        let t0 = Instant::now();
        let attrs = batches
            .iter()
            .map(|b| stage.tag(b))
            .collect::<Result<Vec<_>, _>>()?;
        let t1 = Instant::now();
        stage.decide(&batches, attrs)?;
        let t2 = Instant::now();
        let mut removed = 0usize;
        for (i, b) in batches.iter().enumerate() {
            removed += stage.apply(i, b.clone())?.removed.len();
        }
        let t3 = Instant::now();
        let total = (t3 - t0).as_secs_f64();
        println!(
            "{name:<22} {:>9.2} {:>9.2} {:>9.2} {:>12.0} {:>8.1} {:>8}",
            (t1 - t0).as_secs_f64(),
            (t2 - t1).as_secs_f64(),
            (t3 - t2).as_secs_f64(),
            data.len() as f64 / total,
            bytes as f64 / 1e6 / total,
            removed
        );
    }
    Ok(())
}
