#!/usr/bin/env bash
# Installs what the browser tests need: Debian's Chromium and the npm
# packages of tests/browser (playwright-core drives the system Chromium;
# it downloads no browser of its own). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  echo "setup: installing chromium" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
