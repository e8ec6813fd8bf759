package localdb

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"
)

// A parallel restore's progress counts a table's data only once pg_restore reports it
// finished, whether the row count passed that table before or after; the rest (the
// schema, the indexes) only when pg_restore has ended.
func TestParallelProgressCountsOnlyFinishedTables(t *testing.T) {
	var c counters
	d := newDataProgress(&c)
	d.span("customer", 100)
	if c.bytes.Load() != 0 {
		t.Fatalf("progress %d before any table finished", c.bytes.Load())
	}
	d.done("invoice") // finished before the count reached it
	if c.bytes.Load() != 0 {
		t.Fatalf("progress %d for a table of unknown size", c.bytes.Load())
	}
	d.span("invoice", 300)
	d.done("customer")
	if got := c.bytes.Load(); got != 400 {
		t.Fatalf("progress %d after both tables finished, want 400", got)
	}
	d.end(1000)
	if got := c.bytes.Load(); got != 1000 {
		t.Fatalf("progress %d at the end, want 1000", got)
	}
}

// The row count reads the dump through the tee pipe as pg_restore is fed, a few buffers
// behind, and counts what a count of the file itself counts.
func TestCountThroughTheTeeEqualsTheFile(t *testing.T) {
	dump, err := os.ReadFile(fixtureDump)
	if err != nil {
		t.Fatal(err)
	}
	tee := newTeePipe(2, 4096) // small buffers: many hand-overs
	cnt := startCount(context.Background(), tee, nil)
	if _, err := io.Copy(tee, bytes.NewReader(dump)); err != nil {
		t.Fatal(err)
	}
	tee.CloseWrite()
	rc := cnt.wait()
	file := countFile(context.Background(), fixtureDump, nil).wait()
	if rc.err != nil || file.err != nil || !rc.counted || !file.counted {
		t.Fatalf("tee %v, file %v", rc.err, file.err)
	}
	var total int64
	for i, tr := range rc.tables {
		if tr != file.tables[i] {
			t.Fatalf("table %d: tee %+v, file %+v", i, tr, file.tables[i])
		}
		total += tr.Rows
	}
	if total != 10005 || file.sha256 != fileSHA256(t, fixtureDump) {
		t.Fatalf("rows %d, sha %s", total, file.sha256)
	}
}

// smallReads reads at most 4 KiB at a time.
type smallReads struct{ r io.Reader }

func (s smallReads) Read(p []byte) (int, error) { return s.r.Read(p[:min(len(p), 4096)]) }

// stopsReading takes the first max bytes, then fails as a pipe whose reader is gone.
type stopsReading struct{ took, max int }

func (s *stopsReading) Write(p []byte) (int, error) {
	if s.took+len(p) > s.max {
		return 0, errors.New("write |1: broken pipe")
	}
	s.took += len(p)
	return len(p), nil
}

// When pg_restore stops reading its input early (on an error it reports), the row count
// still gets the whole dump, so the row check can name what is missing; the bytes and
// progress say only what pg_restore took.
func TestFeedKeepsCountingAfterPgRestoreStops(t *testing.T) {
	dump, err := os.ReadFile(fixtureDump)
	if err != nil {
		t.Fatal(err)
	}
	tee := newTeePipe(2, 4096)
	cnt := startCount(context.Background(), tee, nil)
	child := &stopsReading{max: 10000}
	var prog counters
	var fed int64
	err = feed(child, tee, smallReads{bytes.NewReader(dump)}, &prog, &fed)
	tee.CloseWrite()
	rc := cnt.wait()
	if !errors.Is(err, errChildGone) || rc.err != nil || !rc.counted {
		t.Fatalf("feed %v, count %v", err, rc.err)
	}
	var rows int64
	for _, tr := range rc.tables {
		rows += tr.Rows
	}
	if rows != 10005 {
		t.Fatalf("counted %d rows, want 10005", rows)
	}
	if fed != 8192 || fed != int64(child.took) || prog.bytes.Load() != fed {
		t.Fatalf("fed %d, pg_restore took %d, progress %d", fed, child.took, prog.bytes.Load())
	}
}
