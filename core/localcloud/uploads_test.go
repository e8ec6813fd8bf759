package localcloud_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"restoredesk/core/localcloud"
)

const fixtureFull = "demodata/files_and_database-1a2b3c4d-202611250130.tar.gz"
const fixtureDump = "demodata/customerportal.backup"

func readFixture(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(p))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func tusMeta(filename, sum string) string {
	return "filename " + base64.StdEncoding.EncodeToString([]byte(filename)) + ",sha256 " + base64.StdEncoding.EncodeToString([]byte(sum))
}

// tus sends one tus 1.0 request to an absolute URL.
func (a *api) tus(method, url string, header map[string]string, body []byte) response {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Mendix-Username", a.user)
	req.Header.Set("Mendix-ApiKey", a.key)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// createUpload starts an upload and returns its absolute URL.
func (a *api) createUpload(base string, size int, filename, sum string) string {
	a.t.Helper()
	r := a.tus("POST", a.base+base+"/uploads/", map[string]string{
		"Upload-Length": strconv.Itoa(size), "Upload-Metadata": tusMeta(filename, sum)}, nil)
	if r.status != http.StatusCreated || r.header.Get("Location") == "" {
		a.failResp("create upload", r)
	}
	return r.header.Get("Location")
}

func (a *api) failResp(what string, r response) {
	a.t.Helper()
	a.t.Fatalf("%s: %d %v %s", what, r.status, r.header, r.body)
}

func (a *api) patch(url string, offset int, chunk []byte) response {
	a.t.Helper()
	return a.tus("PATCH", url, map[string]string{"Upload-Offset": strconv.Itoa(offset),
		"Content-Type": "application/offset+octet-stream"}, chunk)
}

// upload sends data in one go and returns the snapshot id (the upload id).
func (a *api) upload(base string, data []byte, filename, sum string) string {
	a.t.Helper()
	url := a.createUpload(base, len(data), filename, sum)
	if r := a.patch(url, 0, data); r.status != http.StatusNoContent {
		a.failResp("patch", r)
	}
	return path.Base(url)
}

func TestUploadBecomesARestorableSnapshot(t *testing.T) {
	t.Parallel()
	s, a := startDemo(t)
	base := demoV2("customerportal", "Acceptance")
	data := readFixture(t, fixtureFull)
	url := a.createUpload(base, len(data), "files_and_database-1a2b3c4d-202611250130.tar.gz", sha(data))
	id := path.Base(url)
	if !strings.HasPrefix(url, s.URL()+base+"/uploads/") || len(id) != 36 {
		t.Fatalf("Location %s", url)
	}
	// Until the last byte arrives there is no snapshot.
	a.wantError("GET", base+"/snapshots/"+id, nil, 404, "NOT_FOUND")

	// Send half, ask where to resume, send the rest.
	half := len(data) / 2
	if r := a.patch(url, 0, data[:half]); r.status != http.StatusNoContent || r.header.Get("Upload-Offset") != strconv.Itoa(half) {
		a.failResp("first half", r)
	}
	a.wantError("GET", base+"/snapshots/"+id, nil, 404, "NOT_FOUND")
	head := a.tus("HEAD", url, nil, nil)
	if head.status != 200 || head.header.Get("Upload-Offset") != strconv.Itoa(half) || head.header.Get("Upload-Length") != strconv.Itoa(len(data)) {
		a.failResp("HEAD", head)
	}
	if r := a.patch(url, half, data[half:]); r.status != http.StatusNoContent {
		a.failResp("second half", r)
	}
	snap := a.waitSnapshot(base, id)
	if snap.State != "completed" || snap.Comment != "Uploaded snapshot" || str(snap.StatusMessage) != "Completed extraction" ||
		str(snap.ModelVersion) != "1.4.0.211" {
		t.Fatalf("uploaded snapshot %+v (%s)", snap, str(snap.StatusMessage))
	}
	created := parseISO(t, snap.CreatedAt)
	if exp := parseISO(t, snap.ExpiresAt); !exp.Equal(created.AddDate(0, 3, 0)) {
		t.Errorf("uploaded snapshot expires %s, want 3 months like a manual one", exp)
	}
	// HEAD after completion still reports the whole file (a client resuming late is done).
	if head := a.tus("HEAD", url, nil, nil); head.header.Get("Upload-Offset") != strconv.Itoa(len(data)) {
		a.failResp("HEAD after completion", head)
	}
	// It restores like any snapshot.
	if r := a.waitRestore(base, a.restore(base, id, false).RestoreID); r.State != "completed" {
		t.Fatalf("restore of the upload: %+v %s", r, str(r.StatusMessage))
	}
	files := treeFiles(t, mustDataDir(t, s, localcloud.EnvironmentID("customerportal", "Acceptance")))
	if !bytes.Equal(files["db/db.backup"], readFixture(t, fixtureDump)) || countPrefixBytes(files, "tree/") != 5 {
		t.Fatalf("restored upload holds %v", keys(files))
	}
}

// A client whose connection went silent mid-PATCH resumes on a new connection while the
// server still reads the old PATCH: the HEAD cuts that PATCH short (keeping what arrived)
// instead of waiting for the server to notice, and the upload completes.
func TestResumeWhileTheOldPatchStillRuns(t *testing.T) {
	t.Parallel()
	s, a := startDemo(t)
	base := demoV2("customerportal", "Acceptance")
	data := readFixture(t, fixtureFull)
	url := a.createUpload(base, len(data), "files_and_database-1a2b3c4d-202611250130.tar.gz", sha(data))
	id := path.Base(url)

	// The first PATCH sends half and then nothing more, without closing the connection.
	half := len(data) / 2
	body, feed := io.Pipe()
	defer feed.Close()
	req, err := http.NewRequest("PATCH", url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(data))
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Offset", "0")
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Mendix-Username", a.user)
	req.Header.Set("Mendix-ApiKey", a.key)
	stalled := make(chan int, 1)
	go func() {
		resp, err := a.hc.Do(req)
		if err != nil {
			stalled <- 0
			return
		}
		resp.Body.Close()
		stalled <- resp.StatusCode
	}()
	if _, err := feed.Write(data[:half]); err != nil {
		t.Fatal(err)
	}
	received := filepath.Join(s.Cloud().DataDir(), "uploads", id)
	waitFor(t, "the first half to arrive", func() int64 {
		info, err := os.Stat(received)
		if err != nil {
			return -1
		}
		return info.Size()
	}, func(n int64) bool { return n == int64(half) })

	head := a.tus("HEAD", url, nil, nil)
	if head.status != 200 || head.header.Get("Upload-Offset") != strconv.Itoa(half) {
		a.failResp("HEAD while the old PATCH runs", head)
	}
	if code := <-stalled; code == http.StatusNoContent {
		t.Fatalf("the cut-off PATCH answered %d as if it had succeeded", code)
	}
	if r := a.patch(url, half, data[half:]); r.status != http.StatusNoContent {
		a.failResp("second half", r)
	}
	if snap := a.waitSnapshot(base, id); snap.State != "completed" {
		t.Fatalf("resumed upload: %+v %s", snap, str(snap.StatusMessage))
	}
}

func TestBadUploadsFailWithAClearReason(t *testing.T) {
	t.Parallel()
	_, a := startDemo(t)
	base := demoV2("orderdesk", "Test")
	data := readFixture(t, fixtureFull)

	cut := data[:len(data)*2/3]
	id := a.upload(base, cut, "truncated-snapshot.tar.gz", sha(cut))
	snap := a.waitSnapshot(base, id)
	if snap.State != "failed" || snap.Comment != "Uploaded snapshot" {
		t.Fatalf("truncated upload: %+v", snap)
	}
	mustContain(t, str(snap.StatusMessage), "cannot be restored")
	if len(str(snap.StatusMessage)) < len("This file cannot be restored: ")+10 {
		t.Errorf("status message does not say what is wrong: %q", str(snap.StatusMessage))
	}

	wrong := sha([]byte("another file"))
	id = a.upload(base, data, "files_and_database.tar.gz", wrong)
	snap = a.waitSnapshot(base, id)
	if snap.State != "failed" {
		t.Fatalf("upload with the wrong SHA-256: %+v", snap)
	}
	mustContain(t, str(snap.StatusMessage), "SHA-256")
	mustContain(t, str(snap.StatusMessage), wrong)
	// A failed upload cannot be restored.
	a.wantError("POST", base+"/restores?source_snapshot_id="+id, nil, 400, "ERROR_NOT_ALLOWED")
}

func TestDatabaseOnlyUploadRestoresTheDatabaseOnly(t *testing.T) {
	t.Parallel()
	s, a := startDemo(t)
	envID := localcloud.EnvironmentID("orderdesk", "Acceptance")
	base := demoV2("orderdesk", "Acceptance")
	// Give the environment data that differ from the fixture first.
	custom, err := s.Cloud().AddSnapshot(envID, localcloud.SnapshotSpec{ArchivePath: customArchive(t)})
	if err != nil {
		t.Fatal(err)
	}
	a.waitRestore(base, a.restore(base, custom.SnapshotID, false).RestoreID)

	dump := readFixture(t, fixtureDump)
	id := a.upload(base, dump, "customerportal.backup", sha(dump))
	snap := a.waitSnapshot(base, id)
	if snap.State != "completed" || snap.Comment != "Uploaded snapshot" {
		t.Fatalf("database-only upload: %+v %s", snap, str(snap.StatusMessage))
	}
	if r := a.waitRestore(base, a.restore(base, id, false).RestoreID); r.State != "completed" {
		t.Fatalf("restore: %+v %s", r, str(r.StatusMessage))
	}
	files := treeFiles(t, mustDataDir(t, s, envID))
	if !bytes.Equal(files["db/db.backup"], dump) {
		t.Fatal("database not replaced by the uploaded dump")
	}
	if string(files["tree/ab/12/"+newDocID]) != "hello" || countPrefixBytes(files, "tree/") != 1 {
		t.Fatalf("files changed by a database-only snapshot: %v", keys(files))
	}
}

func TestUploadRefusals(t *testing.T) {
	t.Parallel()
	s, a := startDemo(t)
	data := readFixture(t, fixtureFull)
	free := demoV2("expensetracker", "Sandbox")
	r := a.tus("POST", s.URL()+free+"/uploads/", map[string]string{"Upload-Length": "10", "Upload-Metadata": tusMeta("x.tar.gz", sha(data))}, nil)
	if code, msg := r.errorCode(); r.status != 400 || code != "ERROR_NOT_ALLOWED" || !strings.Contains(msg, "Free Apps cannot upload") {
		a.failResp("free app upload", r)
	}
	base := demoV2("customerportal", "Test")
	for name, meta := range map[string]string{
		"no metadata":  "",
		"no sha256":    "filename " + base64.StdEncoding.EncodeToString([]byte("a.tar.gz")),
		"bad sha256":   tusMeta("a.tar.gz", "xyz"),
		"no file name": "sha256 " + base64.StdEncoding.EncodeToString([]byte(sha(data))),
	} {
		r := a.tus("POST", s.URL()+base+"/uploads/", map[string]string{"Upload-Length": "10", "Upload-Metadata": meta}, nil)
		if code, _ := r.errorCode(); r.status != 400 || code != "INVALID_PARAMETERS" {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	// An upload belongs to its environment.
	url := a.createUpload(base, len(data), "a.tar.gz", sha(data))
	other := strings.Replace(url, localcloud.EnvironmentID("customerportal", "Test"), localcloud.EnvironmentID("customerportal", "Acceptance"), 1)
	if r := a.tus("HEAD", other, nil, nil); r.status != 404 {
		a.failResp("HEAD through another environment", r)
	}
	// A PATCH at the wrong offset is refused by tus.
	if r := a.patch(url, 5, data[5:10]); r.status != http.StatusConflict {
		a.failResp("PATCH at a wrong offset", r)
	}
}
