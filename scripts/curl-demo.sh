#!/usr/bin/env bash
# Talks to a running `restorectl serve --demo` with plain curl, using the headers and
# paths documented for Mendix Cloud (Deploy API v1, Backups API v2), and checks the
# answers. Exit 0 when every check passed.
#   usage: scripts/curl-demo.sh BASE_URL      e.g. http://127.0.0.1:8080
set -euo pipefail
base=${1:?usage: curl-demo.sh BASE_URL}
user=demo@example.com key=demo-api-key
failures=0 passed=0

# call METHOD PATH EXPECTED_STATUS [MUST_CONTAIN] [extra curl args...]
call() {
	local method=$1 path=$2 want=$3 contains=${4:-}
	shift 4 || shift $#
	local out status
	out=$(mktemp)
	status=$(curl -sS -o "$out" -w '%{http_code}' -X "$method" \
		-H "Mendix-Username: $user" -H "Mendix-ApiKey: $key" -H 'Content-Type: application/json' \
		"$@" "$base$path")
	if [ "$status" = "$want" ] && { [ -z "$contains" ] || grep -q -- "$contains" "$out"; }; then
		passed=$((passed + 1))
		printf 'ok    %s %s -> %s\n' "$method" "$path" "$status"
	else
		failures=$((failures + 1))
		printf 'FAIL  %s %s -> %s (want %s%s): %s\n' "$method" "$path" "$status" "$want" \
			"${contains:+ containing $contains}" "$(head -c 300 "$out")"
	fi
	BODY=$(cat "$out")
	rm -f "$out"
}
field() { sed -n "s/.*\"$1\": *\"\\([^\"]*\\)\".*/\\1/p" <<<"$BODY" | head -1; }

call GET /api/1/apps 200 '"AppId": *"customerportal"'
call GET /api/1/apps/customerportal 200 '"ProjectId"'
project=$(field ProjectId)
call GET /api/1/apps/customerportal/environments 200 '"Mode": *"Production"'
call GET /api/1/apps/customerportal/environments/Acceptance 200 '"Status": *"Stopped"'
env=$(field EnvironmentId)
call GET /api/1/apps/nosuchapp 404 '"errorCode": *"APP_NOT_FOUND"'
call GET "/api/v2/apps/$project/environments/$env/snapshots?offset=0&limit=2" 200 '"total"'
snap=$(field snapshot_id)
call GET "/api/v2/apps/$project/environments/$env/snapshots/$snap" 200 '"state": *"completed"'
call POST "/api/v2/apps/$project/environments/$env/restores?source_snapshot_id=$snap" 200 '"restore_id"'
restore=$(field restore_id)
call GET "/api/v2/apps/$project/environments/$env/restores/$restore" 200 '"source_snapshot_id"'
call POST "/api/v2/apps/$project/environments/$env/restores?source_snapshot_id=does-not-exist" 400 '"errorCode": *"NOT_FOUND"'
call POST "/api/v2/apps/$project/environments/$env/snapshots/$snap/archives?data_type=bogus" 400 '"errorCode": *"UNSUPPORTED"'
# Wrong key: 401 UNAUTHORIZED.
key=wrong call GET /api/1/apps 401 'UNAUTHORIZED'

printf '%d passed, %d failed\n' "$passed" "$failures"
[ "$failures" -eq 0 ]
