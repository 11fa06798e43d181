#!/usr/bin/env bash
# `make interop`: runs every sample pipeline and checks its Croissant, OpenLineage and in-toto
# projections with the real validators (scripts/interop/validate.py), in a Python venv at
# ${INTEROP_VENV:-$HOME/.cache/sluice-venv}. The venv is reused; requirements are reinstalled only
# when requirements.txt changes (its sha256 is stamped in the venv).
#
# Usage: scripts/interop/run.sh SLUICE_BINARY [PIPELINE...]
set -euo pipefail
cd "$(dirname "$0")/../.."

sluice="${1:?usage: run.sh SLUICE_BINARY [PIPELINE...]}"
shift
pipelines=("$@")
if [ ${#pipelines[@]} -eq 0 ]; then
  pipelines=(pipelines/*.toml)
fi
venv="${INTEROP_VENV:-$HOME/.cache/sluice-venv}"
requirements=scripts/interop/requirements.txt
spec="${OPENLINEAGE_SPEC:-../shared/openlineage-spec}"

if ! command -v python3 >/dev/null 2>&1; then
  echo "error: python3 is needed for the interop validators" >&2
  exit 2
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "== creating venv $venv"
  python3 -m venv "$venv"
fi
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ "$(cat "$venv/.requirements.sha256" 2>/dev/null || true)" != "$want" ]; then
  echo "== installing $requirements into $venv"
  start=$(date +%s)
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
  echo "$want" > "$venv/.requirements.sha256"
  echo "   installed in $(( $(date +%s) - start )) s"
fi

status=0
passed=0 failed=0 skipped=0
for pipeline in "${pipelines[@]}"; do
  name=$(basename "$pipeline" .toml)
  out="out/interop/$name"
  rm -rf "$out"
  # Exit 1 (a data gate failed) still writes a complete, verifiable run.
  rc=0
  "$sluice" run "$pipeline" --out "$out" >/dev/null || rc=$?
  if [ "$rc" -gt 1 ]; then
    echo "FAIL  sluice run $pipeline exited $rc"
    status=1 failed=$((failed + 1))
    continue
  fi
  log=$(mktemp)
  "$venv/bin/python" scripts/interop/validate.py "$out" --sluice "$sluice" --openlineage-spec "$spec" | tee "$log" || status=1
  read -r p f s < <(sed -n 's/^interop: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' "$log" | tail -1)
  rm -f "$log"
  passed=$((passed + ${p:-0})) failed=$((failed + ${f:-1})) skipped=$((skipped + ${s:-0}))
  echo
done
echo "interop: $passed passed, $failed failed, $skipped skipped"
exit "$status"
