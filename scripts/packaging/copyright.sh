#!/usr/bin/env bash
# Writes the Debian copyright file (machine-readable format, DEP-5) to stdout: Restore
# Desk's own licence, then the Go standard library and every Go module statically linked
# into the programs, each with the licence files found in the module cache (the module's
# own and those of linked sub-packages or bundled C sources and fonts).
#   usage: copyright.sh GO-LIST-ARGS…   e.g. copyright.sh -tags T ./cmd/restoredesk ./cmd/restorectl
# Fails, naming the file, on a licence it does not recognise: add its fingerprint below.
set -euo pipefail
GO=${GO:-go}
[ $# -gt 0 ] || { echo "usage: copyright.sh GO-LIST-ARGS…" >&2; exit 2; }

# Licence files a module carries that are not about what is linked here, with why.
skip() {
	case "$1" in
	modernc.org/sqlite/LICENSE-3RD-PARTY.md) ;; # an inventory of the module's whole graph; what is linked here is listed on its own
	modernc.org/sqlite/LICENSE-SQLITE_VEC) ;;   # sqlite-vec: only in package modernc.org/sqlite/vec, not imported
	modernc.org/memory/LICENSE-LOGO) ;;         # the project's logo image, not in the program
	*) return 1 ;;
	esac
}

# classify FILE: the licence's Debian short name(s), "and"-joined when a file holds several.
# Pattern matching in bash, not a grep per licence: this runs for every licence file.
classify() {
	local text spdx names=()
	text=$(<"$1")
	if [[ $text =~ SPDX-License-Identifier:\ *([^$'\n']*) ]]; then
		spdx=${BASH_REMATCH[1]%%[[:space:]]}
		spdx=${spdx// OR / or }
		echo "${spdx// AND / and }"
		return
	fi
	text=${text,,}
	text=${text//[$'\n\t\r ']/ }
	while [[ $text == *"  "* ]]; do text=${text//  / }; done
	has() { [[ $text == *"$1"* ]]; }
	if has "apache license" && has "version 2.0"; then names+=(Apache-2.0); fi
	if has "mozilla public license version 2.0"; then names+=(MPL-2.0); fi
	if has "redistribution and use in source and binary forms"; then
		if has "may be used to endorse or promote products"; then names+=(BSD-3-Clause); else names+=(BSD-2-Clause); fi
	fi
	if has "permission is hereby granted, free of charge"; then names+=(Expat); fi
	if has "permission to use, copy, modify, and/or distribute this software for any purpose"; then names+=(ISC); fi
	if has "this software is provided 'as-is'" && has "must not be misrepresented"; then names+=(Zlib); fi
	if has "sil open font license version 1.1" || has "sil open font license, version 1.1"; then names+=(OFL-1.1); fi
	if has "bitstream vera fonts copyright"; then names+=(Bitstream-Vera); fi
	if has "arev fonts copyright"; then names+=(Arev); fi
	if has "this is free and unencumbered software released into the public domain"; then names+=(Unlicense); fi
	if has "dedicated to the public domain" || has "changes are in public domain"; then names+=(public-domain); fi
	[ ${#names[@]} -gt 0 ] || return 1
	local IFS=$'\n'
	echo "${names[*]}" | joined
}

# copyrights FILE DIR: the copyright lines of a licence file, else of the sources beside it.
copyrights() {
	local lines
	lines=$(grep -hiE '^[[:space:]/*#-]*(copyright|©)[[:space:]]*(\(c\)|©|[0-9])' "$1" | grep -v '\[yyyy\]' |
		sed 's/^[[:space:]/*#-]*//; s/[[:space:]]*$//' | awk '!seen[$0]++' || true)
	if [ -z "$lines" ]; then
		lines=$(find "$2" -maxdepth 1 -name '*.go' -exec grep -hiE -m1 '^//[[:space:]]*copyright' {} + 2>/dev/null |
			sed 's|^//[[:space:]]*||; s/[[:space:]]*$//' | awk '!seen[$0]++' || true)
	fi
	printf '%s' "$lines"
}

# field: stdin as a multi-line DEP-5 field value: continuation lines indented, blank ones
# " .", none at the start or end, every line ended (some licence files lack the last newline).
field() {
	awk '{ sub(/[ \t\r]+$/, ""); lines[NR] = $0 }
		END {
			first = 1; while (first <= NR && lines[first] == "") first++
			last = NR; while (last >= first && lines[last] == "") last--
			for (i = first; i <= last; i++) print " " (lines[i] == "" ? "." : lines[i])
		}'
}

# joined: stdin's licence names, one or more per line joined by " and ", as one expression
# naming each licence once.
joined() { sed 's/ and /\n/g' | awk 'NF && !seen[$0]++' | sed ':a;N;s/\n/ and /;ta'; }

# without_apache_text: stdin with an Apache 2.0 text inside it (files that hold several
# licences) replaced by a pointer to Debian's copy, as Debian asks.
without_apache_text() {
	awk '
		state == 0 && /^[[:space:]]*Apache License[[:space:]]*$/ {
			print "Apache License, Version 2.0: on Debian systems the full text of the license is in"
			print "/usr/share/common-licenses/Apache-2.0."
			state = 1; next
		}
		state == 1 && /END OF TERMS AND CONDITIONS/ { state = 2; next }
		state == 2 && /limitations under the License\./ { state = 0; next }
		state == 2 && /^-----/ { state = 0 }
		state == 0 { print }'
}

# license FILE…: the License field for the licence files of one folder: their names, then
# their texts (those in /usr/share/common-licenses referred to, not repeated).
license() {
	local f name names=()
	for f in "$@"; do
		name=$(classify "$f") || { echo "copyright: no known licence in $f; add its fingerprint to $0" >&2; return 1; }
		names+=("$name")
	done
	printf 'License: %s\n' "$(printf '%s\n' "${names[@]}" | joined)"
	local i=0
	for f in "$@"; do
		[ $i -eq 0 ] || printf ' .\n ----\n .\n'
		case "${names[$i]}" in
		Apache-2.0 | MPL-2.0)
			printf ' On Debian systems the full text of the license is in\n /usr/share/common-licenses/%s.\n' "${names[$i]}" ;;
		*) without_apache_text <"$f" | field ;;
		esac
		i=$((i + 1))
	done
}

cat <<'HEADER'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: Restore Desk
Upstream-Contact: https://github.com/restoredesk/restoredesk/issues
Source: https://github.com/restoredesk/restoredesk
Comment: The programs are written in Go and statically link the Go standard library
 and the Go modules listed below (paths as `go mod vendor` would place them, under
 vendor/), at the versions named in each paragraph's comment.

Files: *
Copyright: 2026 The Restore Desk authors
License: Apache-2.0
 On Debian systems the full text of the license is in
 /usr/share/common-licenses/Apache-2.0.
HEADER

goroot=$("$GO" env GOROOT)
printf '\nFiles: vendor/golang.org/go/*\nCopyright: %s\n' "$(copyrights "$goroot/LICENSE" "$goroot" | field | sed '1s/^ //')"
license "$goroot/LICENSE"
printf 'Comment: The Go standard library and runtime, %s.\n' "$("$GO" env GOVERSION)"

# Module path, version, module dir and package dir of every linked package outside ours.
pkgs=$("$GO" list -deps -f '{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}} {{.Dir}} {{$.Dir}}{{end}}{{end}}' "$@")
[ -n "$pkgs" ] || { echo "copyright: go list found no linked module" >&2; exit 1; }
while read -r mod ver moddir; do
	# The module's licence files, the top folder's first (DEP-5: a later, narrower paragraph wins).
	files=$(find "$moddir" \( -name testdata -o -name vendor -o -name .git \) -prune -o -type f \
		\( -iname 'LICEN[CS]E*' -o -iname 'COPYING*' -o -iname 'UNLICENSE*' \) ! -name '*.go' -print |
		awk -F/ '{ print NF "\t" $0 }' | LC_ALL=C sort -k1,1n -k2 | cut -f2-)
	dirs=() seen=" "
	for f in $files; do
		[[ $seen == *" ${f%/*} "* ]] || { dirs+=("${f%/*}"); seen+="${f%/*} "; }
	done
	for dir in "${dirs[@]}"; do
		if [ "$dir" != "$moddir" ] && ! awk -v d="$dir" '$4 == d || index($4, d "/") == 1 { found = 1 } END { exit !found }' <<<"$pkgs"; then
			# Beside Go code that is not linked (a command, another platform): not in the programs.
			compgen -G "$dir/*.go" >/dev/null && continue
		fi
		group=() holders=""
		for f in $files; do
			[ "${f%/*}" = "$dir" ] || continue
			skip "$mod/${f#"$moddir"/}" && continue
			group+=("$f")
			holders=$(printf '%s\n%s' "$holders" "$(copyrights "$f" "$dir")")
		done
		[ ${#group[@]} -gt 0 ] || continue
		holders=$(sed '/^$/d' <<<"$holders" | awk '!seen[$0]++')
		[ -n "$holders" ] || holders="The authors of $mod (no copyright notice in the source)"
		glob=vendor/$mod/*
		[ "$dir" = "$moddir" ] || glob=vendor/$mod/${dir#"$moddir"/}/*
		printf '\nFiles: %s\nCopyright: %s\n' "$glob" "$(field <<<"$holders" | sed '1s/^ //')"
		license "${group[@]}"
		printf 'Comment: Go module %s %s.\n' "$mod" "$ver"
	done
done < <(awk '{ print $1, $2, $3 }' <<<"$pkgs" | LC_ALL=C sort -u)
