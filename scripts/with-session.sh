#!/usr/bin/env bash
# Runs a command inside what the integration tests and screenshots need: a virtual X
# display (Xvfb), a private D-Bus session, and an unlocked gnome-keyring holding secrets.
# Everything started here is stopped when the command ends.
#   usage: scripts/with-session.sh COMMAND [ARGS...]
set -euo pipefail

if [ "${1:-}" != "--inside" ]; then
	for tool in Xvfb dbus-run-session gnome-keyring-daemon; do
		command -v "$tool" >/dev/null || { echo "with-session: $tool is missing; run 'make deps'" >&2; exit 1; }
	done
	exec dbus-run-session -- "$0" --inside "$@" 2> >(grep -v "Failed to set fd limit" >&2)
fi
shift

export LANG=en_US.UTF-8 LC_ALL=en_US.UTF-8
# Keep Go's caches where they are: HOME changes below.
if command -v go >/dev/null; then
	GOPATH=$(go env GOPATH) GOCACHE=$(go env GOCACHE) GOMODCACHE=$(go env GOMODCACHE)
	export GOPATH GOCACHE GOMODCACHE
fi
# A HOME of our own: gnome-keyring keeps its collection there, and the tests never touch
# the developer's real keyring or config.
SESSION_HOME=$(mktemp -d -t restoredesk-session.XXXXXX)
export HOME="$SESSION_HOME" XDG_CONFIG_HOME="$SESSION_HOME/.config" XDG_DATA_HOME="$SESSION_HOME/.local/share"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME"

xvfb_pid=""
cleanup() {
	[ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
	pkill -u "$(id -u)" -f "gnome-keyring-daemon.*$SESSION_HOME" 2>/dev/null || true
	rm -rf "$SESSION_HOME"
}
trap cleanup EXIT

# A free display number: the first without a lock file.
display=99
while [ -e "/tmp/.X${display}-lock" ]; do display=$((display + 1)); done
Xvfb ":$display" -screen 0 1440x900x24 -nolisten tcp >"$SESSION_HOME/xvfb.log" 2>&1 &
xvfb_pid=$!
export DISPLAY=":$display"
for _ in $(seq 1 50); do
	[ -e "/tmp/.X11-unix/X${display}" ] && break
	sleep 0.1
done
[ -e "/tmp/.X11-unix/X${display}" ] || { echo "with-session: Xvfb did not start:" >&2; cat "$SESSION_HOME/xvfb.log" >&2; exit 1; }

# Unlock (and create) the login keyring with a throwaway password; export what it prints.
eval "$(printf 'restoredesk-test' | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)"
export GNOME_KEYRING_CONTROL SSH_AUTH_SOCK 2>/dev/null || true
"$@"
