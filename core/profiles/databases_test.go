package profiles

import (
	"path/filepath"
	"testing"
)

// A profile's local database connection survives a restart of the app; a profile that
// never restored locally has none.
func TestDatabaseIsRememberedPerProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "profiles.json")
	s, err := Open(path, NewSessionStore())
	if err != nil {
		t.Fatal(err)
	}
	want := Database{Host: "localhost", Port: 5433, User: "dev", Database: "orders_copy"}
	if err := s.SetDatabase("Acme", want); err != nil {
		t.Fatal(err)
	}
	again, err := Open(path, NewSessionStore())
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := again.Database("Acme"); !ok || got != want {
		t.Errorf("after reopening: %+v, %v; want %+v", got, ok, want)
	}
	if _, ok := again.Database("Other"); ok {
		t.Error("a profile that never restored locally has a database")
	}
}

// Desktop and restorectl find a password under the same entry.
func TestDatabaseSecretName(t *testing.T) {
	if got := DatabaseSecretName("Acme", "localhost", 5432, "dev"); got != "postgresql:Acme:dev@localhost:5432" {
		t.Errorf("DatabaseSecretName = %q", got)
	}
}
