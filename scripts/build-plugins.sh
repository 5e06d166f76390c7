#!/usr/bin/env bash
# Builds every connector plugin and test fixture into a component:
#   target/plugins/<name>/plugin.toml + plugin.wasm
# Plugins are found by their plugin.toml under plugins/ and tests/fixtures/.
# Toolchain: Debian's rustc-web with -Zbuild-std (see docs/plugin-authors.md).
# Then the JavaScript and Python plugins of plugins/examples/, with
# componentize-js and componentize-py (scripts/setup-componentize.sh).
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

for manifest in plugins/*/plugin.toml plugins/examples/*/plugin.toml tests/fixtures/*/plugin.toml; do
  [ -e "$manifest" ] || continue
  dir=$(dirname "$manifest")
  [ -e "$dir/Cargo.toml" ] || continue
  name=$(basename "$dir")
  # The examples' folders are named after their language, their builds after the plugin.
  case $dir in plugins/examples/*) name=$(sed -n 's/^id = "\(.*\)"/\1/p' "$manifest" | head -1) ;; esac
  crate=$(sed -n 's/^name = "\(.*\)"/\1/p' "$dir/Cargo.toml" | head -1)
  core="plugins/target/wasm32-unknown-unknown/release/${crate//-/_}.wasm"
  out="target/plugins/$name"
  mkdir -p "$out"
  "$componentize" "$core" "$out/plugin.wasm"
  cp "$manifest" "$out/plugin.toml"
  echo "build-plugins: $out ($(stat -c %s "$out/plugin.wasm") bytes)" >&2
done

# JavaScript and Python plugins: plugins/examples/<language>/, each built with
# its language's component toolchain (scripts/setup-componentize.sh installs
# them) into target/plugins/<id>/, <id> read from its plugin.toml. They are
# two levels down, so the loop above never sees them. A plugin is rebuilt only
# when its sources, its contract's WIT, the toolchain pins or the flags below
# changed (a hash stamp beside its plugin.wasm): each takes 10-20 s.
scripts/setup-componentize.sh
componentize_js="$root/tools/js-plugins/node_modules/.bin/componentize-js"
componentize_py="$root/target/toolchains/componentize-py/bin/componentize-py"
# StarlingMonkey features left out: a plugin reaches the network only through
# the contract's `http` import, so fetch() and its wasi:http imports go.
# Disabling stdio, random and clocks as well gives a component with no WASI
# import at all, which then traps instead of printing an uncaught exception.
js_flags=(--disable http fetch-event)
# componentize-py takes no feature list; `--stub-wasi` would replace every
# WASI import with a trap (and bake the random seed in at build time).
py_flags=()

# One build of them at a time (a second waits, then finds them up to date).
mkdir -p target/plugins
exec 9>target/plugins/.examples.lock
flock 9
for manifest in plugins/examples/*/plugin.toml tests/fixtures/interpreted/*/plugin.toml; do
  [ -e "$manifest" ] || continue
  dir=$(dirname "$manifest")
  [ -e "$dir/Cargo.toml" ] && continue
  id=$(sed -n 's/^id = "\(.*\)"/\1/p' "$manifest" | head -1)
  contract=$(sed -n 's/^contract = "\(.*\)"/\1/p' "$manifest" | head -1)
  wit="wit/v$contract"
  if [ -e "$dir/plugin.js" ]; then
    lang=js pins="tools/js-plugins/package-lock.json" flags="${js_flags[*]}"
  elif [ -e "$dir/app.py" ]; then
    lang=python pins="tools/python-plugins/requirements.txt" flags="${py_flags[*]}"
  else
    echo "build-plugins: $dir has neither plugin.js nor app.py" >&2
    exit 1
  fi
  [ -d "$wit" ] || { echo "build-plugins: $manifest: no contract $contract in wit/" >&2; exit 1; }
  out="target/plugins/$id"
  stamp=$(
    {
      find "$dir" "$wit" -type f ! -name '*.md' ! -name plugin.toml ! -path '*/__pycache__/*' ! -path '*/node_modules/*' |
        LC_ALL=C sort | xargs -d '\n' sha256sum
      sha256sum "$pins"
      echo "$lang $flags"
    } | sha256sum | cut -d' ' -f1
  )
  mkdir -p "$out"
  if [ -e "$out/plugin.wasm" ] && [ "$(cat "$out/.build-stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "build-plugins: $out up to date" >&2
  else
    rm -f "$out/.build-stamp"
    began=$SECONDS
    case $lang in
      js)
        "$componentize_js" "$dir/plugin.js" --wit "$wit" --world-name connector "${js_flags[@]}" \
          --out "$out/plugin.wasm.part" >&2
        ;;
      python)
        # Built from a copy: the interpreter writes __pycache__ beside the app.
        stage="target/plugin-build/$id"
        rm -rf "$stage" && mkdir -p "$stage" && cp -r "$dir/." "$stage/"
        # Its errors start with the Python traceback; no Rust backtrace after it.
        RUST_BACKTRACE=0 "$componentize_py" --quiet --wit-path "$wit" --world connector \
          componentize "${py_flags[@]}" --python-path "$stage" app --output "$out/plugin.wasm.part"
        ;;
    esac
    mv "$out/plugin.wasm.part" "$out/plugin.wasm"
    echo "$stamp" >"$out/.build-stamp"
    echo "build-plugins: $out built in $((SECONDS - began)) s" >&2
  fi
  cp "$manifest" "$out/plugin.toml"
  echo "build-plugins: $out ($(stat -c %s "$out/plugin.wasm") bytes)" >&2
done
