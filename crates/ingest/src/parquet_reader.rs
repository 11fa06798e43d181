//! Parquet: mapped top-level columns, read row group by row group and conformed to the schema.

use crate::coerce::Mismatch;
use crate::conform::{conform, conformable};
use crate::error::IngestError;
use crate::identity::RowIdentity;
use crate::problem::Problem;
use crate::sink::{BatchHandler, Collected};
use arrow::array::{Array, BooleanArray, RecordBatch, RecordBatchOptions};
use arrow::compute::filter_record_batch;
use arrow::datatypes::{Schema, SchemaRef};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use sluice_core::batch::rows_as_json;
use sluice_core::{Batch, TargetSchema};
use std::path::Path;

/// Reads every row of the Parquet file held in `raw`. Rows are numbered from 0 in file order;
/// `line` is `row + 1`.
pub(crate) fn read_parquet<R: parquet::file::reader::ChunkReader + 'static>(
    source: R,
    path: &Path,
    schema: &TargetSchema,
    ids: &RowIdentity,
    batch_rows: usize,
    emit: Option<BatchHandler>,
) -> Result<Collected, IngestError> {
    let unreadable = |source| IngestError::Parquet {
        path: path.to_path_buf(),
        source,
    };
    let builder = ParquetRecordBatchReaderBuilder::try_new(source).map_err(unreadable)?;
    let mut roots = resolve_columns(builder.schema(), schema, path)?;
    roots.sort_unstable();
    roots.dedup();
    let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
    let reader = builder
        .with_projection(mask)
        .with_batch_size(batch_rows.max(1))
        .build()
        .map_err(unreadable)?;
    let target = schema.arrow_schema();
    let mut out = Collected::with_emit(emit);
    for batch in reader {
        let batch = batch.map_err(|source| IngestError::ParquetData {
            path: path.to_path_buf(),
            source,
        })?;
        let converter = BatchConverter {
            path,
            schema,
            target: &target,
            ids,
        };
        converter.convert(&batch, &mut out)?;
    }
    Ok(out)
}

/// The file column index of each field's source, checking that each exists and converts.
fn resolve_columns(
    file_schema: &Schema,
    schema: &TargetSchema,
    path: &Path,
) -> Result<Vec<usize>, IngestError> {
    let mut indices = Vec::with_capacity(schema.fields.len());
    for spec in &schema.fields {
        let Ok(index) = file_schema.index_of(&spec.source) else {
            let (field, column) = (spec.name.clone(), spec.source.clone());
            let path = path.to_path_buf();
            return Err(if spec.source.contains('.') {
                IngestError::NestedSourceUnsupported {
                    path,
                    field,
                    column,
                }
            } else {
                IngestError::MissingColumn {
                    path,
                    field,
                    column,
                }
            });
        };
        let found = file_schema.field(index).data_type();
        if !conformable(found, &spec.ty.to_arrow()) {
            return Err(IngestError::IncompatibleColumn {
                path: path.to_path_buf(),
                field: spec.name.clone(),
                column: spec.source.clone(),
                found: found.to_string(),
                expected: spec.ty.to_string(),
            });
        }
        indices.push(index);
    }
    Ok(indices)
}

struct BatchConverter<'a> {
    path: &'a Path,
    schema: &'a TargetSchema,
    target: &'a SchemaRef,
    ids: &'a RowIdentity,
}

impl BatchConverter<'_> {
    fn incompatible(&self, spec: &sluice_core::FieldSpec, found: String) -> IngestError {
        IngestError::IncompatibleColumn {
            path: self.path.to_path_buf(),
            field: spec.name.clone(),
            column: spec.source.clone(),
            found,
            expected: spec.ty.to_string(),
        }
    }

    fn assembly_failed(&self, first_row: u64, rows: usize) -> IngestError {
        IngestError::BatchAssembly {
            path: self.path.to_path_buf(),
            first_row,
            last_row: first_row + (rows as u64).saturating_sub(1),
        }
    }

    /// Conforms one file batch: kept rows become a [`Batch`], the others removals whose content
    /// is the source row as JSON.
    fn convert(&self, batch: &RecordBatch, out: &mut Collected) -> Result<(), IngestError> {
        let rows = batch.num_rows();
        let first_row = out.records;
        let mut problems: Vec<Option<Problem>> = vec![None; rows];
        let mut columns = Vec::with_capacity(self.schema.fields.len());
        for spec in &self.schema.fields {
            let source = batch.column_by_name(&spec.source).ok_or_else(|| {
                self.incompatible(spec, "a column missing from a row group".into())
            })?;
            let conformed = conform(source, &spec.ty.to_arrow())
                .map_err(|_| self.incompatible(spec, source.data_type().to_string()))?;
            for (row, problem) in problems.iter_mut().enumerate() {
                if problem.is_some() {
                    continue;
                }
                if conformed.lost[row] {
                    let mismatch = Mismatch {
                        at: String::new(),
                        expected: spec.ty.to_string(),
                        found: format!(
                            "a Parquet {} value that does not convert",
                            source.data_type()
                        ),
                    };
                    *problem = Some(Problem::mismatch(spec, &mismatch));
                } else if spec.required && conformed.array.is_null(row) {
                    *problem = Some(Problem::missing(spec));
                }
            }
            columns.push(conformed.array);
        }
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        let data = RecordBatch::try_new_with_options(self.target.clone(), columns, &options)
            .map_err(|_| self.assembly_failed(first_row, rows))?;
        let keep: Vec<bool> = problems.iter().map(Option::is_none).collect();
        let kept_data = if keep.iter().all(|k| *k) {
            data
        } else {
            filter_record_batch(&data, &BooleanArray::from(keep))
                .map_err(|_| self.assembly_failed(first_row, rows))?
        };
        let mut kept_rows = Vec::with_capacity(kept_data.num_rows());
        for (i, problem) in problems.into_iter().enumerate() {
            let row = first_row + i as u64;
            match problem {
                None => kept_rows.push(self.ids.meta(row, row + 1)),
                Some(problem) => {
                    // Best effort: a column type the JSON writer cannot render leaves no content.
                    let content = rows_as_json(&batch.slice(i, 1))
                        .ok()
                        .and_then(|rows| rows.into_iter().next());
                    out.rejects
                        .push(self.ids.removal(row, row + 1, problem, content.as_deref()));
                }
            }
        }
        out.records += rows as u64;
        if !kept_rows.is_empty() {
            let kept = Batch::new(kept_data, kept_rows)
                .map_err(|_| self.assembly_failed(first_row, rows))?;
            out.push_batch(kept, self.path)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use crate::{IngestError, InputFormat, InputOptions, read_input};
    use arrow::array::{ArrayRef, Float64Array, Int32Array, RecordBatch, StringArray};
    use parquet::arrow::ArrowWriter;
    use sluice_core::SourceRef;
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    const EMAIL: &str = "li.lei.fake@example.invalid";

    fn write_parquet(dir: &Path, name: &str, batches: &[RecordBatch]) -> PathBuf {
        let path = dir.join(name);
        let file = fs_err::File::create(&path).unwrap();
        let mut writer = ArrowWriter::try_new(file, batches[0].schema(), None).unwrap();
        for batch in batches {
            writer.write(batch).unwrap();
            writer.flush().unwrap(); // one row group per batch
        }
        writer.close().unwrap();
        path
    }

    fn claims_batch(
        ids: &[Option<&str>],
        amounts: &[Option<&str>],
        emails: &[Option<&str>],
    ) -> RecordBatch {
        let n = ids.len() as i32;
        RecordBatch::try_from_iter_with_nullable([
            (
                "claim_id",
                Arc::new(StringArray::from(ids.to_vec())) as ArrayRef,
                true,
            ),
            (
                "amount_text",
                Arc::new(StringArray::from(amounts.to_vec())) as ArrayRef,
                true,
            ),
            (
                "email",
                Arc::new(StringArray::from(emails.to_vec())) as ArrayRef,
                true,
            ),
            (
                "unused",
                Arc::new(Int32Array::from_iter_values(0..n)) as ArrayRef,
                true,
            ),
            (
                "score",
                Arc::new(Float64Array::from_iter_values((0..n).map(f64::from))) as ArrayRef,
                true,
            ),
        ])
        .unwrap()
    }

    fn claims_schema() -> sluice_core::TargetSchema {
        schema(&[
            ("id", "claim_id", "string", true),
            ("amount", "amount_text", "float64", false),
            ("email", "email", "string", false),
            ("score", "score", "int64", false),
        ])
    }

    #[test]
    fn round_trip_with_casts_across_row_groups() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_parquet(
            dir.path(),
            "claims.parquet",
            &[
                claims_batch(
                    &[Some("C0"), Some("C1")],
                    &[Some("10.5"), None],
                    &[Some(EMAIL), None],
                ),
                claims_batch(
                    &[None, Some("C3"), Some("C4")],
                    &[Some("1"), Some(EMAIL), Some("7")],
                    &[Some(EMAIL), Some(EMAIL), None],
                ),
            ],
        );
        let result = read(&path, &claims_schema());
        assert_conserved(&result);
        assert_eq!(result.format, InputFormat::Parquet);
        assert_eq!(result.records, 5);
        assert_eq!(kept_rows(&result), vec![0, 1, 4]);
        assert_eq!(
            strings(&result, "id"),
            vec![Some("C0".into()), Some("C1".into()), Some("C4".into())]
        );
        let json: Vec<String> = result
            .batches
            .iter()
            .flat_map(|b| b.rows_as_json().unwrap())
            .collect();
        assert_eq!(
            json[0],
            format!(r#"{{"id":"C0","amount":10.5,"email":"{EMAIL}","score":0}}"#)
        );
        assert_eq!(json[2], r#"{"id":"C4","amount":7.0,"score":2}"#);
        let got: Vec<(SourceRef, &str)> = result
            .rejects
            .iter()
            .map(|r| (r.row.source, r.reason.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    SourceRef {
                        input: 0,
                        row: 2,
                        line: 3
                    },
                    "INGEST_MISSING_FIELD"
                ),
                (
                    SourceRef {
                        input: 0,
                        row: 3,
                        line: 4
                    },
                    "INGEST_TYPE_MISMATCH"
                ),
            ]
        );
        assert_eq!(
            result.rejects[1].detail,
            "field `amount` (source `amount_text`): expected float64, found a Parquet Utf8 value that does not convert"
        );
        let content = result.rejects[1].content.as_deref().unwrap();
        assert!(content.contains(r#""claim_id":"C3""#) && content.contains(EMAIL));
        assert_details_free_of(&result, EMAIL);
    }

    #[test]
    fn ids_are_stable_and_batches_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let ids: Vec<String> = (0..10).map(|i| format!("C{i}")).collect();
        let refs: Vec<Option<&str>> = ids.iter().map(|s| Some(s.as_str())).collect();
        let path = write_parquet(
            dir.path(),
            "c.parquet",
            &[claims_batch(&refs, &[None; 10], &[None; 10])],
        );
        let rows = |batch_rows| {
            let result = read_input(
                &path,
                1,
                &InputOptions::default(),
                &claims_schema(),
                batch_rows,
            )
            .unwrap();
            assert_conserved(&result);
            assert!(result.batches.iter().all(|b| b.len() <= batch_rows));
            result
                .batches
                .iter()
                .flat_map(|b| b.rows.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(rows(3), rows(3));
        assert_eq!(rows(3), rows(100));
    }

    #[test]
    fn schema_problems_fail_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_parquet(
            dir.path(),
            "c.parquet",
            &[claims_batch(&[Some("C0")], &[None], &[None])],
        );
        let read_err = |fields: &[(&str, &str, &str, bool)]| {
            read_input(&path, 0, &InputOptions::default(), &schema(fields), 10).unwrap_err()
        };
        let err = read_err(&[("id", "claim_no", "string", true)]);
        assert!(matches!(err, IngestError::MissingColumn { .. }), "{err}");
        assert!(err.to_string().contains("c.parquet") && err.to_string().contains("claim_no"));
        let err = read_err(&[("email", "customer.email", "string", false)]);
        assert!(
            matches!(err, IngestError::NestedSourceUnsupported { .. }),
            "{err}"
        );
        let err = read_err(&[("m", "claim_id", "messages", false)]);
        assert!(
            matches!(err, IngestError::IncompatibleColumn { .. }),
            "{err}"
        );
    }

    #[test]
    fn unreadable_footer_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "broken.parquet",
            b"PAR1 this is not parquet PAR1",
        );
        let err = read_input(&path, 0, &InputOptions::default(), &claims_schema(), 10).unwrap_err();
        assert!(matches!(err, IngestError::Parquet { .. }), "{err}");
        assert!(err.to_string().contains("broken.parquet"));
    }

    #[test]
    fn text_options_do_not_apply() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_parquet(
            dir.path(),
            "c.parquet",
            &[claims_batch(&[Some("C0")], &[None], &[None])],
        );
        let opts = InputOptions {
            delimiter: Some(';'),
            ..Default::default()
        };
        let err = read_input(&path, 0, &opts, &claims_schema(), 10).unwrap_err();
        assert!(matches!(
            err,
            IngestError::OptionNotApplicable {
                option: "delimiter",
                ..
            }
        ));
        let gbk = InputOptions {
            encoding: Some("gbk".into()),
            ..Default::default()
        };
        assert!(read_input(&path, 0, &gbk, &claims_schema(), 10).is_err());
        let utf8 = InputOptions {
            encoding: Some("utf-8".into()),
            ..Default::default()
        };
        assert_eq!(
            read_input(&path, 0, &utf8, &claims_schema(), 10)
                .unwrap()
                .encoding,
            "utf-8"
        );
    }
}
