use super::*;
use crate::split::assign_split;
use arrow::array::{Array, AsArray, RecordBatchReader};
use arrow::json::ReaderBuilder;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use sluice_core::{FieldType, RecordId, RowMeta, SourceRef};

fn data_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("text", DataType::Utf8, true),
        Field::new("messages", FieldType::messages().to_arrow(), true),
    ]))
}

/// Rows `first..first + count` of a synthetic feed, ids `feed:<row>`.
fn batch(first: u64, count: u64) -> Batch {
    let rows: Vec<serde_json::Value> = (first..first + count)
        .map(|i| {
            serde_json::json!({
                "text": format!("synthetic ticket {i}"),
                "messages": [
                    {"role": "user", "content": format!("question {i}")},
                    {"role": "assistant", "content": if i % 3 == 0 { None } else { Some(format!("answer {i}")) }},
                ],
            })
        })
        .collect();
    let mut decoder = ReaderBuilder::new(data_schema()).build_decoder().unwrap();
    decoder.serialize(&rows).unwrap();
    let data = decoder
        .flush()
        .unwrap()
        .unwrap_or_else(|| RecordBatch::new_empty(data_schema()));
    let metas = (first..first + count)
        .map(|i| RowMeta {
            id: RecordId::from_string(format!("feed:{i}")),
            source: SourceRef {
                input: 0,
                row: i,
                line: i + 1,
            },
        })
        .collect();
    Batch::new(data, metas).unwrap()
}

fn keys(batches: &[Batch]) -> Vec<Vec<String>> {
    batches
        .iter()
        .map(|b| b.rows.iter().map(|r| r.id.as_str().to_owned()).collect())
        .collect()
}

fn config(splits: &[(&str, f64)], rows_per_shard: usize) -> OutputConfig {
    OutputConfig {
        splits: splits.iter().map(|(n, f)| ((*n).to_owned(), *f)).collect(),
        rows_per_shard,
    }
}

fn read(path: &Path) -> RecordBatch {
    let file = fs_err::File::open(path).unwrap().into_file();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let schema = reader.schema();
    let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
    arrow::compute::concat_batches(&schema, &batches).unwrap()
}

fn ids_of(table: &RecordBatch) -> Vec<String> {
    table
        .column(0)
        .as_string::<i32>()
        .iter()
        .map(|v| v.unwrap().to_owned())
        .collect()
}

#[test]
fn shards_are_named_and_sized_by_rows_per_shard() {
    let dir = tempfile::tempdir().unwrap();
    let batches = [batch(0, 3), batch(3, 2)];
    let outputs = write_training_set(
        dir.path(),
        &batches,
        &keys(&batches),
        &config(&[("train", 1.0)], 2),
    )
    .unwrap();
    let summary: Vec<(&str, &str, u64)> = outputs
        .iter()
        .map(|o| (o.path.as_str(), o.role.as_str(), o.rows))
        .collect();
    assert_eq!(
        summary,
        [
            ("data/train-00000-of-00003.parquet", "train", 2),
            ("data/train-00001-of-00003.parquet", "train", 2),
            ("data/train-00002-of-00003.parquet", "train", 1),
        ]
    );
    let all: Vec<String> = outputs
        .iter()
        .flat_map(|o| ids_of(&read(&dir.path().join(&o.path))))
        .collect();
    assert_eq!(all, ["feed:0", "feed:1", "feed:2", "feed:3", "feed:4"]);
    for o in &outputs {
        let bytes = fs_err::read(dir.path().join(&o.path)).unwrap();
        assert_eq!(o.bytes, bytes.len() as u64);
        assert_eq!(o.sha256, sluice_core::digest::sha256_hex(&bytes));
    }
}

#[test]
fn rows_go_to_their_hashed_split_in_input_order() {
    let dir = tempfile::tempdir().unwrap();
    let batches = [batch(0, 20), batch(20, 20)];
    let cfg = config(&[("train", 0.5), ("validation", 0.5)], 1000);
    let outputs = write_training_set(dir.path(), &batches, &keys(&batches), &cfg).unwrap();
    assert_eq!(outputs.len(), 2);
    for output in &outputs {
        let expected: Vec<String> = (0..40)
            .map(|i| format!("feed:{i}"))
            .filter(|id| assign_split(id, &cfg.splits) == output.role)
            .collect();
        assert!(!expected.is_empty(), "40 keys should reach both splits");
        let table = read(&dir.path().join(&output.path));
        assert_eq!(ids_of(&table), expected);
        assert_eq!(output.rows, expected.len() as u64);
        // Every value travels with its id: text i belongs to feed:i.
        let texts = table.column_by_name("text").unwrap().as_string::<i32>();
        for (id, text) in expected.iter().zip(texts.iter()) {
            let row = id.trim_start_matches("feed:");
            assert_eq!(text.unwrap(), format!("synthetic ticket {row}"));
        }
    }
}

#[test]
fn nested_messages_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let batches = [batch(0, 4)];
    let outputs = write_training_set(
        dir.path(),
        &batches,
        &keys(&batches),
        &config(&[("train", 1.0)], 10),
    )
    .unwrap();
    let table = read(&dir.path().join(&outputs[0].path));
    let schema = table.schema();
    assert_eq!(schema.field(0).name(), RECORD_ID_COLUMN);
    assert!(!schema.field(0).is_nullable());
    assert_eq!(
        schema.field_with_name("messages").unwrap().data_type(),
        &FieldType::messages().to_arrow()
    );
    let original = batches[0].data.column_by_name("messages").unwrap();
    let read_back = table.column_by_name("messages").unwrap();
    assert_eq!(original.to_data(), read_back.to_data());
    // The null assistant content of row 0 survives as null, not as an empty string.
    let contents = read_back.as_list::<i32>().value(0);
    let contents = contents
        .as_struct()
        .column_by_name("content")
        .unwrap()
        .clone();
    assert!(contents.is_null(1));
}

#[test]
fn identical_input_gives_identical_bytes_whatever_the_batching() {
    let cfg = config(&[("train", 0.7), ("validation", 0.3)], 3);
    let write = |batches: &[Batch]| {
        let dir = tempfile::tempdir().unwrap();
        let outputs = write_training_set(dir.path(), batches, &keys(batches), &cfg).unwrap();
        outputs
            .into_iter()
            .map(|o| (o.path, o.sha256))
            .collect::<Vec<_>>()
    };
    let one = write(&[batch(0, 12)]);
    assert_eq!(one, write(&[batch(0, 12)]));
    assert_eq!(one, write(&[batch(0, 5), batch(5, 1), batch(6, 6)]));
    assert_ne!(one, write(&[batch(0, 11)]));
}

#[test]
fn empty_splits_get_one_empty_shard_with_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&[("train", 0.5), ("validation", 0.5)], 10);
    let outputs =
        write_training_set_with_schema(dir.path(), &data_schema(), &[], &[], &cfg).unwrap();
    let paths: Vec<&str> = outputs.iter().map(|o| o.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "data/train-00000-of-00001.parquet",
            "data/validation-00000-of-00001.parquet"
        ]
    );
    for output in &outputs {
        assert_eq!(output.rows, 0);
        let table = read(&dir.path().join(&output.path));
        assert_eq!(table.num_rows(), 0);
        assert_eq!(table.schema().fields().len(), 3);
    }

    let without_schema = write_training_set(dir.path(), &[], &[], &cfg).unwrap();
    let table = read(&dir.path().join(&without_schema[0].path));
    assert_eq!(table.schema().fields().len(), 1);
}

#[test]
fn stale_shards_from_an_earlier_run_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let batches = [batch(0, 3)];
    let first = write_training_set(
        dir.path(),
        &batches,
        &keys(&batches),
        &config(&[("train", 1.0)], 1),
    )
    .unwrap();
    assert_eq!(first.len(), 3);
    fs_err::write(dir.path().join("data/README.md"), "notes").unwrap();
    fs_err::write(dir.path().join("data/test-00000-of-00001.parquet"), "old").unwrap();
    let second = write_training_set(
        dir.path(),
        &batches,
        &keys(&batches),
        &config(&[("train", 1.0)], 10),
    )
    .unwrap();
    let mut names: Vec<String> = fs_err::read_dir(dir.path().join("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["README.md", "train-00000-of-00001.parquet"]);
    assert_eq!(second[0].rows, 3);
}

#[test]
fn mismatched_inputs_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let batches = [batch(0, 2)];
    let cfg = config(&[("train", 1.0)], 10);
    let short_keys = vec![vec!["feed:0".to_owned()]];
    assert!(matches!(
        write_training_set(dir.path(), &batches, &short_keys, &cfg),
        Err(ExportError::Input(_))
    ));
    assert!(matches!(
        write_training_set(dir.path(), &batches, &[], &cfg),
        Err(ExportError::Input(_))
    ));
    let other_schema = Arc::new(Schema::new(vec![Field::new("text", DataType::Utf8, true)]));
    assert!(matches!(
        write_training_set_with_schema(dir.path(), &other_schema, &batches, &keys(&batches), &cfg),
        Err(ExportError::Input(_))
    ));
    let reserved = Arc::new(Schema::new(vec![Field::new(
        RECORD_ID_COLUMN,
        DataType::Utf8,
        true,
    )]));
    assert!(matches!(
        write_training_set_with_schema(dir.path(), &reserved, &[], &[], &cfg),
        Err(ExportError::Input(_))
    ));
    assert!(matches!(
        write_training_set(
            dir.path(),
            &batches,
            &keys(&batches),
            &config(&[("train", 0.5)], 10)
        ),
        Err(ExportError::Config { .. })
    ));
    assert!(
        !dir.path().join(DATA_DIR).exists(),
        "nothing is written on bad input"
    );
}

#[test]
fn shard_file_name_pattern() {
    assert!(is_shard_file_name("train-00000-of-00001.parquet"));
    assert!(is_shard_file_name("my_split-00012-of-00100.parquet"));
    assert!(is_shard_file_name("train-123456-of-123457.parquet"));
    assert!(!is_shard_file_name("train-0-of-1.parquet"));
    assert!(!is_shard_file_name("train-00000-of-00001.parquet.tmp-12"));
    assert!(!is_shard_file_name("notes-00000.parquet"));
    assert!(!is_shard_file_name("my-split-00000-of-00001.parquet"));
    assert_eq!(
        shard_path("validation", 2, 10),
        "data/validation-00002-of-00010.parquet"
    );
}

#[test]
fn the_streaming_writer_checks_announced_totals() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&[("train", 1.0)], 2);
    let b = batch(0, 3);
    let mut short = TrainingSetWriter::new(dir.path(), &data_schema(), &[2], &cfg).unwrap();
    assert!(
        short.push(&b, &[0, 0, 0]).is_err(),
        "more rows than announced"
    );
    let mut long = TrainingSetWriter::new(dir.path(), &data_schema(), &[4], &cfg).unwrap();
    long.push(&b, &[0, 0, 0]).unwrap();
    assert!(long.finish().is_err(), "fewer rows than announced");
    let mut wrong = TrainingSetWriter::new(dir.path(), &data_schema(), &[3], &cfg).unwrap();
    assert!(wrong.push(&b, &[0, 0]).is_err(), "one split per row");
}

#[test]
fn streaming_in_any_chunking_writes_the_same_shards() {
    let cfg = config(&[("train", 0.7), ("test", 0.3)], 7);
    let whole = vec![batch(0, 40)];
    let pieces: Vec<Batch> = [(0, 3), (3, 1), (4, 20), (24, 16)]
        .iter()
        .map(|&(first, count)| batch(first, count))
        .collect();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let one = write_training_set_with_schema(a.path(), &data_schema(), &whole, &keys(&whole), &cfg)
        .unwrap();
    let many =
        write_training_set_with_schema(b.path(), &data_schema(), &pieces, &keys(&pieces), &cfg)
            .unwrap();
    assert!(one.len() > 2, "several shards per split");
    assert_eq!(one, many);
}

#[test]
fn parts_cut_out_of_order_and_pushed_in_order_write_the_same_shards() {
    let cfg = config(&[("train", 0.7), ("test", 0.3)], 7);
    let pieces: Vec<Batch> = [(0, 3), (3, 1), (4, 20), (24, 16)]
        .iter()
        .map(|&(first, count)| batch(first, count))
        .collect();
    let splits = split_indices(&keys(&pieces), &cfg);
    let mut totals = vec![0u64; 2];
    for s in splits.iter().flatten() {
        totals[*s] += 1;
    }
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let mut pushed = TrainingSetWriter::new(a.path(), &data_schema(), &totals, &cfg).unwrap();
    for (batch, s) in pieces.iter().zip(&splits) {
        pushed.push(batch, s).unwrap();
    }
    let mut cut = TrainingSetWriter::new(b.path(), &data_schema(), &totals, &cfg).unwrap();
    let rows = cut.split_rows();
    let mut parts: Vec<(usize, SplitParts)> = (0..pieces.len())
        .rev()
        .map(|i| (i, rows.cut(&pieces[i], &splits[i]).unwrap()))
        .collect();
    parts.sort_by_key(|(i, _)| *i);
    for (_, p) in parts {
        cut.push_parts(p).unwrap();
    }
    let (one, other) = (pushed.finish().unwrap(), cut.finish().unwrap());
    assert!(one.len() > 2, "several shards per split");
    assert_eq!(one, other);
    // A part for a split the writer does not have is refused, not dropped.
    let mut single = TrainingSetWriter::new(
        b.path(),
        &data_schema(),
        &[40],
        &config(&[("train", 1.0)], 7),
    )
    .unwrap();
    let two_way = rows.cut(&pieces[0], &[1, 1, 1]).unwrap();
    assert!(single.push_parts(two_way).is_err());
}
