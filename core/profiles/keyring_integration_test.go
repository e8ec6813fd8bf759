//go:build integration

package profiles

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIntegrationRealKeyring saves, reads and deletes an API key in the real OS keyring
// (gnome-keyring over D-Bus, started by scripts/with-session.sh).
func TestIntegrationRealKeyring(t *testing.T) {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Fatal("no D-Bus session: run through `make test-integration`")
	}
	ctx := context.Background()
	k := NewKeyring(0)
	name := "restoredesk-integration-" + filepath.Base(t.TempDir())
	path := filepath.Join(t.TempDir(), "profiles.json")
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
	if err := again.Delete(ctx, name); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Get(ctx, name); !errors.Is(err, ErrNoKey) {
		t.Fatalf("after delete the keyring answers %v, want ErrNoKey", err)
	}
}
