#!/usr/bin/env bash
# Builds dist/restoredesk_<version>_amd64.deb with dpkg-deb from a staged tree: both
# binaries in /usr/bin with their manual pages, the .desktop file, the icon in the hicolor
# theme, the copyright file (DEP-5: ours and every statically linked Go module's) and the
# changelog. The linked libraries are computed by dpkg-shlibdeps; the ones GLFW opens at
# run time are declared. Dates come from SOURCE_DATE_EPOCH (else the last commit), so the
# same commit gives the same package.
#   usage: build-deb.sh VERSION BINDIR OUTDIR GO-LIST-ARGS…
#   (BINDIR holds restoredesk and restorectl; GO-LIST-ARGS name the packages they were built
#   from, with their tags, for the copyright file: e.g. -tags T ./cmd/restoredesk ./cmd/restorectl)
set -euo pipefail
version=$1 bindir=$2 outdir=$3
shift 3
[ $# -gt 0 ] || { echo "usage: build-deb.sh VERSION BINDIR OUTDIR GO-LIST-ARGS…" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
for tool in dpkg-deb dpkg-shlibdeps help2man; do
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
	"$stage/usr/share/doc/restoredesk" "$stage/usr/share/man/man1"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct)}
maintainer="Restore Desk <restoredesk@users.noreply.github.com>"
install -m 0755 "$bindir/restoredesk" "$bindir/restorectl" "$stage/usr/bin/"
install -m 0644 "$here/io.restoredesk.app.desktop" "$stage/usr/share/applications/"
install -m 0644 "$root/assets/icon.png" "$stage/usr/share/icons/hicolor/512x512/apps/io.restoredesk.app.png"
install -m 0644 "$root/assets/icon.svg" "$stage/usr/share/icons/hicolor/scalable/apps/io.restoredesk.app.svg"
doc=$stage/usr/share/doc/restoredesk
gzip -9n -c "$root/README.md" >"$doc/README.md.gz"
"$here/copyright.sh" "$@" >"$doc/copyright"
chmod 0644 "$doc/copyright"
# A native package (the version has no Debian revision): its changelog is changelog.gz.
{
	printf 'restoredesk (%s) unstable; urgency=medium\n\n' "$version"
	printf '  * Release %s, built from commit %s.\n' "$version" "$(git -C "$root" rev-parse --short=12 HEAD)"
	printf '    What changed: https://github.com/restoredesk/restoredesk/releases\n\n'
	printf ' -- %s  %s\n' "$maintainer" "$(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n >"$doc/changelog.gz"
"$here/manpages.sh" "$bindir" "$stage/usr/share/man/man1"
chmod 0644 "$stage"/usr/share/man/man1/*

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
Maintainer: $maintainer
Installed-Size: $size
Depends: $depends
Recommends: gnome-keyring
Section: utils
Priority: optional
Homepage: https://github.com/restoredesk/restoredesk
Description: restore backups of apps on Mendix Cloud
 Restore Desk is a desktop app (and its command-line twin, restorectl) to
 restore a backup of an app on Mendix Cloud: it checks a backup file on your
 machine first, stops the app when it must, takes a safety backup so a restore
 can be undone, and says in plain words what is happening. API keys are kept in
 the system keyring (gnome-keyring or another Secret Service).
CONTROL
(cd "$stage" && find usr -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"

mkdir -p "$outdir"
out="$outdir/restoredesk_${version}_amd64.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$out" >/dev/null
echo "build-deb: $out (Depends: $depends)"
