//! Near-duplicate evaluation on generated English and Chinese records with ground truth.
//!
//! `cargo run --release -p sluice-dedup --example near_dup_eval -- [originals] [threshold] [seed]`
//! (defaults 5000, 0.8, 42). Prints pair precision / recall and cluster purity of exact-only and
//! exact + near dedup, and the share of each injected variant kind found with its original.

use sluice_dedup::eval::{EvalScores, cluster_ids, eval_batches, eval_schema, generate, score};
use sluice_dedup::shingle::Shingler;
use sluice_dedup::{DedupConfig, ExactDedup, Normalization, Normalizer, Shingle};
use std::collections::{BTreeMap, HashMap, HashSet};

/// True Jaccard of the `auto` shingle sets of two texts after the default normalisation.
fn jaccard(a: &str, b: &str) -> f64 {
    let normalizer = Normalizer::new(&Normalization::defaults());
    let mut shingler = Shingler::default();
    let mut set = |text: &str| {
        let mut out = HashSet::new();
        shingler.shingles(&normalizer.apply(text), Shingle::Auto, &mut |h| {
            out.insert(h);
        });
        out
    };
    let (x, y) = (set(a), set(b));
    let union = x.union(&y).count();
    if union == 0 {
        return 1.0;
    }
    x.intersection(&y).count() as f64 / union as f64
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let originals: usize = args.first().map_or(Ok(5000), |a| a.parse())?;
    let threshold: f64 = args.get(1).map_or(Ok(0.8), |a| a.parse())?;
    let seed: u64 = args.get(2).map_or(Ok(42), |a| a.parse())?;

    let records = generate(seed, originals);
    let truth: Vec<u32> = records.iter().map(|r| r.group).collect();
    let batches = eval_batches(&records, 1000)?;
    println!(
        "{} records ({} originals, seed {seed}), threshold {threshold}",
        records.len(),
        originals
    );
    println!();
    println!(
        "{:<26} {:>9} {:>9} {:>9} {:>11} {:>11}",
        "config", "precision", "recall", "purity", "pred pairs", "true pairs"
    );
    let configs = [
        ("exact only", "key = [\"body\"]".to_owned()),
        (
            "exact + near (auto)",
            format!("key = [\"body\"]\nnear = {{ threshold = {threshold} }}"),
        ),
        (
            "exact + near, longest",
            format!(
                "key = [\"body\"]\nsurvivor = \"longest\"\nnear = {{ threshold = {threshold} }}"
            ),
        ),
        (
            "exact + near (256 perms)",
            format!("key = [\"body\"]\nnear = {{ threshold = {threshold}, permutations = 256 }}"),
        ),
    ];
    let mut last = Vec::new();
    for (name, text) in &configs {
        let config: DedupConfig = toml::from_str(text)?;
        let mut stage = ExactDedup::build(config, &eval_schema())?;
        let predicted = cluster_ids(&mut stage, &batches)?;
        let s: EvalScores = score(&truth, &predicted);
        println!(
            "{name:<26} {:>9.4} {:>9.4} {:>9.4} {:>11} {:>11}",
            s.precision, s.recall, s.purity, s.predicted_pairs, s.true_pairs
        );
        last = predicted;
    }

    // Per variant kind (last config): found in the same cluster as its original?
    // Split by the true shingle Jaccard to the original: copies below the threshold are not near
    // duplicates at this threshold, so missing them is the shingling's verdict, not LSH's.
    let mut original: HashMap<u32, (&str, &str)> = HashMap::new();
    for (r, c) in records.iter().zip(&last) {
        if r.variant == "original" {
            original.insert(r.group, (r.text.as_str(), c.as_str()));
        }
    }
    // kind → (copies, found, copies with J ≥ t, found among those)
    let mut by_kind: BTreeMap<&str, [u64; 4]> = BTreeMap::new();
    for (r, c) in records.iter().zip(&last) {
        let Some((text, cluster)) = original.get(&r.group) else {
            continue;
        };
        if r.variant == "original" {
            continue;
        }
        let found = *cluster == c.as_str();
        let above = jaccard(text, &r.text) >= threshold;
        let e = by_kind.entry(r.variant).or_default();
        e[0] += 1;
        e[1] += u64::from(found);
        e[2] += u64::from(above);
        e[3] += u64::from(found && above);
    }
    let pct = |a: u64, b: u64| 100.0 * a as f64 / b.max(1) as f64;

    // True pairs split by their own exact Jaccard: a pair below the threshold (often two copies
    // of one original, each edited differently) can only be joined by chaining, which the stage
    // refuses, so recall over the pairs at or above the threshold is the figure LSH and
    // verification answer for.
    let mut groups: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        groups.entry(r.group).or_default().push(i);
    }
    let (mut above, mut above_found, mut below, mut below_found) = (0u64, 0u64, 0u64, 0u64);
    for rows in groups.values() {
        for (x, &a) in rows.iter().enumerate() {
            for &b in &rows[x + 1..] {
                let together = u64::from(last[a] == last[b]);
                if jaccard(&records[a].text, &records[b].text) >= threshold {
                    above += 1;
                    above_found += together;
                } else {
                    below += 1;
                    below_found += together;
                }
            }
        }
    }
    println!();
    println!(
        "true pairs with J >= t: {above} ({:.1}%), recall on them {:.2}%; pairs below t: {below}, \
         joined {below_found}",
        pct(above, above + below),
        pct(above_found, above)
    );
    println!();
    println!(
        "{:<24} {:>7} {:>8} {:>9} {:>12}",
        "variant (256 perms)", "copies", "found", "J >= t", "found | J>=t"
    );
    let mut total = [0u64; 4];
    for (kind, e) in &by_kind {
        println!(
            "{kind:<24} {:>7} {:>7.1}% {:>8.1}% {:>11.1}%",
            e[0],
            pct(e[1], e[0]),
            pct(e[2], e[0]),
            pct(e[3], e[2])
        );
        for i in 0..4 {
            total[i] += e[i];
        }
    }
    println!(
        "{:<24} {:>7} {:>7.1}% {:>8.1}% {:>11.1}%",
        "all copies",
        total[0],
        pct(total[1], total[0]),
        pct(total[2], total[0]),
        pct(total[3], total[2])
    );
    Ok(())
}
