#!/usr/bin/env bash
# The main job (README): builds the bundled plugins and the host, then shows
# a plugin at work in the real sandbox. Grows into the full ticket-view demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-plugins.sh
cargo build --quiet -p deskpane
deskpane=target/debug/deskpane
plugin=target/plugins/example

echo "== deskpane plugin check $plugin"
$deskpane plugin check "$plugin"
echo
echo "== requester lookup: ada@analytical.example"
$deskpane plugin call "$plugin" lookup-requester '{"email": "ada@analytical.example"}'
echo
echo "== potentials, notes, activities of contact c-1001"
$deskpane plugin call "$plugin" potentials '{"module": "Contacts", "id": "c-1001"}'
$deskpane plugin call "$plugin" notes '{"module": "Contacts", "id": "c-1001"}'
$deskpane plugin call "$plugin" activities '{"module": "Contacts", "id": "c-1001"}'
