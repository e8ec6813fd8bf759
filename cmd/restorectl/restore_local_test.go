package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"restoredesk/core/journal"
	"restoredesk/core/localcloud"
	"restoredesk/core/localdb/pgtest"
	"restoredesk/core/profiles"
	"restoredesk/core/restore"
)

var (
	localFixtureDump     = filepath.Join("..", "..", "core", "archive", "testdata", "customerportal.backup")
	localFixtureSnapshot = filepath.Join("..", "..", "core", "archive", "testdata", "files_and_database-1a2b3c4d-202611250130.tar.gz")
)

// localBed is a throwaway PostgreSQL cluster, a journal in a temporary folder and an
// in-memory keyring (the user's own keyring is never touched by tests).
type localBed struct {
	t       *testing.T
	c       *pgtest.Cluster
	env     map[string]string
	secrets *profiles.SessionStore
}

func newLocalBed(t *testing.T) *localBed {
	c := pgtest.Start(t)
	b := &localBed{t: t, c: c, secrets: profiles.NewSessionStore(), env: map[string]string{
		"RESTOREDESK_JOURNAL": filepath.Join(t.TempDir(), "journal.db"),
		"PGPASSWORD":          pgtest.Password,
	}}
	old := dbSecrets
	dbSecrets = func() profiles.SecretStore { return b.secrets }
	t.Cleanup(func() { dbSecrets = old })
	return b
}

// ctl runs restorectl; stdin, when not nil, is taken for a terminal that answers.
func (b *localBed) ctl(stdin *string, args ...string) (int, string, string) {
	b.t.Helper()
	in := io.Reader(strings.NewReader(""))
	if stdin != nil {
		old := stdinIsTerminal
		stdinIsTerminal = func(io.Reader) bool { return true }
		defer func() { stdinIsTerminal = old }()
		in = strings.NewReader(*stdin)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), args, in, &out, &errb, func(k string) string { return b.env[k] })
	return code, out.String(), errb.String()
}

func TestRestoreLocalEndToEnd(t *testing.T) {
	b := newLocalBed(t)
	for _, tc := range []struct{ name, file, db string }{
		{"dump", localFixtureDump, "cli_dump"},
		{"snapshot", localFixtureSnapshot, "cli_snapshot"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := b.ctl(nil, "restore-local", tc.file, "--db", b.c.URL(tc.db), "--create")
			if code != exitOK || !strings.Contains(out, "3 tables, 10,005 rows: every row arrived.") {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
			}
			t.Logf("stdout:\n%s\nstderr:\n%s", out, errs)
			if strings.Contains(out+errs, pgtest.Password) {
				t.Fatal("the password was printed")
			}
		})
	}
	// Again into the now non-empty database: refused without --replace, done with it.
	code, out, errs := b.ctl(nil, "restore-local", localFixtureDump, "--db", b.c.URL("cli_dump"))
	// The refusal says what to do once, names the flag that does it, and adds no generic
	// "try again" that would contradict it.
	if code != exitFailure || !strings.Contains(errs, "Option: --replace") || strings.Contains(errs, "Try again") {
		t.Fatalf("without --replace: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = b.ctl(nil, "restore-local", localFixtureDump, "--db", b.c.URL("cli_dump"), "--replace", "--json")
	if code != exitOK {
		t.Fatalf("with --replace: exit %d\n%s\n%s", code, out, errs)
	}
	var res struct {
		Status string
		Check  struct {
			Complete bool  `json:"complete"`
			DBRows   int64 `json:"db_rows"`
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Status != "completed" || !res.Check.Complete || res.Check.DBRows != 10005 {
		t.Fatalf("json %+v (%v):\n%s", res, err, out)
	}
	// The journal has the three runs (the refused one changed nothing and is not a run).
	code, out, _ = b.ctl(nil, "history", "--json")
	var runs []journal.Run
	if err := json.Unmarshal([]byte(out), &runs); code != exitOK || err != nil {
		t.Fatalf("history: exit %d, %v\n%s", code, err, out)
	}
	n := 0
	for _, r := range runs {
		if r.Kind == restore.KindLocalRestore && r.Status == journal.StatusCompleted && r.FileName != "" && len(r.Steps) == 2 {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("%d completed local restores in the journal, want 3:\n%s", n, out)
	}
}

// The exit code is 1 when rows are missing, and the table is named. An event trigger
// (set up by the superuser; the database still counts as empty) gives the restored order
// table a trigger that drops every even id, so pg_restore succeeds and rows are lost.
func TestRestoreLocalExitsNonZeroWhenRowsDiffer(t *testing.T) {
	b := newLocalBed(t)
	b.c.CreateDatabase(t, "lossy")
	b.c.Exec(t, "lossy", `
CREATE FUNCTION public.drop_even() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN IF NEW.id % 2 = 0 THEN RETURN NULL; END IF; RETURN NEW; END $$;
CREATE FUNCTION public.add_lossy() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE TABLE' LOOP
    IF r.object_identity = 'public."myfirstmodule$order"' THEN
      EXECUTE 'CREATE TRIGGER lossy BEFORE INSERT ON ' || r.object_identity || ' FOR EACH ROW EXECUTE FUNCTION public.drop_even()';
    END IF;
  END LOOP;
END $$;
CREATE EVENT TRIGGER lossy ON ddl_command_end EXECUTE FUNCTION public.add_lossy();`)
	code, out, errs := b.ctl(nil, "restore-local", localFixtureDump, "--db", b.c.URL("lossy"))
	if code != exitFailure || !strings.Contains(out, "differs: public.myfirstmodule$order: 4,000 of 8,000 rows") ||
		!strings.Contains(errs, "1 of 3 tables differ from the dump") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
}

func TestRestoreLocalPlainMessages(t *testing.T) {
	b := newLocalBed(t)
	b.env["PGPASSWORD"] = "wrong"
	code, _, errs := b.ctl(nil, "restore-local", localFixtureDump, "--db", b.c.URL("never"), "--create")
	if code != exitFailure || !strings.Contains(errs, "password is wrong") {
		t.Fatalf("wrong password: exit %d\n%s", code, errs)
	}
	b.env["PGPASSWORD"] = pgtest.Password
	refused := strings.Replace(b.c.URL("never"), ":"+strconv.Itoa(b.c.Port), ":"+strconv.Itoa(pgtest.FreePort(t)), 1)
	code, _, errs = b.ctl(nil, "restore-local", localFixtureDump, "--db", refused, "--create")
	if code != exitFailure || !strings.Contains(errs, "Nothing answers") {
		t.Fatalf("refused: exit %d\n%s", code, errs)
	}
	code, _, errs = b.ctl(nil, "restore-local", localFixtureDump, "--db", b.c.URL("never"), "--create", "--pg-restore", filepath.Join(t.TempDir(), "pg_restore"))
	if code != exitFailure || !strings.Contains(errs, "apt-get install postgresql-client") || !strings.Contains(errs, "Windows") {
		t.Fatalf("no pg_restore: exit %d\n%s", code, errs)
	}
	damaged, err := os.ReadFile(localFixtureDump)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cut.backup")
	if err := os.WriteFile(path, damaged[:len(damaged)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs = b.ctl(nil, "restore-local", path, "--db", b.c.URL("never"), "--create")
	if code != exitFailure || !strings.Contains(errs, "nothing was changed") {
		t.Fatalf("damaged: exit %d\n%s", code, errs)
	}
	code, _, errs = b.ctl(nil, "restore-local", localFixtureDump, "--db", "postgresql://restorer:pw@127.0.0.1/x")
	if code != exitFailure || strings.Contains(errs, ":pw@") {
		t.Fatalf("password in URL: exit %d\n%s", code, errs)
	}
	if dbs := b.c.Databases(t); len(dbs) != 0 {
		t.Fatalf("databases were created: %q", dbs)
	}
}

// Without PGPASSWORD the password is asked once, saved in the keyring after it worked,
// and not asked again.
func TestRestoreLocalSavesPasswordInKeyring(t *testing.T) {
	b := newLocalBed(t)
	delete(b.env, "PGPASSWORD")
	typed := pgtest.Password + "\n"
	code, out, errs := b.ctl(&typed, "restore-local", localFixtureDump, "--db", b.c.URL("kr"), "--create", "--profile", "dev")
	if code != exitOK || !strings.Contains(errs, "saved in the system keyring") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	nothing := ""
	code, out, errs = b.ctl(&nothing, "restore-local", localFixtureDump, "--db", b.c.URL("kr"), "--replace", "--profile", "dev")
	if code != exitOK || strings.Contains(errs, "Password of") {
		t.Fatalf("second run asked again or failed: exit %d\n%s\n%s", code, out, errs)
	}
}

// A cloud backup is downloaded (after the database was checked) and then restored; a
// wrong password is found before anything is downloaded.
func TestRestoreLocalFromCloudBackup(t *testing.T) {
	b := newLocalBed(t)
	srv, snapID := downloadServer(t, fullBackupFixture, false)
	b.env["MENDIX_USERNAME"], b.env["MENDIX_API_KEY"] = localcloud.DemoUsername, localcloud.DemoAPIKey
	b.env["RESTOREDESK_POLL_INTERVAL"] = "5ms"
	dir := t.TempDir()

	b.env["PGPASSWORD"] = "wrong"
	code, out, errs := b.ctl(nil, "restore-local", localcloud.DemoAppCustomerPortal, "Acceptance", snapID,
		"--db", b.c.URL("from_cloud"), "--create", "--output", dir, "--api-url", srv.URL())
	if code != exitFailure || !strings.Contains(errs, "password is wrong") {
		t.Fatalf("wrong password: exit %d\n%s\n%s", code, out, errs)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Fatalf("a backup was downloaded although the password was wrong: %v", files)
	}

	b.env["PGPASSWORD"] = pgtest.Password
	code, out, errs = b.ctl(nil, "restore-local", localcloud.DemoAppCustomerPortal, "Acceptance", snapID,
		"--db", b.c.URL("from_cloud"), "--create", "--output", dir, "--api-url", srv.URL())
	if code != exitOK || !strings.Contains(out, "3 tables, 10,005 rows: every row arrived.") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	noLink(t, out, errs)
	// Only the database dump is fetched, as the desktop app does: pg_restore needs
	// nothing else, and the file documents of a full backup can be many gigabytes.
	files, err := os.ReadDir(dir)
	if err != nil || len(files) != 1 || filepath.Ext(files[0].Name()) != ".backup" {
		t.Fatalf("downloaded files %v (%v), want one database-only .backup", files, err)
	}
	// Named for whose backup it is, not as the archive is named ("database-1a2b…").
	if name := files[0].Name(); !strings.HasPrefix(strings.ToLower(name), "customer") || !strings.Contains(name, "Acceptance") {
		t.Errorf("the download is called %q, want the app and environment in its name", name)
	}
	// The report says how to open the result, without the password.
	if want := fmt.Sprintf("Connect: psql '%s'\n", b.c.URL("from_cloud")); !strings.Contains(out, want) || strings.Contains(out+errs, pgtest.Password) {
		t.Errorf("stdout lacks %q (or shows the password):\n%s", want, out)
	}
	// The download and the restore are one run in the journal.
	code, hist, _ := b.ctl(nil, "history", "--json")
	var runs []struct{ Kind string }
	if err := json.Unmarshal([]byte(hist), &runs); code != exitOK || err != nil || len(runs) != 1 || runs[0].Kind != "local_restore" {
		t.Fatalf("history after one restore-local of a cloud backup (%v), want one local_restore run:\n%s", err, hist)
	}

	// The same command again, into the same folder and a new database: the identical
	// download is used again (its hash checked), nothing is downloaded twice.
	code, out, errs = b.ctl(nil, "restore-local", localcloud.DemoAppCustomerPortal, "Acceptance", snapID,
		"--db", b.c.URL("from_cloud_again"), "--create", "--output", dir, "--api-url", srv.URL())
	if code != exitOK || !strings.Contains(out, "3 tables, 10,005 rows: every row arrived.") || !strings.Contains(out, "without downloading it again") {
		t.Fatalf("the same command again: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	if again, err := os.ReadDir(dir); err != nil || len(again) != 1 {
		t.Fatalf("the folder holds %v (%v) after the second run", again, err)
	}

	// A full snapshot of the same backup downloaded elsewhere holds the same database:
	// it is used (its hash checked) instead of downloading the database again.
	other := t.TempDir()
	b.env["RESTOREDESK_POLL_INTERVAL"] = "5ms"
	if code, out, errs := b.ctl(nil, "download", localcloud.DemoAppCustomerPortal, "Acceptance", snapID, "--output", other, "--api-url", srv.URL()); code != exitOK {
		t.Fatalf("download: exit %d\n%s\n%s", code, out, errs)
	}
	if err := os.Remove(filepath.Join(dir, files[0].Name())); err != nil { // only the full snapshot is left to use
		t.Fatal(err)
	}
	third := t.TempDir()
	code, out, errs = b.ctl(nil, "restore-local", localcloud.DemoAppCustomerPortal, "Acceptance", snapID,
		"--db", b.c.URL("from_snapshot"), "--create", "--output", third, "--api-url", srv.URL())
	if code != exitOK || !strings.Contains(out+errs, "without downloading it again") {
		t.Fatalf("after a full download elsewhere: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	if left, err := os.ReadDir(third); err != nil || len(left) != 0 {
		t.Fatalf("the database was downloaded again into %v (%v)", left, err)
	}
}
