#!/usr/bin/env bash
# Installs the toolchains that build JavaScript and Python plugins, pinned,
# into project-local ignored folders (docs/plugin-authors.md):
#   tools/js-plugins/node_modules          componentize-js and jco, from
#                                          tools/js-plugins/package-lock.json
#   target/toolchains/componentize-py      a venv with componentize-py, from
#                                          tools/python-plugins/requirements.txt
# Only the npm registry and PyPI are used: both packages ship their engines
# (StarlingMonkey, Wizer, CPython for wasm32-wasi) inside the packages. Never
# pass componentize-js `--aot`: it downloads weval from GitHub at build time.
# Idempotent: a stamp beside each install records the hash of the pin files,
# and nothing runs while it matches. Needs Node.js >= 20 with npm and
# Python >= 3.9 (python3, or $PYTHON).
set -euo pipefail
cd "$(dirname "$0")/.."

# One install at a time: two builds started together would both write them.
mkdir -p target/toolchains
exec 9>target/toolchains/.setup-componentize.lock
flock 9

hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

# JavaScript: componentize-js + jco.
js=tools/js-plugins
js_stamp=$js/node_modules/.deskpane-stamp
want=$(hash_of "$js/package.json" "$js/package-lock.json")
if [ "$(cat "$js_stamp" 2>/dev/null)" != "$want" ]; then
  node -e 'process.exit(parseInt(process.versions.node) < 20 ? 1 : 0)' 2>/dev/null && command -v npm >/dev/null ||
    { echo "setup-componentize: componentize-js needs Node.js >= 20 with npm" >&2; exit 1; }
  echo "setup-componentize: installing componentize-js and jco into $js/node_modules" >&2
  (cd "$js" && npm ci --no-audit --no-fund --loglevel=error) >&2
  echo "$want" >"$js_stamp"
fi

# Python: componentize-py in a venv.
py=target/toolchains/componentize-py
py_stamp=$py/.deskpane-stamp
want=$(hash_of tools/python-plugins/requirements.txt)
if [ "$(cat "$py_stamp" 2>/dev/null)" != "$want" ] || [ ! -x "$py/bin/componentize-py" ]; then
  python=${PYTHON:-python3}
  "$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))' ||
    { echo "setup-componentize: componentize-py needs Python >= 3.9 ($python is missing or older)" >&2; exit 1; }
  if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
    # Debian's python3 keeps venv's pip in a separate package.
    echo "setup-componentize: installing python3-venv" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
  fi
  echo "setup-componentize: installing componentize-py into $py" >&2
  "$python" -m venv --clear "$py"
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$py/bin/pip" install --quiet --no-deps --require-hashes \
    -r tools/python-plugins/requirements.txt
  echo "$want" >"$py_stamp"
fi
