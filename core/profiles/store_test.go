package profiles

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSaveReopenAndKeyNeverOnDisk(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cfg", "profiles.json")
	secrets := NewSessionStore()
	s, err := Open(path, secrets)
	if err != nil {
		t.Fatal(err)
	}
	const key = "s3cret-api-key-do-not-store"
	if err := s.Save(ctx, Profile{Name: "Acme", Username: "ann@acme.test"}, key); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, Profile{Name: "Beta", Username: "bob@beta.test", APIURL: "http://127.0.0.1:8080/"}, "k2"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetLast("Beta"); err != nil {
		t.Fatal(err)
	}

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), key) {
		t.Fatalf("the API key reached the profiles file:\n%s", raw)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("profiles file is readable by others: %v", fi.Mode())
	}

	again, err := Open(path, secrets)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, p := range again.List() {
		names = append(names, p.Name)
	}
	if strings.Join(names, ",") != "Acme,Beta" {
		t.Fatalf("profiles after reopening = %v", names)
	}
	acme, _ := again.Get("Acme")
	if acme.APIURL != DefaultAPIURL {
		t.Errorf("default API URL = %q", acme.APIURL)
	}
	beta, _ := again.Get("Beta")
	if beta.APIURL != "http://127.0.0.1:8080" {
		t.Errorf("API URL not normalised: %q", beta.APIURL)
	}
	if last, ok := again.Last(); !ok || last.Name != "Beta" {
		t.Errorf("last profile = %v %v", last, ok)
	}
	if got, err := again.APIKey(ctx, "Acme"); err != nil || got != key {
		t.Errorf("APIKey = %q, %v", got, err)
	}
}

func TestDeleteRemovesKey(t *testing.T) {
	ctx := context.Background()
	secrets := NewSessionStore()
	s, _ := Open(filepath.Join(t.TempDir(), "p.json"), secrets)
	if err := s.Save(ctx, Profile{Name: "Acme", Username: "a@b.c"}, "key"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "Acme"); err != nil {
		t.Fatal(err)
	}
	if _, err := secrets.Get(ctx, "Acme"); !errors.Is(err, ErrNoKey) {
		t.Fatalf("key still kept after delete: %v", err)
	}
	if len(s.List()) != 0 {
		t.Fatal("profile still listed after delete")
	}
}

func TestRenameMovesKey(t *testing.T) {
	ctx := context.Background()
	secrets := NewSessionStore()
	s, _ := Open(filepath.Join(t.TempDir(), "p.json"), secrets)
	_ = s.Save(ctx, Profile{Name: "Old", Username: "a@b.c"}, "key")
	if err := s.Rename(ctx, "Old", "New"); err != nil {
		t.Fatal(err)
	}
	if k, err := s.APIKey(ctx, "New"); err != nil || k != "key" {
		t.Fatalf("renamed profile key = %q, %v", k, err)
	}
	if _, err := secrets.Get(ctx, "Old"); !errors.Is(err, ErrNoKey) {
		t.Fatal("old key left behind")
	}
}

func TestValidateSaysWhatToDo(t *testing.T) {
	s, _ := Open(filepath.Join(t.TempDir(), "p.json"), NewSessionStore())
	cases := []struct {
		p    Profile
		want string
	}{
		{Profile{Name: " ", Username: "a@b.c"}, "give the profile a name"},
		{Profile{Name: "X", Username: ""}, "Mendix username"},
		{Profile{Name: "X", Username: "a@b.c", APIURL: "deploy.mendix.com"}, "not a web address"},
	}
	for _, c := range cases {
		err := s.Save(context.Background(), c.p, "k")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Save(%+v) = %v, want it to say %q", c.p, err, c.want)
		}
	}
	if len(s.List()) != 0 {
		t.Error("an invalid profile was saved")
	}
}

func TestDamagedFileSaysSo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.json")
	_ = os.WriteFile(path, []byte("{not json"), 0o600)
	_, err := Open(path, NewSessionStore())
	if err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("Open of a damaged file = %v", err)
	}
}

// With no D-Bus session reachable the keyring is reported unavailable with that cause,
// never as "not signed in".
func TestKeyringWithoutDBusIsUnavailable(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "no-bus"))
	k := NewKeyring(0)
	_, err := k.Get(context.Background(), "Acme")
	if errors.Is(err, ErrNoKey) || !errors.Is(err, ErrKeyringUnavailable) {
		t.Fatalf("Get without D-Bus = %v, want ErrKeyringUnavailable", err)
	}
	var ue *UnavailableError
	if !errors.As(err, &ue) || !strings.Contains(ue.Cause, "D-Bus") {
		t.Fatalf("cause = %v, want it to name the missing D-Bus session", err)
	}
	s, _ := Open(filepath.Join(t.TempDir(), "p.json"), k)
	err = s.Save(context.Background(), Profile{Name: "Acme", Username: "a@b.c"}, "key")
	if !errors.Is(err, ErrKeyringUnavailable) {
		t.Fatalf("Save without keyring = %v", err)
	}
	if len(s.List()) != 0 {
		t.Fatal("profile saved although its key could not be")
	}
	// The user's way out: keep the key for this session only.
	s.SetSecrets(NewSessionStore())
	if err := s.Save(context.Background(), Profile{Name: "Acme", Username: "a@b.c"}, "key"); err != nil {
		t.Fatal(err)
	}
}

// A profile the client would refuse at first use is refused when it is saved.
func TestSaveRefusesAnAPIURLTheClientWouldRefuse(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "profiles.json"), NewSessionStore())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"http://deploy.example.com", "https://user:pw@deploy.mendix.com", "https://deploy.mendix.com/?x=1", "deploy.mendix.com",
		"https://user:pw@deploy.mendix.com/%zz", "user:pw@deploy.mendix.com"} { // the last two do not parse as web addresses
		err := s.Save(context.Background(), Profile{Name: "acme", Username: "a@example.com", APIURL: u}, "")
		if err == nil || strings.Contains(err.Error(), "pw@") {
			t.Errorf("Save with API URL %q = %v, want a refusal without the password", u, err)
		}
	}
	if len(s.List()) != 0 {
		t.Errorf("refused profiles were saved: %v", s.List())
	}
	if err := s.Save(context.Background(), Profile{Name: "local", Username: "a@example.com", APIURL: "http://127.0.0.1:8080"}, ""); err != nil {
		t.Errorf("loopback refused: %v", err)
	}
}
