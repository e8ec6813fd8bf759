package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"restoredesk/core/localdb/pgtest"
)

// scanFolder fails the test when a file under dir holds secret.
func scanFolder(t *testing.T, dir, secret string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("%s holds the password", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A password written into --db, in any of the places a URL can carry one (before the
// host, in the query, in an address that does not even parse), is refused with a plain
// sentence saying how to write the address (and where a password goes instead), and reaches neither stdout, stderr (with
// debug logs on) nor any file beside the journal.
func TestDatabasePasswordInTheAddressNeverLeaks(t *testing.T) {
	const secret = "Pw7f3e9cQ"
	dir := t.TempDir()
	env := map[string]string{"RESTOREDESK_LOG": "debug", "RESTOREDESK_JOURNAL": filepath.Join(dir, "journal.db"), "PGPASSWORD": ""}
	for _, db := range []string{
		"postgresql://restorer:" + secret + "@127.0.0.1:5432/x",
		"postgresql://:" + secret + "@127.0.0.1/x",
		"postgresql://restorer:" + secret + "@x@127.0.0.1/x",
		"postgresql://restorer@127.0.0.1:5432/x?password=" + secret,
		"postgresql://restorer@127.0.0.1:5432/x?sslmode=require&sslpassword=" + secret,
		"postgresql://restorer@127.0.0.1/x?application_name=" + secret,
		"postgresql://restorer:Pw/" + secret + "@127.0.0.1/x",
		"postgresql://restorer:Pw#" + secret + "@127.0.0.1/x",
		"postgresql://restorer:Pw?" + secret + "@127.0.0.1/x",
		"postgresql://restorer:Pw%zz" + secret + "@127.0.0.1/x",
		"mysql://restorer:" + secret + "@127.0.0.1/x",
	} {
		for _, source := range [][]string{{localFixtureDump}, {"customerportal", "Production", "latest"}} {
			args := append(append([]string{"restore-local"}, source...), "--db", db)
			code, out, errs := ctl(t, "http://127.0.0.1:1", env, args...)
			if strings.Contains(out+errs, secret) {
				t.Errorf("%q: the password is printed:\n%s\n%s", db, out, errs)
			}
			if code != exitFailure || !strings.Contains(errs, "database address") || strings.Contains(errs, "Something unexpected") {
				t.Errorf("%q: exit %d without a plain sentence about the address:\n%s", db, code, errs)
			}
			if strings.Contains(db, "password=") || strings.Contains(db, "postgresql://restorer:"+secret+"@") {
				if !strings.Contains(errs, "Leave the password out of the database address") {
					t.Errorf("%q: the refusal does not say where the password goes:\n%s", db, errs)
				}
			}
		}
	}
	scanFolder(t, dir, secret)
}

// A restore that works, with the password given as scripts do (PGPASSWORD): the
// password is in no file beside the journal, not on stdout, and not on stderr with
// debug logs on.
func TestDatabasePasswordOfARestoreReachesNoFile(t *testing.T) {
	b := newLocalBed(t)
	dir := filepath.Dir(b.env["RESTOREDESK_JOURNAL"])
	b.env["RESTOREDESK_LOG"] = "debug"
	code, out, errs := b.ctl(nil, "restore-local", localFixtureDump, "--db", b.c.URL("pw_leak"), "--create")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if strings.Contains(out+errs, pgtest.Password) {
		t.Errorf("the password is printed:\n%s\n%s", out, errs)
	}
	code, hist, herr := b.ctl(nil, "history", "--json")
	if code != exitOK || strings.Contains(hist+herr, pgtest.Password) || !strings.Contains(hist, "pw_leak") {
		t.Errorf("history: exit %d, holds the password or lacks the run:\n%s", code, hist)
	}
	scanFolder(t, dir, pgtest.Password)
}

// A database address restorectl cannot use is told in its own plain words, saying how
// to write it, never as something unexpected.
func TestBadDatabaseAddressIsToldPlainly(t *testing.T) {
	env := map[string]string{"RESTOREDESK_JOURNAL": filepath.Join(t.TempDir(), "journal.db")}
	for db, want := range map[string]string{
		"localhost:5432/x":                         "does not start with postgresql://",
		"postgresql:///x":                          "names no host",
		"postgresql://127.0.0.1/x":                 "names no user",
		"postgresql://u@127.0.0.1/":                "names no database",
		"postgresql://u@127.0.0.1:99999/x":         "postgresql://USER@HOST:PORT/DBNAME",
		"postgresql://u@127.0.0.1/x?sslmode=maybe": "sslmode",
	} {
		code, _, errs := ctl(t, "", env, "restore-local", localFixtureDump, "--db", db)
		if code != exitFailure || !strings.Contains(errs, want) || strings.Contains(errs, "Something unexpected") {
			t.Errorf("--db %s: exit %d, want %q:\n%s", db, code, want, errs)
		}
	}
}
