package localcloud_test

import (
	"bytes"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
)

// archiveLink makes a database_only archive of the newest completed Production backup of
// the demo app and returns its link.
func archiveLink(t *testing.T, a *api) string {
	t.Helper()
	base := demoV2("customerportal", "Production")
	s := a.latestCompleted(base)
	var arch archiveJSON
	a.call("POST", base+"/snapshots/"+s.SnapshotID+"/archives?data_type=database_only", nil, 200, &arch)
	done := a.waitArchive(base, s.SnapshotID, arch.ArchiveID)
	if done.URL == nil {
		t.Fatalf("archive = %+v", done)
	}
	return *done.URL
}

func get(t *testing.T, url string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body) // a cut answer ends early: the caller looks at the bytes
	return resp, b
}

func TestDownloadLinkServesRangesLikeAStorageHost(t *testing.T) {
	t.Parallel()
	_, a := startDemo(t)
	link := archiveLink(t, a)
	resp, whole := get(t, link, nil)
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || etag == "" || etag[0] != '"' || resp.Header.Get("Accept-Ranges") != "bytes" {
		t.Fatalf("whole file: %d, ETag %q, Accept-Ranges %q", resp.StatusCode, etag, resp.Header.Get("Accept-Ranges"))
	}
	resp, rest := get(t, link, map[string]string{"Range": "bytes=100-", "If-Range": etag})
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(rest, whole[100:]) {
		t.Fatalf("range with matching If-Range: %d, %d bytes", resp.StatusCode, len(rest))
	}
	resp, all := get(t, link, map[string]string{"Range": "bytes=100-", "If-Range": `"another-object"`})
	if resp.StatusCode != 200 || !bytes.Equal(all, whole) {
		t.Fatalf("range with stale If-Range must give the whole file: %d, %d bytes", resp.StatusCode, len(all))
	}
}

func TestDownloadLinkRefusesMendixHeadersInStrictModeAndRecordsThem(t *testing.T) {
	t.Parallel()
	s, a := startDemo(t, localcloudtest.WithStrictDownloads())
	link := archiveLink(t, a)
	resp, _ := get(t, link, map[string]string{"Mendix-ApiKey": "leaked"})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("request with Mendix-ApiKey: status %d, want 400", resp.StatusCode)
	}
	if resp, _ := get(t, link, nil); resp.StatusCode != 200 {
		t.Fatalf("clean request: status %d", resp.StatusCode)
	}
	reqs := s.Cloud().DownloadRequests()
	if len(reqs) != 2 || !reqs[0].MendixHeaders || reqs[1].MendixHeaders {
		t.Fatalf("recorded requests = %+v", reqs)
	}
}

func TestDownloadCutFaultAndExpiredLinks(t *testing.T) {
	t.Parallel()
	s, a := startDemo(t)
	link := archiveLink(t, a)
	_, whole := get(t, link, nil)
	s.Cloud().SetFaults(localcloud.Faults{DownloadCutAt: 0.4})
	_, cut := get(t, link, nil)
	if want := int(float64(len(whole)) * 0.4); len(cut) != want {
		t.Fatalf("cut download brought %d bytes, want %d of %d", len(cut), want, len(whole))
	}
	if _, again := get(t, link, nil); len(again) != len(whole) {
		t.Fatalf("the second download after one cut brought %d of %d bytes", len(again), len(whole))
	}
	if err := s.Cloud().ExpireDownloadLinks(); err != nil {
		t.Fatal(err)
	}
	if resp, _ := get(t, link, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("expired link: status %d, want 403", resp.StatusCode)
	}
	if resp, _ := get(t, archiveLink(t, a), nil); resp.StatusCode != 200 {
		t.Fatalf("a new archive's link: status %d", resp.StatusCode)
	}
}

func TestDownloadLinkExpiresAfterItsValidity(t *testing.T) {
	t.Parallel()
	var clock atomic.Int64
	clock.Store(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC).UnixNano())
	s, err := localcloud.Start(localcloud.Config{DataDir: t.TempDir(), Demo: true, JobDelay: time.Millisecond, NoSync: true,
		Now:       func() time.Time { return time.Unix(0, clock.Load()) },
		Downloads: localcloud.DownloadOptions{TTL: time.Hour}}, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	link := archiveLink(t, demoAPI(t, s))
	clock.Add(int64(59 * time.Minute))
	if resp, _ := get(t, link, nil); resp.StatusCode != 200 {
		t.Fatalf("link within its hour: status %d", resp.StatusCode)
	}
	clock.Add(int64(2 * time.Minute))
	if resp, _ := get(t, link, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("link after its hour: status %d, want 403", resp.StatusCode)
	}
}
