package localcloud_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
)

type entry struct {
	name, body string
	typ        byte
	link       string
}

// writeArchive writes a gzip → tar archive of entries to a file in t.TempDir().
func writeArchive(t testing.TB, entries []entry) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: e.name, Typeflag: typ, Linkname: e.link, Mode: 0o644, ModTime: time.Now()}
		if typ == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "snapshot.tar.gz")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const newDocID = "ab12cd34-0000-4000-8000-000000000001"

// customArchive is a valid full snapshot whose database and files differ from the demo's.
func customArchive(t testing.TB) string {
	return writeArchive(t, []entry{
		{name: ".metadata", body: `{"duration": "1", "dumpSize": "20", "modelVersion": "9.9.9.9", "databaseSize": "100", "filesSize": "5"}`},
		{name: "db/db.backup", body: "PGDMP custom database"},
		{name: "tree/ab/12/" + newDocID, body: "hello"},
	})
}

func TestRestoreFromAnotherEnvironmentOfTheSameApp(t *testing.T) {
	t.Parallel()
	s, a := startDemo(t)
	test := demoV2("customerportal", "Test")
	src := a.latestCompleted(demoV2("customerportal", "Production"))
	r := a.restore(test, src.SnapshotID, false)
	if r.State != "queued" || r.SourceSnapshotID != src.SnapshotID ||
		r.SourceEnvironmentID != localcloud.EnvironmentID("customerportal", "Production") ||
		r.TargetEnvironmentID != localcloud.EnvironmentID("customerportal", "Test") || r.StatusMessage != nil {
		t.Fatalf("restore = %+v", r)
	}
	done := a.waitRestore(test, r.RestoreID)
	if done.State != "completed" || str(done.StatusMessage) != "Restore completed" {
		t.Fatalf("restore finished %+v (%s)", done, str(done.StatusMessage))
	}
	parseISO(t, done.FinishedAt)
	// Test now holds exactly Production's data of that night.
	testDir, _ := s.Cloud().EnvironmentDataDir(localcloud.EnvironmentID("customerportal", "Test"))
	meta, err := os.ReadFile(filepath.Join(testDir, ".metadata"))
	if err != nil || !strings.Contains(string(meta), str(src.ModelVersion)) {
		t.Fatalf("restored .metadata %s (%v), want model %s", meta, err, str(src.ModelVersion))
	}
	recs := s.Cloud().Restores(localcloud.EnvironmentID("customerportal", "Test"))
	if len(recs) != 1 || recs[0].RestoreID != r.RestoreID || recs[0].Username != localcloud.DemoUsername {
		t.Fatalf("restore records %+v", recs)
	}
}

func TestRestoreRefusals(t *testing.T) {
	t.Parallel()
	s, a := startDemo(t, withSlowJobs())
	prod := demoV2("customerportal", "Production")
	test := demoV2("customerportal", "Test")
	src := a.latestCompleted(prod)

	// Production runs: "stop loft" first.
	msg := a.wantError("POST", prod+"/restores?source_snapshot_id="+src.SnapshotID, nil, 400, "ERROR_NOT_ALLOWED")
	if msg != "Please stop loft before restarting a backup." {
		t.Errorf("running message %q", msg)
	}
	a.wantError("POST", test+"/restores", nil, 400, "INVALID_PARAMETERS")
	a.wantError("POST", test+"/restores?source_snapshot_id="+src.SnapshotID+"&db_only=maybe", nil, 400, "INVALID_PARAMETERS")
	if msg := a.wantError("POST", test+"/restores?source_snapshot_id=00000000-0000-0000-0000-000000000000", nil, 400, "NOT_FOUND"); msg != "Source snapshot not found" {
		t.Errorf("missing source message %q", msg)
	}
	// A snapshot of another app is not found here.
	other := a.latestCompleted(demoV2("orderdesk", "Production"))
	a.wantError("POST", test+"/restores?source_snapshot_id="+other.SnapshotID, nil, 400, "NOT_FOUND")
	// A failed snapshot cannot be restored.
	var page pageJSON
	a.call("GET", prod+"/snapshots", nil, 200, &page)
	for _, x := range page.Snapshots {
		if x.State == "failed" {
			a.wantError("POST", test+"/restores?source_snapshot_id="+x.SnapshotID, nil, 400, "ERROR_NOT_ALLOWED")
		}
	}
	// One restore at a time: the second is ENVIRONMENT_BUSY and never recorded.
	first := a.restore(test, src.SnapshotID, false)
	a.wantError("POST", test+"/restores?source_snapshot_id="+src.SnapshotID, nil, 400, "ENVIRONMENT_BUSY")
	a.wantError("POST", test+"/snapshots", nil, 400, "ENVIRONMENT_BUSY")
	a.wantError("POST", "/api/1/apps/customerportal/environments/Test/start", map[string]bool{"AutoSyncDb": true}, 400, "ENVIRONMENT_BUSY")
	if recs := s.Cloud().Restores(localcloud.EnvironmentID("customerportal", "Test")); len(recs) != 1 {
		t.Fatalf("%d restores recorded, want 1", len(recs))
	}
	a.waitRestore(test, first.RestoreID)

	if msg := a.wantError("GET", test+"/restores/00000000-0000-0000-0000-000000000000", nil, 400, "NOT_FOUND"); msg != "Restore not found" {
		t.Errorf("restore not found message %q", msg)
	}
	// A restore is only visible under its target environment.
	a.wantError("GET", demoV2("customerportal", "Acceptance")+"/restores/"+first.RestoreID, nil, 400, "NOT_FOUND")
}

func TestDatabaseOnlyRestoreKeepsFiles(t *testing.T) {
	t.Parallel()
	s, a := startDemo(t)
	envID := localcloud.EnvironmentID("customerportal", "Test")
	base := demoV2("customerportal", "Test")
	snap, err := s.Cloud().AddSnapshot(envID, localcloud.SnapshotSpec{Comment: "custom", ArchivePath: customArchive(t)})
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := s.Cloud().EnvironmentDataDir(envID)
	before := treeFiles(t, dir)

	if r := a.waitRestore(base, a.restore(base, snap.SnapshotID, true).RestoreID); r.State != "completed" {
		t.Fatalf("db-only restore %+v %s", r, str(r.StatusMessage))
	}
	dir, _ = s.Cloud().EnvironmentDataDir(envID)
	after := treeFiles(t, dir)
	if string(after["db/db.backup"]) != "PGDMP custom database" {
		t.Fatalf("database not replaced: %q", after["db/db.backup"][:10])
	}
	for name, body := range before {
		if strings.HasPrefix(name, "tree/") && !bytes.Equal(after[name], body) {
			t.Errorf("file document %s changed by a database-only restore", name)
		}
	}
	if _, ok := after["tree/ab/12/"+newDocID]; ok {
		t.Error("database-only restore brought the snapshot's files along")
	}

	// The full restore brings the files.
	if r := a.waitRestore(base, a.restore(base, snap.SnapshotID, false).RestoreID); r.State != "completed" {
		t.Fatalf("full restore %+v", r)
	}
	dir, _ = s.Cloud().EnvironmentDataDir(envID)
	after = treeFiles(t, dir)
	if string(after["tree/ab/12/"+newDocID]) != "hello" || countPrefixBytes(after, "tree/") != 1 {
		t.Fatalf("full restore did not replace the files: %v", keys(after))
	}
}

func TestFailedRestoreLeavesDataByteForByteUnchanged(t *testing.T) {
	t.Parallel()
	s, a := startDemo(t, localcloudtest.WithFaults(localcloud.Faults{Seed: 7, RestoreFailRate: 1}))
	envID := localcloud.EnvironmentID("customerportal", "Acceptance")
	base := demoV2("customerportal", "Acceptance")
	before, err := s.Cloud().EnvironmentDigest(envID)
	if err != nil {
		t.Fatal(err)
	}
	beforeFiles := treeFiles(t, mustDataDir(t, s, envID))

	src := a.latestCompleted(demoV2("customerportal", "Production"))
	done := a.waitRestore(base, a.restore(base, src.SnapshotID, false).RestoreID)
	if done.State != "failed" {
		t.Fatalf("restore with injected failure: %+v", done)
	}
	mustContain(t, str(done.StatusMessage), "left as they were")
	after, _ := s.Cloud().EnvironmentDigest(envID)
	if after != before {
		t.Fatal("a failed restore changed the environment's data")
	}
	if d := mapDiff(beforeFiles, treeFiles(t, mustDataDir(t, s, envID))); d != "" {
		t.Fatal(d)
	}
	assertNoLeftovers(t, s, envID)

	// A damaged archive (cut off) fails too, and changes nothing.
	s.Cloud().SetFaults(localcloud.Faults{})
	full, err := os.ReadFile(filepath.Join("demodata", "files_and_database-1a2b3c4d-202611250130.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.tar.gz")
	if err := os.WriteFile(cut, full[:len(full)*2/3], 0o644); err != nil {
		t.Fatal(err)
	}
	snap, err := s.Cloud().AddSnapshot(envID, localcloud.SnapshotSpec{ArchivePath: cut})
	if err != nil {
		t.Fatal(err)
	}
	done = a.waitRestore(base, a.restore(base, snap.SnapshotID, false).RestoreID)
	if done.State != "failed" {
		t.Fatalf("restore of a cut-off archive: %+v", done)
	}
	mustContain(t, str(done.StatusMessage), "incomplete")
	if after, _ := s.Cloud().EnvironmentDigest(envID); after != before {
		t.Fatal("a failed restore of a damaged archive changed the data")
	}
	assertNoLeftovers(t, s, envID)
}

func TestRestoreRefusesEntriesThatEscapeTheEnvironment(t *testing.T) {
	t.Parallel()
	s, a := startDemo(t)
	envID := localcloud.EnvironmentID("orderdesk", "Test")
	base := demoV2("orderdesk", "Test")
	before, _ := s.Cloud().EnvironmentDigest(envID)
	outside := filepath.Join(s.Cloud().DataDir(), "envs", "pwned")
	cases := map[string][]entry{
		"dot-dot":      {{name: "db/db.backup", body: "PGDMP"}, {name: "../pwned", body: "x"}},
		"deep dot-dot": {{name: "db/db.backup", body: "PGDMP"}, {name: "tree/../../pwned", body: "x"}},
		"absolute":     {{name: "db/db.backup", body: "PGDMP"}, {name: outside, body: "x"}},
		"symlink":      {{name: "db/db.backup", body: "PGDMP"}, {name: "tree/aa/bb/link", typ: tar.TypeSymlink, link: "/etc/passwd"}},
		"hard link":    {{name: "db/db.backup", body: "PGDMP"}, {name: "tree/aa/bb/hard", typ: tar.TypeLink, link: "../../pwned"}},
		"backslash":    {{name: "db/db.backup", body: "PGDMP"}, {name: `tree\..\..\pwned`, body: "x"}},
	}
	for name, entries := range cases {
		t.Run(name, func(t *testing.T) {
			snap, err := s.Cloud().AddSnapshot(envID, localcloud.SnapshotSpec{Comment: name, ArchivePath: writeArchive(t, entries)})
			if err != nil {
				t.Fatal(err)
			}
			done := a.waitRestore(base, a.restore(base, snap.SnapshotID, false).RestoreID)
			if done.State != "failed" {
				t.Fatalf("hostile archive restored: %+v", done)
			}
			mustContain(t, str(done.StatusMessage), "outside the environment's folder")
			if after, _ := s.Cloud().EnvironmentDigest(envID); after != before {
				t.Fatal("environment data changed")
			}
			for _, p := range []string{outside, filepath.Join(s.Cloud().DataDir(), "pwned"), filepath.Join(filepath.Dir(s.Cloud().DataDir()), "pwned")} {
				if _, err := os.Lstat(p); err == nil {
					t.Fatalf("%s was written", p)
				}
			}
			assertNoLeftovers(t, s, envID)
		})
	}
}

func TestRestoreSwapsAtomically(t *testing.T) {
	t.Parallel()
	s, a := startDemo(t, withSlowJobs())
	envID := localcloud.EnvironmentID("orderdesk", "Acceptance")
	base := demoV2("orderdesk", "Acceptance")
	before, _ := s.Cloud().EnvironmentDigest(envID)
	src, err := s.Cloud().AddSnapshot(envID, localcloud.SnapshotSpec{ArchivePath: customArchive(t)})
	if err != nil {
		t.Fatal(err)
	}
	r := a.restore(base, src.SnapshotID, false)
	// While the restore runs, the live data are the old data or the new data, whole, never
	// a mix; and they stay the old data until the restore is running.
	seen := map[string]bool{}
	sawRunning := false
	for {
		d, err := s.Cloud().EnvironmentDigest(envID)
		if err != nil {
			t.Fatal(err)
		}
		seen[d] = true
		var cur restoreJSON
		a.call("GET", base+"/restores/"+r.RestoreID, nil, 200, &cur)
		if cur.State == "completed" {
			break
		}
		if cur.State == "failed" {
			t.Fatalf("restore failed: %s", str(cur.StatusMessage))
		}
		if cur.State == "queued" && d != before {
			t.Fatal("data changed while the restore was queued")
		}
		if cur.State == "running" {
			sawRunning = true
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !sawRunning {
		t.Error("never saw the restore running")
	}
	final, _ := s.Cloud().EnvironmentDigest(envID)
	for d := range seen {
		if d != before && d != final {
			t.Fatal("saw the data half restored")
		}
	}
	after := treeFiles(t, mustDataDir(t, s, envID))
	if string(after["db/db.backup"]) != "PGDMP custom database" || len(after) != 3 {
		t.Fatalf("after the swap: %v", keys(after))
	}
	assertNoLeftovers(t, s, envID)
}

func TestFreeAppRestoresOwnBackupsOnly(t *testing.T) {
	t.Parallel()
	s, a := startDemo(t)
	base := demoV2("expensetracker", "Sandbox")
	msg := a.wantError("POST", base+"/snapshots", map[string]string{"comment": "x"}, 400, "ERROR_NOT_ALLOWED")
	mustContain(t, msg, "Free Apps cannot create manual backups")
	own := a.latestCompleted(base)
	a.wantError("POST", base+"/restores?source_snapshot_id="+own.SnapshotID, nil, 400, "ERROR_NOT_ALLOWED")
	a.stopEnv("expensetracker", "Sandbox")
	other := a.latestCompleted(demoV2("customerportal", "Test"))
	a.wantError("POST", base+"/restores?source_snapshot_id="+other.SnapshotID, nil, 400, "NOT_FOUND")
	if r := a.waitRestore(base, a.restore(base, own.SnapshotID, false).RestoreID); r.State != "completed" {
		t.Fatalf("free app restore: %+v", r)
	}
	if st, _ := s.Cloud().EnvironmentStatus(localcloud.EnvironmentID("expensetracker", "Sandbox")); st != "Stopped" {
		t.Fatalf("status after restore %s", st)
	}
}

func mustDataDir(t testing.TB, s *localcloud.Server, envID string) string {
	t.Helper()
	d, err := s.Cloud().EnvironmentDataDir(envID)
	if err != nil || d == "" {
		t.Fatalf("data dir of %s: %q %v", envID, d, err)
	}
	return d
}

// assertNoLeftovers checks that the environment folder holds only CURRENT and one data folder.
func assertNoLeftovers(t testing.TB, s *localcloud.Server, envID string) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(s.Cloud().DataDir(), "envs", envID))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 2 {
		t.Fatalf("environment folder holds %v, want CURRENT and one gen-* folder", names)
	}
}

func mapDiff(a, b map[string][]byte) string {
	for k, v := range a {
		if !bytes.Equal(b[k], v) {
			return "file " + k + " changed or vanished"
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			return "file " + k + " appeared"
		}
	}
	return ""
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func countPrefixBytes(m map[string][]byte, p string) int {
	n := 0
	for k := range m {
		if strings.HasPrefix(k, p) {
			n++
		}
	}
	return n
}
