#!/usr/bin/env bash
# Writes the manual pages restorectl.1.gz and restoredesk.1.gz into OUTDIR, made by
# help2man from the programs' own --help and --version, so they never drift from them.
# restorectl's page adds one line of usage per command ('restorectl help COMMAND').
#   usage: manpages.sh BINDIR OUTDIR   (BINDIR holds restoredesk and restorectl for this machine)
set -euo pipefail
bindir=$(cd "$1" && pwd) outdir=$2
command -v help2man >/dev/null || { echo "manpages: help2man is missing; run 'make deps-package'" >&2; exit 1; }
work=$(mktemp -d -t restoredesk-man.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$outdir"

# roff: stdin made safe for a roff text line in an include file (backslashes; a leading dot,
# quote or "[", which help2man would take for a section).
roff() { sed 's/\\/\\e/g; s/^\([.'"'"'[]\)/\\\&\1/; s/-/\\-/g'; }

common() { # common OTHER-PROGRAM: the sections both pages end with
	cat <<H2M
[FILES]
.TP
.I ~/.local/share/restoredesk/journal.db
the history of runs, shared by both programs (\fB\$XDG_DATA_HOME\fR/restoredesk when set)
.TP
.I ~/.config/restoredesk/profiles.json
the saved accounts; their API keys are kept in the system keyring (Secret Service), never in a file
[COPYRIGHT]
Copyright 2026 The Restore Desk authors. Licensed under the Apache License, Version 2.0;
see /usr/share/doc/restoredesk/copyright.
[REPORTING BUGS]
https://github.com/restoredesk/restoredesk/issues
[SEE ALSO]
.BR $1 (1)
H2M
}

# restorectl: the synopsis is the help's usage line, then one usage line per command.
ctl=$bindir/restorectl
help=$("$ctl" --help)
synopsis=$(sed -n 's/^usage: restorectl //p' <<<"$help" | head -1)
[ -n "$synopsis" ] || { echo "manpages: 'restorectl --help' has no 'usage: restorectl' line" >&2; exit 1; }
commands=$(sed -n '/^commands:$/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' <<<"$help")
[ -n "$commands" ] || { echo "manpages: 'restorectl --help' lists no commands" >&2; exit 1; }
{
	printf '[SYNOPSIS]\n.B restorectl\n%s\n' "$(roff <<<"$synopsis")"
	echo '[COMMANDS]'
	echo "Each command's arguments and flags, as \\fBrestorectl help\\fR \\fICOMMAND\\fR prints them:"
	for c in $commands; do
		usage=$("$ctl" help "$c" | sed -n "s/^usage: restorectl $c *//p")
		printf '.TP\n.B %s\n%s\n' "$c" "$(roff <<<"${usage:-(no arguments)}")"
	done
	echo '[EXIT STATUS]'
	echo '0 success, 1 failure, 2 a mistake in the command line.'
	common restoredesk
} >"$work/restorectl.h2m"

cat >"$work/restoredesk.h2m" <<H2M
[SYNOPSIS]
.B restoredesk
[\fIOPTION\fR]...
$(common restorectl)
H2M

for p in restorectl restoredesk; do
	# C.UTF-8 keeps the help's non-ASCII text (an em dash) instead of question marks.
	help2man --no-info --locale=C.UTF-8 --section=1 --include="$work/$p.h2m" \
		--name="$("$bindir/$p" --help | sed -n '1{s/^[a-z]* — //;s/\.$//;p}')" \
		--output="$work/$p.1" "$bindir/$p"
	gzip -9n -c "$work/$p.1" >"$outdir/$p.1.gz"
done
