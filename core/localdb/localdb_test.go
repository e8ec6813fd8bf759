package localdb

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"restoredesk/core/localdb/pgtest"
)

// The fixtures, as in core/archive.
var (
	fixtureDump     = filepath.Join("..", "archive", "testdata", "customerportal.backup")
	fixtureSnapshot = filepath.Join("..", "archive", "testdata", "files_and_database-1a2b3c4d-202611250130.tar.gz")
)

func startCluster(t *testing.T) *pgtest.Cluster {
	t.Helper()
	// One cluster per test keeps cleanup simple; starting one takes about a second.
	return pgtest.Start(t)
}

func target(c *pgtest.Cluster, db string) Target {
	return Target{Host: c.Host, Port: c.Port, User: pgtest.User, Database: db, Password: pgtest.Password}
}

// counters is a Progress that keeps the totals.
type counters struct{ bytes, items atomic.Int64 }

func (c *counters) Add(k Counter, n int64) {
	if k == DumpBytes {
		c.bytes.Add(n)
	} else {
		c.items.Add(n)
	}
}

func restore(t *testing.T, opts Options) (*Result, error) {
	t.Helper()
	ctx := context.Background()
	p, err := MakePlan(ctx, opts)
	if err != nil {
		return nil, err
	}
	return p.Run(ctx, nil)
}

// Each way the dump reaches pg_restore restores every row and counts the dump's rows from
// the same read: a raw dump as pg_restore's input (1 job) or read by pg_restore itself
// with parallel jobs while the count reads it beside; a snapshot streamed (1 job), or
// extracted to a temporary file (counted as it is) and restored with parallel jobs.
func TestRestoreFixturesEveryRowArrives(t *testing.T) {
	c := startCluster(t)
	for _, tc := range []struct {
		name, path string
		jobs       int
	}{
		{"dump", fixtureDump, 1},
		{"dump-parallel", fixtureDump, 2},
		{"snapshot", fixtureSnapshot, 1},
		{"snapshot-parallel", fixtureSnapshot, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := strings.ReplaceAll(tc.name, "-", "_")
			p, err := MakePlan(ctx, Options{Source: tc.path, Target: target(c, db), Create: true})
			if err != nil {
				t.Fatal(err)
			}
			p.Jobs, p.ExtractDir = tc.jobs, ""
			extractDir := t.TempDir()
			if tc.jobs > 1 && tc.path == fixtureSnapshot {
				p.ExtractDir = extractDir
			}
			var prog counters
			res, err := p.Run(ctx, &prog)
			if err != nil {
				t.Fatalf("%v\n%s", err, res.Stderr)
			}
			if !res.CreatedDB || !res.Check.Complete || res.Check.DumpRows != 10005 || res.Check.DBRows != 10005 {
				t.Fatalf("created %v, check %+v\n%s", res.CreatedDB, res.Check, res.Stderr)
			}
			if got := res.Check.Summary(); got != "3 tables, 10,005 rows: every row arrived." {
				t.Fatalf("summary %q", got)
			}
			if parallel := strings.Contains(res.Stderr, "launching item"); parallel != (tc.jobs > 1) {
				t.Fatalf("pg_restore ran in parallel: %v, want %v\n%s", parallel, tc.jobs > 1, res.Stderr)
			}
			if prog.bytes.Load() != p.Report.DumpSize || res.Bytes != p.Report.DumpSize {
				t.Fatalf("fed %d (progress %d) of a %d-byte dump", res.Bytes, prog.bytes.Load(), p.Report.DumpSize)
			}
			if prog.items.Load() < 9 || prog.items.Load() != res.Items {
				t.Fatalf("items done: progress %d, result %d; want at least the 9 TOC entries\n%s", prog.items.Load(), res.Items, res.Stderr)
			}
			if want := fileSHA256(t, tc.path); res.SHA256 != want {
				t.Fatalf("SHA-256 %q, want %q", res.SHA256, want)
			}
			if left, err := os.ReadDir(extractDir); err != nil || len(left) != 0 {
				t.Fatalf("the extracted dump was left behind: %v %v", left, err)
			}
			if strings.Contains(res.Stderr, pgtest.Password) {
				t.Fatal("the password appears in pg_restore's output")
			}
		})
	}
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// A second restore into the now non-empty database is refused unless replacing is
// confirmed, and works with it.
func TestRestoreAgainNeedsReplace(t *testing.T) {
	c := startCluster(t)
	opts := Options{Source: fixtureDump, Target: target(c, "again"), Create: true}
	if _, err := restore(t, opts); err != nil {
		t.Fatal(err)
	}
	_, err := restore(t, opts)
	if !errors.Is(err, ErrNotEmpty) || OptionOf(err) != OptionReplace || strings.Contains(err.Error(), "--") {
		t.Fatalf("second restore without replace: %v", err)
	}
	// Rows added since must be gone after replacing: the backup's content is restored.
	c.Exec(t, "again", `INSERT INTO "myfirstmodule$customer" SELECT id + 100000, name FROM "myfirstmodule$customer" LIMIT 7`)
	opts.Replace = true
	res, err := restore(t, opts)
	if err != nil {
		t.Fatalf("%v\n%s", err, res.Stderr)
	}
	if !res.Check.Complete || len(res.Errors) != 0 {
		t.Fatalf("after replace: %s; errors %q", res.Check.Summary(), res.Errors)
	}
}

// The row check notices a table that lost rows: the summary names it.
func TestCheckRowsNamesDifferingTable(t *testing.T) {
	c := startCluster(t)
	ctx := context.Background()
	p, err := MakePlan(ctx, Options{Source: fixtureDump, Target: target(c, "lossy"), Create: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Restore(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	countAfterTheRestore(res)
	c.Exec(t, "lossy", `DELETE FROM "myfirstmodule$order" WHERE ctid IN (SELECT ctid FROM "myfirstmodule$order" LIMIT 3); DROP TABLE "system$filedocument"`)
	check, err := p.CheckRows(ctx, res)
	if err != nil {
		t.Fatal(err)
	}
	want := "2 of 3 tables differ from the dump: public.myfirstmodule$order has 7,997 of 8,000 rows; public.system$filedocument is missing (5 rows in the dump)."
	if check.Complete || check.Summary() != want {
		t.Fatalf("summary %q, want %q", check.Summary(), want)
	}
}

func TestWrongPasswordAndRefusedConnectionCreateNothing(t *testing.T) {
	c := startCluster(t)
	bad := target(c, "never")
	bad.Password = "wrong"
	_, err := restore(t, Options{Source: fixtureDump, Target: bad, Create: true})
	if !errors.Is(err, ErrPassword) || !strings.Contains(err.Error(), "password is wrong") || strings.Contains(err.Error(), "wrong\"") {
		t.Fatalf("wrong password: %v", err)
	}
	refused := target(c, "never")
	refused.Port = pgtest.FreePort(t)
	_, err = restore(t, Options{Source: fixtureDump, Target: refused, Create: true})
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "Nothing answers") {
		t.Fatalf("refused connection: %v", err)
	}
	if dbs := c.Databases(t); len(dbs) != 0 {
		t.Fatalf("databases were created: %q", dbs)
	}
}

func TestNoDatabaseWithoutCreate(t *testing.T) {
	c := startCluster(t)
	_, err := restore(t, Options{Source: fixtureDump, Target: target(c, "absent")})
	if !errors.Is(err, ErrNoDatabase) || OptionOf(err) != OptionCreate || strings.Contains(err.Error(), "--") {
		t.Fatalf("got %v", err)
	}
	if dbs := c.Databases(t); len(dbs) != 0 {
		t.Fatalf("databases were created: %q", dbs)
	}
}

// A user who may not create databases is told so at the plan, before anything changes.
func TestCreateNeedsTheRight(t *testing.T) {
	c := startCluster(t)
	c.Exec(t, "postgres", "CREATE ROLE plain LOGIN PASSWORD 'plainpw'")
	tg := Target{Host: c.Host, Port: c.Port, User: "plain", Database: "wanted", Password: "plainpw"}
	_, err := restore(t, Options{Source: fixtureDump, Target: tg, Create: true})
	if !errors.Is(err, ErrPermission) || !strings.Contains(err.Error(), "CREATEDB") {
		t.Fatalf("got %v", err)
	}
	if dbs := c.Databases(t); len(dbs) != 0 {
		t.Fatalf("databases were created: %q", dbs)
	}
}

// A damaged or cut dump is named as such and never reported complete. A cut one is
// refused at the plan (its table of contents places data beyond its end). A damaged
// one's data is read once, during the restore: a snapshot restored with parallel jobs is
// extracted and counted before anything changes, so it is refused with nothing changed;
// a raw dump is found out while pg_restore reads it, and the error says what the
// database holds.
func TestDamagedDumpIsNamedAndNeverComplete(t *testing.T) {
	c := startCluster(t)
	good, err := os.ReadFile(fixtureDump)
	if err != nil {
		t.Fatal(err)
	}
	damaged := slices.Clone(good)
	for i := len(damaged) - 30000; i < len(damaged)-29000; i++ {
		damaged[i] ^= 0xa5
	}
	truncated := good[:len(good)*2/3]
	n := 0
	for name, data := range map[string][]byte{"damaged": damaged, "truncated": truncated} {
		dir := t.TempDir()
		raw := filepath.Join(dir, name+".backup")
		if err := os.WriteFile(raw, data, 0o644); err != nil {
			t.Fatal(err)
		}
		snap := writeSnapshot(t, dir, data)
		for _, path := range []string{raw, snap} {
			n++
			db := fmt.Sprintf("d%d", n)
			ctx := context.Background()
			p, err := MakePlan(ctx, Options{Source: path, Target: target(c, db), Create: true})
			if name == "truncated" {
				// A cut dump is known by its table of contents, which places data beyond
				// its end: refused at the plan.
				if !errors.Is(err, ErrDumpRefused) || !strings.Contains(err.Error(), "cut short") || !strings.Contains(err.Error(), "nothing was changed") {
					t.Fatalf("truncated %s: %v", filepath.Base(path), err)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			res, err := p.Run(ctx, nil)
			if !errors.Is(err, ErrDumpRefused) || !strings.Contains(err.Error(), "damaged") || res.Check != nil {
				t.Fatalf("%s %s: %v; check %+v", name, filepath.Base(path), err, res.Check)
			}
			created := slices.Contains(c.Databases(t), db)
			switch {
			case path == snap && p.Jobs > 1:
				if created || !strings.Contains(err.Error(), "nothing was changed") {
					t.Fatalf("%s snapshot: created %v, %v", name, created, err)
				}
			case created && !strings.Contains(err.Error(), fmt.Sprintf("database %q holds part of it", db)):
				t.Fatalf("%s %s: the error does not say what the database holds: %v", name, filepath.Base(path), err)
			}
		}
	}
}

// writeSnapshot writes a full snapshot holding dump as db/db.backup (entries more times
// when names has more), and returns its path.
func writeSnapshot(t *testing.T, dir string, dump []byte, names ...string) string {
	t.Helper()
	if len(names) == 0 {
		names = []string{"db/db.backup"}
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, name := range names {
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(dump))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(dump); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "files_and_database-1a2b3c4d-202611250130.tar.gz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Without pg_restore anywhere the message says how to install the client tools on each
// system. (No server needed: the plan stops before connecting.)
func TestPgRestoreMissingSaysHowToInstall(t *testing.T) {
	loc := Locator{PathEnv: t.TempDir(), InstallDirs: []string{}}
	_, err := MakePlan(context.Background(), Options{Source: fixtureDump, Locator: loc,
		Target: Target{Host: "127.0.0.1", Port: 1, User: "u", Database: "d"}})
	if !errors.Is(err, ErrPgRestoreMissing) || OptionOf(err) != OptionPgRestore {
		t.Fatalf("got %v", err)
	}
	for _, want := range []string{"Windows", "macOS", "apt-get install postgresql-client", "path of a pg_restore"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q: %s", want, err)
		}
	}
	_, err = Locator{}.Find(context.Background(), filepath.Join(t.TempDir(), "pg_restore"))
	if !errors.Is(err, ErrPgRestoreMissing) || !strings.Contains(err.Error(), "There is no pg_restore at") {
		t.Fatalf("user path: %v", err)
	}
}

// A pg_restore older than the dump's archive version is refused with the version needed.
func TestPgRestoreTooOldSaysWhichVersion(t *testing.T) {
	err := checkVersion(Tool{Path: "/usr/bin/pg_restore", Version: "15.18", Major: 15}, "1.15")
	if !errors.Is(err, ErrPgRestoreTooOld) || !strings.Contains(err.Error(), "needs pg_restore 16 or newer") {
		t.Fatalf("got %v", err)
	}
	if err := checkVersion(Tool{Major: 15}, "1.14"); err != nil {
		t.Fatal(err)
	}
	for minor, want := range map[int]int{12: 0, 14: 12, 15: 16, 16: 17} {
		if got := MinPgRestore(minor); got != want {
			t.Errorf("archive 1.%d needs %d, want %d", minor, got, want)
		}
	}
}

func TestParseTarget(t *testing.T) {
	got, err := ParseTarget("postgresql://dev@localhost:5433/myapp")
	if err != nil || got != (Target{Host: "localhost", Port: 5433, User: "dev", Database: "myapp"}) {
		t.Fatalf("%+v %v", got, err)
	}
	if got, _ := ParseTarget("postgres://dev@db.example/app"); got.Port != 5432 {
		t.Fatalf("default port: %+v", got)
	}
	_, err = ParseTarget("postgresql://dev:hunter2@localhost/app")
	if !errors.Is(err, ErrTarget) || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("password in URL: %v", err)
	}
	for _, bad := range []string{"localhost:5432/app", "postgresql://localhost/app", "postgresql://dev@localhost/", "postgresql://dev@localhost:99999/app"} {
		if _, err := ParseTarget(bad); !errors.Is(err, ErrTarget) {
			t.Errorf("%q accepted: %v", bad, err)
		}
	}
}

// Cancelling stops pg_restore and says what state the database is in.
func TestCancelSaysWhatStateTheDatabaseIsIn(t *testing.T) {
	c := startCluster(t)
	ctx, cancel := context.WithCancel(context.Background())
	p, err := MakePlan(ctx, Options{Source: fixtureSnapshot, Target: target(c, "cancelled"), Create: true})
	if err != nil {
		t.Fatal(err)
	}
	// Cancel as soon as pg_restore reports its first item.
	prog := &cancelOnItem{cancel: cancel}
	res, err := p.Restore(ctx, prog)
	if !errors.Is(err, ErrCancelled) || !strings.Contains(err.Error(), `Database "cancelled"`) || OptionOf(err) != OptionReplace {
		t.Fatalf("got %v (result %+v)", err, res)
	}
}

type cancelOnItem struct {
	cancel context.CancelFunc
	once   sync.Once
}

func (c *cancelOnItem) Add(k Counter, _ int64) {
	if k == TOCItems {
		c.once.Do(c.cancel)
	}
}

// The password reaches pg_restore only through its environment: never its arguments.
func TestPasswordOnlyInChildEnvironment(t *testing.T) {
	p := &Plan{Options: Options{Target: Target{Host: "127.0.0.1", Port: 5432, User: "dev", Database: "app", Password: "pa'ss w0rd"}}, DBExists: true, DBObjects: 3}
	args := strings.Join(p.pgRestoreArgs(""), " ")
	if strings.Contains(args, "pa'ss") || !strings.Contains(args, "--clean --if-exists") || !strings.Contains(args, "--no-owner --no-acl") {
		t.Fatalf("args: %s", args)
	}
	t.Setenv("PGPASSWORD", "from-the-shell")
	env := strings.Join(childEnv(p.Target.Password, "Restore Desk"), "\n")
	if !strings.Contains(env, "PGPASSWORD=pa'ss w0rd") || strings.Contains(env, "from-the-shell") {
		t.Fatalf("environment does not hold exactly our password")
	}
	if s := p.Target.String(); strings.Contains(s, "pa'ss") || s != "postgresql://dev@127.0.0.1:5432/app" {
		t.Fatalf("String() = %q", s)
	}
}

// A password kept in the user's password file (PGPASSFILE here, ~/.pgpass by default)
// logs in for the checks and for pg_restore alike, so a developer's usual setup works
// without typing it; a PGPASSWORD left in the shell is used by neither.
func TestPasswordFileLogsInPlanAndRestore(t *testing.T) {
	c := startCluster(t)
	pass := filepath.Join(t.TempDir(), "pgpass")
	line := fmt.Sprintf("%s:%d:*:%s:%s\n", c.Host, c.Port, pgtest.User, pgtest.Password)
	if err := os.WriteFile(pass, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PGPASSFILE", pass)
	t.Setenv("PGPASSWORD", "from-the-shell")
	tg := target(c, "from_passfile")
	tg.Password = ""
	res, err := restore(t, Options{Source: fixtureDump, Target: tg, Create: true})
	if err != nil {
		t.Fatalf("with the password file: %v", err)
	}
	if res.Items == 0 {
		t.Fatalf("nothing restored: %+v", res)
	}
}

// A snapshot holding db/db.backup twice is refused (issue 18): pg_restore would be fed
// one copy while the row counts describe another. Extracted for parallel jobs, it is
// refused before anything changes; streamed, the error says the database is not to be
// trusted.
func TestSnapshotWithTwoDumpsRefused(t *testing.T) {
	c := startCluster(t)
	dump, err := os.ReadFile(fixtureDump)
	if err != nil {
		t.Fatal(err)
	}
	path := writeSnapshot(t, t.TempDir(), dump, "db/db.backup", "./db/db.backup")
	ctx := context.Background()
	p, err := MakePlan(ctx, Options{Source: path, Target: target(c, "never"), Create: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Run(ctx, nil)
	if !errors.Is(err, ErrDumpRefused) || !strings.Contains(err.Error(), "db/db.backup 2 times") {
		t.Fatalf("two dumps in one archive: %v", err)
	}
	if dbs := c.Databases(t); p.Jobs > 1 && len(dbs) != 0 {
		t.Fatalf("databases were created: %q", dbs)
	} else if len(dbs) != 0 && !strings.Contains(err.Error(), "Do not trust it") {
		t.Fatalf("a database was created and the error does not warn: %v", err)
	}
}
