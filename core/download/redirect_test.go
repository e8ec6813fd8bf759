package download

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
)

// storageHost is a real HTTP server that serves body at /obj and records the Referer of
// every request.
type storageHost struct {
	*httptest.Server
	mu       sync.Mutex
	referers []string
}

func newStorageHost(t *testing.T, tls bool, body string) *storageHost {
	t.Helper()
	h := &storageHost{}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.referers = append(h.referers, r.Header.Get("Referer"))
		h.mu.Unlock()
		w.Header().Set("ETag", `"v1"`)
		_, _ = w.Write([]byte(body))
	})
	if tls {
		h.Server = httptest.NewTLSServer(handler)
	} else {
		h.Server = httptest.NewServer(handler)
	}
	t.Cleanup(h.Close)
	return h
}

func (h *storageHost) seen() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.referers...)
}

// redirector is a real HTTP server that redirects every request to target + /obj.
func redirector(t *testing.T, tls bool, target string) *httptest.Server {
	t.Helper()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+"/obj", http.StatusFound)
	})
	s := httptest.NewServer(h)
	if tls {
		s.Close()
		s = httptest.NewTLSServer(h)
	}
	t.Cleanup(s.Close)
	return s
}

const signedPath = "/downloads/a1/db.backup?expires=1&signature=secret"

// A storage host that redirects (http → http on this computer, and https → https): the
// next host never receives a Referer, which Go's client would fill with the signed link.
func TestARedirectNeverCarriesTheSignedLinkAsReferer(t *testing.T) {
	t.Parallel()
	for _, tls := range []bool{false, true} {
		next := newStorageHost(t, tls, "the backup")
		first := redirector(t, tls, next.URL)
		f := &Fetcher{RetryDelay: 1}
		if tls {
			f.Client = next.Client() // trusts the test certificate both servers use
		}
		dir := t.TempDir()
		res, err := f.Fetch(context.Background(), Request{URL: first.URL + signedPath, Dir: dir}, nil)
		if err != nil {
			t.Fatalf("tls %v: download through a redirect: %v", tls, err)
		}
		if b, err := os.ReadFile(res.Path); err != nil || string(b) != "the backup" {
			t.Fatalf("tls %v: saved %q, %v", tls, b, err)
		}
		refs := next.seen()
		if len(refs) == 0 {
			t.Fatalf("tls %v: the next host got no request", tls)
		}
		for _, ref := range refs {
			if ref != "" {
				t.Errorf("tls %v: the next host received Referer %q", tls, ref)
			}
		}
	}
}

// A redirect from https to plain http is refused before the plain-http host is asked,
// and so is a plain-http link (or a redirect to one) to a host that is not this computer.
func TestALinkNeverTravelsUnencrypted(t *testing.T) {
	t.Parallel()
	plain := newStorageHost(t, false, "the backup")
	first := redirector(t, true, plain.URL)
	dir := t.TempDir()
	_, err := (&Fetcher{Client: first.Client(), RetryDelay: 1}).Fetch(context.Background(), Request{URL: first.URL + signedPath, Dir: dir}, nil)
	if !errors.Is(err, ErrBadLink) || !strings.Contains(err.Error(), "from https to http") {
		t.Fatalf("https → http redirect: %v", err)
	}
	assertNoLink(t, "the error", err.Error())
	if n := len(plain.seen()); n != 0 {
		t.Errorf("the plain-http host was asked %d times", n)
	}

	// 192.0.2.0/24 is reserved for documentation: nothing answers there, and nothing may be
	// sent there either.
	_, err = (&Fetcher{RetryDelay: 1}).Fetch(context.Background(), Request{URL: "http://192.0.2.1" + signedPath, Dir: dir}, nil)
	if !errors.Is(err, ErrBadLink) || !strings.Contains(err.Error(), "unencrypted") {
		t.Fatalf("plain-http link to another computer: %v", err)
	}
	assertNoLink(t, "the error", err.Error())
	toRemote := redirector(t, false, "http://192.0.2.1")
	_, err = (&Fetcher{RetryDelay: 1}).Fetch(context.Background(), Request{URL: toRemote.URL + signedPath, Dir: dir}, nil)
	if !errors.Is(err, ErrBadLink) || !strings.Contains(err.Error(), "unencrypted") {
		t.Fatalf("redirect to a plain-http link of another computer: %v", err)
	}
	assertNoLink(t, "the error", err.Error())
	if names := listDir(t, dir); len(names) != 0 {
		t.Errorf("refused downloads left %v", names)
	}
}
