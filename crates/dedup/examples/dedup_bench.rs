//! Throughput and memory of the dedup stage on generated English and Chinese records with planted
//! exact and near duplicates (no criterion).
//!
//! `cargo run --release -p sluice-dedup --example dedup_bench -- [records] [batch_size] [mode]
//! [jsonl]` (defaults 100000, 8192, `both`). `mode` is `exact`, `near` (exact + near),
//! `near-survivor` (near with `centre = "survivor"`, for the cost of coverage centres) or `both`;
//! run one mode per process to read its own peak RSS. With `jsonl`, the records are also written
//! there as `{"id", "text"}` lines (for `bench/datatrove_minhash.py`) and nothing is timed.
//! Tag runs single-threaded here, so the figures are per core; the pipeline tags and applies
//! batches in parallel. Peak RSS is the process's `VmHWM`, generated data and Arrow batches
//! included.

use sluice_core::{Batch, GlobalStage};
use sluice_dedup::eval::{eval_batches, eval_schema, generate};
use sluice_dedup::{DedupConfig, ExactDedup};
use std::io::Write;
use std::time::Instant;

/// A `VmHWM`/`VmRSS` line of `/proc/self/status`, in MB (0 where unavailable).
fn proc_status_mb(field: &str) -> f64 {
    let status = fs_err::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// CPU time of this thread so far in seconds (`/proc/thread-self/schedstat`, nanoseconds on the
/// CPU; 0 where unavailable). The benchmark is single-threaded, so on a busy machine this is the
/// honest cost where wall time is not.
fn cpu_seconds() -> f64 {
    fs_err::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e9)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let records: usize = args.first().map_or(Ok(100_000), |a| a.parse())?;
    let batch_size: usize = args.get(1).map_or(Ok(8192), |a| a.parse())?;
    let mode = args.get(2).map_or("both", String::as_str);
    // 13/6 ≈ 2.17 records per original on average: generate a little more, keep `records`.
    let mut data = generate(1, records * 12 / 25 + 16);
    data.truncate(records);
    if let Some(path) = args.get(3) {
        let mut out = std::io::BufWriter::new(fs_err::File::create(path)?);
        for (i, r) in data.iter().enumerate() {
            let line = serde_json::json!({"id": format!("eval:{i}"), "text": r.text});
            writeln!(out, "{line}")?;
        }
        out.flush()?;
        println!("wrote {} records to {path}", data.len());
        return Ok(());
    }
    let bytes: usize = data.iter().map(|r| r.text.len()).sum();
    let planted = data.iter().filter(|r| r.variant != "original").count();
    let count = data.len();
    let batches = eval_batches(&data, batch_size)?;
    drop(data);
    println!(
        "{count} records ({planted} planted copies), {:.1} MB of text, batches of {batch_size}, \
         RSS before dedup {:.0} MB",
        bytes as f64 / 1e6,
        proc_status_mb("VmRSS:")
    );
    println!(
        "{:<20} {:>7} {:>8} {:>7} {:>10} {:>6} {:>7} {:>10} {:>8} {:>8} {:>9} {:>10}",
        "mode",
        "tag s",
        "decide s",
        "apply s",
        "records/s",
        "MB/s",
        "cpu s",
        "rec/cpu-s",
        "MB/cpu-s",
        "removed",
        "attr B/rec",
        "peak MB"
    );
    let mut configs = Vec::new();
    if mode == "exact" || mode == "both" {
        configs.push(("exact", "key = [\"body\"]"));
    }
    if mode == "near" || mode == "both" {
        configs.push((
            "exact + near",
            "key = [\"body\"]\nnear = { threshold = 0.8 }",
        ));
    }
    if mode == "near-survivor" {
        configs.push((
            "near, centre=surv",
            "key = [\"body\"]\nnear = { threshold = 0.8, centre = \"survivor\" }",
        ));
    }
    if configs.is_empty() {
        return Err(format!("unknown mode `{mode}` (exact, near, near-survivor or both)").into());
    }
    for (name, text) in configs {
        let config: DedupConfig = toml::from_str(text)?;
        let mut stage = ExactDedup::build(config, &eval_schema())?;
        let c0 = cpu_seconds();
        let t0 = Instant::now();
        let attrs = batches
            .iter()
            .map(|b| stage.tag(b))
            .collect::<Result<Vec<_>, _>>()?;
        let t1 = Instant::now();
        let c1 = cpu_seconds();
        let attr_bytes: usize = attrs.iter().flatten().map(|a| a.memory_bytes()).sum();
        let attr_bytes = attr_bytes + attrs.len() * std::mem::size_of::<Vec<()>>();
        let t1b = Instant::now();
        let c1b = cpu_seconds();
        stage.decide(&Batch::identities(&batches), attrs)?;
        let t2 = Instant::now();
        let mut removed = 0usize;
        for (i, b) in batches.iter().enumerate() {
            removed += stage.apply(i, b.clone())?.removed.len();
        }
        let t3 = Instant::now();
        // The attribute census between tag and decide is not part of the stage's cost.
        let cpu = cpu_seconds() - c0 - (c1b - c1);
        let total = (t1 - t0).as_secs_f64() + (t3 - t1b).as_secs_f64();
        println!(
            "{name:<20} {:>7.2} {:>8.2} {:>7.2} {:>10.0} {:>6.1} {:>7.2} {:>10.0} {:>8.1} {:>8} \
             {:>9.0} {:>10.0}",
            (t1 - t0).as_secs_f64(),
            (t2 - t1b).as_secs_f64(),
            (t3 - t2).as_secs_f64(),
            count as f64 / total,
            bytes as f64 / 1e6 / total,
            cpu,
            count as f64 / cpu,
            bytes as f64 / 1e6 / cpu,
            removed,
            attr_bytes as f64 / count.max(1) as f64,
            proc_status_mb("VmHWM:")
        );
    }
    Ok(())
}
