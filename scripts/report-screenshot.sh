#!/usr/bin/env bash
# `make report-screenshot`: renders the reviewer report of the support-tickets sample run in
# headless Chromium and writes out/report.png (1280x2400), so a change to the page can be looked
# at without a browser. Installs Chromium with apt-get when it is missing (root machines only).
#
# Usage: scripts/report-screenshot.sh SLUICE_BINARY [PIPELINE]
set -euo pipefail
cd "$(dirname "$0")/.."

sluice="${1:?usage: report-screenshot.sh SLUICE_BINARY [PIPELINE]}"
pipeline="${2:-pipelines/support-tickets.toml}"
name=$(basename "$pipeline" .toml)
out="out/$name"

chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  echo "== installing chromium"
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  chromium=$(command -v chromium)
fi

rc=0
"$sluice" run "$pipeline" --out "$out" >/dev/null || rc=$?
if [ "$rc" -gt 1 ]; then
  echo "error: sluice run $pipeline exited $rc" >&2
  exit "$rc"
fi
"$sluice" report "$out/manifest.json" >/dev/null
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --hide-scrollbars --screenshot="$PWD/out/report.png" \
  --window-size=1280,2400 "file://$PWD/$out/report.html" 2>/dev/null
echo "out/report.png ($out/report.html)"
