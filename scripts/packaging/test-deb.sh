#!/usr/bin/env bash
# Checks the .deb as a distribution would, then installs it on this machine, checks what a
# user gets, and removes it again: lintian finds no error or warning but the accepted ones,
# both binaries are position-independent with full RELRO, answer --version and have a
# manual page, the copyright file names every licence, the desktop file validates, the
# icon is in the theme, and `dpkg -r` leaves none of the package's files behind.
#   usage: test-deb.sh DEB VERSION [ACCEPTED-LINTIAN-TAG…]    (root, or sudo)
set -euo pipefail
deb=$1 version=$2
shift 2
accepted=$(IFS=,; echo "$*")
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
fail() { echo "test-deb: FAIL: $*" >&2; exit 1; }
step() { echo "test-deb: $*"; }
for tool in desktop-file-validate lintian hardening-check man; do
	command -v $tool >/dev/null || fail "$tool is missing; run 'make deps-package'"
done
[ -f "$deb" ] || fail "$deb is missing; run 'make package-deb'"

step "lintian $(basename "$deb")${accepted:+ (accepted: $accepted)}"
# Info tags are shown (-I) but only errors and warnings fail. (Run as root, lintian warns
# that it would rather not be: that is no finding about the package.)
lintian -I --fail-on error,warning ${accepted:+--suppress-tags "$accepted"} "$deb" ||
	fail "lintian reports the errors or warnings above; fix them, or accept a tag in the Makefile (LINTIAN_ACCEPTED) saying why"

work=$(mktemp -d -t restoredesk-test-deb.XXXXXX)
dpkg-deb -x "$deb" "$work"
for b in restoredesk restorectl; do
	# Go calls no stack-protected or fortified libc function itself; the rest must hold:
	# PIE (ASLR), RELRO and BIND_NOW (the GOT read-only after start).
	hardening-check --nostackprotector --nofortify --nocfprotection "$work/usr/bin/$b" ||
		fail "/usr/bin/$b is not hardened (see above)"
	[ -s "$work/usr/share/man/man1/$b.1.gz" ] || fail "no manual page for $b"
done
grep -q '^License: Apache-2.0$' "$work/usr/share/doc/restoredesk/copyright" || fail "the copyright file does not name Apache-2.0"
rm -rf "$work"
if dpkg-query -W -f='${Status}' restoredesk 2>/dev/null | grep -q "install ok installed"; then
	fail "restoredesk is already installed here; this test installs and removes it, so remove it first (sudo dpkg -r restoredesk)"
fi

step "dpkg -i $deb"
$SUDO dpkg -i "$deb" >/dev/null || fail "dpkg -i failed (missing dependencies? sudo apt-get -f install)"
removed=false
trap '$removed || $SUDO dpkg -r restoredesk >/dev/null 2>&1 || true' EXIT

for b in restoredesk restorectl; do
	[ "$(command -v $b)" = "/usr/bin/$b" ] || fail "$b is not /usr/bin/$b"
	out=$($b --version) || fail "$b --version exited $?"
	[[ "$out" == "$b $version"* ]] || fail "$b --version printed '$out', want '$b $version…'"
	step "$out"
	man -w "$b" >/dev/null 2>&1 || fail "man $b finds no manual page"
done
desktop-file-validate /usr/share/applications/io.restoredesk.app.desktop || fail "the desktop file does not validate"
step "desktop file validates"
[ -s /usr/share/icons/hicolor/512x512/apps/io.restoredesk.app.png ] || fail "icon missing from the hicolor theme"
dpkg-query -W -f='${Depends}\n${Recommends}\n' restoredesk | grep -q gnome-keyring || fail "gnome-keyring is not recommended"

files=$(dpkg-query -L restoredesk)
step "dpkg -r restoredesk"
$SUDO dpkg -r restoredesk >/dev/null || fail "dpkg -r failed"
removed=true
status=$(dpkg-query -W -f='${db:Status-Abbrev}' restoredesk 2>/dev/null || true)
[[ -z "$status" || "$status" == un* ]] || fail "after dpkg -r the package status is '$status', want not-installed"
left=""
while IFS= read -r f; do
	[ -f "$f" ] && left="$left $f"
done <<<"$files"
[ -z "$left" ] || fail "files left after dpkg -r:$left"
step "removed cleanly: no file of the package is left"
echo "test-deb: PASS"
