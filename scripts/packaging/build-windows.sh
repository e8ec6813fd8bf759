#!/usr/bin/env bash
# Builds the Windows release: both binaries cross-compiled for windows/amd64 (the desktop
# app with cgo through mingw-w64, icon/version/manifest embedded by `fyne package -os
# windows`), signed when a certificate is given (sign.sh), a per-user NSIS installer and a
# portable zip.
#   usage: build-windows.sh VERSION BUILD COMMIT OUTDIR
#   out:   OUTDIR/RestoreDesk-VERSION-windows-amd64-setup.exe, …-windows-amd64.zip
set -euo pipefail
version=$1 build=$2 commit=$3 outdir=$4
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
GO=${GO:-go}
FYNE=${FYNE:-$("$GO" env GOPATH)/bin/fyne}
for tool in x86_64-w64-mingw32-gcc makensis convert zip "$FYNE"; do
	command -v "$tool" >/dev/null || { echo "build-windows: $tool is missing; run 'make deps-package'" >&2; exit 1; }
done
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
stage=$(mktemp -d -t restoredesk-win.XXXXXX)
trap 'rm -rf "$stage"; rm -f "$root/cmd/restoredesk/Restore Desk.exe"' EXIT

x="-X=restoredesk/core/version.number=$version -X=restoredesk/core/version.commit=$commit"
export GOOS=windows GOARCH=amd64

echo "build-windows: restorectl.exe"
CGO_ENABLED=0 "$GO" build -trimpath -ldflags "-s -w ${x//=restoredesk/ restoredesk}" -o "$stage/restorectl.exe" "$root/cmd/restorectl"

echo "build-windows: Restore Desk.exe (fyne package -os windows; the first cgo build of Fyne takes minutes)"
# fyne builds in the source folder and reads extra linker flags from GOFLAGS.
(
	cd "$root"
	export CC=x86_64-w64-mingw32-gcc CGO_ENABLED=1
	export GOFLAGS="${GOFLAGS:-} -ldflags=${x// / -ldflags=}"
	"$FYNE" package -os windows --release --src cmd/restoredesk --tags migrated_fynedo \
		--name "Restore Desk" --app-id io.restoredesk.app --app-version "$version" --app-build "$build" \
		--icon "$root/assets/icon.png"
)
mv "$root/cmd/restoredesk/Restore Desk.exe" "$stage/"

"$here/sign.sh" "$stage/Restore Desk.exe" "$stage/restorectl.exe"

convert "$root/assets/icon.png" -define icon:auto-resize=256,64,48,32,16 "$stage/icon.ico"
setup="$outdir/RestoreDesk-$version-windows-amd64-setup.exe"
echo "build-windows: $(basename "$setup") (makensis)"
makensis -V2 -DVERSION="$version" -DVERSION4="$version.$build" -DSRCDIR="$stage" -DOUTFILE="$setup" "$here/restoredesk.nsi"
"$here/sign.sh" "$setup"

zipfile="$outdir/RestoreDesk-$version-windows-amd64.zip"
rm -f "$zipfile"
mkdir "$stage/Restore Desk"
cp "$stage/Restore Desk.exe" "$stage/restorectl.exe" "$stage/Restore Desk/"
(cd "$stage" && zip -q -9 -r "$zipfile" "Restore Desk")
ls -l "$setup" "$zipfile"
