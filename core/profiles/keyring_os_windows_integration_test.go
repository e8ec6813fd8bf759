//go:build integration && windows

package profiles

import (
	"errors"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
)

const osStoreName = "Windows credential store"

var (
	advapi32      = windows.NewLazySystemDLL("advapi32.dll")
	procCredReadW = advapi32.NewProc("CredReadW")
	procCredFree  = advapi32.NewProc("CredFree")
	procRegFlush  = advapi32.NewProc("RegFlushKey")
)

// inOSStore asks the Credential Manager itself (CredReadW) for the generic credential
// go-keyring writes, "SERVICE:PROFILE".
func inOSStore(t *testing.T, profile string) bool {
	t.Helper()
	target, err := windows.UTF16PtrFromString(KeyringService + ":" + profile)
	if err != nil {
		t.Fatal(err)
	}
	const credTypeGeneric = 1
	var cred uintptr
	r, _, callErr := procCredReadW.Call(uintptr(unsafe.Pointer(target)), credTypeGeneric, 0, uintptr(unsafe.Pointer(&cred)))
	if r == 0 {
		if errors.Is(callErr, windows.ERROR_NOT_FOUND) {
			return false
		}
		t.Fatalf("CredReadW: %v", callErr)
	}
	procCredFree.Call(cred)
	return true
}

// flushOSStore asks Windows to write the user's registry hive to disk now, so the file
// search sees what it holds. Wine 8 does not act on it (wineserver saves the registry on
// its own schedule): under Wine the search is sure for the user's folders, and sees the
// registry files only as of their last save.
func flushOSStore(t *testing.T) {
	t.Helper()
	if r, _, err := procRegFlush.Call(uintptr(windows.HKEY_CURRENT_USER)); r != 0 {
		t.Fatalf("RegFlushKey: %v", err)
	}
}
