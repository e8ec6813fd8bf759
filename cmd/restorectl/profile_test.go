package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
	"restoredesk/core/profiles"
)

// loginBed runs restorectl with its own config folder, no MENDIX_* variables, and the
// given store for API keys.
type loginBed struct {
	t       *testing.T
	cfgPath string // profiles.json
	journal string
}

func newLoginBed(t *testing.T, secrets profiles.SecretStore) *loginBed {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "config")
	t.Setenv("XDG_CONFIG_HOME", cfg)
	if secrets != nil {
		old := profileSecrets
		profileSecrets = func() profiles.SecretStore { return secrets }
		t.Cleanup(func() { profileSecrets = old })
	}
	return &loginBed{t: t, cfgPath: filepath.Join(cfg, "restoredesk", "profiles.json"), journal: filepath.Join(t.TempDir(), "journal.db")}
}

func (b *loginBed) run(stdin string, args ...string) (int, string, string) {
	b.t.Helper()
	vars := map[string]string{"RESTOREDESK_JOURNAL": b.journal}
	var out, errb strings.Builder
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb, func(k string) string { return vars[k] })
	return code, out.String(), errb.String()
}

func (b *loginBed) store() *profiles.Store {
	b.t.Helper()
	s, err := profiles.Open(b.cfgPath, profileSecrets())
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

// With a session store standing in for the OS keyring (no D-Bus in unit tests; the real
// keyring is TestIntegrationLoginWithTheRealKeyring): login reads the username and the
// key from stdin, checks them with the embedded cloud, saves the profile as the default,
// and later commands sign in with it; list never shows the key; remove drops the key too.
func TestLoginListRemoveWithASessionStoreForTheKeyring(t *testing.T) {
	secrets := profiles.NewSessionStore()
	b := newLoginBed(t, secrets)
	srv := localcloudtest.Start(t)

	code, out, errs := b.run(localcloud.DemoUsername+"\n"+localcloud.DemoAPIKey+"\n", "login", "acme", "--api-url", srv.URL())
	if code != exitOK {
		t.Fatalf("login: exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, "Signed in as "+localcloud.DemoUsername) || !strings.Contains(out, `Saved profile "acme"`) || !strings.Contains(out, "default profile") {
		t.Errorf("login said:\n%s", out)
	}
	if strings.Contains(out+errs, localcloud.DemoAPIKey) {
		t.Fatal("login printed the API key")
	}
	s := b.store()
	p, ok := s.Get("acme")
	if !ok || p.Username != localcloud.DemoUsername || p.APIURL != srv.URL() {
		t.Fatalf("saved profile %+v (%v)", p, ok)
	}
	if last, _ := s.Last(); last.Name != "acme" {
		t.Errorf("default profile %q, want acme", last.Name)
	}
	if key, err := secrets.Get(context.Background(), "acme"); err != nil || key != localcloud.DemoAPIKey {
		t.Errorf("key in the secret store = %q, %v", key, err)
	}
	raw, err := os.ReadFile(b.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), localcloud.DemoAPIKey) {
		t.Fatal("API key written to profiles.json")
	}

	// No --profile, no MENDIX_* variables: the default profile signs in.
	code, out, errs = b.run("", "apps")
	if code != exitOK || !strings.Contains(out, "customerportal") {
		t.Fatalf("apps with the default profile: exit %d\n%s%s", code, out, errs)
	}

	// A second profile, named by the username, the username given as a flag.
	code, _, errs = b.run(localcloud.DemoAPIKey, "profile", "add", "beta", "--username", localcloud.DemoUsername, "--api-url", srv.URL())
	if code != exitOK {
		t.Fatalf("profile add: exit %d\n%s", code, errs)
	}
	code, out, errs = b.run("", "profile", "list")
	if code != exitOK {
		t.Fatalf("profile list: exit %d\n%s", code, errs)
	}
	if strings.Contains(out, localcloud.DemoAPIKey) {
		t.Fatal("profile list shows the API key")
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], " ") || !strings.Contains(lines[1], "acme") || !strings.HasPrefix(lines[2], "*") || !strings.Contains(lines[2], "beta") {
		t.Errorf("profile list, want acme and beta with beta (signed in last) the default:\n%s", out)
	}
	code, out, _ = b.run("", "profile", "list", "--json")
	var listed []profileJSON
	if err := json.Unmarshal([]byte(out), &listed); code != exitOK || err != nil || len(listed) != 2 || listed[0].Default || !listed[1].Default {
		t.Errorf("profile list --json: exit %d, %v:\n%s", code, err, out)
	}

	code, out, errs = b.run("", "profile", "remove", "acme")
	if code != exitOK || !strings.Contains(out, `Removed profile "acme"`) {
		t.Fatalf("profile remove: exit %d\n%s%s", code, out, errs)
	}
	if _, ok := b.store().Get("acme"); ok {
		t.Error("acme still saved after remove")
	}
	if _, err := secrets.Get(context.Background(), "acme"); !errors.Is(err, profiles.ErrNoKey) {
		t.Errorf("acme's key after remove: %v, want ErrNoKey", err)
	}
	code, _, errs = b.run("", "profile", "remove", "acme")
	if code != exitFailure || !strings.Contains(errs, `no profile named "acme"`) || !strings.Contains(errs, "beta") {
		t.Errorf("removing it again: exit %d\n%s", code, errs)
	}
}

// A key the cloud refuses saves nothing: no profile, no key, no default.
func TestLoginWithAWrongKeySavesNothing(t *testing.T) {
	secrets := profiles.NewSessionStore()
	b := newLoginBed(t, secrets)
	srv := localcloudtest.Start(t)
	code, out, errs := b.run(localcloud.DemoUsername+"\nnot-the-key\n", "login", "acme", "--api-url", srv.URL())
	if code != exitFailure {
		t.Fatalf("login with a wrong key: exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(errs, "did not accept") || !strings.Contains(errs, "nothing was saved") {
		t.Errorf("login with a wrong key said:\n%s", errs)
	}
	if strings.Contains(errs, "not-the-key") {
		t.Error("the refused key was printed")
	}
	if _, err := os.Stat(b.cfgPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("profiles.json after a refused login: %v, want none", err)
	}
	if _, err := secrets.Get(context.Background(), "acme"); !errors.Is(err, profiles.ErrNoKey) {
		t.Errorf("key saved after a refused login: %v", err)
	}
	// No key at all is a plain mistake, asked for before anything is sent.
	code, _, errs = b.run(localcloud.DemoUsername+"\n", "login", "--api-url", srv.URL())
	if code != exitFailure || !strings.Contains(errs, "No API key was given") {
		t.Errorf("login without a key: exit %d\n%s", code, errs)
	}
}
