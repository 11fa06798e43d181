"""datatrove's MinHash dedup on the records `dedup_bench` writes, for a like-for-like comparison.

Runs the four datatrove steps — signatures, buckets, cluster, filter — with the local executor,
one task and one worker each (buckets: one task per bucket, run one after another), on the JSONL
file the Rust benchmark wrote (`{"id": ..., "text": ...}` per line). Band layout defaults to
sluice's derived 16 bands x 6 rows at threshold 0.8 so both sides do the same LSH work.

    python3 -m venv /tmp/dt-venv && /tmp/dt-venv/bin/pip install 'datatrove[processing]'
    cargo run --release -p sluice-dedup --example dedup_bench -- 1000000 8192 /tmp/sluice-bench.jsonl
    /usr/bin/time -v /tmp/dt-venv/bin/python crates/dedup/bench/datatrove_minhash.py \
        /tmp/sluice-bench.jsonl /tmp/dt-work [buckets] [rows]

Prints each step's wall time and the number of documents removed; peak RSS comes from
`/usr/bin/time -v` ("Maximum resident set size").
"""

import os
import shutil
import sys
import time

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.dedup import (
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.dedup.minhash import MinhashConfig
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers.jsonl import JsonlWriter
from datatrove.utils.hashing import HashConfig


def main() -> None:
    source = os.path.abspath(sys.argv[1])
    work = os.path.abspath(sys.argv[2])
    buckets = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    rows = int(sys.argv[4]) if len(sys.argv) > 4 else 6
    shutil.rmtree(work, ignore_errors=True)
    config = MinhashConfig(
        n_grams=5,
        num_buckets=buckets,
        hashes_per_bucket=rows,
        hash_config=HashConfig(precision=64),
    )
    reader = lambda: JsonlReader(  # noqa: E731
        os.path.dirname(source),
        glob_pattern=os.path.basename(source),
        text_key="text",
        id_key="id",
    )
    steps = [
        ("signatures", 1, [reader(), MinhashDedupSignature(f"{work}/sigs", config=config)]),
        (
            "buckets",
            buckets,
            [MinhashDedupBuckets(f"{work}/sigs", f"{work}/buckets", config=config)],
        ),
        ("cluster", 1, [MinhashDedupCluster(f"{work}/buckets", f"{work}/remove", config=config)]),
        (
            "filter",
            1,
            [
                reader(),
                MinhashDedupFilter(
                    f"{work}/remove", exclusion_writer=JsonlWriter(f"{work}/removed")
                ),
                JsonlWriter(f"{work}/output"),
            ],
        ),
    ]
    total = 0.0
    for name, tasks, pipeline in steps:
        start = time.perf_counter()
        LocalPipelineExecutor(
            pipeline=pipeline, tasks=tasks, workers=1, logging_dir=f"{work}/logs/{name}"
        ).run()
        elapsed = time.perf_counter() - start
        total += elapsed
        print(f"{name:<12} {elapsed:9.2f} s", flush=True)
    removed = 0
    for root, _, files in os.walk(f"{work}/removed"):
        for f in files:
            import gzip

            with gzip.open(os.path.join(root, f), "rt") as fh:
                removed += sum(1 for _ in fh)
    print(f"{'total':<12} {total:9.2f} s, removed {removed}")


if __name__ == "__main__":
    main()
