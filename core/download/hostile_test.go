package download

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// A storage host that answers every request with a part nobody asked for (a real HTTP
// server on loopback, misbehaving on purpose): the download gives up with a clear error
// instead of looping, and no file appears under the final name.
func TestDownloadFromAHostThatSendsUnaskedPartsGivesUp(t *testing.T) {
	t.Parallel()
	var requests atomic.Int32
	hostile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("ETag", `"x"`)
		w.Header().Set("Content-Range", "bytes 5-9/10")
		w.WriteHeader(http.StatusPartialContent)
		_, _ = w.Write([]byte("12345"))
	}))
	defer hostile.Close()
	dir := t.TempDir()
	_, err := (&Fetcher{RetryDelay: 1}).Fetch(context.Background(), Request{URL: hostile.URL + "/downloads/a/db.backup?expires=1&signature=secret", Dir: dir}, nil)
	if !errors.Is(err, ErrBadResponse) {
		t.Fatalf("download from a hostile host: %v", err)
	}
	assertNoLink(t, "the error", err.Error())
	if _, serr := os.Stat(filepath.Join(dir, "db.backup")); !os.IsNotExist(serr) || requests.Load() > 5 {
		t.Fatalf("after %d requests the final file exists: %v", requests.Load(), serr)
	}
}

// A storage host that answers with an empty object (a broken archive): the download ends
// with an empty file, for the inspection to judge, instead of waiting for bytes that never
// come; nothing of the download is left beside it.
func TestAnEmptyAnswerEndsWithAnEmptyFile(t *testing.T) {
	t.Parallel()
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"empty"`)
		w.Header().Set("Content-Length", "0")
	}))
	defer host.Close()
	dir := t.TempDir()
	res, err := (&Fetcher{RetryDelay: 1}).Fetch(context.Background(), Request{URL: host.URL + signedPath, Dir: dir, Name: "obj.backup"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Size != 0 || res.SHA256 != sha256Hex(nil) || fileSize(t, res.Path) != 0 {
		t.Fatalf("an empty answer saved as %+v", res)
	}
	if names := listDir(t, dir); len(names) != 1 || names[0] != "obj.backup" {
		t.Errorf("the folder holds %v, want the empty file only", names)
	}
}
