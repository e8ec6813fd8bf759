package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"restoredesk/core/localcloud"
	"restoredesk/core/localdb/pgtest"
)

func TestEntitiesAndRowsOfARealBackup(t *testing.T) {
	code, out, errs := ctl(t, "", nil, "entities", fullBackupFixture)
	if code != exitOK {
		t.Fatalf("entities exit %d: %s", code, errs)
	}
	for _, want := range []string{"myfirstmodule.order     myfirstmodule$order     8,000", "System modules:\nENTITY", "system.filedocument  system$filedocument  5"} {
		if !strings.Contains(out, want) {
			t.Errorf("entities output lacks %q:\n%s", want, out)
		}
	}
	code, _, errs = ctl(t, "", nil, "rows", dumpFixture, "MyFirstModule.FileDocument")
	if code != exitFailure || !strings.Contains(errs, `no entity or table named "MyFirstModule.FileDocument"`) || !strings.Contains(errs, "What to do:") {
		t.Errorf("unknown entity: exit %d\n%s", code, errs)
	}
	code, out, errs = ctl(t, "", nil, "rows", dumpFixture, "System.FileDocument", "--search", "INVOICE-3")
	if code != exitOK || !strings.Contains(out, "invoice-3.pdf") || strings.Contains(out, "invoice-2.pdf") || !strings.Contains(out, `rows with "INVOICE-3" 1 to 1 shown, the last.`) {
		t.Errorf("rows --search: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = ctl(t, "", nil, "rows", dumpFixture, "myfirstmodule$order", "--csv")
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\uFEFF"))).ReadAll()
	if code != exitOK || err != nil || len(recs) != 8001 || recs[0][0] != "id" {
		t.Errorf("rows --csv: exit %d, %v, %d records", code, err, len(recs))
	}
}

// TestCompareTwoRealBackups: pg_dump before and after deleting two orders and editing one.
func TestCompareTwoRealBackups(t *testing.T) {
	c := pgtest.Start(t)
	c.CreateDatabase(t, "shop")
	c.Exec(t, "shop", `SET ROLE `+pgtest.User+`;
CREATE TABLE "shop$order" (id bigint PRIMARY KEY, note text);
INSERT INTO "shop$order" SELECT i, 'order ' || i FROM generate_series(1, 100) AS i;
CREATE TABLE "shop$customer" (id bigint PRIMARY KEY, name text);
INSERT INTO "shop$customer" VALUES (1, 'Ann');`)
	dir := t.TempDir()
	dump := func(name string) string {
		path := filepath.Join(dir, name)
		if out, err := c.Command("pg_dump", "-Fc", "-f", path, "shop").CombinedOutput(); err != nil {
			t.Fatalf("pg_dump: %v\n%s", err, out)
		}
		return path
	}
	older := dump("older.backup")
	c.Exec(t, "shop", `DELETE FROM "shop$order" WHERE id IN (7, 8); UPDATE "shop$order" SET note = '=1+1' WHERE id = 9`)
	newer := dump("newer.backup")

	code, out, errs := ctl(t, "", nil, "compare", older, newer, "--json")
	if code != exitOK {
		t.Fatalf("compare --json exit %d: %s", code, errs)
	}
	var got struct {
		Entities []struct {
			Entity                  string
			Table                   string
			Deleted, Added, Changed int64
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("stdout is not only JSON: %v\n%s", err, out)
	}
	if len(got.Entities) != 2 || got.Entities[1].Entity != "shop.order" || got.Entities[1].Table != "shop$order" ||
		got.Entities[1].Deleted != 2 || got.Entities[1].Added != 0 || got.Entities[1].Changed != 1 {
		t.Errorf("compare --json: %+v", got)
	}

	csvDir := filepath.Join(dir, "deleted")
	code, out, errs = ctl(t, "", nil, "compare", older, newer, "--deleted-csv", csvDir)
	if code != exitOK || !strings.Contains(out, "shop.order: 2 deleted, 0 added and 1 changed between ") ||
		!strings.Contains(out, "1 other entities have the same rows") {
		t.Fatalf("compare exit %d:\n%s%s", code, out, errs)
	}
	data, err := os.ReadFile(filepath.Join(csvDir, "shop.order-deleted.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "\uFEFFid,note\r\n7,order 7\r\n8,order 8\r\n"; string(data) != want {
		t.Errorf("deleted rows file %q, want %q", data, want)
	}
	// A file already there is never replaced.
	code, _, errs = ctl(t, "", nil, "compare", older, newer, "--deleted-csv", csvDir)
	if code != exitFailure || !strings.Contains(errs, "is already there") {
		t.Errorf("second export: exit %d\n%s", code, errs)
	}
	if again, _ := os.ReadFile(filepath.Join(csvDir, "shop.order-deleted.csv")); string(again) != string(data) {
		t.Error("the existing file was changed")
	}
}

// TestLookInsideACloudBackup: a cloud backup is downloaded (database only, through the
// engine, journaled) into the cache the first time and read from there the next time.
func TestLookInsideACloudBackup(t *testing.T) {
	srv, snap := downloadServer(t, dumpFixture, true)
	cache := t.TempDir()
	env := map[string]string{"RESTOREDESK_POLL_INTERVAL": "5ms", "RESTOREDESK_CACHE": cache,
		"RESTOREDESK_JOURNAL": filepath.Join(t.TempDir(), "journal.db")}
	code, out, errs := ctl(t, srv.URL(), env, "entities", localcloud.DemoAppCustomerPortal, "acceptance", snap)
	if code != exitOK || !strings.Contains(out, "myfirstmodule.order     myfirstmodule$order     8,000") || !strings.Contains(errs, "is kept in "+cache) {
		t.Fatalf("entities of a cloud backup: exit %d\n%s%s", code, out, errs)
	}
	files, err := filepath.Glob(filepath.Join(cache, "*", snap, "*"))
	if err != nil || len(files) != 1 {
		t.Fatalf("cache holds %q (%v), want the one dump", files, err)
	}
	downloads := len(srv.Cloud().DownloadRequests())
	code, out, errs = ctl(t, srv.URL(), env, "compare", localcloud.DemoAppCustomerPortal, "acceptance", "latest", dumpFixture)
	if code != exitOK || !strings.Contains(out, "3 other entities have the same rows in both backups.") || !strings.Contains(errs, "Using the copy of backup "+snap) {
		t.Errorf("compare a cached cloud backup with its file: exit %d\n%s%s", code, out, errs)
	}
	if n := len(srv.Cloud().DownloadRequests()); n != downloads {
		t.Errorf("the cached backup was downloaded again (%d requests, was %d)", n, downloads)
	}
	code, out, errs = ctl(t, srv.URL(), env, "history")
	if code != exitOK || strings.Count(out, "  download  ") != 1 || !strings.Contains(out, "completed") {
		t.Errorf("history: exit %d, want the one download journaled:\n%s%s", code, out, errs)
	}
}

// restore-rows: the rows deleted between two real backups come back into the live
// database, a row whose id was used again is reported, and without --yes and a terminal
// nothing is written.
func TestRestoreRowsBringsBackTheDeletedOrders(t *testing.T) {
	b := newLocalBed(t)
	b.c.CreateDatabase(t, "shop")
	b.c.Exec(t, "shop", `SET ROLE `+pgtest.User+`;
CREATE TABLE "shop$order" (id bigint PRIMARY KEY, note text);
INSERT INTO "shop$order" SELECT i, 'order ' || i FROM generate_series(1, 20) AS i;`)
	dir := t.TempDir()
	dump := func(name string) string {
		path := filepath.Join(dir, name)
		if out, err := b.c.Command("pg_dump", "-Fc", "-f", path, "shop").CombinedOutput(); err != nil {
			t.Fatalf("pg_dump: %v\n%s", err, out)
		}
		return path
	}
	older := dump("older.backup")
	b.c.Exec(t, "shop", `DELETE FROM "shop$order" WHERE id IN (3, 4, 5)`)
	newer := dump("newer.backup")
	b.c.Exec(t, "shop", `INSERT INTO "shop$order" VALUES (5, 'reused id')`)
	count := func() string {
		conn := b.c.Admin(t, "shop")
		defer conn.Close(context.Background())
		var s string
		if err := conn.QueryRow(context.Background(), `SELECT string_agg(id || '=' || note, ',' ORDER BY id) FROM "shop$order" WHERE id BETWEEN 2 AND 6`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	args := []string{"restore-rows", newer, older, "--entity", "shop.order", "--db", b.c.URL("shop")}
	code, _, errs := b.ctl(nil, args...)
	if code != exitUsage || !strings.Contains(errs, "pass --yes to add the rows to database") || count() != "2=order 2,5=reused id,6=order 6" {
		t.Fatalf("without --yes: exit %d, %s; rows %s", code, errs, count())
	}
	code, out, errs := b.ctl(nil, append(args, "--yes")...)
	if code != exitOK {
		t.Fatalf("restore-rows exit %d: %s", code, errs)
	}
	if got := count(); got != "2=order 2,3=order 3,4=order 4,5=reused id,6=order 6" {
		t.Errorf("rows now %s", got)
	}
	if !strings.Contains(out, "2 rows of shop.order are back") || !strings.Contains(out, "(id 5)") {
		t.Errorf("stdout %q", out)
	}
}
