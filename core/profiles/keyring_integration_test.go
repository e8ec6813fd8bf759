//go:build integration

package profiles

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestIntegrationRealKeyring saves, reads and deletes an API key in the real OS keyring:
// gnome-keyring over D-Bus (started by scripts/with-session.sh), or, cross-compiled and
// run under Wine by `make test-windows`, the Windows credential store.
func TestIntegrationRealKeyring(t *testing.T) {
	if runtime.GOOS == "linux" && os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Fatal("no D-Bus session: run through `make test-integration`")
	}
	ctx := context.Background()
	k := NewKeyring(0)
	dir := scratchDir(t)
	name := "restoredesk-integration-" + filepath.Base(dir)
	path := filepath.Join(dir, "profiles.json")
	s, err := Open(path, k)
	if err != nil {
		t.Fatal(err)
	}
	const key = "integration-api-key-7f3a"
	if err := s.Save(ctx, Profile{Name: name, Username: "ann@acme.test"}, key); err != nil {
		t.Fatalf("save to the real keyring: %v", err)
	}
	t.Cleanup(func() { _ = k.Delete(ctx, name) })

	// A fresh store (as after a restart) finds the key in the keyring, not in the file.
	again, _ := Open(path, NewKeyring(0))
	got, err := again.APIKey(ctx, name)
	if err != nil || got != key {
		t.Fatalf("APIKey from the real keyring = %q, %v", got, err)
	}
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), key) {
		t.Fatal("API key written to the profiles file")
	}
	// Asked directly, the OS store has it under our service name.
	if !inOSStore(t, name) {
		t.Fatalf("the %s has no entry for %s", osStoreName, name)
	}
	// And no file holds it in clear text: RESTOREDESK_NOFILE_PATHS lists trees to search
	// (make test-windows: the Wine prefix's registry files and user folders).
	if paths := os.Getenv("RESTOREDESK_NOFILE_PATHS"); paths != "" {
		flushOSStore(t)
		if hit := fileContaining(t, filepath.SplitList(paths), key); hit != "" {
			t.Fatalf("API key found in clear text in %s", hit)
		}
	}
	if err := again.Delete(ctx, name); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Get(ctx, name); !errors.Is(err, ErrNoKey) {
		t.Fatalf("after delete the keyring answers %v, want ErrNoKey", err)
	}
	if inOSStore(t, name) {
		t.Fatalf("the %s still has %s after delete", osStoreName, name)
	}
}

// scratchDir is a temporary folder removed file by file at the end: t.TempDir's
// RemoveAll uses a Windows call Wine 8 does not implement ("Invalid function").
func scratchDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "restoredesk-keyring-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				t.Error(err)
			}
		}
		if err := os.Remove(dir); err != nil {
			t.Error(err)
		}
	})
	return dir
}

// fileContaining returns the first file under roots holding secret as UTF-8 or UTF-16LE
// (how Windows stores strings), "" when none does.
func fileContaining(t *testing.T, roots []string, secret string) string {
	t.Helper()
	utf16 := make([]byte, 0, 2*len(secret))
	for _, b := range []byte(secret) {
		utf16 = append(utf16, b, 0)
	}
	var hit string
	var scanned int
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || hit != "" || !d.Type().IsRegular() {
				return nil // unreadable corners are not where a saved key would be
			}
			raw, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			scanned++
			if bytes.Contains(raw, []byte(secret)) || bytes.Contains(raw, utf16) {
				hit = p
				return filepath.SkipAll
			}
			return nil
		})
		if err != nil {
			t.Fatalf("search %s: %v", root, err)
		}
	}
	if scanned == 0 {
		t.Fatalf("RESTOREDESK_NOFILE_PATHS=%q has no readable files: the search proves nothing", roots)
	}
	t.Logf("searched %d files under %q for the key", scanned, roots)
	return hit
}
