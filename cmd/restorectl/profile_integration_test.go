//go:build integration

package main

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"

	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
	"restoredesk/core/profiles"
)

// restorectl login against the embedded cloud with the real OS keyring (gnome-keyring over
// D-Bus, started by scripts/with-session.sh): the key lands in the keyring under the
// profile's name, the default profile signs in from it, and profile remove takes the
// keyring entry away.
func TestIntegrationLoginWithTheRealKeyring(t *testing.T) {
	if runtime.GOOS == "linux" && os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Fatal("no D-Bus session: run through `make test-integration`")
	}
	b := newLoginBed(t, nil) // profileSecrets stays the OS keyring
	srv := localcloudtest.Start(t)
	name := "restorectl-integration-" + strings.ReplaceAll(t.Name(), "/", "-")
	ctx := context.Background()
	kr := profiles.NewKeyring(0)
	t.Cleanup(func() { _ = kr.Delete(ctx, name) })

	code, out, errs := b.run(localcloud.DemoUsername+"\n"+localcloud.DemoAPIKey+"\n", "login", name, "--api-url", srv.URL())
	if code != exitOK {
		t.Fatalf("login: exit %d\n%s%s", code, out, errs)
	}
	if key, err := kr.Get(ctx, name); err != nil || key != localcloud.DemoAPIKey {
		t.Fatalf("the real keyring holds %q, %v", key, err)
	}
	code, out, errs = b.run("", "backups", "customerportal", "Production")
	if code != exitOK || !strings.Contains(out, "SNAPSHOT ID") {
		t.Fatalf("backups with the default profile from the keyring: exit %d\n%s%s", code, out, errs)
	}
	code, _, errs = b.run("", "profile", "remove", name)
	if code != exitOK {
		t.Fatalf("profile remove: exit %d\n%s", code, errs)
	}
	if _, err := kr.Get(ctx, name); !errors.Is(err, profiles.ErrNoKey) {
		t.Fatalf("after profile remove the keyring answers %v, want ErrNoKey", err)
	}

	// A wrong key: nothing reaches the keyring.
	code, _, _ = b.run(localcloud.DemoUsername+"\nwrong-key\n", "login", name, "--api-url", srv.URL())
	if code != exitFailure {
		t.Fatalf("login with a wrong key: exit %d", code)
	}
	if _, err := kr.Get(ctx, name); !errors.Is(err, profiles.ErrNoKey) {
		t.Fatalf("after a refused login the keyring answers %v, want ErrNoKey", err)
	}
}
