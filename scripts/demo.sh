#!/usr/bin/env bash
# The main job (README): builds the bundled plugins, the host and the
# emulators; starts the Zoho CRM, Salesforce and CloudCX emulators on
# loopback with demo data, and the desk with all three plugins installed
# and connected; 30 s after start a visitor chats in CloudCX, and the chat
# is recorded into Zoho CRM as a lead and a task. Prints the URL and the
# demo sign-ins. Data stays in ./data between runs. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-plugins.sh
cargo build --quiet -p deskpane -p zoho-emulator -p salesforce-emulator -p cloudcx-emulator

zoho_port=${ZOHO_PORT:-8090}
salesforce_port=${SALESFORCE_PORT:-8091}
cloudcx_port=${CLOUDCX_PORT:-8092}
desk_port=${DESK_PORT:-8080}
data=${DESK_DATA:-data}

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
target/debug/zoho-emulator --port "$zoho_port" --seed demo > /dev/null &
pids+=($!)
target/debug/salesforce-emulator --port "$salesforce_port" --seed demo > /dev/null &
pids+=($!)
target/debug/cloudcx-emulator --port "$cloudcx_port" --seed demo --script-chat-after 30 > /dev/null &
pids+=($!)
for port in "$zoho_port" "$salesforce_port" "$cloudcx_port"; do
  for _ in $(seq 100); do
    (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
done

echo "Zoho CRM emulator:   http://127.0.0.1:$zoho_port (see tests/emulators/zoho/README.md)"
echo "Salesforce emulator: http://127.0.0.1:$salesforce_port (see tests/emulators/salesforce/README.md)"
echo "CloudCX emulator:    http://127.0.0.1:$cloudcx_port (see tests/emulators/cloudcx/README.md); a visitor starts a chat 30 s after start"
target/debug/deskpane serve --data "$data" --listen "127.0.0.1:$desk_port" \
  --plugins-dir target/plugins --demo "http://127.0.0.1:$zoho_port" \
  --demo-salesforce "http://127.0.0.1:$salesforce_port" \
  --demo-cloudcx "http://127.0.0.1:$cloudcx_port"
