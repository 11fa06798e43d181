//! The run's rows between stages, within a memory budget.
//!
//! Batches stay in memory while the run's resident batches fit the budget; past it, each new
//! batch's columns are written to a private temporary directory (one Arrow IPC file per batch,
//! LZ4-compressed) and read back when a pass reaches it. Passes walk the store a chunk of
//! batches at a time, so what is resident is the budget plus one chunk per pass. Row identities (record id and
//! source, about 80 bytes a row) always stay in memory: global decisions, split assignment and
//! lineage need them.
//!
//! A global stage's decision attributes (dedup's digests, LSH keys and shingle sets) count
//! against the same budget while the stage holds them: as they grow, resident batches the stage
//! has already tagged are spilled to make room ([`BatchStore::make_room`]), and new batches are
//! admitted only into what the attributes leave.
//!
//! Spilled files hold rows as they were before the stage that reads them (before redaction for the
//! first stages): the directory is created readable by the user only and removed when the run
//! ends, and no spilled byte ever reaches the output directory.

use crate::batch_file::{read_spilled, write_spilled};
use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use rayon::prelude::*;
use sluice_core::{Batch, RowMeta};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The budget and spill directory shared by every store of one run.
#[derive(Debug, Default)]
pub(crate) struct Spill {
    /// Bytes of batch data the run keeps in memory; `None` is unlimited.
    budget: Option<u64>,
    /// Where the spill directory is created (default: the system temporary directory).
    parent: Option<PathBuf>,
    dir: Mutex<Option<tempfile::TempDir>>,
    resident: AtomicU64,
    peak_resident: AtomicU64,
    next_file: AtomicU64,
    spilled_batches: AtomicU64,
    spilled_bytes: AtomicU64,
    /// Decision attributes held now, counted against the budget.
    attributes: AtomicU64,
    attributes_peak: AtomicU64,
    evicted_batches: AtomicU64,
}

/// What spilling did during a run, for the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpillStats {
    /// The budget in bytes (`None`: unlimited).
    pub budget: Option<u64>,
    /// Batches written to disk (a batch spilled again after a later stage counts again).
    pub batches: u64,
    /// Bytes of spill files written.
    pub bytes: u64,
    /// Most batch data resident in the stores at once, in bytes (Arrow buffer sizes).
    pub peak_resident: u64,
    /// Most bytes one global stage's per-record decision attributes held (dedup's digests, LSH
    /// keys and shingle sets): counted against the budget, but kept in memory until the stage
    /// decides even when they alone exceed it.
    pub attributes_peak: u64,
    /// Resident batches spilled to make room for decision attributes (included in `batches`).
    pub evicted_batches: u64,
}

impl Spill {
    /// A spill context with `budget` bytes, spilling under `parent` (or the temp directory).
    pub(crate) fn new(budget: Option<u64>, parent: Option<PathBuf>) -> Spill {
        Spill {
            budget,
            parent,
            ..Spill::default()
        }
    }

    /// What was spilled so far.
    pub(crate) fn stats(&self) -> SpillStats {
        SpillStats {
            budget: self.budget,
            batches: self.spilled_batches.load(Ordering::Relaxed),
            bytes: self.spilled_bytes.load(Ordering::Relaxed),
            peak_resident: self.peak_resident.load(Ordering::Relaxed),
            attributes_peak: self.attributes_peak.load(Ordering::Relaxed),
            evicted_batches: self.evicted_batches.load(Ordering::Relaxed),
        }
    }

    /// Counts `bytes` more of a global stage's decision attributes against the budget.
    pub(crate) fn hold_attributes(&self, bytes: u64) {
        let now = self.attributes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        self.attributes_peak.fetch_max(now, Ordering::Relaxed);
    }

    /// Gives back `bytes` of attributes (the stage has decided and dropped them); returns the
    /// budget when the attributes it held exceeded it on their own (the run warns: they stay in
    /// memory until the decision, whatever the budget).
    pub(crate) fn release_attributes(&self, bytes: u64) -> Option<u64> {
        let before = self.attributes.fetch_sub(bytes, Ordering::Relaxed);
        self.budget.filter(|&budget| before > budget)
    }

    /// Bytes by which resident batches and held attributes exceed the budget (0 without one).
    fn overshoot(&self) -> u64 {
        self.budget.map_or(0, |budget| {
            (self.resident.load(Ordering::Relaxed) + self.attributes.load(Ordering::Relaxed))
                .saturating_sub(budget)
        })
    }

    /// Reserves `bytes` of the budget; false (and nothing reserved) when they do not fit.
    fn reserve(&self, bytes: u64) -> bool {
        let Some(budget) = self.budget else {
            let now = self.resident.fetch_add(bytes, Ordering::Relaxed) + bytes;
            self.peak_resident.fetch_max(now, Ordering::Relaxed);
            return true;
        };
        let mut current = self.resident.load(Ordering::Relaxed);
        loop {
            // The first batch is always admitted: a budget smaller than one batch still runs.
            let attributes = self.attributes.load(Ordering::Relaxed);
            if current > 0 && current + attributes + bytes > budget {
                return false;
            }
            match self.resident.compare_exchange_weak(
                current,
                current + bytes,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    self.peak_resident
                        .fetch_max(current + bytes, Ordering::Relaxed);
                    return true;
                }
                Err(actual) => current = actual,
            }
        }
    }

    fn release(&self, bytes: u64) {
        self.resident.fetch_sub(bytes, Ordering::Relaxed);
    }

    /// A new file path in the spill directory, creating the directory on first use.
    fn next_path(&self) -> Result<PathBuf, String> {
        let mut dir = self
            .dir
            .lock()
            .map_err(|_| "spill directory lock poisoned".to_owned())?;
        if dir.is_none() {
            let parent = self.parent.clone().unwrap_or_else(std::env::temp_dir);
            fs_err::create_dir_all(&parent).map_err(|e| e.to_string())?;
            // tempfile creates the directory with mode 0700 on Unix.
            let created = tempfile::Builder::new()
                .prefix("sluice-spill-")
                .tempdir_in(&parent)
                .map_err(|e| {
                    format!(
                        "cannot create a spill directory in {}: {e}",
                        parent.display()
                    )
                })?;
            *dir = Some(created);
        }
        let n = self.next_file.fetch_add(1, Ordering::Relaxed);
        let base = dir
            .as_ref()
            .map(|d| d.path().to_path_buf())
            .ok_or_else(|| "no spill directory".to_owned())?;
        Ok(base.join(format!("{n:08}.arrow")))
    }
}

/// A batch kept in memory, holding its share of the budget until dropped.
struct Resident {
    batch: Batch,
    bytes: u64,
    spill: Arc<Spill>,
}

impl Drop for Resident {
    fn drop(&mut self) {
        self.spill.release(self.bytes);
    }
}

/// A batch on disk; the file goes when the slot does.
struct Spilled {
    path: PathBuf,
    rows: Vec<RowMeta>,
    schema: SchemaRef,
}

impl Drop for Spilled {
    fn drop(&mut self) {
        // Best effort: the whole directory goes at the end of the run anyway.
        let _ = std::fs::remove_file(&self.path);
    }
}

enum Slot {
    Memory(Resident),
    Disk(Spilled),
}

impl Slot {
    fn rows(&self) -> &[RowMeta] {
        match self {
            Slot::Memory(r) => &r.batch.rows,
            Slot::Disk(d) => &d.rows,
        }
    }

    fn load(&self) -> Result<Batch, String> {
        match self {
            Slot::Memory(r) => Ok(r.batch.clone()),
            Slot::Disk(d) => {
                let data = read_spilled(&d.path, &d.schema, d.rows.len())?;
                Batch::new(data, d.rows.clone()).map_err(|e| e.to_string())
            }
        }
    }
}

/// Batches in input order, some in memory and some spilled.
pub(crate) struct BatchStore {
    spill: Arc<Spill>,
    slots: Vec<Slot>,
}

impl Default for BatchStore {
    fn default() -> Self {
        BatchStore::new(Arc::new(Spill::default()))
    }
}

impl std::fmt::Debug for BatchStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchStore")
            .field("batches", &self.slots.len())
            .field("rows", &self.rows())
            .finish()
    }
}

impl BatchStore {
    /// An empty store spending `spill`'s budget.
    pub(crate) fn new(spill: Arc<Spill>) -> BatchStore {
        BatchStore {
            spill,
            slots: Vec::new(),
        }
    }

    /// The spill context this store uses.
    pub(crate) fn spill(&self) -> &Arc<Spill> {
        &self.spill
    }

    /// Appends `batch`, in memory if the budget allows, else on disk. Empty batches are skipped.
    pub(crate) fn push(&mut self, batch: Batch) -> Result<(), String> {
        if batch.is_empty() {
            return Ok(());
        }
        let bytes = batch.data.get_array_memory_size() as u64;
        if self.spill.reserve(bytes) {
            self.slots.push(Slot::Memory(Resident {
                batch,
                bytes,
                spill: self.spill.clone(),
            }));
            return Ok(());
        }
        let slot = to_disk(&self.spill, &batch.data, batch.rows)?;
        self.slots.push(slot);
        Ok(())
    }

    /// Spills resident batches among the first `tagged` until resident batches and held
    /// attributes fit the budget again, or none of those is left in memory; the latest first, so
    /// what stays resident is a run at the front (one chunk for the next pass). Returns how many
    /// were spilled. A stage calls it as its attributes grow, with the batches it has tagged.
    pub(crate) fn make_room(&mut self, tagged: usize) -> Result<usize, String> {
        let mut overshoot = self.spill.overshoot();
        if overshoot == 0 {
            return Ok(0);
        }
        let tagged = tagged.min(self.slots.len());
        let mut first = tagged;
        let mut chosen = 0;
        while first > 0 && overshoot > 0 {
            first -= 1;
            if let Slot::Memory(resident) = &self.slots[first] {
                overshoot = overshoot.saturating_sub(resident.bytes);
                chosen += 1;
            }
        }
        if chosen == 0 {
            return Ok(0);
        }
        let spill = &self.spill;
        let moved: Vec<Slot> = self.slots.drain(first..tagged).collect();
        let spilled: Vec<Slot> = moved
            .into_par_iter()
            .map(|slot| match slot {
                Slot::Memory(mut resident) => {
                    let rows = std::mem::take(&mut resident.batch.rows);
                    // Dropping `resident` afterwards releases its share of the budget.
                    to_disk(spill, &resident.batch.data, rows)
                }
                on_disk => Ok(on_disk),
            })
            .collect::<Result<_, _>>()?;
        self.slots.splice(first..first, spilled);
        spill
            .evicted_batches
            .fetch_add(chosen as u64, Ordering::Relaxed);
        Ok(chosen)
    }

    /// Moves every batch of `other` after this store's.
    pub(crate) fn append(&mut self, mut other: BatchStore) {
        self.slots.append(&mut other.slots);
    }

    /// Number of batches.
    pub(crate) fn batch_count(&self) -> usize {
        self.slots.len()
    }

    /// Number of rows.
    pub(crate) fn rows(&self) -> u64 {
        self.slots.iter().map(|s| s.rows().len() as u64).sum()
    }

    /// Row identities, batch by batch.
    pub(crate) fn metas(&self) -> impl Iterator<Item = &[RowMeta]> {
        self.slots.iter().map(Slot::rows)
    }

    /// Batch `index` (a cheap clone when resident, read back when spilled).
    pub(crate) fn get(&self, index: usize) -> Result<Batch, String> {
        self.slots
            .get(index)
            .ok_or_else(|| format!("no batch {index}"))?
            .load()
    }

    /// Loads batches `range` in parallel, in order.
    pub(crate) fn load_range(&self, range: std::ops::Range<usize>) -> Result<Vec<Batch>, String> {
        range.into_par_iter().map(|i| self.get(i)).collect()
    }

    /// The index ranges [`BatchStore::into_chunks`] would hand out, for a pass that only borrows
    /// the batches (loading them with [`BatchStore::load_range`]).
    pub(crate) fn chunk_ranges(&self, chunk: usize) -> Vec<std::ops::Range<usize>> {
        let mut ranges = Vec::new();
        let mut start = 0;
        while start < self.slots.len() {
            let take = chunk_len(&self.slots[start..], chunk);
            ranges.push(start..start + take);
            start += take;
        }
        ranges
    }

    /// Consumes the store in order, `chunk` batches at a time where some are spilled: each chunk
    /// is loaded in parallel and its slots (memory share, spill files) are released as it is
    /// handed out. Batches already in memory cost nothing to hold, so a run of them is one chunk
    /// however long: a parallel pass over it waits for its slowest batch once, not once per
    /// `chunk` batches.
    pub(crate) fn into_chunks(self, chunk: usize) -> Chunks {
        Chunks {
            slots: self.slots.into_iter().collect(),
            chunk: chunk.max(1),
            _spill: self.spill,
        }
    }
}

/// Writes one batch's columns to a new spill file; the slot keeps its row identities.
fn to_disk(spill: &Spill, data: &RecordBatch, rows: Vec<RowMeta>) -> Result<Slot, String> {
    let path = spill.next_path()?;
    write_spilled(&path, data)?;
    let written = fs_err::metadata(&path).map(|m| m.len()).unwrap_or(0);
    spill.spilled_batches.fetch_add(1, Ordering::Relaxed);
    spill.spilled_bytes.fetch_add(written, Ordering::Relaxed);
    Ok(Slot::Disk(Spilled {
        path,
        schema: data.schema(),
        rows,
    }))
}

/// How many of `slots` the next chunk takes: the whole run of resident batches at the front,
/// else up to `chunk` (at least one while any is left).
fn chunk_len(slots: &[Slot], chunk: usize) -> usize {
    let resident = slots
        .iter()
        .take_while(|slot| matches!(slot, Slot::Memory(_)))
        .count();
    resident.max(chunk.max(1).min(slots.len()))
}

/// See [`BatchStore::into_chunks`].
pub(crate) struct Chunks {
    slots: std::collections::VecDeque<Slot>,
    chunk: usize,
    /// Keeps the spill directory until the last spilled batch is read back.
    _spill: Arc<Spill>,
}

impl Iterator for Chunks {
    type Item = Result<Vec<Batch>, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.slots.is_empty() {
            return None;
        }
        let take = chunk_len(self.slots.make_contiguous(), self.chunk);
        let slots: Vec<Slot> = self.slots.drain(..take).collect();
        Some(slots.par_iter().map(Slot::load).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, RecordBatch, StringArray};
    use sluice_core::{RecordId, SourceRef};

    fn batch(first: u64, rows: u64) -> Batch {
        let text: ArrayRef = Arc::new(StringArray::from_iter_values(
            (first..first + rows).map(|i| format!("row {i:04} {}", "x".repeat(200))),
        ));
        let data = RecordBatch::try_from_iter([("text", text)]).unwrap();
        let metas = (first..first + rows)
            .map(|i| RowMeta {
                id: RecordId::from_string(format!("f:{i}")),
                source: SourceRef {
                    input: 0,
                    row: i,
                    line: i + 1,
                },
            })
            .collect();
        Batch::new(data, metas).unwrap()
    }

    /// The bytes of one ten-row test batch (all are the same size).
    fn one_batch() -> u64 {
        batch(0, 10).data.get_array_memory_size() as u64
    }

    /// A store under `budget` holding `batches` ten-row batches, rows numbered from 0.
    fn filled(budget: Option<u64>, batches: u64) -> (Arc<Spill>, BatchStore) {
        let spill = Arc::new(Spill::new(budget, None));
        let mut store = BatchStore::new(spill.clone());
        for b in 0..batches {
            store.push(batch(b * 10, 10)).unwrap();
        }
        (spill, store)
    }

    /// Every batch of `store` reads back as it was pushed, whichever moved to disk.
    fn assert_reads_back(store: &BatchStore, batches: u64) {
        assert_eq!(store.batch_count() as u64, batches);
        for b in 0..batches {
            let (got, want) = (store.get(b as usize).unwrap(), batch(b * 10, 10));
            assert_eq!(got.data, want.data);
            assert_eq!(got.rows, want.rows);
        }
    }

    #[test]
    fn a_small_budget_spills_and_everything_comes_back_in_order() {
        let one = one_batch();
        let (spill, mut store) = filled(Some(one * 2), 6);
        store.push(batch(60, 0)).unwrap();
        assert_eq!(store.batch_count(), 6);
        assert_eq!(store.rows(), 60);
        let stats = spill.stats();
        assert_eq!(stats.batches, 4, "two batches fit the budget, four spill");
        assert!(stats.peak_resident <= one * 2);
        assert_reads_back(&store, 6);
        let metas: Vec<u64> = store
            .metas()
            .flat_map(|m| m.iter().map(|r| r.source.row))
            .collect();
        assert_eq!(metas, (0..60).collect::<Vec<_>>());
        let files = |s: &Spill| {
            let dir = s.dir.lock().unwrap();
            std::fs::read_dir(dir.as_ref().unwrap().path())
                .unwrap()
                .count()
        };
        assert_eq!(files(&spill), 4);
        let mut seen = Vec::new();
        for chunk in store.into_chunks(4) {
            for b in chunk.unwrap() {
                seen.extend(b.rows.iter().map(|r| r.source.row));
            }
        }
        assert_eq!(seen, (0..60).collect::<Vec<_>>());
        assert_eq!(files(&spill), 0, "consumed spill files are deleted");
        assert_eq!(spill.resident.load(Ordering::Relaxed), 0, "budget released");
    }

    #[test]
    fn a_run_of_resident_batches_is_one_chunk_and_spilled_ones_come_chunk_by_chunk() {
        let one = one_batch();
        let sizes = |budget: Option<u64>, chunk: usize| {
            let (_, store) = filled(budget, 6);
            let mut rows = Vec::new();
            // The borrowing passes see the same chunks as the consuming ones.
            let ranges: Vec<usize> = store.chunk_ranges(chunk).iter().map(|r| r.len()).collect();
            let sizes: Vec<usize> = store
                .into_chunks(chunk)
                .map(|c| {
                    let c = c.unwrap();
                    rows.extend(c.iter().flat_map(|b| b.rows.iter().map(|r| r.source.row)));
                    c.len()
                })
                .collect();
            assert_eq!(rows, (0..60).collect::<Vec<_>>());
            assert_eq!(ranges, sizes);
            sizes
        };
        assert_eq!(sizes(None, 1), vec![6]);
        assert_eq!(sizes(Some(one * 2), 1), vec![2, 1, 1, 1, 1]);
        assert_eq!(sizes(Some(one * 2), 3), vec![3, 3]);
    }

    #[test]
    fn held_attributes_evict_tagged_batches_latest_first_and_shrink_room_for_new_ones() {
        let one = one_batch();
        let (spill, mut store) = filled(Some(one * 4), 4);
        assert_eq!(spill.stats().batches, 0, "four batches fit");
        // Attributes worth one and a half batches: two of the three tagged batches must go, the
        // latest first, and the untagged fourth stays.
        spill.hold_attributes(one + one / 2);
        assert_eq!(store.make_room(3).unwrap(), 2);
        let resident: Vec<bool> = store
            .slots
            .iter()
            .map(|s| matches!(s, Slot::Memory(_)))
            .collect();
        assert_eq!(resident, [true, false, false, true]);
        assert_eq!(spill.resident.load(Ordering::Relaxed), one * 2);
        assert_eq!(store.make_room(3).unwrap(), 0, "the budget holds again");
        // A new batch no longer fits beside the attributes and goes to disk.
        store.push(batch(40, 10)).unwrap();
        let stats = spill.stats();
        assert_eq!((stats.batches, stats.evicted_batches), (3, 2));
        assert_eq!(stats.attributes_peak, one + one / 2);
        // More attributes than the tagged batches can free: all of them go, the untagged stays.
        spill.hold_attributes(one * 4);
        assert_eq!(store.make_room(3).unwrap(), 1);
        assert!(matches!(store.slots[3], Slot::Memory(_)));
        assert_eq!(spill.release_attributes(one * 5 + one / 2), Some(one * 4));
        assert_eq!(spill.overshoot(), 0);
        assert_reads_back(&store, 5);
    }

    #[test]
    fn without_a_budget_attributes_spill_nothing() {
        let (spill, mut store) = filled(None, 1);
        spill.hold_attributes(u64::MAX / 4);
        assert_eq!(store.make_room(1).unwrap(), 0);
        assert_eq!(spill.release_attributes(u64::MAX / 4), None);
    }

    #[test]
    fn without_a_budget_nothing_spills() {
        let spill = Arc::new(Spill::new(None, None));
        let mut store = BatchStore::new(spill.clone());
        for b in 0..3 {
            store.push(batch(b * 5, 5)).unwrap();
        }
        assert_eq!(spill.stats().batches, 0);
        assert!(
            spill.dir.lock().unwrap().is_none(),
            "no spill directory made"
        );
        assert_eq!(store.load_range(0..3).unwrap().len(), 3);
    }
}
