#!/usr/bin/env bash
# Where a multi-threaded run waits: samples the full bench pipeline with perf and prints, per
# phase, the time during which fewer threads than asked for were running, and whose stacks ran.
#
#   bench/serial_time.sh [MULT]      MULT as for bench/run.sh (default 1); the corpus must exist
#
# SERIAL_THREADS (default 2) threads, PERF_HZ (default 199) samples per second per thread.
# Needs Linux perf; outputs go to ${BENCH_DIR:-/tmp/sluice-bench}/serial-x$MULT.
set -euo pipefail

MULT="${1:-1}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH_DIR="${BENCH_DIR:-/tmp/sluice-bench}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
THREADS="${SERIAL_THREADS:-2}"
HZ="${PERF_HZ:-199}"
DATA="$BENCH_DIR/data-x$MULT"
WORK="$BENCH_DIR/serial-x$MULT"

if ! command -v perf > /dev/null; then
  echo "error: perf is needed (linux-tools / linux-perf)" >&2
  exit 2
fi
if ! [ -f "$DATA/pipeline.toml" ]; then
  echo "error: no bench corpus in $DATA: run 'bench/run.sh $MULT' (make bench) first" >&2
  exit 2
fi
cp "$ROOT/bench/pipeline.toml" "$DATA/"

echo "== building the release binary"
(cd "$ROOT" && cargo build --release --bin sluice -p sluice --quiet)

rm -rf "$WORK" && mkdir -p "$WORK"
echo "== perf record at $HZ Hz, $THREADS threads"
status=0
perf record -q -F "$HZ" --call-graph dwarf,8192 -o "$WORK/perf.data" -- \
  "$TARGET_DIR/release/sluice" run "$DATA/pipeline.toml" --out "$WORK/out" \
  --threads "$THREADS" --no-cache --json > "$WORK/run.json" || status=$?
# Exit 1 is a failed data gate: the run is complete and worth reading.
if [ "$status" -gt 1 ]; then
  echo "error: the run failed (exit $status)" >&2
  exit 2
fi
perf script -i "$WORK/perf.data" -F tid,time,ip,sym 2> /dev/null > "$WORK/perf.txt"
python3 "$ROOT/bench/serial_time.py" "$WORK/perf.txt" "$WORK/run.json" --threads "$THREADS" --hz "$HZ"
