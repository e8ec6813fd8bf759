package backupdata_test

import (
	"context"
	"testing"
	"time"

	"restoredesk/core/backupdata"
)

// Two dumps made within one second carry the same time in their headers: the file written
// first is the older, whichever was given first.
func TestOrderedTellsDumpsOfOneSecondApartByTheirFiles(t *testing.T) {
	second := time.Date(2026, 12, 5, 16, 33, 50, 0, time.UTC)
	first := &backupdata.Source{Path: "older.backup", DumpedAt: second, ModTime: second.Add(100 * time.Millisecond)}
	then := &backupdata.Source{Path: "newer.backup", DumpedAt: second, ModTime: second.Add(700 * time.Millisecond)}
	for _, pair := range [][2]*backupdata.Source{{first, then}, {then, first}} {
		older, newer, err := backupdata.Ordered(context.Background(), pair[0], pair[1])
		if err != nil {
			t.Fatal(err)
		}
		if older != first || newer != then {
			t.Errorf("Ordered(%s, %s) = older %s, newer %s; want older.backup first", pair[0].Path, pair[1].Path, older.Path, newer.Path)
		}
	}
}
