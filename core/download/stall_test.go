package download

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// A slow but steady storage host (a KiB every 10 ms, the whole answer taking more than
// twice the stall time): every read that brings bytes restarts the stall timer, so the
// download is never given up as stalled, nor cut and asked again.
func TestASlowSteadyHostIsNeverTakenForAStalledOne(t *testing.T) {
	t.Parallel()
	const stall = 250 * time.Millisecond
	obj, _ := twoObjects(t, 64<<10)
	var requests atomic.Int32
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		body := answerObject(w, r, obj, `"v1"`)
		for len(body) > 0 {
			n := min(1<<10, len(body))
			if _, err := w.Write(body[:n]); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			body = body[n:]
			select {
			case <-time.After(10 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
	}))
	defer host.Close()
	res, err := (&Fetcher{RetryDelay: 1, StallTimeout: stall}).Fetch(context.Background(), Request{URL: host.URL + signedPath, Dir: t.TempDir(), Name: "obj.backup"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Reconnects != 0 || requests.Load() != 1 {
		t.Fatalf("%d reconnects, %d requests: a host that kept sending was taken for a stalled one", res.Reconnects, requests.Load())
	}
	if res.Size != int64(len(obj)) || res.SHA256 != sha256Hex(obj) {
		t.Fatalf("saved %d bytes (SHA-256 %s), want the object's %d", res.Size, res.SHA256, len(obj))
	}
}
