#!/usr/bin/env bash
# Fails unless every given Windows executable asks for the mitigations mingw-w64 can give:
# ASLR (DYNAMIC_BASE, from Go's default -buildmode=pie on Windows), 64-bit ASLR
# (HIGH_ENTROPY_VA) and DEP (NX_COMPAT). Prints each file's DllCharacteristics.
#   usage: pe-hardening.sh FILE.exe…
set -euo pipefail
objdump=x86_64-w64-mingw32-objdump
command -v $objdump >/dev/null || { echo "pe-hardening: $objdump is missing; run 'make deps-package'" >&2; exit 1; }
status=0
for f in "$@"; do
	header=$($objdump -p "$f")
	# objdump prints the hex value, then one flag name per line, indented.
	flags=$(awk '/^DllCharacteristics/ { on = 1; v = $2; next } on && /^[[:space:]]+[A-Z_]+$/ { printf " %s", $1; next } { on = 0 } END { print "" }' <<<"$header")
	echo "pe-hardening: $(basename "$f"): DllCharacteristics$(sed -n 's/^DllCharacteristics[[:space:]]*/ 0x/p' <<<"$header")$flags"
	for want in DYNAMIC_BASE HIGH_ENTROPY_VA NX_COMPAT; do
		[[ " $flags " == *" $want "* ]] || { echo "pe-hardening: $(basename "$f") lacks $want" >&2; status=1; }
	done
done
exit $status
