#!/usr/bin/env bash
# The main job (README): builds the bundled plugins, the host and the Zoho
# CRM emulator; starts the emulator on loopback with demo data; connects by
# OAuth; and shows the Zoho plugin at work in the real sandbox.
# (Grows into the full ticket-view demo.)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-plugins.sh
cargo build --quiet -p deskpane -p zoho-emulator
deskpane=target/debug/deskpane
port=${ZOHO_PORT:-8090}
base="http://127.0.0.1:$port"

target/debug/zoho-emulator --port "$port" --seed demo &
emulator=$!
trap 'kill $emulator 2>/dev/null' EXIT
for _ in $(seq 50); do
  curl -fsS -o /dev/null -X POST "$base/oauth/v2/token" 2>/dev/null && break
  curl -sS -o /dev/null "$base/" 2>/dev/null && break
  sleep 0.1
done

# What the admin's "Connect" does: trade the refresh token for an access token.
token=$(curl -fsS -X POST "$base/oauth/v2/token" \
  -d grant_type=refresh_token -d client_id=1000.DESKPANE -d client_secret=deskpane-secret \
  -d refresh_token=1000.refresh.demo | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
run() { $deskpane plugin call target/plugins/zoho-crm "$@" --credential "crm=$token" --api-base "crm=$base" --allow-host "$base"; }

echo "== deskpane plugin check target/plugins/zoho-crm"
$deskpane plugin check target/plugins/zoho-crm
email=$(curl -fsS -H "Authorization: Zoho-oauthtoken $token" "$base/crm/v8/Contacts?fields=Email&per_page=1&sort_by=id&sort_order=asc" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["Email"])')
echo
echo "== requester lookup: $email"
profile=$(run lookup-requester "{\"email\": \"$email\"}")
echo "$profile"
id=$(echo "$profile" | python3 -c 'import json,sys; print(json.load(sys.stdin)["record"]["id"])')
for f in potentials notes activities; do
  echo
  echo "== $f of contact $id"
  run $f "{\"module\": \"Contacts\", \"id\": \"$id\"}"
done
