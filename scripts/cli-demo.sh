#!/usr/bin/env bash
# The command-line demo: starts the embedded demo cloud and shows its apps, environments
# and backups through restorectl. `make run` uses it when there is no display.
#   usage: scripts/cli-demo.sh [PATH_TO_RESTORECTL]
set -euo pipefail
ctl=${1:-./bin/restorectl}
data=$(mktemp -d -t restoredesk-demo.XXXXXX)
port=$(( 20000 + RANDOM % 20000 ))
"$ctl" serve --demo --addr "127.0.0.1:$port" --data "$data" >"$data/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
export MENDIX_USERNAME=demo@example.com MENDIX_API_KEY=demo-api-key
url="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
	"$ctl" apps --api-url "$url" >/dev/null 2>&1 && break
	sleep 0.1
done
step() { printf '\n\033[1m$ restorectl %s\033[0m\n' "$*"; "$ctl" "$@" --api-url "$url"; }
step apps
step envs customerportal
step backups customerportal Production
step inspect core/archive/testdata/files_and_database-1a2b3c4d-202611250130.tar.gz
printf '\nThe demo cloud ran at %s. Start it yourself with: %s serve --demo\n' "$url" "$ctl"
