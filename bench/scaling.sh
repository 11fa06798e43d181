#!/usr/bin/env bash
# Cost over 1× / 4× / 16× inputs: the full bench pipeline on ≈1M, ≈4M and ≈16M support tickets.
#
#   bench/scaling.sh [MULT...]      default: 1 4 16
#
# 16× of the tickets is 11 GB of JSONL, and the generator writes ground-truth files beside it
# (planted and hard-negative copies, larger than the tickets), so the corpora here are built to
# fit a machine with ~10 GB of free disk:
#   - only the support-tickets dataset is generated (`--dataset`), and each file is recompressed
#     to `.jsonl.zst` as soon as it is written (≈8× smaller); the ground truth is deleted;
#   - 16× is four 4× corpora from four seeds (A, B, C, D), 4× is seed A's alone, 1× is seed A at
#     a quarter of the scale. The seeds share the templates, so near-duplicate candidates arise
#     across corpora as they do within one; what four seeds lack is duplicates planted across
#     them (the generator copies rows it wrote earlier in the same corpus).
# Every size runs with the same flags: 2 threads (BENCH_THREADS), no stage cache, and a memory
# budget (BENCH_BUDGET, default 4GiB) that the 16× run's row data exceeds, so it spills.
# Prints one line per size (rows, wall, user and system CPU, peak RSS, spill, per-phase seconds) and saves the
# table as scaling.txt in ${BENCH_DIR:-/tmp/sluice-bench}/scaling, then what the machine charges
# per gigabyte of fresh memory (bench/first_touch.py, saved as first-touch.txt).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH_DIR="${BENCH_DIR:-/tmp/sluice-bench}"
WORK="$BENCH_DIR/scaling"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
THREADS="${BENCH_THREADS:-2}"
BUDGET="${BENCH_BUDGET:-4GiB}"
if [ $# -gt 0 ]; then MULTS=("$@"); else MULTS=(1 4 16); fi
mkdir -p "$WORK"

for tool in zstd /usr/bin/time python3; do
  command -v "$tool" > /dev/null || { echo "error: $tool is needed" >&2; exit 2; }
done

echo "== building release binaries (sluice, sluice-samplegen)"
(cd "$ROOT" && cargo build --release --bin sluice -p sluice --quiet)
(cd "$ROOT" && cargo build --release -p sluice-samplegen --quiet)
SLUICE="$TARGET_DIR/release/sluice"
SAMPLEGEN="$TARGET_DIR/release/sluice-samplegen"

# corpus NAME SEED SCALE: the support tickets of one generator run as .jsonl.zst in $WORK/NAME.
corpus() {
  local name="$1" seed="$2" scale="$3" dir="$WORK/$1"
  [ -f "$dir/.complete" ] && return
  echo "== generating $name: seed $seed, scale $scale"
  rm -rf "$dir" && mkdir -p "$dir"
  "$SAMPLEGEN" --out "$dir/gen" --seed "$seed" --scale "$scale" --dataset support-tickets > /dev/null
  local tickets="$dir/gen/support-tickets"
  rm -f "$tickets/planted.jsonl" "$tickets/hard-negatives.jsonl" "$tickets/expected.jsonl"
  zstd -q -3 -T2 --rm "$tickets/tickets-000.jsonl" -o "$dir/tickets-$name-000.jsonl.zst"
  gzip -dc "$tickets/tickets-001.jsonl.gz" | zstd -q -3 -T2 -o "$dir/tickets-$name-001.jsonl.zst"
  rm -rf "$dir/gen"
  touch "$dir/.complete"
}

# The 2 500 tickets per generator scale unit make scale 400 ≈ 1.0M rows.
SEEDS=(20250101 20250202 20250303 20250404)
LETTERS=(a b c d)
RESULTS="$WORK/scaling.tsv"
: > "$RESULTS"
for mult in "${MULTS[@]}"; do
  data="$WORK/x$mult"
  rm -rf "$data" && mkdir -p "$data"
  case "$mult" in
    1) corpus x1a "${SEEDS[0]}" 400; ln -s "$WORK"/x1a/*.zst "$data/" ;;
    4) corpus x4a "${SEEDS[0]}" 1600; ln -s "$WORK"/x4a/*.zst "$data/" ;;
    16)
      for i in 0 1 2 3; do
        corpus "x4${LETTERS[$i]}" "${SEEDS[$i]}" 1600
        ln -s "$WORK/x4${LETTERS[$i]}"/*.zst "$data/"
      done
      ;;
    *) echo "error: sizes are 1, 4 and 16" >&2; exit 2 ;;
  esac
  sed 's#path = "tickets-\*\.jsonl"#path = "tickets-*.jsonl.zst"#' "$ROOT/bench/pipeline.toml" > "$data/pipeline.toml"
  grep -q 'jsonl.zst' "$data/pipeline.toml" || { echo "error: bench/pipeline.toml input path changed" >&2; exit 2; }
  rows=$(cat "$data"/*.zst | zstd -dc | wc -l)
  bytes=$(cat "$data"/*.zst | zstd -dc | wc -c)
  out="$WORK/out-x$mult"
  rm -rf "$out"
  echo "== x$mult: $rows lines, $bytes bytes uncompressed; running sluice ($THREADS threads, budget $BUDGET)"
  sync
  /usr/bin/time -v -o "$WORK/time-x$mult.txt" "$SLUICE" run "$data/pipeline.toml" --out "$out" \
    --threads "$THREADS" --no-cache --memory-budget "$BUDGET" --spill-dir "$WORK" --json \
    > "$WORK/summary-x$mult.json" 2> "$WORK/log-x$mult.txt" || {
    status=$?
    # Exit 1 is a data gate; outputs are still written and the run is measured.
    [ "$status" = 1 ] || { echo "error: sluice failed (exit $status); see $WORK/log-x$mult.txt" >&2; exit 2; }
  }
  read -r wall rss_mb user system < <(python3 "$ROOT/bench/gnu_time.py" "$WORK/time-x$mult.txt" --cpu)
  python3 - "$mult" "$rows" "$bytes" "$wall" "$rss_mb" "$WORK/summary-x$mult.json" "$user" "$system" >> "$RESULTS" <<'PY'
import json, sys
mult, rows, size, wall, rss_mb, summary, user, system = sys.argv[1:9]
run = json.load(open(summary))
phases = " ".join(
    f"{p['phase']}={p['wall_ms'] / 1000:.1f}s/{p['peak_rss_bytes'] / 2**20:.0f}MB" for p in run["phases"]
)
spill = run.get("spill", {})
print(f"{mult}\t{rows}\t{size}\t{float(wall):.1f}\t{rss_mb}\t{spill.get('bytes', 0)}\t{phases}\t{user}\t{system}")
PY
  tail -1 "$RESULTS" | awk -F'\t' '{printf "   wall %ss (user %s s, system %s s), peak RSS %s MB, spilled %s bytes\n   %s\n", $4, $8, $9, $5, $6, $7}'
  rm -rf "$out"
done

echo
python3 - "$RESULTS" <<'PY' | tee "$WORK/scaling.txt"
import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
base = next((r for r in rows if r[0] == "1"), rows[0])
per_row = float(base[3]) / int(base[1])
# User CPU per line apart from wall: the kernel's share (page faults) depends on the machine's
# memory (first-touch.txt), user time on sluice's own algorithms.
user_per_row = float(base[7]) / int(base[1])
print("| size | lines | MB (JSONL) | wall s | lines/s | user s | system s | peak RSS MB | spilled MB | cost per line vs 1× | user CPU per line vs 1× | phases (wall / peak RSS after) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
for mult, n, size, wall, rss, spilled, phases, user, system in rows:
    n, wall, user = int(n), float(wall), float(user)
    print(f"| {mult}× | {n:,} | {int(size) / 1e6:,.0f} | {wall:.1f} | {n / wall:,.0f} | {user:.1f} | "
          f"{float(system):.1f} | {rss} | {int(spilled) / 1e6:,.0f} | {wall / n / per_row:.2f} | "
          f"{user / n / user_per_row:.2f} | {phases} |")
PY

# The machine's price for fresh memory, read against the largest run's system time: on a VM that
# reports free pages to its host, first touches beyond the warm part cost several times more.
echo
# A probe, not a result: too little free memory to touch skips it without failing the runs above.
python3 "$ROOT/bench/first_touch.py" | tee "$WORK/first-touch.txt" || echo "(first-touch probe skipped)"
