#!/usr/bin/env bash
# The test command (README): installs what it needs, builds the plugins and
# the host, and runs every test. Works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-plugins.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace --no-fail-fast 2>&1 | tee "$log" || status=$?
# One closing line for the whole run (cargo prints one per test binary).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;?/) p += $i; if ($(i+1) ~ /^failed;?/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit $status
