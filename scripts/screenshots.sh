#!/usr/bin/env bash
# Builds the desktop app and lets it capture its main screens into docs/screenshots/,
# among them the main window at 1024×768 and 800×600 (ui/tour_sizes.go).
# Needs a display: `make screenshots` runs it under Xvfb through scripts/with-session.sh.
# The local-database scenes restore into a throwaway PostgreSQL cluster started here (as
# the postgres user when run as root) and removed afterwards; without the PostgreSQL
# server programs (`make deps`) those scenes are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bin docs/screenshots
cleanups=() # run at exit, in order
trap 'for c in "${cleanups[@]}"; do eval "$c"; done' EXIT
go build -tags migrated_fynedo -o bin/restoredesk ./cmd/restoredesk

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ]; then
	pg_dir=$(mktemp -d -t restoredesk-pg.XXXXXX)
	as_pg=()
	if [ "$(id -u)" = 0 ]; then
		chown postgres: "$pg_dir"
		as_pg=(runuser -u postgres --)
	fi
	pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	pg_password="tour-$(date +%s%N)"
	printf '%s\n' "$pg_password" >"$pg_dir/pw"
	chmod 644 "$pg_dir/pw"
	stop_pg() {
		"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate -w stop >/dev/null 2>&1 || true
		rm -rf "$pg_dir"
	}
	cleanups+=(stop_pg)
	"${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U restorer --auth-local=trust --auth-host=scram-sha-256 \
		--pwfile="$pg_dir/pw" -E UTF8 --locale=C --no-sync >"$pg_dir/initdb.log"
	rm -f "$pg_dir/pw"
	"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -t 60 \
		-o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
	export RESTOREDESK_TOUR_DB="postgresql://restorer@127.0.0.1:$pg_port/orderdesk_test" PGPASSWORD="$pg_password"
	# Compare's scene: the demo data dumped again with orders deleted, added and changed.
	pg=(-h "$pg_dir" -p "$pg_port" -U restorer)
	"${as_pg[@]}" "$pg_bin/createdb" "${pg[@]}" tour_newer
	"${as_pg[@]}" "$pg_bin/pg_restore" "${pg[@]}" --no-owner -d tour_newer <core/localcloud/demodata/customerportal.backup
	"${as_pg[@]}" "$pg_bin/psql" "${pg[@]}" -q -d tour_newer -c 'DELETE FROM "myfirstmodule$order" WHERE id IN (12, 40, 41, 977);
		UPDATE "myfirstmodule$order" SET status = '"'Cancelled'"' WHERE id IN (3, 5, 8);
		INSERT INTO "myfirstmodule$order" SELECT id + 100000, customer, total, status FROM "myfirstmodule$order" WHERE id <= 2'
	"${as_pg[@]}" "$pg_bin/pg_dump" "${pg[@]}" -Fc -f "$pg_dir/newer.backup" tour_newer
	export RESTOREDESK_TOUR_NEWER="$pg_dir/newer.backup"
else
	echo "screenshots: no PostgreSQL server programs; the local-database scenes are skipped (run 'make deps')" >&2
fi

# A window manager, when there is one to start, makes the window a real one: decorated,
# sized as on a desktop (the small-screen scenes resize it to 1024×768 and 800×600).
if command -v openbox >/dev/null && ! xprop -root _NET_SUPPORTING_WM_CHECK 2>/dev/null | grep -q window; then
	openbox >/dev/null 2>&1 &
	wm_pid=$!
	cleanups+=("kill $wm_pid 2>/dev/null || true")
	sleep 1
fi

./bin/restoredesk --demo --screenshots docs/screenshots
ls -1 docs/screenshots/*.png
