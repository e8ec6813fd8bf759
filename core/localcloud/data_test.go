package localcloud

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Internal tests of the archive extraction: the one place that writes bytes chosen by
// whoever made the archive.

func tarGz(t testing.TB, entries ...*tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, h := range entries {
		body := []byte("x")
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			_, _ = tw.Write(body)
		}
	}
	_ = tw.Close()
	_ = zw.Close()
	return buf.Bytes()
}

func TestSafeEntryName(t *testing.T) {
	ok := map[string]string{
		".metadata":            ".metadata",
		"./db/db.backup":       "db/db.backup",
		"tree/ab/cd/abcd-1":    "tree/ab/cd/abcd-1",
		"tree/":                "tree",
		"tree//double":         "tree/double",
		"tree/a..b/file..name": "tree/a..b/file..name",
	}
	for in, want := range ok {
		got, err := safeEntryName(in)
		if err != nil || got != want {
			t.Errorf("safeEntryName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	// Any ".." is refused, even one that would stay inside: no archive Mendix makes has one.
	for _, bad := range []string{"tree/x/../y", "../x", "/etc/passwd", "tree/../../x", `tree\..\x`, "C:/x", "..", "tree/..\x00"} {
		if _, err := safeEntryName(bad); !errors.Is(err, errUnsafeEntry) {
			t.Errorf("safeEntryName(%q) accepted", bad)
		}
	}
}

func TestExtractIgnoresUnknownEntriesAndNeedsADatabase(t *testing.T) {
	dst := t.TempDir()
	b := tarGz(t, &tar.Header{Name: "README", Typeflag: tar.TypeReg}, &tar.Header{Name: "db/db.backup", Typeflag: tar.TypeReg},
		&tar.Header{Name: "tree/aa/bb/file", Typeflag: tar.TypeReg})
	if _, err := (disk{noSync: true}).extractFull(context.Background(), bytes.NewReader(b), dst, extractOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dst, "README")); !os.IsNotExist(err) {
		t.Error("an entry outside the snapshot layout was extracted")
	}
	b = tarGz(t, &tar.Header{Name: "tree/aa/bb/file", Typeflag: tar.TypeReg})
	if _, err := (disk{noSync: true}).extractFull(context.Background(), bytes.NewReader(b), t.TempDir(), extractOptions{}); err == nil ||
		!strings.Contains(err.Error(), "no database") {
		t.Fatalf("archive without db/db.backup: %v", err)
	}
}

// FuzzExtractStaysInside: whatever one entry is called and whatever its type, extraction
// never writes outside the destination and never panics.
func FuzzExtractStaysInside(f *testing.F) {
	for _, s := range []string{"db/db.backup", "../x", "tree/../../x", "/abs", `tree\..\..\x`, "tree/a/b/c", "./.metadata", "tree/./x"} {
		f.Add(s, byte(tar.TypeReg), "")
	}
	f.Add("tree/a/link", byte(tar.TypeSymlink), "/etc/passwd")
	f.Add("tree/a/hard", byte(tar.TypeLink), "../../x")
	f.Fuzz(func(t *testing.T, name string, typ byte, link string) {
		root := t.TempDir()
		dst := filepath.Join(root, "dst")
		if err := os.Mkdir(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		h := &tar.Header{Name: name, Typeflag: typ, Linkname: link, Mode: 0o644, Format: tar.FormatPAX}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		tw := tar.NewWriter(zw)
		if typ == tar.TypeReg {
			h.Size = 1
		}
		if err := tw.WriteHeader(h); err != nil {
			return // not representable in tar
		}
		if typ == tar.TypeReg {
			_, _ = tw.Write([]byte("x"))
		}
		_ = tw.Close()
		_ = zw.Close()
		_, _ = (disk{noSync: true}).extractFull(context.Background(), &buf, dst, extractOptions{})
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p == root || p == dst {
				return nil
			}
			if !strings.HasPrefix(p, dst+string(filepath.Separator)) {
				t.Fatalf("entry %q (type %d) wrote %s outside %s", name, typ, p, dst)
			}
			if d.Type()&fs.ModeSymlink != 0 {
				t.Fatalf("entry %q created a link %s", name, p)
			}
			return nil
		})
	})
}
