package archive

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// textReport inspects a fixture and returns its report for people.
func textReport(t *testing.T, fixture string) string {
	t.Helper()
	rep, err := Inspect(context.Background(), filepath.Join("testdata", fixture), nil)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestWriteTextRestorable(t *testing.T) {
	out := textReport(t, "files_and_database-1a2b3c4d-202611250130.tar.gz")
	for _, want := range []string{
		"Kind:               Full snapshot (database and files)",
		"Verdict:            restorable on Mendix Cloud",
		"Database:         customerportal",
		"Dumped at:        2026-11-26 04:34:09 (local time of the machine that made it)",
		"pg_dump:          15.20 (Debian 15.20-0+deb12u1)",
		"Archive version:  1.14 (custom format, compression: gzip (default level))",
		"Model version:    1.4.0.211",
		"Files:            7",
		"File documents:   5, nested layout",
		"Size:             66 kB (66,088 bytes)",
		"Unpacked size:    102 kB (102,400 bytes)",
		"SHA-256:          5e146b93f601d6c5ee0d095872a4761f40dc22aec473d0912172ca93775e6322",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Problems:") {
		t.Errorf("restorable report lists problems:\n%s", out)
	}
}

func TestWriteTextProblems(t *testing.T) {
	out := textReport(t, "no-db-snapshot.tar.gz")
	for _, want := range []string{
		"Verdict:            NOT restorable on Mendix Cloud",
		"Problems:\n  1. This archive has no database dump (db/db.backup is missing)",
		"Kind:               Files only",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteTextReportsWriteErrors(t *testing.T) {
	rep := &Report{Path: "x", Kind: KindUnknown}
	if err := rep.WriteText(failingWriter{}); err == nil {
		t.Fatal("write error swallowed")
	}
}
