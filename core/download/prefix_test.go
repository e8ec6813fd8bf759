package download

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

// The start of a backup's archive is read with one Range request to the embedded cloud's
// storage link: exactly the bytes asked for, the file's own first bytes, nothing on disk,
// no Mendix headers (the strict cloud would refuse them).
func TestOpenPrefixReadsTheStartOfAnArchive(t *testing.T) {
	e := newEnv(t)
	id := e.seed(dbFixture, true)
	p := e.plan(e.target(id, t.TempDir(), true))
	a, err := e.runner(nil).Archive(context.Background(), p, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(dbFixture)
	if err != nil {
		t.Fatal(err)
	}
	f := &Fetcher{Log: e.log}
	body, err := f.OpenPrefix(context.Background(), a.URL, 1000)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(body)
	body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want[:1000]) {
		t.Errorf("got %d bytes, want the file's first 1000", len(got))
	}
	r := e.ranged()
	if len(r) != 1 || r[0].Range != "bytes=0-999" {
		t.Errorf("range requests %+v, want one for bytes=0-999", r)
	}

	if err := e.srv.Cloud().ExpireDownloadLinks(); err != nil {
		t.Fatal(err)
	}
	_, err = f.OpenPrefix(context.Background(), a.URL, 1000)
	if !errors.Is(err, ErrLinkRefused) {
		t.Errorf("expired link: %v, want ErrLinkRefused", err)
	}
	assertNoLink(t, "the error", err.Error())
}

// A host that ignores Range sends the whole file; the stream still ends at the limit.
func TestOpenPrefixOfAHostWithoutRanges(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789"), 1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	defer srv.Close()
	rc, err := (&Fetcher{}).OpenPrefix(context.Background(), srv.URL+"/a.backup", 25)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil || string(got) != string(body[:25]) {
		t.Errorf("got %q (%v), want the first 25 bytes", got, err)
	}
	if _, err := (&Fetcher{}).OpenPrefix(context.Background(), "http://example.com/a.backup", 25); !errors.Is(err, ErrBadLink) {
		t.Errorf("plain http to another computer: %v, want ErrBadLink", err)
	}
}
