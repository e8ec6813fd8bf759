#!/usr/bin/env bash
# Installs the .deb on this machine, checks what a user gets, and removes it again:
# both binaries answer --version, the desktop file validates, the icon is in the theme,
# and `dpkg -r` leaves none of the package's files behind.
#   usage: test-deb.sh DEB VERSION    (root, or sudo)
set -euo pipefail
deb=$1 version=$2
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
fail() { echo "test-deb: FAIL: $*" >&2; exit 1; }
step() { echo "test-deb: $*"; }
command -v desktop-file-validate >/dev/null || fail "desktop-file-validate is missing; run 'make deps-package'"
[ -f "$deb" ] || fail "$deb is missing; run 'make package-deb'"
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
