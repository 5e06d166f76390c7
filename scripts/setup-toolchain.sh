#!/usr/bin/env bash
# Installs what building plugins needs on a fresh Debian machine: Debian's
# rustc-web toolchain with the library source (rustup here has no wasm
# target) and lld for the wasm linker. Idempotent: does nothing when present.
set -euo pipefail
need=()
for pkg in rustc-web cargo-web rust-web-src lld-22; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
