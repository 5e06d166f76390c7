#!/usr/bin/env bash
# The main job (README): builds the bundled plugins, the host and the Zoho
# CRM emulator; starts the emulator on loopback with demo data and the desk
# with the Zoho CRM plugin installed and connected; prints the URL and the
# demo sign-ins. Data stays in ./data between runs. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-plugins.sh
cargo build --quiet -p deskpane -p zoho-emulator

zoho_port=${ZOHO_PORT:-8090}
desk_port=${DESK_PORT:-8080}
data=${DESK_DATA:-data}

target/debug/zoho-emulator --port "$zoho_port" --seed demo > /dev/null &
emulator=$!
trap 'kill $emulator 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  (echo > "/dev/tcp/127.0.0.1/$zoho_port") 2>/dev/null && break
  sleep 0.1
done

echo "Zoho CRM emulator: http://127.0.0.1:$zoho_port (see tests/emulators/zoho/README.md)"
target/debug/deskpane serve --data "$data" --listen "127.0.0.1:$desk_port" \
  --plugins-dir target/plugins --demo "http://127.0.0.1:$zoho_port"
