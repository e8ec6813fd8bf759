#!/usr/bin/env bash
# Proves the Windows release under Wine, in a fresh throwaway Wine prefix:
#  1. the NSIS installer runs silently, per user, into %LOCALAPPDATA%\Programs\Restore Desk,
#     with its Start-menu shortcut and uninstall entry;
#  2. both installed programs answer --version with the release;
#  3. the installed "Restore Desk.exe --demo" opens its window (found by title, more than
#     20 colours drawn) and exits 0 when asked to close (taskkill without /F: WM_CLOSE);
#  4. restorectl.exe inspect --json on the fixture prints the same JSON as the Linux build;
#  5. core/profiles' real-keyring test, cross-compiled, keeps a key in the Windows
#     credential store (and in no file under the prefix's user folders or registry files);
#  6. Authenticode: a throwaway self-signed certificate signs a copy of the installer and
#     osslsigncode verifies it;
#  7. the uninstaller removes the program, shortcut and uninstall entry.
# Wine 8 lacks ProcessPrng (bcryptprimitives.dll), which Go's runtime needs at start; a
# TEST-ONLY shim built here from bcryptprimitives.c goes into the prefix, never into a package.
#   usage (inside scripts/with-session.sh): test-windows.sh VERSION DISTDIR LINUX_RESTORECTL
set -euo pipefail
version=$1 dist=$2 linux_ctl=$3
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
GO=${GO:-go}
setup=$(cd "$dist" && pwd)/RestoreDesk-$version-windows-amd64-setup.exe
linux_ctl=$(cd "$(dirname "$linux_ctl")" && pwd)/$(basename "$linux_ctl")
fail() { echo "test-windows: FAIL: $*" >&2; exit 1; }
step() { echo "test-windows: $(date +%T) $*"; }
[ -n "${DISPLAY:-}" ] || fail "no DISPLAY: run through scripts/with-session.sh (make test-windows does)"
[ -f "$setup" ] || fail "$setup is missing; run 'make package-windows'"
for tool in wine wineserver wineboot x86_64-w64-mingw32-gcc xdotool import identify osslsigncode openssl; do
	command -v "$tool" >/dev/null || fail "$tool is missing; run 'make deps-package'"
done

work=$(mktemp -d -t restoredesk-wine.XXXXXX)
export WINEPREFIX=$work/prefix WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
app_pid=""
cleanup() {
	[ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
	wineserver -k 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# settle waits for the prefix's programs to end, never for ever: a program that does not
# end is a failure that names what is still running.
settle() {
	timeout 120 wineserver -w && return
	# Wine starts its debugger for a fault even with none configured; one started for the
	# fault already judged below (not the program's own code) is ended, then waited once more.
	if [ -n "$accepted_fault" ] && pkill -f 'winedbg --auto'; then
		timeout 60 wineserver -w && return
	fi
	fail "Wine programs still running after 120 s: $(ps -eo args | grep -iE '\.exe|winedbg' | grep -v grep | tr '\n' ';')"
}
accepted_fault=""

step "fresh Wine prefix (wineboot)"
wineboot -i >/dev/null 2>&1 || fail "wineboot could not create the prefix"
settle
# A program that faults would otherwise start winedbg, which waits on a console nobody
# reads and keeps the prefix busy for ever; without a debugger it ends at once, and the
# fault is in its log for the checks below.
wine reg delete 'HKLM\Software\Microsoft\Windows NT\CurrentVersion\AeDebug' /v Debugger /f >/dev/null 2>&1 ||
	fail "could not switch off Wine's crash debugger"
settle
x86_64-w64-mingw32-gcc -O2 -shared -s -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
	"$here/bcryptprimitives.c" -ladvapi32
step "test-only ProcessPrng shim in the prefix's system32"

user=$(wine cmd /c 'echo %USERNAME%' 2>/dev/null | tr -d '\r')
users_dir=$WINEPREFIX/drive_c/users/$user
instdir="$users_dir/AppData/Local/Programs/Restore Desk"
shortcut="$users_dir/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Restore Desk.lnk"

step "install silently: $(basename "$setup") /S"
wine "$setup" /S || fail "the installer exited $?"
settle
for f in "Restore Desk.exe" restorectl.exe Uninstall.exe; do
	[ -f "$instdir/$f" ] || fail "not installed per user: $instdir/$f"
done
[ -f "$shortcut" ] || fail "no Start-menu shortcut at $shortcut"
wine reg query 'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\io.restoredesk.app' /v DisplayVersion 2>/dev/null |
	tr -d '\r' | grep -q "$version" || fail "no uninstall entry with version $version under HKCU"
step "installed into %LOCALAPPDATA%\\Programs\\Restore Desk, shortcut and uninstall entry present"

stamps=()
for exe in "Restore Desk.exe" restorectl.exe; do
	out=$(wine "$instdir/$exe" --version 2>/dev/null | tr -d '\r') || fail "$exe --version exited $?"
	[[ "$out" == *" $version"* ]] || fail "$exe --version printed '$out', want version $version"
	stamps+=("${out#* }")
	step "$exe --version: $out"
done
[ "${stamps[0]}" = "${stamps[1]}" ] || fail "the two programs carry different versions: '${stamps[0]}' and '${stamps[1]}'"

step "Restore Desk.exe --demo: waiting for its window"
wine "$instdir/Restore Desk.exe" --demo >"$work/app.log" 2>&1 &
app_pid=$!
win=$(timeout 120 xdotool search --sync --name "Restore Desk — Demo" | head -1) ||
	fail "no window titled 'Restore Desk — Demo' within 120 s: $(tail -5 "$work/app.log")"
colours=0
for _ in $(seq 1 60); do
	import -window "$win" "$work/window.png" 2>/dev/null && colours=$(identify -format '%k' "$work/window.png")
	[ "$colours" -gt 20 ] && break
	sleep 1
done
[ "$colours" -gt 20 ] || fail "the window shows $colours colours: nothing drawn"
step "window $win drew $colours colours"
wine taskkill /IM "Restore Desk.exe" >/dev/null 2>&1 || fail "taskkill could not ask the app to close"
for _ in $(seq 1 30); do kill -0 "$app_pid" 2>/dev/null || break; sleep 1; done
kill -0 "$app_pid" 2>/dev/null && fail "the app did not exit within 30 s of being asked to close"
rc=0; wait "$app_pid" || rc=$?
app_pid=""
[ "$rc" -eq 0 ] || fail "the app exited $rc after a polite close: $(tail -5 "$work/app.log")"
grep -q "panic:" "$work/app.log" && fail "the app panicked: $(cat "$work/app.log")"
step "closed politely, exit 0"
# Under Wine with Xvfb's software OpenGL, a thread of the GL driver sometimes faults while
# the process is ending, in code the driver generated at run time. A fault in the program's
# image (Go's code and data, loaded at 0x140000000, well under 1 GiB) is ours and fails the
# test; one elsewhere is reported, not counted.
fault=$(grep -o 'Unhandled .* at address [0-9A-Fa-f]*' "$work/app.log" | head -1 || true)
if [ -n "$fault" ]; then
	addr=$((16#${fault##* }))
	if [ "$addr" -ge $((16#140000000)) ] && [ "$addr" -lt $((16#180000000)) ]; then
		fail "the app faulted in its own code while closing: $fault"
	fi
	step "note: after exiting 0, a thread faulted outside the program's own code (not counted): $fault"
	accepted_fault=$fault
fi

fixture=files_and_database-1a2b3c4d-202611250130.tar.gz
(cd "$root/core/archive/testdata" && "$linux_ctl" inspect --json "$fixture") >"$work/linux.json"
(cd "$root/core/archive/testdata" && wine "$instdir/restorectl.exe" inspect --json "$fixture" 2>/dev/null) |
	tr -d '\r' >"$work/windows.json"
diff -u "$work/linux.json" "$work/windows.json" || fail "restorectl inspect --json differs between Linux and Windows"
step "restorectl.exe inspect --json = Linux JSON ($(wc -c <"$work/windows.json") bytes)"

step "keyring: core/profiles integration test cross-compiled for Windows"
(cd "$root" && GOOS=windows GOARCH=amd64 CGO_ENABLED=0 "$GO" test -c -tags migrated_fynedo,integration \
	-o "$work/profiles.test.exe" ./core/profiles)
winpath() { echo "Z:${1//\//\\}"; }
nofile="$(winpath "$WINEPREFIX/user.reg");$(winpath "$WINEPREFIX/system.reg");$(winpath "$WINEPREFIX/userdef.reg");$(winpath "$users_dir")"
RESTOREDESK_NOFILE_PATHS=$nofile wine "$work/profiles.test.exe" -test.run Integration -test.v -test.count 1 2>&1 |
	tr -d '\r' | tee "$work/keyring.log"
grep -q "^--- PASS: TestIntegrationRealKeyring" "$work/keyring.log" || fail "the keyring test did not pass under Wine"
step "API key saved, read back, deleted in the Windows credential store; in no file"

step "Authenticode: sign a copy with a throwaway self-signed certificate, then verify"
openssl req -x509 -newkey rsa:3072 -nodes -days 2 -subj "/CN=Restore Desk test signing" \
	-addext "extendedKeyUsage=codeSigning" -keyout "$work/sign.key" -out "$work/sign.crt" 2>/dev/null
cp "$setup" "$work/signed-setup.exe"
RESTOREDESK_SIGN_CERT=$work/sign.crt RESTOREDESK_SIGN_KEY=$work/sign.key "$here/sign.sh" "$work/signed-setup.exe"
osslsigncode verify -CAfile "$work/sign.crt" -in "$work/signed-setup.exe" >"$work/verify.log" 2>&1 ||
	fail "osslsigncode verify: $(cat "$work/verify.log")"
grep -q "Signature verification: ok" "$work/verify.log" || fail "no verified signature: $(cat "$work/verify.log")"
step "signature verified"

step "uninstall silently"
wine "$instdir/Uninstall.exe" /S || fail "the uninstaller exited $?"
settle
for _ in $(seq 1 20); do [ -e "$instdir/Restore Desk.exe" ] || break; sleep 0.5; done
[ ! -e "$instdir/Restore Desk.exe" ] && [ ! -e "$instdir/restorectl.exe" ] || fail "the uninstaller left the programs in $instdir"
[ ! -e "$shortcut" ] || fail "the uninstaller left the Start-menu shortcut"
wine reg query 'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\io.restoredesk.app' >/dev/null 2>&1 &&
	fail "the uninstaller left its uninstall entry"
step "uninstalled: programs, shortcut and uninstall entry gone"
echo "test-windows: PASS"
