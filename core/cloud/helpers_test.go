package cloud

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

const (
	testUser = "alice@example.com"
	testKey  = "k3y-s3cr3t-9f8e7d6c5b4a" // distinctive, so a leak is found by plain search
)

// newTestClient returns a client for url with quick backoff so retry tests run fast.
func newTestClient(t testing.TB, url string, opts ...Option) *Client {
	t.Helper()
	base := []Option{WithBackoff(time.Millisecond, 5*time.Millisecond)}
	c, err := New(url, Credentials{Username: testUser, APIKey: testKey}, append(base, opts...)...)
	if err != nil {
		t.Fatalf("New(%s): %v", url, err)
	}
	return c
}

// recordSleeps replaces the client's wait between attempts by one that records the delay
// and returns at once (the delays chosen are what the test looks at).
func recordSleeps(c *Client) *[]time.Duration {
	var mu sync.Mutex
	var got []time.Duration
	c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		got = append(got, d)
		mu.Unlock()
		return ctx.Err()
	}
	return &got
}

// countingServer serves handler and counts requests.
type countingServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

func (s *countingServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

func newCountingServer(t testing.TB, h func(n int, w http.ResponseWriter, r *http.Request)) *countingServer {
	t.Helper()
	cs := &countingServer{}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.mu.Lock()
		cs.reqs = append(cs.reqs, r.Clone(context.Background()))
		n := len(cs.reqs)
		cs.mu.Unlock()
		h(n, w, r)
	}))
	t.Cleanup(cs.Close)
	return cs
}

// dropConnection closes the client's connection without an answer.
func dropConnection(t testing.TB, w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Error("response writer cannot hijack")
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	_ = conn.Close()
}

func writeJSONString(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
