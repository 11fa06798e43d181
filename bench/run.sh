#!/usr/bin/env bash
# Full-pipeline benchmark of sluice against DuckDB and polars baselines and the I/O floor.
#
#   bench/run.sh [MULT]      MULT = 1 (default, ≈1M rows), 4 or 16 (≈4M / ≈16M rows), or e.g. 0.1
#
# Everything large lives outside the repository in ${BENCH_DIR:-/tmp/sluice-bench}: the corpus
# (generated once per MULT with the repo's sample generator: the bilingual support tickets,
# both files as plain JSONL), a Python venv with duckdb/polars/pyarrow, and the outputs.
# Prints a table (wall, rows/s, MB/s, peak RSS, ratios) and saves it as results-x$MULT.txt.
# For the 1×/4×/16× scaling series use bench/scaling.sh (compressed corpora, memory budget).
set -euo pipefail

MULT="${1:-1}"
# Any positive multiple works (0.1 ≈ 100k rows for a quick look); 1, 4, 16 are the reference sizes.
if ! [[ "$MULT" =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
  echo "usage: bench/run.sh [MULT]   (1, 4, 16, or e.g. 0.1)" >&2
  exit 2
fi
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH_DIR="${BENCH_DIR:-/tmp/sluice-bench}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
THREADS="${BENCH_THREADS:-1 2}"
# BENCH_BASELINES=0 measures sluice only (no Python venv needed).
BASELINES="${BENCH_BASELINES:-1}"
# The support-tickets dataset has 2 500 records per generator scale unit: 400 ≈ 1.0M rows.
SCALE=$(awk -v m="$MULT" 'BEGIN { s = int(400 * m + 0.5); print (s < 1 ? 1 : s) }')
DATA="$BENCH_DIR/data-x$MULT"
OUT="$BENCH_DIR/out-x$MULT"
RESULTS="$BENCH_DIR/results-x$MULT.tsv"
mkdir -p "$BENCH_DIR" "$OUT"

if ! [ -x /usr/bin/time ]; then
  echo "error: /usr/bin/time (GNU time) is needed for peak RSS: apt-get install time" >&2
  exit 2
fi

echo "== building release binaries (sluice, sluice-samplegen)"
(cd "$ROOT" && cargo build --release --bin sluice -p sluice --quiet)
(cd "$ROOT" && cargo build --release -p sluice-samplegen --quiet)
SLUICE="$TARGET_DIR/release/sluice"
SAMPLEGEN="$TARGET_DIR/release/sluice-samplegen"

if ! [ -f "$DATA/.complete" ]; then
  echo "== generating the corpus: scale $SCALE into $DATA"
  rm -rf "$DATA" && mkdir -p "$DATA"
  "$SAMPLEGEN" --out "$DATA/gen" --scale "$SCALE" > /dev/null
  mv "$DATA/gen/support-tickets/tickets-000.jsonl" "$DATA/"
  # Every tool reads the same plain bytes (polars and pyarrow have no gzip-JSONL line reader).
  gzip -dc "$DATA/gen/support-tickets/tickets-001.jsonl.gz" > "$DATA/tickets-001.jsonl"
  rm -rf "$DATA/gen"
  touch "$DATA/.complete"
fi
cp "$ROOT/bench/pipeline.toml" "$ROOT/bench/io_floor.toml" "$DATA/"
INPUTS=("$DATA"/tickets-*.jsonl)
ROWS=$(cat "${INPUTS[@]}" | wc -l)
BYTES=$(cat "${INPUTS[@]}" | wc -c)
echo "== corpus: $ROWS lines, $BYTES bytes"

VENV="$BENCH_DIR/venv"
if [ "$BASELINES" = 0 ]; then
  PY=python3
elif ! [ -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import duckdb, polars, pyarrow" 2>/dev/null; then
  echo "== creating the Python venv for the baselines"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
  "$VENV/bin/pip" install --quiet duckdb polars pyarrow
fi
[ "$BASELINES" = 0 ] || PY="$VENV/bin/python"

: > "$RESULTS"
# measure NAME THREADS CMD...: runs CMD under /usr/bin/time -v, appends "name threads wall rss".
measure() {
  local name="$1" threads="$2"; shift 2
  local timing="$BENCH_DIR/time.txt" log="$BENCH_DIR/$name-$threads.log"
  sync
  echo "-- $name (threads $threads)"
  if ! /usr/bin/time -v -o "$timing" "$@" > "$log" 2>&1; then
    # sluice exits 1 when a gate fails; every other failure is a broken benchmark.
    if ! grep -q "Exit status: 1" "$timing" || [[ "$name" != sluice* ]]; then
      echo "error: $name failed; see $log" >&2
      tail -5 "$log" >&2
      exit 2
    fi
  fi
  printf '%s\t%s\t%s\n' "$name" "$threads" "$(python3 "$ROOT/bench/gnu_time.py" "$timing")" >> "$RESULTS"
  tail -1 "$RESULTS" | awk -F'\t' '{printf "   wall %ss, peak RSS %s MB\n", $3, $4}'
}

# The pipeline itself is measured without the stage cache (a second run would reuse the first's
# checkpoints); the cache's own cost and the rerun are measured once at the end.
for t in $THREADS; do
  rm -rf "$OUT/sluice" "$OUT/floor"
  measure sluice "$t" "$SLUICE" run "$DATA/pipeline.toml" --out "$OUT/sluice" --threads "$t" --no-cache
  measure sluice-io-floor "$t" "$SLUICE" run "$DATA/io_floor.toml" --out "$OUT/floor" --threads "$t" --no-cache
  [ "$BASELINES" = 0 ] && continue
  sql=$(sed -e "s#\${INPUT_GLOB}#$DATA/tickets-*.jsonl#" -e "s#\${OUTPUT}#$OUT/duckdb.parquet#" \
    "$ROOT/bench/baseline_duckdb.sql")
  measure duckdb "$t" "$PY" -c "import duckdb, sys; c = duckdb.connect(); c.execute('SET threads = $t'); c.execute(sys.argv[1])" "$sql"
  measure polars "$t" env POLARS_MAX_THREADS="$t" "$PY" "$ROOT/bench/baseline_polars.py" "$OUT/polars.parquet" "${INPUTS[@]}"
  measure pyarrow-io-floor "$t" env OMP_NUM_THREADS="$t" ARROW_NUM_THREADS="$t" \
    "$PY" -c "import pyarrow, runpy, sys; pyarrow.set_cpu_count($t); pyarrow.set_io_thread_count($t); sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')" \
    "$ROOT/bench/io_floor_pyarrow.py" "$OUT/pyarrow.parquet" "${INPUTS[@]}"
done

# With the stage cache: the first run stores a checkpoint after ingest and every stage, the rerun
# of unchanged inputs and pipeline reuses them all.
T_MAX="${THREADS##* }"
CACHE="$BENCH_DIR/cache"
rm -rf "$CACHE" "$OUT/cached"
measure sluice-cache-first "$T_MAX" "$SLUICE" run "$DATA/pipeline.toml" --out "$OUT/cached" --threads "$T_MAX" --cache-dir "$CACHE"
measure sluice-cache-rerun "$T_MAX" "$SLUICE" run "$DATA/pipeline.toml" --out "$OUT/cached" --threads "$T_MAX" --cache-dir "$CACHE"
echo "   cache size: $(du -sh "$CACHE" | cut -f1)"
# Under a memory budget of a quarter of the run's unbounded peak RSS: the run spills.
PEAK_MB=$(awk -F'\t' -v t="$T_MAX" '$1 == "sluice" && $2 == t { print $4 }' "$RESULTS")
if [ -n "$PEAK_MB" ]; then
  BUDGET_MB=$(( PEAK_MB / 4 ))
  rm -rf "$OUT/budget"
  measure "sluice-budget-${BUDGET_MB}MB" "$T_MAX" "$SLUICE" run "$DATA/pipeline.toml" --out "$OUT/budget" --threads "$T_MAX" --no-cache --memory-budget "${BUDGET_MB}MiB"
fi

echo
"$PY" - "$RESULTS" "$ROWS" "$BYTES" "$MULT" <<'PY' | tee "$BENCH_DIR/results-x$MULT.txt"
import sys
path, rows, size, mult = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
results = [line.rstrip("\n").split("\t") for line in open(path) if line.strip()]
wall = {(n, t): float(w) for n, t, w, _ in results}
print(f"sluice full pipeline benchmark, x{mult}: {rows:,} input lines, {size / 1e6:,.0f} MB of JSONL")
print()
print("| tool | threads | wall s | rows/s | MB/s | peak RSS MB | sluice / this | this / I/O floor (sluice) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for name, threads, w, rss in results:
    w = float(w)
    vs = wall.get(("sluice", threads), float("nan")) / w
    floor = w / wall.get(("sluice-io-floor", threads), float("nan"))
    print(f"| {name} | {threads} | {w:.1f} | {rows / w:,.0f} | {size / 1e6 / w:.1f} | {rss} | {vs:.2f} | {floor:.2f} |")
threads = sorted({t for _, t, _, _ in results}, key=int)
if len(threads) > 1:
    print()
    for name in dict.fromkeys(n for n, _, _, _ in results):
        a, b = wall.get((name, threads[0])), wall.get((name, threads[-1]))
        if a and b:
            print(f"{name}: {threads[0]} → {threads[-1]} threads speed-up {a / b:.2f}x")
PY
