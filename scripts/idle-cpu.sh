#!/usr/bin/env bash
# Measures the CPU Restore Desk uses while it waits (the demo open, nothing touched) and
# the CPU a plain Fyne window with a list uses (scripts/plainlist), by the same method:
# each runs alone on $DISPLAY, settles for SETTLE seconds, then its user+system CPU time
# is read from /proc over SECONDS_MEASURED seconds of wall time, as a share of one core.
#   usage: DISPLAY=:91 scripts/idle-cpu.sh [restoredesk binary]
# Issue 20 asks for at most about 1.5× the plain window.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DISPLAY:?set DISPLAY to a running X server (Xvfb with a window manager)}"
SETTLE=${SETTLE:-15}
SECONDS_MEASURED=${SECONDS_MEASURED:-60}
mkdir -p bin
desk=${1:-bin/restoredesk}
[ -n "${1:-}" ] || go build -tags migrated_fynedo -o bin/restoredesk ./cmd/restoredesk
go build -tags migrated_fynedo -o bin/plainlist ./scripts/plainlist
tick=$(getconf CLK_TCK)

# cpu_of PID: the process's user+system time so far, in clock ticks.
cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# measure NAME COMMAND...: runs the command in a home of its own and prints its idle CPU.
measure() {
	local name=$1 home pid before after
	shift
	home=$(mktemp -d -t idle-cpu.XXXXXX)
	HOME=$home XDG_CONFIG_HOME=$home/.config XDG_DATA_HOME=$home/.local/share "$@" >"$home/log" 2>&1 &
	pid=$!
	sleep "$SETTLE"
	before=$(cpu_of "$pid")
	sleep "$SECONDS_MEASURED"
	after=$(cpu_of "$pid")
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -rf "$home"
	awk -v n="$name" -v t="$((after - before))" -v hz="$tick" -v s="$SECONDS_MEASURED" \
		'BEGIN { printf "%-12s %5.2f%% of a core (%d ticks in %d s)\n", n, 100 * t / hz / s, t, s }'
}
measure plainlist ./bin/plainlist
measure restoredesk "$desk" --demo
