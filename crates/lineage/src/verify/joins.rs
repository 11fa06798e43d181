//! The lineage table joined with the outputs it describes: every kept record sits in the
//! training shard row its lineage row names, every training row is claimed by exactly one
//! lineage row, and the duplicates and quarantine tables list exactly the records lineage marks
//! so (with the same reason and survivor). Problems name record ids, files and row numbers,
//! never values.

use super::{FileStatus, JoinVerdict};
use crate::manifest::{Manifest, OutputEntry};
use arrow::array::{Array, StringArray};
use arrow::datatypes::DataType;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// At most this many problems are spelled out per file; the rest are counted.
const SHOWN_PROBLEMS: usize = 10;

/// Lineage table columns the joins read.
const LINEAGE_COLUMNS: [&str; 7] = [
    "record_id",
    "status",
    "reason",
    "survivor_id",
    "split",
    "shard",
    "shard_row",
];

/// One lineage row, reduced to what the joins need.
struct LineageRow {
    record_id: String,
    status: String,
    reason: Option<String>,
    survivor_id: Option<String>,
    split: Option<String>,
    shard: Option<String>,
    shard_row: Option<String>,
}

/// Problems found for one file, capped for display but fully counted.
#[derive(Default)]
struct Problems {
    shown: Vec<String>,
    total: usize,
}

impl Problems {
    fn push(&mut self, problem: String) {
        self.total += 1;
        if self.shown.len() < SHOWN_PROBLEMS {
            self.shown.push(problem);
        }
    }

    fn into_status(self) -> FileStatus {
        if self.total == 0 {
            return FileStatus::Ok;
        }
        let mut what = self.shown.join("; ");
        if self.total > self.shown.len() {
            what.push_str(&format!("; … and {} more", self.total - self.shown.len()));
        }
        FileStatus::Mismatch { what }
    }
}

/// Join verdicts for the run in `base` (empty when the manifest lists no lineage table, as
/// manifests of older runs do).
pub(super) fn check(manifest: &Manifest, base: &Path) -> Vec<JoinVerdict> {
    let Some(lineage) = manifest.outputs.iter().find(|o| o.role == "lineage") else {
        return Vec::new();
    };
    let verdict = |o: &OutputEntry, rows: u64, status| JoinVerdict {
        path: o.path.clone(),
        role: o.role.clone(),
        rows_checked: rows,
        status,
    };
    let rows = match read_lineage(&base.join(&lineage.path)) {
        Ok(rows) => rows,
        Err(status) => return vec![verdict(lineage, 0, status)],
    };
    let mut out = Vec::new();
    let mut lineage_problems = Problems::default();

    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        if let Some(first) = seen.insert(row.record_id.as_str(), i) {
            lineage_problems.push(format!(
                "record {} appears twice (rows {first} and {i})",
                row.record_id
            ));
        }
    }

    // Where lineage says each kept record is: shard path -> slot -> lineage row indexes.
    let training: BTreeMap<&str, &OutputEntry> = manifest
        .outputs
        .iter()
        .filter(|o| o.is_training_split())
        .map(|o| (o.path.as_str(), o))
        .collect();
    let mut slots: BTreeMap<&str, Vec<Vec<usize>>> = training
        .iter()
        .map(|(path, o)| {
            (
                *path,
                vec![Vec::new(); usize::try_from(o.rows).unwrap_or(0)],
            )
        })
        .collect();
    let mut by_status: BTreeMap<&str, u64> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        *by_status.entry(row.status.as_str()).or_default() += 1;
        match row.status.as_str() {
            "kept" => place(i, row, &training, &mut slots, &mut lineage_problems),
            "duplicate" | "quarantined" => {}
            other => lineage_problems.push(format!(
                "record {} has unknown status `{other}`",
                row.record_id
            )),
        }
    }
    let c = &manifest.conservation;
    for (status, counted) in [
        ("kept", c.kept),
        ("duplicate", c.duplicates),
        ("quarantined", c.quarantined),
    ] {
        let found = by_status.get(status).copied().unwrap_or(0);
        if found != counted {
            lineage_problems.push(format!(
                "{found} records are `{status}` but the manifest counts {counted}"
            ));
        }
    }
    out.push(verdict(
        lineage,
        rows.len() as u64,
        lineage_problems.into_status(),
    ));

    for (path, entry) in &training {
        let claims = slots.remove(path).unwrap_or_default();
        out.push(match read_strings(&base.join(path), &["record_id"]) {
            Ok(mut columns) => {
                let ids = columns.pop().unwrap_or_default();
                verdict(entry, ids.len() as u64, check_shard(&ids, &claims, &rows))
            }
            Err(status) => verdict(entry, 0, status),
        });
    }

    for (role, status) in [("duplicates", "duplicate"), ("quarantine", "quarantined")] {
        for entry in manifest.outputs.iter().filter(|o| o.role == role) {
            let columns: &[&str] = if role == "duplicates" {
                &["record_id", "reason", "survivor_id"]
            } else {
                &["record_id", "reason"]
            };
            out.push(match read_strings(&base.join(&entry.path), columns) {
                Ok(table) => {
                    let n = table.first().map_or(0, Vec::len) as u64;
                    verdict(entry, n, check_side_table(&table, &rows, status))
                }
                Err(s) => verdict(entry, 0, s),
            });
        }
    }
    out
}

/// Records lineage row `i` (kept) in the slot it names, or a problem when it names none.
fn place<'a>(
    i: usize,
    row: &'a LineageRow,
    training: &BTreeMap<&str, &OutputEntry>,
    slots: &mut BTreeMap<&'a str, Vec<Vec<usize>>>,
    problems: &mut Problems,
) {
    let id = &row.record_id;
    let (Some(split), Some(shard), Some(shard_row)) = (&row.split, &row.shard, &row.shard_row)
    else {
        problems.push(format!("kept record {id} names no split/shard/row"));
        return;
    };
    let Some(entry) = training.get(shard.as_str()) else {
        problems.push(format!(
            "kept record {id} points at `{shard}`, which is not a training shard of the manifest"
        ));
        return;
    };
    if entry.role != *split {
        problems.push(format!(
            "kept record {id} is in split `{split}` but `{shard}` holds split `{}`",
            entry.role
        ));
    }
    let Some(slot) = shard_row
        .parse::<usize>()
        .ok()
        .and_then(|r| slots.get_mut(shard.as_str())?.get_mut(r))
    else {
        problems.push(format!(
            "kept record {id} points at row {shard_row} of `{shard}`, which has {} rows",
            entry.rows
        ));
        return;
    };
    slot.push(i);
}

/// Each shard row must be claimed by exactly one lineage row, with the same record id.
fn check_shard(ids: &[Option<String>], claims: &[Vec<usize>], rows: &[LineageRow]) -> FileStatus {
    let mut problems = Problems::default();
    for (r, id) in ids.iter().enumerate() {
        let id = id.as_deref().unwrap_or("<null>");
        match claims.get(r).map(Vec::as_slice).unwrap_or_default() {
            [] => problems.push(format!(
                "row {r} (record {id}) has no kept lineage row pointing at it"
            )),
            [one] => {
                let expected = &rows[*one].record_id;
                if expected != id {
                    problems.push(format!(
                        "row {r} holds record {id} but lineage places record {expected} there"
                    ));
                }
            }
            many => {
                let names: Vec<&str> = many.iter().map(|&i| rows[i].record_id.as_str()).collect();
                problems.push(format!(
                    "row {r} (record {id}) is claimed by {} lineage rows ({})",
                    many.len(),
                    names.join(", ")
                ));
            }
        }
    }
    if claims.len() != ids.len() {
        problems.push(format!(
            "the file has {} rows but the manifest records {}",
            ids.len(),
            claims.len()
        ));
    }
    problems.into_status()
}

/// The duplicates or quarantine table must list exactly the lineage records of `status`, with
/// the reason (and, for duplicates, the survivor) lineage records.
fn check_side_table(
    table: &[Vec<Option<String>>],
    rows: &[LineageRow],
    status: &str,
) -> FileStatus {
    let mut problems = Problems::default();
    let mut expected: HashMap<&str, &LineageRow> = rows
        .iter()
        .filter(|r| r.status == status)
        .map(|r| (r.record_id.as_str(), r))
        .collect();
    let column = |c: usize, r: usize| table.get(c).and_then(|col| col.get(r)?.as_deref());
    let n = table.first().map_or(0, Vec::len);
    for r in 0..n {
        let Some(id) = column(0, r) else {
            problems.push(format!("row {r} has no record_id"));
            continue;
        };
        let Some(lineage) = expected.remove(id) else {
            let why = if rows.iter().any(|l| l.record_id == id) {
                "is listed here but lineage gives it another status (or lists it twice here)"
            } else {
                "is not in the lineage table"
            };
            problems.push(format!("record {id} {why}"));
            continue;
        };
        if column(1, r) != lineage.reason.as_deref() {
            problems.push(format!(
                "record {id}: reason {} here but {} in lineage",
                column(1, r).unwrap_or("<null>"),
                lineage.reason.as_deref().unwrap_or("<null>")
            ));
        }
        if table.len() > 2 && column(2, r) != lineage.survivor_id.as_deref() {
            problems.push(format!(
                "record {id}: survivor {} here but {} in lineage",
                column(2, r).unwrap_or("<null>"),
                lineage.survivor_id.as_deref().unwrap_or("<null>")
            ));
        }
    }
    let mut missing: Vec<&str> = expected.into_keys().collect();
    missing.sort_unstable();
    for id in missing {
        problems.push(format!(
            "record {id} is `{status}` in lineage but not listed here"
        ));
    }
    problems.into_status()
}

fn read_lineage(path: &Path) -> Result<Vec<LineageRow>, FileStatus> {
    let mut columns = read_strings(path, &LINEAGE_COLUMNS)?.into_iter();
    let mut next = || columns.next().unwrap_or_default();
    let (ids, status, reason, survivor, split, shard, shard_row) =
        (next(), next(), next(), next(), next(), next(), next());
    let mut rows = Vec::with_capacity(ids.len());
    let mut problems = Problems::default();
    for (i, id) in ids.into_iter().enumerate() {
        let (Some(record_id), Some(status)) = (id, status.get(i).cloned().flatten()) else {
            problems.push(format!("row {i} has no record_id or status"));
            continue;
        };
        let at = |col: &Vec<Option<String>>| col.get(i).cloned().flatten();
        rows.push(LineageRow {
            record_id,
            status,
            reason: at(&reason),
            survivor_id: at(&survivor),
            split: at(&split),
            shard: at(&shard),
            shard_row: at(&shard_row),
        });
    }
    match problems.total {
        0 => Ok(rows),
        _ => Err(problems.into_status()),
    }
}

/// The named columns of a Parquet file, each cast to text, in file order. A missing or
/// unreadable file, or a missing column, is the file's verdict.
fn read_strings(path: &Path, names: &[&str]) -> Result<Vec<Vec<Option<String>>>, FileStatus> {
    let unreadable = |e: &dyn std::fmt::Display| FileStatus::Mismatch {
        what: format!("not a readable Parquet table ({e})"),
    };
    if !path.is_file() {
        return Err(FileStatus::Missing);
    }
    let file = fs_err::File::open(path)
        .map_err(|e| unreadable(&e))?
        .into_file();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| unreadable(&e))?;
    let schema = builder.schema().clone();
    let mut indices = Vec::with_capacity(names.len());
    for name in names {
        let index = schema.index_of(name).map_err(|_| FileStatus::Mismatch {
            what: format!("has no `{name}` column"),
        })?;
        indices.push(index);
    }
    let mask = ProjectionMask::roots(builder.parquet_schema(), indices.iter().copied());
    let reader = builder
        .with_projection(mask)
        .build()
        .map_err(|e| unreadable(&e))?;
    let mut out: Vec<Vec<Option<String>>> = vec![Vec::new(); names.len()];
    for batch in reader {
        let batch = batch.map_err(|e| unreadable(&e))?;
        for (column, name) in out.iter_mut().zip(names) {
            let array = batch
                .column_by_name(name)
                .ok_or_else(|| FileStatus::Mismatch {
                    what: format!("has no `{name}` column"),
                })?;
            let text = arrow::compute::cast(array, &DataType::Utf8).map_err(|e| unreadable(&e))?;
            let Some(text) = text.as_any().downcast_ref::<StringArray>() else {
                return Err(FileStatus::Mismatch {
                    what: format!("column `{name}` is not text"),
                });
            };
            column.extend(
                (0..text.len()).map(|i| (!text.is_null(i)).then(|| text.value(i).to_owned())),
            );
        }
    }
    Ok(out)
}
