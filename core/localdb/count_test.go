package localdb

import (
	"bytes"
	"context"
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
