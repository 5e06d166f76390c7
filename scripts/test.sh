#!/usr/bin/env bash
# The test command (README): installs what it needs, builds the plugins and
# the host, and runs every test. Works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-plugins.sh
cargo test --workspace --no-fail-fast 2>&1
