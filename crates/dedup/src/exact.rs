//! The dedup stage as a [`GlobalStage`]: tag rows with key digests, survivor ranks and (when
//! `near` is set) LSH keys and shingle sets; decide exact groups over the digests, then near-duplicate
//! clusters over the exact survivors, with survivors under one total order; then remove the other
//! rows of each group.

use crate::config::{DedupConfig, DedupError};
use crate::key::{KeyDigest, row_keys, row_keys_with};
use crate::minhash::MinHasher;
use crate::near::{NearConfig, NearItem, NearSketch, band_keys, cluster};
use crate::normalize::Normalizer;
use crate::par::par_concat;
use crate::rank::row_ranks;
use crate::shingle::Shingler;
use crate::sketch;
use crate::survivor::{
    InputPreference, Rank, RowPos, SurvivorRule, choose_survivors_by, fits_positions, indexes,
    row_pos,
};
use arrow::array::RecordBatch;
use arrow::error::ArrowError;
use rayon::prelude::*;
use sluice_core::{
    Batch, CoreError, GlobalStage, ReasonCode, RecordId, Removal, RowMeta, SourceRef, StageOutput,
    StageReport, TargetSchema,
};

/// Per row of a batch: its key digest, and its near-dedup sketch (empty without near dedup).
type KeysAndSketches = (Vec<Option<KeyDigest>>, Vec<Option<NearSketch>>);

/// Counter: distinct keys shared by two or more rows.
pub const COUNTER_EXACT_GROUPS: &str = "exact_groups";
/// Counter: rows whose key fields were all null (never treated as duplicates).
pub const COUNTER_NULL_KEYS: &str = "null_keys";
/// Counter: near-duplicate clusters of two or more exact survivors (counted in the survivor's
/// batch).
pub const COUNTER_NEAR_CLUSTERS: &str = "near_clusters";
/// Counter: LSH candidate pairs whose shingle-set similarity was computed (whole run, batch 0).
pub const COUNTER_NEAR_PAIRS_VERIFIED: &str = "near_pairs_verified";
/// Counter: verified candidate pairs below the threshold, never joined (whole run, batch 0).
pub const COUNTER_NEAR_PAIRS_REJECTED: &str = "near_pairs_rejected";
/// Counter: rows in the largest cluster, exact and near duplicates included (whole run, batch 0).
pub const COUNTER_LARGEST_CLUSTER: &str = "largest_cluster";
/// Counter: near clusters that reached `max_cluster_size` while more rows qualified, so those
/// rows formed further clusters (whole run, batch 0).
pub const COUNTER_NEAR_OVERSIZE_CLUSTERS: &str = "near.oversize_clusters";
/// Counter: rows similar enough to join a full cluster that went to further clusters instead
/// (whole run, batch 0).
pub const COUNTER_NEAR_OVERSIZE_MEMBERS: &str = "near.oversize_members";

/// The tag pass's compact per-row attributes; `decide` sees nothing else.
///
/// Bytes per record: 88 inline (key digest 33, rank 24, near sketch 24, padded), plus the text of
/// a string rank field for `earliest`/`latest` rules, plus with `near` on, in one allocation:
/// 4 × bands of LSH keys (64 at the default 16 bands) and 4 × distinct shingles of the key text,
/// capped at 4 × `max_shingles` (2 KiB at the default 512). A 150-word English or 200-character Chinese
/// text has ≈ 150–200 distinct shingles, so ≈ 0.8–1 KB per record with near dedup on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowAttr {
    /// Exact-dedup digest of the normalised key; `None` when every key field is null.
    pub key: Option<KeyDigest>,
    /// Survivor rank under the configured rule.
    pub rank: Rank,
    /// LSH keys and shingle set of the key text; `None` without `near` or without any shingle.
    pub near: Option<NearSketch>,
}

impl RowAttr {
    /// Bytes this attribute holds: inline plus heap (rank text, LSH keys, shingles).
    pub fn memory_bytes(&self) -> usize {
        let rank = match &self.rank {
            Rank::Text(t) => t.len(),
            _ => 0,
        };
        let near = self.near.as_ref().map_or(0, NearSketch::heap_bytes);
        std::mem::size_of::<RowAttr>() + rank + near
    }
}

/// The cluster a row belongs to after `decide`, for lineage and cluster-aware splits.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterInfo {
    /// The survivor's record id when the row was removed as its duplicate; `None` when the row
    /// is its cluster's survivor or alone (the cluster is named after the row itself, and the
    /// run does not keep a second copy of every kept row's id).
    pub survivor: Option<String>,
    /// Rows in the cluster: the survivor plus every exact and near duplicate removed for it.
    pub size: u32,
    /// Jaccard similarity of the key text's shingle set to the survivor's (exact up to
    /// `max_shingles`, a bottom-k estimate beyond): `None` for the survivor itself, 1.0 for exact
    /// duplicates.
    pub similarity: Option<f32>,
}

impl ClusterInfo {
    /// The cluster's id: its survivor's record id, which is `own` (the row's id) when the row is
    /// the survivor or alone.
    pub fn cluster_id<'a>(&'a self, own: &'a str) -> &'a str {
        self.survivor.as_deref().unwrap_or(own)
    }
}

/// Why a removed row goes and for whom.
#[derive(Debug, Clone)]
struct Duplicate {
    survivor: RecordId,
    near: bool,
    similarity: f32,
}

/// One row's fate.
#[derive(Debug, Clone)]
struct RowFate {
    /// Where the row was read: `apply` checks it is handed the rows `decide` saw.
    source: SourceRef,
    duplicate: Option<Duplicate>,
    cluster_size: u32,
}

impl RowFate {
    /// The row's cluster: named after its survivor when removed, after itself otherwise.
    fn cluster(&self) -> ClusterInfo {
        match &self.duplicate {
            Some(d) => ClusterInfo {
                survivor: Some(d.survivor.to_string()),
                size: self.cluster_size,
                similarity: Some(d.similarity),
            },
            None => ClusterInfo {
                survivor: None,
                size: self.cluster_size,
                similarity: None,
            },
        }
    }
}

/// What `decide` concluded for one batch.
#[derive(Debug, Clone, Default)]
struct BatchDecision {
    rows: Vec<RowFate>,
    counters: Vec<(&'static str, u64)>,
}

/// The runtime dedup stage (exact, plus near duplicates when configured), built from a
/// [`DedupConfig`].
#[derive(Debug, Clone)]
pub struct ExactDedup {
    key: Vec<String>,
    normalizer: Normalizer,
    survivor: SurvivorRule,
    preference: InputPreference,
    near: Option<(NearConfig, MinHasher)>,
    detail: String,
    decisions: Vec<BatchDecision>,
}

impl ExactDedup {
    /// Validates `config` against `schema` and builds the stage for a run without input names;
    /// a `prefer_inputs` survivor rule needs [`ExactDedup::build_with_inputs`].
    pub fn build(config: DedupConfig, schema: &TargetSchema) -> Result<ExactDedup, DedupError> {
        Self::build_with_inputs(config, schema, &[])
    }

    /// Validates `config` against `schema` and builds the stage; `inputs` are the run's input
    /// display names indexed like `SourceRef::input`, against which `prefer_inputs` patterns are
    /// resolved (each must match at least one).
    pub fn build_with_inputs(
        config: DedupConfig,
        schema: &TargetSchema,
        inputs: &[String],
    ) -> Result<ExactDedup, DedupError> {
        config.validate(schema)?;
        let preference = InputPreference::resolve(&config.survivor, inputs)
            .map_err(DedupError::UnmatchedPreferredInput)?;
        let detail = format!("exact duplicate on key [{}]", config.key.join(", "));
        Ok(ExactDedup {
            normalizer: Normalizer::new(&config.normalize),
            near: config.near.map(|n| {
                // Verification uses the shingle sets, so only the slots LSH reads are computed.
                let (bands, rows) = n.lsh_params();
                let hasher = MinHasher::new(bands * rows);
                (n, hasher)
            }),
            key: config.key,
            survivor: config.survivor,
            preference,
            detail,
            decisions: Vec::new(),
        })
    }

    /// The key fields, in order.
    pub fn key(&self) -> &[String] {
        &self.key
    }

    /// Frees what `decide` concluded, once every batch is applied and the clusters are read: each
    /// row's fate names its record and its survivor (≈ 100 bytes a row), which the run would
    /// otherwise hold through every later stage. Afterwards `cluster_of` answers `None` and
    /// `apply` refuses every batch until the next `decide`.
    pub fn release_decisions(&mut self) {
        std::mem::take(&mut self.decisions)
            .into_par_iter()
            .for_each(drop);
    }

    /// The cluster of row `row` of batch `batch` (as passed to `decide`); `None` before `decide`,
    /// after [`ExactDedup::release_decisions`], or out of range.
    pub fn cluster_of(&self, batch: usize, row: usize) -> Option<ClusterInfo> {
        let fate = self.decisions.get(batch)?.rows.get(row)?;
        Some(fate.cluster())
    }

    /// Every row of batch `batch` (as passed to `decide`) with where it was read and its
    /// cluster, in row order; empty before `decide`, after
    /// [`ExactDedup::release_decisions`], or out of range. The run builds its cluster map from
    /// these without keeping its own copy of every row's source through the stage.
    pub fn batch_clusters(&self, batch: usize) -> Vec<(SourceRef, ClusterInfo)> {
        self.decisions.get(batch).map_or_else(Vec::new, |decision| {
            decision
                .rows
                .iter()
                .map(|fate| (fate.source, fate.cluster()))
                .collect()
        })
    }

    /// How many batches `decide` saw (0 before it or after release).
    pub fn decided_batches(&self) -> usize {
        self.decisions.len()
    }

    /// Each row's key digest and, with near dedup, its LSH keys and shingle set, from one pass
    /// over the key fields that normalises each text value once.
    fn keys_and_sketches(&self, data: &RecordBatch) -> Result<KeysAndSketches, CoreError> {
        let Some((near, hasher)) = &self.near else {
            return Ok((row_keys(data, &self.key, &self.normalizer)?, Vec::new()));
        };
        let rows = data.num_rows();
        let mut slots: Vec<Option<Vec<u32>>> = vec![None; rows];
        let mut elements: Vec<Vec<u32>> = vec![Vec::new(); rows];
        let mut shingler = Shingler::default();
        let mut hashes: Vec<u64> = Vec::new();
        let keys = row_keys_with(data, &self.key, &self.normalizer, &mut |row, normalized| {
            let (Some(signature), Some(set)) = (slots.get_mut(row), elements.get_mut(row)) else {
                return;
            };
            hashes.clear();
            shingler.shingles(normalized, near.shingle, &mut |h| hashes.push(h));
            if hashes.is_empty() {
                return;
            }
            // A whole text at a time, so the vector kernel runs long loops.
            hasher.update_many(signature.get_or_insert_with(|| hasher.start()), &hashes);
            set.extend(hashes.iter().map(|&h| sketch::element(h)));
        })?;
        let (bands, rows_per_band) = near.lsh_params();
        let sketches = slots
            .into_iter()
            .zip(elements)
            .map(|(signature, set)| {
                signature.map(|signature| {
                    NearSketch::new(
                        band_keys(&signature, bands, rows_per_band),
                        &sketch::finish(set, near.max_shingles),
                    )
                })
            })
            .collect();
        Ok((keys, sketches))
    }
}

fn invalid(message: String) -> CoreError {
    CoreError::Arrow(ArrowError::InvalidArgumentError(message))
}

impl GlobalStage for ExactDedup {
    type Attr = RowAttr;

    fn kind(&self) -> &'static str {
        "dedup"
    }

    fn tag(&self, batch: &Batch) -> Result<Vec<Self::Attr>, CoreError> {
        let (keys, mut sketches) = self.keys_and_sketches(&batch.data)?;
        let ranks = row_ranks(&batch.data, &self.survivor, &self.key);
        sketches.resize(keys.len(), None);
        Ok(keys
            .into_iter()
            .zip(ranks)
            .zip(sketches)
            .map(|((key, rank), near)| RowAttr { key, rank, near })
            .collect())
    }

    fn attr_bytes(&self, attrs: &[Self::Attr]) -> u64 {
        attrs.iter().map(|a| a.memory_bytes() as u64).sum()
    }

    fn decide(
        &mut self,
        batches: &[&[RowMeta]],
        attrs: Vec<Vec<Self::Attr>>,
    ) -> Result<(), CoreError> {
        if batches.len() != attrs.len() {
            return Err(invalid(format!(
                "dedup decide got {} batches but attributes for {}",
                batches.len(),
                attrs.len()
            )));
        }
        for (b, (rows, batch_attrs)) in batches.iter().zip(&attrs).enumerate() {
            if rows.len() != batch_attrs.len() {
                return Err(invalid(format!(
                    "dedup decide: batch {b} has {} rows but {} attributes",
                    rows.len(),
                    batch_attrs.len()
                )));
            }
        }
        if !fits_positions(batches.iter().map(|rows| rows.len())) {
            return Err(invalid(format!(
                "dedup decide: {} batches, or a batch, too many to number with 32 bits",
                batches.len()
            )));
        }
        let rule = &self.survivor;
        let rank = |p: RowPos| {
            let (b, i) = indexes(p);
            &attrs[b][i].rank
        };
        let place = |p: RowPos| {
            let (b, i) = indexes(p);
            self.preference.of(batches[b][i].source.input)
        };
        // Input preference first (all 0 unless the rule is `prefer_inputs`), then the rule: a
        // strict total order over positions, whatever the batching.
        let better = |a: RowPos, b: RowPos| match place(a).cmp(&place(b)) {
            std::cmp::Ordering::Equal => rule.prefers((rank(a), a), (rank(b), b)),
            order => order.is_lt(),
        };
        let keys: Vec<Vec<Option<KeyDigest>>> = attrs
            .par_iter()
            .map(|b| b.iter().map(|a| a.key).collect())
            .collect();
        let mut grouping = choose_survivors_by(&keys, better);
        drop(keys);

        // Near duplicates among exact survivors that have a key and shingles.
        let mut near_of: Vec<Vec<Option<(RowPos, f32)>>> =
            attrs.par_iter().map(|b| vec![None; b.len()]).collect();
        let mut near_centres = vec![0u64; batches.len()];
        let mut near_totals = None;
        if let Some((near, _)) = &self.near {
            let items_by_batch: Vec<Vec<NearItem<'_>>> = attrs
                .par_iter()
                .zip(&grouping.duplicate_of)
                .enumerate()
                .map(|(b, (batch_attrs, exact))| {
                    batch_attrs
                        .iter()
                        .zip(exact)
                        .enumerate()
                        .filter_map(|(i, (attr, exact))| match (attr.key, &attr.near, exact) {
                            (Some(_), Some(sketch), None) => Some(NearItem {
                                sketch,
                                rank: &attr.rank,
                                pos: row_pos(b, i),
                                tier: place(row_pos(b, i)),
                            }),
                            _ => None,
                        })
                        .collect()
                })
                .collect();
            let items = par_concat(&items_by_batch);
            drop(items_by_batch);
            let mut outcome = cluster(&items, near, |a, b| better(a.pos, b.pos));
            let mut centre_seen = vec![false; items.len()];
            for (item, assigned) in items.iter().zip(&outcome.assigned) {
                if let Some((centre, similarity)) = *assigned {
                    let (b, i) = indexes(item.pos);
                    near_of[b][i] = Some((items[centre].pos, similarity));
                    if !std::mem::replace(&mut centre_seen[centre], true) {
                        near_centres[items[centre].pos.0 as usize] += 1;
                    }
                }
            }
            // Only the run-wide counts are kept past this point.
            drop(std::mem::take(&mut outcome.assigned));
            near_totals = Some(outcome);
        }
        // The attributes (digests, ranks, each row's shingle set) are not needed past clustering:
        // freed (in parallel: a million sets) before the fates, which name every survivor, are
        // built, so the two are never in memory together.
        let null_keys: Vec<u64> = attrs
            .par_iter()
            .map(|b| b.iter().filter(|a| a.key.is_none()).count() as u64)
            .collect();
        attrs.into_par_iter().for_each(drop);

        // Final fates: an exact duplicate of a row that is itself a near duplicate follows it to
        // the near cluster's survivor, so every survivor named is a kept row.
        let mut fates: Vec<Vec<RowFate>> = Vec::with_capacity(batches.len());
        let finals: Vec<Vec<Option<(RowPos, bool, f32)>>> = grouping
            .duplicate_of
            .par_iter()
            .enumerate()
            .map(|(b, exact)| {
                exact
                    .iter()
                    .enumerate()
                    .map(|(i, exact)| {
                        let (base_b, base_i) = indexes(exact.unwrap_or(row_pos(b, i)));
                        match (near_of[base_b][base_i], exact) {
                            (Some((s, sim)), _) => Some((s, true, sim)),
                            (None, Some(x)) => Some((*x, false, 1.0)),
                            (None, None) => None,
                        }
                    })
                    .collect()
            })
            .collect();
        drop(near_of);
        drop(std::mem::take(&mut grouping.duplicate_of));
        let mut sizes: Vec<Vec<u32>> = batches
            .par_iter()
            .map(|rows| vec![1u32; rows.len()])
            .collect();
        for (s, _, _) in finals.iter().flatten().flatten() {
            let (b, i) = indexes(*s);
            sizes[b][i] += 1;
        }
        // Every row's fate names its id and its survivor's: a million id copies, made per batch
        // in parallel.
        let batch_fates: Vec<(Vec<RowFate>, u32)> = finals
            .par_iter()
            .enumerate()
            .map(|(b, row_finals)| {
                let rows = batches[b];
                let mut largest = 0;
                let row_fates = row_finals
                    .iter()
                    .enumerate()
                    .map(|(i, fin)| {
                        let duplicate = fin.map(|(s, near, similarity)| Duplicate {
                            survivor: batches[s.0 as usize][s.1 as usize].id.clone(),
                            near,
                            similarity,
                        });
                        let cluster_size = match fin {
                            Some((s, _, _)) => sizes[s.0 as usize][s.1 as usize],
                            None => sizes[b][i],
                        };
                        largest = largest.max(cluster_size);
                        RowFate {
                            source: rows[i].source,
                            duplicate,
                            cluster_size,
                        }
                    })
                    .collect();
                (row_fates, largest)
            })
            .collect();
        drop(finals);
        let mut largest = u64::from(batches.iter().any(|rows| !rows.is_empty()));
        for (row_fates, batch_largest) in batch_fates {
            largest = largest.max(u64::from(batch_largest));
            fates.push(row_fates);
        }

        // Rebuilt from scratch on every call: no state carries over from an earlier run.
        self.decisions = fates
            .into_iter()
            .enumerate()
            .map(|(b, rows)| {
                let mut counters = vec![
                    (COUNTER_EXACT_GROUPS, grouping.groups_by_batch[b]),
                    (COUNTER_NULL_KEYS, null_keys[b]),
                ];
                if let Some(outcome) = &near_totals {
                    counters.push((COUNTER_NEAR_CLUSTERS, near_centres[b]));
                    // Run-wide figures go to batch 0 only, so summing batch reports stays right.
                    let first = b == 0;
                    let only_first = |v: u64| if first { v } else { 0 };
                    counters.push((
                        COUNTER_NEAR_PAIRS_VERIFIED,
                        only_first(outcome.pairs_verified),
                    ));
                    counters.push((
                        COUNTER_NEAR_PAIRS_REJECTED,
                        only_first(outcome.pairs_rejected),
                    ));
                    counters.push((COUNTER_LARGEST_CLUSTER, only_first(largest)));
                    counters.push((
                        COUNTER_NEAR_OVERSIZE_CLUSTERS,
                        only_first(outcome.oversize_clusters),
                    ));
                    counters.push((
                        COUNTER_NEAR_OVERSIZE_MEMBERS,
                        only_first(outcome.oversize_members),
                    ));
                }
                BatchDecision { rows, counters }
            })
            .collect();
        Ok(())
    }

    fn apply(&self, index: usize, batch: Batch) -> Result<StageOutput, CoreError> {
        let decision = self.decisions.get(index).ok_or_else(|| {
            invalid(format!(
                "dedup apply for batch {index}, but decide saw {} batches",
                self.decisions.len()
            ))
        })?;
        if decision.rows.len() != batch.len()
            || decision
                .rows
                .iter()
                .zip(&batch.rows)
                .any(|(f, r)| f.source != r.source)
        {
            return Err(invalid(format!(
                "dedup apply: batch {index} has {} rows that do not match the {} decide saw",
                batch.len(),
                decision.rows.len()
            )));
        }
        let rows_in = batch.len() as u64;
        let keep: Vec<bool> = decision
            .rows
            .iter()
            .map(|f| f.duplicate.is_none())
            .collect();
        let (kept, dropped) = batch.partition(&keep)?;
        let removed: Vec<Removal> = dropped
            .rows
            .into_iter()
            .zip(decision.rows.iter().filter_map(|f| f.duplicate.as_ref()))
            .map(|(row, dup)| {
                let (reason, detail) = if dup.near {
                    (
                        ReasonCode::DUP_NEAR,
                        format!(
                            "near duplicate (similarity {:.3}) on key [{}]",
                            dup.similarity,
                            self.key.join(", ")
                        ),
                    )
                } else {
                    (ReasonCode::DUP_EXACT, self.detail.clone())
                };
                Removal {
                    row,
                    reason,
                    detail,
                    survivor: Some(dup.survivor.clone()),
                    content: None,
                }
            })
            .collect();

        let mut report = StageReport {
            rows_in,
            rows_out: kept.len() as u64,
            ..StageReport::default()
        };
        for removal in &removed {
            *report
                .removed
                .entry(removal.reason.to_string())
                .or_default() += 1;
        }
        for (name, value) in &decision.counters {
            report.counters.insert((*name).to_owned(), *value);
        }
        Ok(StageOutput {
            kept,
            removed,
            spans: Vec::new(),
            flags: Vec::new(),
            report,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::json::ReaderBuilder;
    use sluice_core::{FieldType, RowMeta, SourceRef};

    fn schema() -> TargetSchema {
        TargetSchema::of([
            ("subject", FieldType::String),
            ("body", FieldType::String),
            ("messages", FieldType::messages()),
            ("created_at", FieldType::String),
            ("priority", FieldType::Int64),
        ])
    }

    /// One batch holding `rows`, whose ids continue from `first_row`.
    fn batch(rows: &[serde_json::Value], first_row: u64) -> Batch {
        let mut decoder = ReaderBuilder::new(schema().arrow_schema())
            .build_decoder()
            .unwrap();
        decoder.serialize(rows).unwrap();
        let data = decoder.flush().unwrap().unwrap();
        let metas = (first_row..first_row + rows.len() as u64)
            .map(|row| RowMeta {
                id: RecordId::new("feedfacefeedface", row),
                source: SourceRef {
                    input: 0,
                    row,
                    line: row + 1,
                },
            })
            .collect();
        Batch::new(data, metas).unwrap()
    }

    /// Splits `rows` into batches of `size` rows.
    fn batches(rows: &[serde_json::Value], size: usize) -> Vec<Batch> {
        rows.chunks(size)
            .enumerate()
            .map(|(i, chunk)| batch(chunk, (i * size) as u64))
            .collect()
    }

    fn stage(toml_text: &str) -> ExactDedup {
        ExactDedup::build(toml::from_str(toml_text).unwrap(), &schema()).unwrap()
    }

    struct Outcome {
        kept: Vec<String>,
        /// (removed id, survivor id)
        removed: Vec<(String, String)>,
        report: StageReport,
    }

    fn run(stage: &mut ExactDedup, batches: Vec<Batch>) -> Outcome {
        let attrs = batches.iter().map(|b| stage.tag(b).unwrap()).collect();
        stage.decide(&Batch::identities(&batches), attrs).unwrap();
        let mut outcome = Outcome {
            kept: Vec::new(),
            removed: Vec::new(),
            report: StageReport::default(),
        };
        for (i, batch) in batches.into_iter().enumerate() {
            let out = stage.apply(i, batch).unwrap();
            assert!(out.report.conserves());
            assert_eq!(out.kept.len() as u64, out.report.rows_out);
            outcome
                .kept
                .extend(out.kept.rows.iter().map(|r| r.id.to_string()));
            for removal in out.removed {
                assert!(removal.reason.is_duplicate());
                assert!(removal.content.is_none());
                outcome.removed.push((
                    removal.row.id.to_string(),
                    removal.survivor.unwrap().to_string(),
                ));
            }
            outcome.report.merge(&out.report);
        }
        outcome
    }

    fn id(row: u64) -> String {
        RecordId::new("feedfacefeedface", row).to_string()
    }

    fn tickets() -> Vec<serde_json::Value> {
        vec![
            serde_json::json!({"subject": "Login fails", "body": "Cannot log in"}),
            serde_json::json!({"subject": "ＬＯＧＩＮ  fails", "body": "cannot   LOG IN "}),
            serde_json::json!({"subject": "Refund", "body": "Where is my refund?"}),
            serde_json::json!({"subject": null, "body": null}),
            serde_json::json!({"subject": null, "body": null}),
            serde_json::json!({"subject": "login fails", "body": "cannot log in"}),
            serde_json::json!({"subject": "Refund", "body": ""}),
            serde_json::json!({"subject": "Refund", "body": null}),
        ]
    }

    #[test]
    fn first_survivor_keeps_earliest_copy() {
        let mut s = stage(r#"key = ["subject", "body"]"#);
        let out = run(&mut s, batches(&tickets(), 3));
        assert_eq!(out.kept, vec![id(0), id(2), id(3), id(4), id(6), id(7)]);
        assert_eq!(out.removed, vec![(id(1), id(0)), (id(5), id(0))]);
        assert_eq!(out.report.counters[COUNTER_EXACT_GROUPS], 1);
        assert_eq!(out.report.counters[COUNTER_NULL_KEYS], 2);
        assert_eq!(out.report.removed["DUP_EXACT"], 2);
        assert!(out.report.conserves());
        assert_eq!(out.report.rows_in, 8);
    }

    #[test]
    fn last_survivor_keeps_latest_copy() {
        let mut s = stage(
            r#"key = ["subject", "body"]
            survivor = "last""#,
        );
        let out = run(&mut s, batches(&tickets(), 3));
        assert_eq!(out.kept, vec![id(2), id(3), id(4), id(5), id(6), id(7)]);
        assert_eq!(out.removed, vec![(id(0), id(5)), (id(1), id(5))]);
    }

    #[test]
    fn no_normalisation_keeps_variants_apart() {
        let mut s = stage(
            r#"key = ["subject", "body"]
            normalize = ["none"]"#,
        );
        let out = run(&mut s, batches(&tickets(), 8));
        assert!(out.removed.is_empty());
        assert_eq!(out.report.counters[COUNTER_EXACT_GROUPS], 0);
        assert_eq!(out.kept.len(), 8);
    }

    #[test]
    fn detail_names_key_fields_but_no_values() {
        let mut s = stage(r#"key = ["subject", "body"]"#);
        let rows = tickets();
        let all = batches(&rows, 8);
        let attrs = vec![s.tag(&all[0]).unwrap()];
        s.decide(&Batch::identities(&all), attrs).unwrap();
        let out = s.apply(0, all[0].clone()).unwrap();
        let detail = &out.removed[0].detail;
        assert_eq!(detail, "exact duplicate on key [subject, body]");
        assert!(!detail.to_lowercase().contains("login"));
    }

    #[test]
    fn decisions_do_not_depend_on_batch_split() {
        let mut rows = tickets();
        rows.extend(tickets());
        rows.push(serde_json::json!({"messages": [{"role": "user", "content": "Hi"}]}));
        rows.push(serde_json::json!({"messages": [{"role": "user", "content": "HI "}]}));
        for config in [
            r#"key = ["subject", "body", "messages"]"#,
            r#"key = ["subject", "body", "messages"]
            survivor = "last""#,
        ] {
            let one_batch = run(&mut stage(config), batches(&rows, rows.len()));
            let single_rows = run(&mut stage(config), batches(&rows, 1));
            let uneven = run(&mut stage(config), batches(&rows, 7));
            for other in [&single_rows, &uneven] {
                assert_eq!(one_batch.kept, other.kept);
                assert_eq!(one_batch.removed, other.removed);
                assert_eq!(one_batch.report, other.report);
            }
            assert_eq!(one_batch.report.counters[COUNTER_EXACT_GROUPS], 5);
        }
    }

    #[test]
    fn nested_messages_deduplicate() {
        let rows = vec![
            serde_json::json!({"messages": [{"role": "user", "content": "Reset password"}, {"role": "assistant", "content": "Done"}]}),
            serde_json::json!({"messages": [{"role": "user", "content": "reset  password"}, {"role": "assistant", "content": "DONE"}]}),
            serde_json::json!({"messages": [{"role": "assistant", "content": "Reset password"}, {"role": "user", "content": "Done"}]}),
        ];
        let mut s = stage(r#"key = ["messages"]"#);
        let out = run(&mut s, batches(&rows, 2));
        assert_eq!(out.kept, vec![id(0), id(2)]);
        assert_eq!(out.removed, vec![(id(1), id(0))]);
    }

    #[test]
    fn every_row_is_accounted_for() {
        let mut rows = tickets();
        rows.extend(tickets());
        rows.extend(tickets());
        let mut s = stage(r#"key = ["body"]"#);
        let out = run(&mut s, batches(&rows, 5));
        assert!(out.report.conserves());
        let mut all: Vec<String> = out.kept.clone();
        all.extend(out.removed.iter().map(|(r, _)| r.clone()));
        all.sort();
        let mut expected: Vec<String> = (0..rows.len() as u64).map(id).collect();
        expected.sort();
        assert_eq!(all, expected);
        // Survivors are always kept rows.
        for (_, survivor) in &out.removed {
            assert!(out.kept.contains(survivor));
        }
    }

    #[test]
    fn build_rejects_bad_configs() {
        let err =
            ExactDedup::build(toml::from_str(r#"key = ["bdy"]"#).unwrap(), &schema()).unwrap_err();
        assert!(err.to_string().contains("bdy"));
        let err = ExactDedup::build(toml::from_str(r#"key = []"#).unwrap(), &schema()).unwrap_err();
        assert_eq!(err, DedupError::EmptyKey);
    }

    #[test]
    fn apply_checks_it_matches_decide() {
        let mut s = stage(r#"key = ["body"]"#);
        let all = batches(&tickets(), 4);
        assert!(s.apply(0, all[0].clone()).is_err());
        let attrs = all.iter().map(|b| s.tag(b).unwrap()).collect();
        s.decide(&Batch::identities(&all), attrs).unwrap();
        assert!(s.apply(2, all[0].clone()).is_err());
        assert!(s.apply(0, batch(&tickets()[..1], 0)).is_err());
        assert!(s.decide(&Batch::identities(&all), vec![]).is_err());
    }

    fn removed_reasons(
        stage: &mut ExactDedup,
        batches: Vec<Batch>,
    ) -> Vec<(String, String, String)> {
        let attrs = batches.iter().map(|b| stage.tag(b).unwrap()).collect();
        stage.decide(&Batch::identities(&batches), attrs).unwrap();
        let mut out = Vec::new();
        for (i, b) in batches.into_iter().enumerate() {
            for r in stage.apply(i, b).unwrap().removed {
                out.push((r.row.id.to_string(), r.reason.to_string(), r.detail));
            }
        }
        out
    }

    #[test]
    fn ranked_survivor_rules() {
        let rows = vec![
            serde_json::json!({"body": "same", "created_at": "2024-03-01", "priority": 2}),
            serde_json::json!({"body": "SAME", "created_at": null, "priority": 9}),
            serde_json::json!({"body": "same ", "created_at": "2025-01-01", "priority": null}),
            serde_json::json!({"body": "Same", "created_at": "2023-07-01", "priority": 9}),
        ];
        let kept = |survivor: &str| {
            let config = format!("key = [\"body\"]\nsurvivor = \"{survivor}\"");
            let mut kept = Vec::new();
            for size in [1, 3, 4] {
                let out = run(&mut stage(&config), batches(&rows, size));
                assert_eq!(out.kept.len(), 1);
                kept.push(out.kept[0].clone());
            }
            assert!(kept.iter().all(|k| *k == kept[0]), "{survivor}: {kept:?}");
            kept[0].clone()
        };
        assert_eq!(kept("latest:created_at"), id(2));
        assert_eq!(kept("earliest:created_at"), id(3));
        // Tie on 9 between rows 1 and 3: input order decides.
        assert_eq!(kept("highest:priority"), id(1));
        // "same " is the longest raw text.
        assert_eq!(kept("longest"), id(2));
        assert_eq!(kept("first"), id(0));
        assert_eq!(kept("last"), id(3));
    }

    const NEAR: &str = r#"key = ["body"]
        near = { threshold = 0.7 }"#;

    fn near_rows() -> Vec<serde_json::Value> {
        let en = "Hello team, my laptop will not boot after the latest update and the screen stays \
                  black with a blinking cursor, can someone please help me fix this today";
        let en_near = "Hello team, my laptop will not boot after the latest update and the screen \
                       stays black with a blinking cursor, can someone please help me fix this now";
        let zh = "您好，我的笔记本电脑在最新更新后无法启动，屏幕一直是黑的并且光标在闪烁，请问有人能帮我今天解决这个问题吗";
        let zh_near = "您好，我的笔记本电脑在最新更新后无法启动，屏幕一直是黑的并且光标在闪烁，请问有人能帮我尽快解决这个问题吗";
        vec![
            serde_json::json!({"body": en}),
            serde_json::json!({"body": zh}),
            serde_json::json!({"body": "Where is my refund for order 1234? It has been two weeks."}),
            serde_json::json!({"body": en_near}),
            serde_json::json!({"body": zh_near}),
            serde_json::json!({"body": en.to_uppercase()}),
            serde_json::json!({"body": "hi"}),
            serde_json::json!({"body": "hi!"}),
            serde_json::json!({"body": "ok"}),
            serde_json::json!({"body": null}),
        ]
    }

    #[test]
    fn near_duplicates_in_english_and_chinese() {
        let mut s = stage(NEAR);
        let out = run(&mut s, batches(&near_rows(), 4));
        assert!(out.report.conserves());
        assert_eq!(out.kept, vec![id(0), id(1), id(2), id(6), id(8), id(9)]);
        assert_eq!(
            out.removed,
            vec![
                (id(3), id(0)),
                (id(4), id(1)),
                (id(5), id(0)),
                (id(7), id(6))
            ]
        );
        assert_eq!(out.report.removed["DUP_NEAR"], 3);
        assert_eq!(out.report.removed["DUP_EXACT"], 1);
        // Short texts get one whole-text shingle: "hi!" is a near copy of "hi", not of "ok".
        assert_eq!(out.report.counters[COUNTER_NEAR_CLUSTERS], 3);
        assert_eq!(out.report.counters[COUNTER_LARGEST_CLUSTER], 3);
        assert!(out.report.counters[COUNTER_NEAR_PAIRS_VERIFIED] >= 2);
        let reasons = removed_reasons(&mut stage(NEAR), batches(&near_rows(), 4));
        let (_, reason, detail) = &reasons[0];
        assert_eq!(reason, "DUP_NEAR");
        assert!(
            detail.starts_with("near duplicate (similarity 0."),
            "{detail}"
        );
        assert!(detail.ends_with("on key [body]"), "{detail}");
        assert!(!detail.contains("laptop"));
    }

    #[test]
    fn exact_copies_of_a_near_duplicate_follow_it_to_the_survivor() {
        let mut rows = near_rows();
        rows.push(rows[3].clone());
        let mut s = stage(NEAR);
        let out = run(&mut s, batches(&rows, 3));
        assert!(out.removed.contains(&(id(10), id(0))));
        let info = s.cluster_of(3, 1).unwrap();
        assert_eq!(info.survivor, Some(id(0)));
        assert_eq!(info.size, 4);
        assert!(info.similarity.unwrap() < 1.0);
    }

    #[test]
    fn cluster_of_reports_every_row() {
        let mut s = stage(NEAR);
        assert_eq!(s.cluster_of(0, 0), None);
        let all = batches(&near_rows(), 4);
        let attrs = all.iter().map(|b| s.tag(b).unwrap()).collect();
        s.decide(&Batch::identities(&all), attrs).unwrap();
        let survivor = s.cluster_of(0, 0).unwrap();
        assert_eq!(
            survivor,
            ClusterInfo {
                survivor: None,
                size: 3,
                similarity: None
            }
        );
        let exact = s.cluster_of(1, 1).unwrap();
        assert_eq!((exact.survivor, exact.similarity), (Some(id(0)), Some(1.0)));
        let near = s.cluster_of(0, 3).unwrap();
        assert_eq!(near.survivor, Some(id(0)));
        assert!(near.similarity.unwrap() >= 0.7 && near.similarity.unwrap() < 1.0);
        let alone = s.cluster_of(0, 2).unwrap();
        assert_eq!((alone.cluster_id(&id(2)), alone.size), (id(2).as_str(), 1));
        let null_key = s.cluster_of(2, 1).unwrap();
        assert_eq!((null_key.survivor, null_key.size), (None, 1));
        assert_eq!(s.cluster_of(2, 2), None);
        assert_eq!(s.cluster_of(9, 0), None);

        // Batch by batch: every row with its source, the same clusters.
        assert_eq!(s.decided_batches(), all.len());
        for (b, batch) in all.iter().enumerate() {
            let expected: Vec<(SourceRef, ClusterInfo)> = batch
                .rows
                .iter()
                .enumerate()
                .map(|(r, meta)| (meta.source, s.cluster_of(b, r).unwrap()))
                .collect();
            assert_eq!(s.batch_clusters(b), expected);
        }
        assert!(s.batch_clusters(all.len()).is_empty());

        s.release_decisions();
        assert_eq!(s.cluster_of(0, 0), None, "released: nothing to answer");
        assert_eq!(s.decided_batches(), 0);
        assert!(s.batch_clusters(0).is_empty());
        assert!(
            s.apply(0, all[0].clone()).is_err(),
            "released: nothing to apply"
        );
    }

    #[test]
    fn near_decisions_do_not_depend_on_batch_split() {
        let mut rows = near_rows();
        rows.extend(near_rows());
        let whole = run(&mut stage(NEAR), batches(&rows, rows.len()));
        for size in [1, 3, 7] {
            let other = run(&mut stage(NEAR), batches(&rows, size));
            assert_eq!(whole.kept, other.kept);
            assert_eq!(whole.removed, other.removed);
            assert_eq!(whole.report, other.report);
        }
    }

    #[test]
    fn near_is_off_without_the_table_and_respects_the_threshold() {
        let out = run(&mut stage(r#"key = ["body"]"#), batches(&near_rows(), 4));
        assert_eq!(out.removed, vec![(id(5), id(0))]);
        assert!(!out.report.counters.contains_key(COUNTER_NEAR_CLUSTERS));
        let strict = r#"key = ["body"]
            near = { threshold = 0.99 }"#;
        let out = run(&mut stage(strict), batches(&near_rows(), 4));
        // Only the identical-after-shingling pair ("hi" / "hi!") reaches 0.99.
        assert_eq!(out.removed, vec![(id(5), id(0)), (id(7), id(6))]);
    }

    #[test]
    fn attributes_stay_compact() {
        assert!(std::mem::size_of::<RowAttr>() <= 88);
        let s = stage(NEAR);
        let attrs = s.tag(&batches(&near_rows(), 10)[0]).unwrap();
        let sketch = attrs[0].near.as_ref().unwrap();
        let (bands, _) = NearConfig {
            threshold: 0.7,
            ..NearConfig::default()
        }
        .lsh_params();
        assert_eq!(sketch.bands().len(), bands);
        // 28 words give 24 distinct word 5-grams, 4 bytes each.
        assert_eq!(sketch.shingles().len(), 24);
        assert_eq!(
            attrs[0].memory_bytes(),
            std::mem::size_of::<RowAttr>() + 4 * (bands + 24)
        );
        // No text at all: no sketch, no key.
        assert!(attrs[9].near.is_none() && attrs[9].key.is_none());
    }

    #[test]
    fn real_text_chain_does_not_merge_the_ends() {
        // A = w0..w39; B replaces the first 4 words; C also replaces the last 4.
        // J(A,B) = J(B,C) = 0.8 on word 5-grams, J(A,C) ≈ 0.64.
        let words: Vec<String> = (0..40).map(|i| format!("w{i}")).collect();
        let mut b_words = words.clone();
        for w in &mut b_words[..4] {
            w.push('x');
        }
        let mut c_words = b_words.clone();
        for w in &mut c_words[36..] {
            w.push('y');
        }
        let rows = vec![
            serde_json::json!({"body": words.join(" ")}),
            serde_json::json!({"body": b_words.join(" ")}),
            serde_json::json!({"body": c_words.join(" ")}),
        ];
        // Centred on the survivor rule's best row (A, first), only B joins; C is not similar
        // to A, so it stays although it is similar to the removed B.
        let by_rule = r#"key = ["body"]
            near = { threshold = 0.72, permutations = 512, centre = "survivor" }"#;
        let mut s = stage(by_rule);
        let out = run(&mut s, batches(&rows, 2));
        assert_eq!(out.kept, vec![id(0), id(2)]);
        assert_eq!(out.removed, vec![(id(1), id(0))]);
        assert_eq!(s.cluster_of(1, 0).unwrap().size, 1);
        // With B first, both ends are legitimately similar to the survivor.
        let reordered = vec![rows[1].clone(), rows[0].clone(), rows[2].clone()];
        let out = run(&mut stage(by_rule), batches(&reordered, 3));
        assert_eq!(out.kept, vec![id(0)]);
        // Coverage centres (the default) pick B, similar to both ends, in either order: A and C
        // are each removed for B with their own similarity to B, never one for the other.
        let by_coverage = r#"key = ["body"]
            near = { threshold = 0.72, permutations = 512 }"#;
        for (order, survivor) in [(rows.clone(), 1), (reordered, 0)] {
            let mut s = stage(by_coverage);
            let out = run(&mut s, batches(&order, 2));
            assert_eq!(out.kept, vec![id(survivor)]);
            for row in 0..3 {
                let info = s.cluster_of(row / 2, row % 2).unwrap();
                assert_eq!(info.cluster_id(&id(row as u64)), id(survivor));
                assert_eq!(info.size, 3);
                if row as u64 != survivor {
                    assert!(info.similarity.unwrap() >= 0.72, "{info:?}");
                }
            }
        }
    }

    #[test]
    fn a_long_real_text_chain_never_joins_rows_unlike_their_survivor() {
        // Five versions, each replacing the next four words inside the text: neighbours are
        // similar (J = 48/64 = 0.75 on word 5-grams), rows two steps apart are not (44/68). Whatever the centre choice or row order, every
        // removed row is similar to its own survivor and the two ends never share a cluster.
        let mut versions: Vec<Vec<String>> = vec![(0..60).map(|i| format!("w{i}")).collect()];
        for v in 1..5 {
            let mut next = versions[v - 1].clone();
            for w in &mut next[6 + v * 4..10 + v * 4] {
                w.push('x');
            }
            versions.push(next);
        }
        let rows: Vec<serde_json::Value> = versions
            .iter()
            .map(|w| serde_json::json!({"body": w.join(" ")}))
            .collect();
        for centre in ["coverage", "survivor"] {
            for rule in ["first", "last"] {
                let config = format!(
                    "key = [\"body\"]\nsurvivor = \"{rule}\"\n\
                     near = {{ threshold = 0.72, permutations = 512, centre = \"{centre}\" }}"
                );
                let mut s = stage(&config);
                let out = run(&mut s, batches(&rows, 2));
                assert!(out.kept.len() >= 2, "{centre} {rule}: {:?}", out.kept);
                let ends = (s.cluster_of(0, 0).unwrap(), s.cluster_of(2, 0).unwrap());
                assert_ne!(
                    ends.0.cluster_id(&id(0)),
                    ends.1.cluster_id(&id(4)),
                    "{centre} {rule}"
                );
                for row in 0..5 {
                    let info = s.cluster_of(row / 2, row % 2).unwrap();
                    if let Some(sim) = info.similarity {
                        assert!(sim >= 0.72, "{centre} {rule} row {row}: {info:?}");
                    }
                }
            }
        }
    }

    /// `rows` with `inputs[i]` as row `i`'s input, split into batches of `size`.
    fn sourced_batches(rows: &[serde_json::Value], inputs: &[u32], size: usize) -> Vec<Batch> {
        batches(rows, size)
            .into_iter()
            .map(|mut b| {
                for meta in &mut b.rows {
                    meta.source.input = inputs[meta.source.row as usize];
                }
                b
            })
            .collect()
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn preferred_inputs_win_exact_and_near_groups_at_any_batch_size() {
        let en = "Hello team, my laptop will not boot after the latest update and the screen stays \
                  black with a blinking cursor, can someone please help me fix this today";
        let en_near = format!("{en} thanks");
        let rows = vec![
            // Exact group: legacy first in input order, then crm twice (the longer one second).
            serde_json::json!({"body": "Refund please"}),
            serde_json::json!({"body": "refund please"}),
            serde_json::json!({"body": "REFUND   please "}),
            // Near group: other first, crm's copy later.
            serde_json::json!({"body": en}),
            serde_json::json!({"body": en_near}),
            // Alone.
            serde_json::json!({"body": "ok"}),
        ];
        let inputs = [1, 0, 0, 2, 0, 1];
        let input_names = names(&["crm_export_1.jsonl", "legacy/2019.csv", "other.jsonl"]);
        let config = r#"key = ["body"]
            survivor = { prefer_inputs = ["crm_export*.jsonl", "legacy*"], then = "longest" }
            near = { threshold = 0.8 }"#;
        let mut outcomes = Vec::new();
        for size in [1, 7, rows.len()] {
            let mut s = ExactDedup::build_with_inputs(
                toml::from_str(config).unwrap(),
                &schema(),
                &input_names,
            )
            .unwrap();
            let out = run(&mut s, sourced_batches(&rows, &inputs, size));
            assert!(out.report.conserves());
            outcomes.push((out.kept, out.removed));
        }
        assert!(outcomes.iter().all(|o| *o == outcomes[0]));
        let (kept, removed) = &outcomes[0];
        // crm rows win; between the two crm copies the longer raw text (row 2) wins.
        assert_eq!(kept, &vec![id(2), id(4), id(5)]);
        assert_eq!(
            removed,
            &vec![(id(0), id(2)), (id(1), id(2)), (id(3), id(4))]
        );
        // Without the preference the first row survives each group.
        let plain = r#"key = ["body"]
            near = { threshold = 0.8 }"#;
        let out = run(&mut stage(plain), sourced_batches(&rows, &inputs, 7));
        assert_eq!(out.kept, vec![id(0), id(3), id(5)]);
    }

    #[test]
    fn preferred_inputs_must_match_an_input() {
        let config: DedupConfig = toml::from_str(
            r#"key = ["body"]
            survivor = { prefer_inputs = ["crm*.jsonl"] }"#,
        )
        .unwrap();
        let err = ExactDedup::build(config.clone(), &schema()).unwrap_err();
        assert_eq!(
            err,
            DedupError::UnmatchedPreferredInput("crm*.jsonl".into())
        );
        assert!(
            ExactDedup::build_with_inputs(config.clone(), &schema(), &names(&["a.csv"])).is_err()
        );
        assert!(
            ExactDedup::build_with_inputs(config, &schema(), &names(&["in/crm.jsonl"])).is_ok()
        );
        let bad_field: DedupConfig = toml::from_str(
            r#"key = ["body"]
            survivor = { prefer_inputs = ["*"], then = "highest:created_at" }"#,
        )
        .unwrap();
        assert!(matches!(
            ExactDedup::build_with_inputs(bad_field, &schema(), &names(&["a"])),
            Err(DedupError::SurvivorFieldType { .. })
        ));
    }
}
