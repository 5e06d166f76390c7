#!/usr/bin/env bash
# Builds every connector plugin and test fixture into a component:
#   target/plugins/<name>/plugin.toml + plugin.wasm
# Plugins are found by their plugin.toml under plugins/ and tests/fixtures/.
# Toolchain: Debian's rustc-web with -Zbuild-std (see docs/plugin-authors.md).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

scripts/setup-toolchain.sh
cargo build --quiet -p deskpane-componentize
componentize="$root/target/debug/deskpane-componentize"

echo "build-plugins: compiling plugins to wasm32 (Debian rustc $(/usr/bin/rustc --version | cut -d' ' -f2))" >&2
(
  cd plugins
  env -u RUSTUP_TOOLCHAIN -u CARGO -u RUSTC_WRAPPER \
    RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
    /usr/bin/cargo build --quiet --release --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort
)

for manifest in plugins/*/plugin.toml tests/fixtures/*/plugin.toml; do
  [ -e "$manifest" ] || continue
  dir=$(dirname "$manifest")
  name=$(basename "$dir")
  crate=$(sed -n 's/^name = "\(.*\)"/\1/p' "$dir/Cargo.toml" | head -1)
  core="plugins/target/wasm32-unknown-unknown/release/${crate//-/_}.wasm"
  out="target/plugins/$name"
  mkdir -p "$out"
  "$componentize" "$core" "$out/plugin.wasm"
  cp "$manifest" "$out/plugin.toml"
  echo "build-plugins: $out ($(stat -c %s "$out/plugin.wasm") bytes)" >&2
done
