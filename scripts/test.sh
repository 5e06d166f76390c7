#!/usr/bin/env bash
# The test command (README): installs what it needs, builds the plugins,
# the host and the emulator, checks formatting, clippy and the web modules'
# types, and runs every test: Rust (unit, sandbox, security, contract
# versions, emulator, plugin against emulator, web API, sync, durability)
# and the browser tests in Debian's Chromium. Works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-plugins.sh
scripts/setup-browser.sh
log=$(mktemp)
# A throwaway PostgreSQL (installed when missing) for the store's PostgreSQL
# backend and the desk suites run on it; removed on exit.
pg=$(mktemp -d /tmp/deskpane-pg.XXXXXX)
trap 'scripts/postgres.sh stop "$pg"; rm -f "$log"' EXIT
DESKPANE_TEST_POSTGRES=$(scripts/postgres.sh start "$pg")
# Its TLS certificate's root, for the store's TLS cases (verify-full).
DESKPANE_TEST_POSTGRES_ROOTCERT=$pg/tls/root.crt
export DESKPANE_TEST_POSTGRES DESKPANE_TEST_POSTGRES_ROOTCERT
status=0
# Hygiene gates: formatting (rustfmt.toml) and clippy with warnings as errors.
gate() {
    echo "gate: $*"
    if ! "$@"; then
        echo "gate failed: $*" >&2
        status=1
    fi
}
gate cargo fmt --all --check
gate sh -c 'cd plugins && cargo fmt --all --check'
gate cargo clippy --workspace --all-targets --quiet -- -D warnings
# The pages' ES modules, type-checked from their JSDoc (web/tsconfig.json).
gate sh -c 'cd tests/browser && npm run --silent typecheck'
# The binaries (host, emulators) are built in the same invocation as the
# tests, so they share its feature resolution: a separate `cargo build -p`
# would compile wasmtime and everything above it a second time. The
# durability and browser tests run them from target/debug.
cargo build --quiet --workspace --bins --tests
cargo test --workspace --no-fail-fast 2>&1 | tee "$log" || status=$?
# The desk's behavioural suites again with every test desk's store on
# PostgreSQL (a database each): records, agents, plugins, sync, recording.
# (--workspace, as above: the same features, so nothing is compiled again.)
DESKPANE_TEST_STORE=$DESKPANE_TEST_POSTGRES cargo test --workspace --no-fail-fast \
    --test web_api --test sync --test salesforce_sync --test recording 2>&1 | tee -a "$log" || status=$?
# The plugins' own unit tests (pure parts: SOQL, times, cursors, error mapping),
# natively with the default toolchain.
(cd plugins && cargo test --quiet -p salesforce -p zoho-crm -p cloudcx -p deskpane-plugin-sdk) 2>&1 | tee -a "$log" || status=$?
(cd tests/browser && npm test) 2>&1 | tee -a "$log" || status=$?
# One closing line for the whole run: cargo prints a result line per test
# binary, node's runner `# pass N` and `# fail N`.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;?/) p += $i; if ($(i+1) ~ /^failed;?/) f += $i } }
     /^# pass / { p += $3 } /^# fail / { f += $3 }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit $status
