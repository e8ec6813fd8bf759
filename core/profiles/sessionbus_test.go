package profiles

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
)

// Without a session bus, asking the keyring says so and never reaches the D-Bus library,
// which would run dbus-launch and leave a daemon behind (errNoSessionBus is only returned
// by the guard, before go-keyring is called).
func TestKeyringWithoutSessionBusStartsNoDaemon(t *testing.T) {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		t.Skip("no D-Bus on this OS")
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	_, err := NewKeyring(0).Get(context.Background(), "acme")
	if !errors.Is(err, ErrKeyringUnavailable) || !errors.Is(err, errNoSessionBus) || !strings.Contains(err.Error(), "no D-Bus session") {
		t.Fatalf("Get = %v, want the keyring unavailable for lack of a D-Bus session, found before calling D-Bus", err)
	}
}
