package localcloud_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
)

// api is a minimal HTTP client for black-box tests: plain net/http, the documented headers.
type api struct {
	t         testing.TB
	base      string
	user, key string
	hc        *http.Client
}

func newAPI(t testing.TB, s *localcloud.Server, user, key string) *api {
	return &api{t: t, base: s.URL(), user: user, key: key, hc: &http.Client{Timeout: 30 * time.Second}}
}

func demoAPI(t testing.TB, s *localcloud.Server) *api {
	return newAPI(t, s, localcloud.DemoUsername, localcloud.DemoAPIKey)
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) errorCode() (string, string) {
	var e struct {
		Code string `json:"errorCode"`
		Msg  string `json:"errorMessage"`
	}
	_ = json.Unmarshal(r.body, &e)
	return e.Code, e.Msg
}

func (a *api) do(method, path string, body any) response {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if a.user != "" {
		req.Header.Set("Mendix-Username", a.user)
	}
	if a.key != "" {
		req.Header.Set("Mendix-ApiKey", a.key)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// call does a request, checks the status and decodes the JSON answer into out (if not nil).
func (a *api) call(method, path string, body any, want int, out any) response {
	a.t.Helper()
	r := a.do(method, path, body)
	if r.status != want {
		a.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.status, want, r.body)
	}
	if out != nil {
		if err := json.Unmarshal(r.body, out); err != nil {
			a.t.Fatalf("%s %s: decode %s: %v", method, path, r.body, err)
		}
	}
	return r
}

// wantError checks a documented error answer.
func (a *api) wantError(method, path string, body any, status int, code string) string {
	a.t.Helper()
	r := a.do(method, path, body)
	gotCode, msg := r.errorCode()
	if r.status != status || gotCode != code {
		a.t.Fatalf("%s %s: got %d %q (%s), want %d %q", method, path, r.status, gotCode, r.body, status, code)
	}
	if msg == "" {
		a.t.Fatalf("%s %s: error %s without errorMessage", method, path, code)
	}
	return msg
}

// Wire shapes as a client sees them.

type appJSON struct {
	AppID, Name, ProjectID, URL string
}

func (a *appJSON) UnmarshalJSON(b []byte) error {
	var m struct {
		AppID     string `json:"AppId"`
		Name      string `json:"Name"`
		ProjectID string `json:"ProjectId"`
		URL       string `json:"Url"`
	}
	err := json.Unmarshal(b, &m)
	*a = appJSON{m.AppID, m.Name, m.ProjectID, m.URL}
	return err
}

type envJSON struct {
	Status        string `json:"Status"`
	EnvironmentID string `json:"EnvironmentId"`
	Mode          string `json:"Mode"`
	URL           string `json:"Url"`
	ModelVersion  string `json:"ModelVersion"`
	MendixVersion string `json:"MendixVersion"`
	Production    bool   `json:"Production"`
}

type snapshotJSON struct {
	SnapshotID    string  `json:"snapshot_id"`
	State         string  `json:"state"`
	StatusMessage *string `json:"status_message"`
	Comment       string  `json:"comment"`
	ModelVersion  *string `json:"model_version"`
	CreatedAt     *string `json:"created_at"`
	UpdatedAt     *string `json:"updated_at"`
	FinishedAt    *string `json:"finished_at"`
	ExpiresAt     *string `json:"expires_at"`
}

type pageJSON struct {
	Snapshots []snapshotJSON `json:"snapshots"`
	Total     int            `json:"total"`
	Offset    int            `json:"offset"`
	Limit     int            `json:"limit"`
}

type archiveJSON struct {
	ArchiveID     string  `json:"archive_id"`
	SnapshotID    string  `json:"snapshot_id"`
	DataType      string  `json:"data_type"`
	State         string  `json:"state"`
	StatusMessage *string `json:"status_message"`
	URL           *string `json:"url"`
}

type restoreJSON struct {
	RestoreID           string  `json:"restore_id"`
	SourceSnapshotID    string  `json:"source_snapshot_id"`
	SourceEnvironmentID string  `json:"source_environment_id"`
	TargetEnvironmentID string  `json:"target_environment_id"`
	State               string  `json:"state"`
	StatusMessage       *string `json:"status_message"`
	CreatedAt           *string `json:"created_at"`
	FinishedAt          *string `json:"finished_at"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// Paths.

func v2(projectID, envID string) string {
	return "/api/v2/apps/" + projectID + "/environments/" + envID
}

func demoV2(appID, mode string) string {
	return v2(localcloud.ProjectID(appID), localcloud.EnvironmentID(appID, mode))
}

// waitFor polls get until done says so (the jobs take milliseconds in tests; the deadline
// only guards against a hang).
func waitFor[T any](t testing.TB, what string, get func() T, done func(T) bool) T {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		v := get()
		if done(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; last: %+v", what, v)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (a *api) waitSnapshot(base, id string) snapshotJSON {
	a.t.Helper()
	return waitFor(a.t, "snapshot "+id, func() snapshotJSON {
		var s snapshotJSON
		a.call("GET", base+"/snapshots/"+id, nil, 200, &s)
		return s
	}, func(s snapshotJSON) bool { return s.State == "completed" || s.State == "failed" })
}

func (a *api) waitRestore(base, id string) restoreJSON {
	a.t.Helper()
	return waitFor(a.t, "restore "+id, func() restoreJSON {
		var r restoreJSON
		a.call("GET", base+"/restores/"+id, nil, 200, &r)
		return r
	}, func(r restoreJSON) bool { return r.State == "completed" || r.State == "failed" })
}

func (a *api) waitArchive(base, snapID, id string) archiveJSON {
	a.t.Helper()
	return waitFor(a.t, "archive "+id, func() archiveJSON {
		var r archiveJSON
		a.call("GET", base+"/snapshots/"+snapID+"/archives/"+id, nil, 200, &r)
		return r
	}, func(r archiveJSON) bool { return r.State == "completed" || r.State == "failed" })
}

// stopEnv stops an environment through the API and waits until it reports Stopped.
func (a *api) stopEnv(appID, mode string) {
	a.t.Helper()
	a.call("POST", "/api/1/apps/"+appID+"/environments/"+mode+"/stop", nil, 200, nil)
	waitFor(a.t, appID+" "+mode+" stopped", func() envJSON {
		var e envJSON
		a.call("GET", "/api/1/apps/"+appID+"/environments/"+mode, nil, 200, &e)
		return e
	}, func(e envJSON) bool { return e.Status == "Stopped" })
}

// latestCompleted is the newest completed snapshot of an environment.
func (a *api) latestCompleted(base string) snapshotJSON {
	a.t.Helper()
	var p pageJSON
	a.call("GET", base+"/snapshots?limit=1000", nil, 200, &p)
	for _, s := range p.Snapshots {
		if s.State == "completed" {
			return s
		}
	}
	a.t.Fatalf("no completed snapshot in %s", base)
	return snapshotJSON{}
}

func (a *api) restore(base, snapID string, dbOnly bool) restoreJSON {
	a.t.Helper()
	var r restoreJSON
	a.call("POST", fmt.Sprintf("%s/restores?source_snapshot_id=%s&db_only=%t", base, snapID, dbOnly), nil, 200, &r)
	return r
}

func startDemo(t testing.TB, opts ...localcloudtest.Option) (*localcloud.Server, *api) {
	s := localcloudtest.Start(t, opts...)
	return s, demoAPI(t, s)
}

// withSlowJobs makes jobs last long enough to be seen queued or running.
func withSlowJobs() localcloudtest.Option { return localcloudtest.WithJobDelay(400 * time.Millisecond) }

// sameTree reports how two folders differ (nil when byte-for-byte equal).
func sameTree(t testing.TB, a, b string) error {
	t.Helper()
	fa, fb := treeFiles(t, a), treeFiles(t, b)
	for name, body := range fa {
		other, ok := fb[name]
		if !ok {
			return fmt.Errorf("%s only in %s", name, a)
		}
		if !bytes.Equal(body, other) {
			return fmt.Errorf("%s differs", name)
		}
	}
	for name := range fb {
		if _, ok := fa[name]; !ok {
			return fmt.Errorf("%s only in %s", name, b)
		}
	}
	return nil
}

// treeFiles reads every regular file under dir, by slash path.
func treeFiles(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	if dir == "" {
		return out
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mustContain(t testing.TB, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
}
