package localcloud_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"restoredesk/core/localcloud"
)

var isoMillis = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)

func parseISO(t testing.TB, s *string) time.Time {
	t.Helper()
	if s == nil || !isoMillis.MatchString(*s) {
		t.Fatalf("time %v is not ISO-8601 UTC with milliseconds", s)
	}
	v, err := time.Parse("2006-01-02T15:04:05.000Z", *s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSnapshotListIsNewestFirstAndPages(t *testing.T) {
	t.Parallel()
	_, a := startDemo(t)
	base := demoV2("customerportal", "Production")
	var all pageJSON
	a.call("GET", base+"/snapshots", nil, 200, &all)
	if all.Offset != 0 || all.Limit != 100 || all.Total != len(all.Snapshots) || all.Total < 15 {
		t.Fatalf("default page: offset %d limit %d total %d with %d snapshots", all.Offset, all.Limit, all.Total, len(all.Snapshots))
	}
	var prev time.Time
	kinds := map[string]int{}
	for i, s := range all.Snapshots {
		created := parseISO(t, s.CreatedAt)
		if i > 0 && created.After(prev) {
			t.Fatalf("snapshot %d is newer than the one before: the list must be newest first", i)
		}
		prev = created
		exp := parseISO(t, s.ExpiresAt)
		if !exp.After(time.Now()) {
			t.Errorf("expired snapshot %s still listed", s.SnapshotID)
		}
		switch s.State {
		case "failed":
			kinds["failed"]++
			if s.ModelVersion != nil {
				t.Errorf("failed snapshot carries model_version %q", *s.ModelVersion)
			}
			if str(s.StatusMessage) == "" {
				t.Error("failed snapshot without status_message")
			}
		case "completed":
			if str(s.ModelVersion) == "" || str(s.StatusMessage) == "" {
				t.Errorf("completed snapshot without model_version or status_message: %+v", s)
			}
			parseISO(t, s.FinishedAt)
			parseISO(t, s.UpdatedAt)
		}
		kinds[s.Comment]++
		// Retention: the expiry follows from how the backup was made (cloud-api.md §5).
		if s.State == "completed" {
			kind := localcloud.KindAutomatic
			if !strings.HasPrefix(s.Comment, "Automatically created ") {
				kind = localcloud.KindManual
			}
			if want := localcloud.ExpiresAt(kind, created); !want.Equal(exp) {
				t.Errorf("snapshot of %s (%s): expires %s, want %s", created, s.Comment, exp, want)
			}
			// The comment names the kind its retention shows (a weekly is not "nightly").
			if kind == localcloud.KindAutomatic {
				word := "nightly"
				switch kept := exp.Sub(created); {
				case kept >= 200*24*time.Hour:
					word = "monthly"
				case kept >= 45*24*time.Hour:
					word = "weekly"
				}
				if want := "Automatically created " + word + " snapshot"; s.Comment != want {
					t.Errorf("backup of %s kept until %s says %q, want %q", created, exp, s.Comment, want)
				}
			}
		}
	}
	if kinds["failed"] != 1 || kinds["Automatically created nightly snapshot"] < 12 || kinds["Manually created snapshot"] < 1 ||
		kinds["Automatically created weekly snapshot"]+kinds["Automatically created monthly snapshot"] < 3 {
		t.Errorf("history lacks a realistic mix: %v", kinds)
	}

	// Pages of 7 give the same list.
	var paged []snapshotJSON
	for off := 0; ; off += 7 {
		var p pageJSON
		a.call("GET", base+"/snapshots?offset="+strconv.Itoa(off)+"&limit=7", nil, 200, &p)
		if p.Offset != off || p.Limit != 7 || p.Total != all.Total {
			t.Fatalf("page at %d: %+v", off, p)
		}
		paged = append(paged, p.Snapshots...)
		if off+len(p.Snapshots) >= p.Total {
			break
		}
	}
	if len(paged) != len(all.Snapshots) {
		t.Fatalf("paging gave %d snapshots, one page %d", len(paged), len(all.Snapshots))
	}
	for i := range paged {
		if paged[i].SnapshotID != all.Snapshots[i].SnapshotID {
			t.Fatalf("paging order differs at %d", i)
		}
	}
	a.wantError("GET", base+"/snapshots?limit=-1", nil, 400, "INVALID_PARAMETERS")
	a.wantError("GET", base+"/snapshots?offset=abc", nil, 400, "INVALID_PARAMETERS")
}

func TestCreateSnapshotRunsAsAJob(t *testing.T) {
	t.Parallel()
	s, a := startDemo(t)
	base := demoV2("orderdesk", "Acceptance")
	var created snapshotJSON
	r := a.call("POST", base+"/snapshots", map[string]string{"comment": "Before the price update"}, 200, &created)
	if created.State != "queued" || created.Comment != "Before the price update" || created.SnapshotID == "" {
		t.Fatalf("created = %+v", created)
	}
	// As documented: null while unset.
	for _, f := range []string{`"status_message":null`, `"finished_at":null`, `"model_version":null`} {
		mustContain(t, string(r.body), f)
	}
	done := a.waitSnapshot(base, created.SnapshotID)
	var env envJSON
	a.call("GET", "/api/1/apps/orderdesk/environments/Acceptance", nil, 200, &env)
	if done.State != "completed" || str(done.StatusMessage) != "Completed backup creation" || str(done.ModelVersion) != env.ModelVersion {
		t.Fatalf("completed = %+v, want model %s", done, env.ModelVersion)
	}
	createdAt := parseISO(t, done.CreatedAt)
	if got, want := parseISO(t, done.ExpiresAt), createdAt.AddDate(0, 3, 0); !got.Equal(want) {
		t.Errorf("manual snapshot expires %s, want %s (3 months)", got, want)
	}
	// An empty body gives the default comment.
	var plain snapshotJSON
	a.call("POST", base+"/snapshots", nil, 200, &plain)
	if plain.Comment != "Manually created snapshot" {
		t.Errorf("default comment %q", plain.Comment)
	}
	a.waitSnapshot(base, plain.SnapshotID)

	// The snapshot holds the environment's data: restoring it into Test makes Test equal.
	digest, err := s.Cloud().EnvironmentDigest(localcloud.EnvironmentID("orderdesk", "Acceptance"))
	if err != nil {
		t.Fatal(err)
	}
	test := demoV2("orderdesk", "Test")
	if r := a.waitRestore(test, a.restore(test, created.SnapshotID, false).RestoreID); r.State != "completed" {
		t.Fatalf("restore %+v", r)
	}
	got, _ := s.Cloud().EnvironmentDigest(localcloud.EnvironmentID("orderdesk", "Test"))
	acc, _ := s.Cloud().EnvironmentDataDir(localcloud.EnvironmentID("orderdesk", "Acceptance"))
	tst, _ := s.Cloud().EnvironmentDataDir(localcloud.EnvironmentID("orderdesk", "Test"))
	if sameTree(t, acc, tst) != nil {
		t.Fatalf("after restoring Acceptance's snapshot into Test the data differ: %v (digests %s %s)", sameTree(t, acc, tst), digest, got)
	}
}

func TestCreateSnapshotErrors(t *testing.T) {
	t.Parallel()
	_, a := startDemo(t, withSlowJobs())
	base := demoV2("customerportal", "Test")
	a.wantError("POST", base+"/snapshots", "not an object", 400, "INVALID_PARAMETERS")
	var s snapshotJSON
	a.call("POST", base+"/snapshots", map[string]string{"comment": "first"}, 200, &s)
	a.wantError("POST", base+"/snapshots", map[string]string{"comment": "second"}, 400, "ENVIRONMENT_BUSY")
	a.wantError("POST", v2(localcloud.ProjectID("customerportal"), "00000000-0000-0000-0000-000000000000")+"/snapshots", nil, 404, "ENVIRONMENT_NOT_FOUND")
	// An environment of another app under this app's ProjectId is not found either.
	a.wantError("POST", v2(localcloud.ProjectID("customerportal"), localcloud.EnvironmentID("orderdesk", "Test"))+"/snapshots", nil, 404, "ENVIRONMENT_NOT_FOUND")
}

func TestUpdateCommentKeepsUpdatedAt(t *testing.T) {
	t.Parallel()
	_, a := startDemo(t)
	base := demoV2("customerportal", "Production")
	s := a.latestCompleted(base)
	var upd snapshotJSON
	a.call("PUT", base+"/snapshots/"+s.SnapshotID, map[string]string{"comment": "Known good before go-live"}, 200, &upd)
	if upd.Comment != "Known good before go-live" || str(upd.UpdatedAt) != str(s.UpdatedAt) {
		t.Fatalf("after PUT: comment %q updated_at %s, want updated_at unchanged %s", upd.Comment, str(upd.UpdatedAt), str(s.UpdatedAt))
	}
	var got snapshotJSON
	a.call("GET", base+"/snapshots/"+s.SnapshotID, nil, 200, &got)
	if got.Comment != "Known good before go-live" {
		t.Fatalf("comment not stored: %q", got.Comment)
	}
	a.wantError("PUT", base+"/snapshots/"+s.SnapshotID, map[string]int{"other": 1}, 400, "INVALID_PARAMETERS")
	a.wantError("PUT", base+"/snapshots/00000000-0000-0000-0000-000000000000", map[string]string{"comment": "x"}, 404, "NOT_FOUND")
}

func TestDeleteSnapshot(t *testing.T) {
	t.Parallel()
	_, a := startDemo(t)
	base := demoV2("customerportal", "Acceptance")
	var before pageJSON
	a.call("GET", base+"/snapshots", nil, 200, &before)
	s := a.latestCompleted(base)
	r := a.call("DELETE", base+"/snapshots/"+s.SnapshotID, nil, 204, nil)
	if len(r.body) != 0 {
		t.Errorf("DELETE answered a body: %s", r.body)
	}
	a.wantError("GET", base+"/snapshots/"+s.SnapshotID, nil, 404, "NOT_FOUND")
	a.wantError("DELETE", base+"/snapshots/"+s.SnapshotID, nil, 404, "NOT_FOUND")
	var after pageJSON
	a.call("GET", base+"/snapshots", nil, 200, &after)
	if after.Total != before.Total-1 {
		t.Fatalf("total %d after deleting one of %d", after.Total, before.Total)
	}
	// The other snapshots of the same content still restore (their archive is shared).
	for _, o := range after.Snapshots {
		if o.State == "completed" && str(o.ModelVersion) == str(s.ModelVersion) {
			if r := a.waitRestore(base, a.restore(base, o.SnapshotID, false).RestoreID); r.State != "completed" {
				t.Fatalf("restore of a snapshot sharing the deleted one's archive: %+v %s", r, str(r.StatusMessage))
			}
			return
		}
	}
	t.Fatal("no other snapshot of the same model version to check")
}

func TestArchivesDownloadRealFiles(t *testing.T) {
	t.Parallel()
	_, a := startDemo(t)
	base := demoV2("customerportal", "Production")
	s := a.latestCompleted(base)

	var arch archiveJSON
	r := a.call("POST", base+"/snapshots/"+s.SnapshotID+"/archives", nil, 200, &arch)
	if arch.State != "queued" || arch.DataType != "files_and_database" || arch.SnapshotID != s.SnapshotID {
		t.Fatalf("archive = %+v", arch)
	}
	mustContain(t, string(r.body), `"url":null`)
	done := a.waitArchive(base, s.SnapshotID, arch.ArchiveID)
	if done.State != "completed" || str(done.StatusMessage) != "Done preparing download archive" || done.URL == nil {
		t.Fatalf("completed archive = %+v", done)
	}
	// The link works without Mendix headers and serves a full snapshot.
	body := download(t, *done.URL)
	names := tarNames(t, body)
	if names[".metadata"] == 0 || names["db/db.backup"] == 0 || countPrefix(names, "tree/") < 5 {
		t.Fatalf("full snapshot entries: %v", names)
	}
	if !strings.Contains(*done.URL, "files_and_database-") || !strings.HasSuffix(strings.Split(*done.URL, "?")[0], ".tar.gz") {
		t.Errorf("url %s does not name the file like the portal does", *done.URL)
	}

	// database_only: the raw custom-format dump.
	a.call("POST", base+"/snapshots/"+s.SnapshotID+"/archives?data_type=database_only", nil, 200, &arch)
	done = a.waitArchive(base, s.SnapshotID, arch.ArchiveID)
	if done.State != "completed" || done.URL == nil {
		t.Fatalf("database_only archive = %+v", done)
	}
	if dump := download(t, *done.URL); !bytes.HasPrefix(dump, []byte("PGDMP")) || len(dump) != names["db/db.backup"] {
		t.Fatalf("database_only download starts %q (%d bytes)", dump[:min(8, len(dump))], len(dump))
	}

	// A tampered or expired link is refused.
	resp, err := http.Get(strings.Replace(*done.URL, "signature=", "signature=00", 1))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("tampered link: status %d", resp.StatusCode)
	}

	a.wantError("POST", base+"/snapshots/"+s.SnapshotID+"/archives?data_type=files_only", nil, 400, "UNSUPPORTED")
	a.wantError("POST", base+"/snapshots/00000000-0000-0000-0000-000000000000/archives", nil, 404, "NOT_FOUND")
	a.wantError("GET", base+"/snapshots/"+s.SnapshotID+"/archives/00000000-0000-0000-0000-000000000000", nil, 404, "NOT_FOUND")
}

func download(t testing.TB, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("download %s: %d %v %s", url, resp.StatusCode, err, b)
	}
	return b
}

// tarNames maps each regular entry of a gzip → tar archive to its size.
func tarNames(t testing.TB, b []byte) map[string]int {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	out := map[string]int{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = int(h.Size)
	}
}

func countPrefix(m map[string]int, p string) int {
	n := 0
	for k := range m {
		if strings.HasPrefix(k, p) {
			n++
		}
	}
	return n
}
