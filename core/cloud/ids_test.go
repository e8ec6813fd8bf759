package cloud_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"restoredesk/core/cloud"
	"restoredesk/core/explain"
)

// An id that would change which resource a path names ("." and "..") or names nothing
// (empty) is refused before anything is sent, in plain words that say what to do.
func TestDotAndEmptyIDsAreRefusedPlainlyBeforeAnyRequest(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := cloud.New(srv.URL, cloud.Credentials{Username: "u@example.com", APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{".", "..", "", "  "} {
		_, err := c.GetSnapshot(context.Background(), "p", "e", id)
		if !errors.Is(err, cloud.ErrInvalidID) {
			t.Errorf("GetSnapshot(%q) = %v, want ErrInvalidID", id, err)
			continue
		}
		e := explain.Explain(err)
		if !strings.Contains(e.Summary, "backup id") || !strings.Contains(e.Summary, "copy the id from the list") ||
			strings.Contains(e.Summary, "Something unexpected") || strings.Contains(e.NextStep, "Try again; if it happens again") {
			t.Errorf("GetSnapshot(%q) explained as %q / %q", id, e.Summary, e.NextStep)
		}
	}
	if err := c.DeleteSnapshot(context.Background(), "p", "e", "."); !errors.Is(err, cloud.ErrInvalidID) {
		t.Errorf("DeleteSnapshot(.) = %v", err)
	}
	if n := requests.Load(); n != 0 {
		t.Fatalf("%d requests were sent for ids that name nothing", n)
	}
}
