#!/usr/bin/env bash
# Builds dist/restoredesk_<version>_amd64.deb with dpkg-deb from a staged tree: both
# binaries in /usr/bin, the .desktop file, the icon in the hicolor theme. The linked
# libraries are computed by dpkg-shlibdeps; the ones GLFW opens at run time are declared.
#   usage: build-deb.sh VERSION BINDIR OUTDIR   (BINDIR holds restoredesk and restorectl)
set -euo pipefail
version=$1 bindir=$2 outdir=$3
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
for tool in dpkg-deb dpkg-shlibdeps; do
	command -v "$tool" >/dev/null || { echo "build-deb: $tool is missing; run 'make deps-package'" >&2; exit 1; }
done
for b in restoredesk restorectl; do
	[ -x "$bindir/$b" ] || { echo "build-deb: $bindir/$b is missing" >&2; exit 1; }
done

work=$(mktemp -d -t restoredesk-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
stage=$work/stage
install -d "$stage/DEBIAN" "$stage/usr/bin" "$stage/usr/share/applications" \
	"$stage/usr/share/icons/hicolor/512x512/apps" "$stage/usr/share/icons/hicolor/scalable/apps" \
	"$stage/usr/share/doc/restoredesk"
install -m 0755 "$bindir/restoredesk" "$bindir/restorectl" "$stage/usr/bin/"
install -m 0644 "$here/io.restoredesk.app.desktop" "$stage/usr/share/applications/"
install -m 0644 "$root/assets/icon.png" "$stage/usr/share/icons/hicolor/512x512/apps/io.restoredesk.app.png"
install -m 0644 "$root/assets/icon.svg" "$stage/usr/share/icons/hicolor/scalable/apps/io.restoredesk.app.svg"
gzip -9n -c "$root/README.md" >"$stage/usr/share/doc/restoredesk/README.md.gz"

# dpkg-shlibdeps wants to run in a source tree: a one-stanza debian/control is enough.
mkdir -p "$work/src/debian"
printf 'Source: restoredesk\n\nPackage: restoredesk\nArchitecture: amd64\n' >"$work/src/debian/control"
depends=$(cd "$work/src" && dpkg-shlibdeps -O "$stage/usr/bin/restoredesk" "$stage/usr/bin/restorectl" 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
# GLFW loads these X11 libraries with dlopen at start, so no tool can see them in the
# binary: declared here (the list is GLFW 3.3's x11_init.c).
depends="$depends, libxcursor1, libxrandr2, libxinerama1, libxi6, libxxf86vm1, libx11-xcb1, libxrender1"

size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<CONTROL
Package: restoredesk
Version: $version
Architecture: amd64
Maintainer: Restore Desk <restoredesk@users.noreply.github.com>
Installed-Size: $size
Depends: $depends
Recommends: gnome-keyring
Section: utils
Priority: optional
Homepage: https://github.com/restoredesk/restoredesk
Description: restore backups of apps on Mendix Cloud
 Restore Desk is a desktop app (and its command-line twin, restorectl) to restore
 a backup of an app on Mendix Cloud: it checks a backup file on your machine first,
 stops the app when it must, takes a safety backup so a restore can be undone, and
 says in plain words what is happening. API keys are kept in the system keyring
 (gnome-keyring or another Secret Service).
CONTROL

mkdir -p "$outdir"
out="$outdir/restoredesk_${version}_amd64.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$out" >/dev/null
echo "build-deb: $out (Depends: $depends)"
