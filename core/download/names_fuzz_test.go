package download

import (
	"context"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// checkSafeName fails when n is not a name a download may write: one component, valid
// UTF-8, bounded, nothing Windows refuses, and stable (made safe again it stays the same).
func checkSafeName(t *testing.T, n string) {
	t.Helper()
	if n == "" {
		return
	}
	switch {
	case !utf8.ValidString(n):
		t.Fatalf("name %q is not valid UTF-8", n)
	case len(n) > maxNameBytes+1:
		t.Fatalf("name of %d bytes, over %d", len(n), maxNameBytes)
	case n == "." || n == ".." || strings.ContainsAny(n, `/\<>:"|?*`) || filepath.Base(n) != n:
		t.Fatalf("name %q is not one safe component", n)
	case strings.TrimSpace(strings.Trim(n, ".")) != n:
		t.Fatalf("name %q starts or ends with a dot or space", n)
	case safeName(n) != n:
		t.Fatalf("name %q changes when made safe again: %q", n, safeName(n))
	}
	for _, r := range n {
		if unicode.IsControl(r) || r == utf8.RuneError {
			t.Fatalf("name %q holds %U", n, r)
		}
	}
	if stem, _, _ := strings.Cut(n, "."); windowsDevice(stem) {
		t.Fatalf("name %q is a Windows device name", n)
	}
}

// FuzzNameFromStorageHost: whatever a storage host puts in the link's path and in
// Content-Disposition, the file name taken from them never panics and is empty or a
// valid, safe, single-component name.
func FuzzNameFromStorageHost(f *testing.F) {
	long := strings.Repeat("é", 150) + ".backup"
	for _, seed := range [][2]string{
		{"https://h/a/db.backup?sig=1", ""},
		{"https://h/a/b", `attachment; filename="../../etc/passwd.tar.gz"`},
		{"https://h/" + url.PathEscape(long), ""},
		{"https://h/x", "attachment; filename*=UTF-8''" + url.PathEscape(long)},
		{"https://h/x", "attachment; filename=\"CON.tar.gz\""},
		{"https://h/%ff%fe.backup", "attachment; filename=\"\xff\xfe.backup\""},
		{"https://h/..", "attachment; filename=\"..\""},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, link, cd string) {
		u, err := url.Parse(link)
		if err != nil {
			u = nil
		}
		checkSafeName(t, nameFromLink(u, cd))
		checkSafeName(t, safeName(cd))
	})
}

// A long non-ASCII name from the storage host (150 × "é", 300 bytes, then .backup) is cut
// at a character's start: the file on disk has a valid UTF-8 name that is the one the
// result (and so the journal) gives, and keeps its extension.
func TestALongNonASCIINameIsCutAtACharacter(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 150) + ".backup"
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": long}))
		w.Header().Set("ETag", `"v1"`)
		_, _ = w.Write([]byte("the backup"))
	}))
	defer host.Close()
	dir := t.TempDir()
	res, err := (&Fetcher{RetryDelay: 1}).Fetch(context.Background(), Request{URL: host.URL + signedPath, Dir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Base(res.Path)
	if !utf8.ValidString(name) || len(name) > maxNameBytes || !strings.HasSuffix(name, ".backup") || !strings.HasPrefix(name, "é") {
		t.Fatalf("saved as %q (%d bytes, valid UTF-8: %v)", name, len(name), utf8.ValidString(name))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != name {
		t.Fatalf("the folder holds %v, want exactly %q", entries, name)
	}
}
