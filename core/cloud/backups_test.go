package cloud

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// pagedServer serves total snapshots, honouring offset and limit but never more than maxLimit per page.
func pagedServer(t *testing.T, total, maxLimit int, page func(offset, limit int) (ids []int, claimedTotal int)) *countingServer {
	return newCountingServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		if limit == 0 || limit > maxLimit {
			limit = maxLimit
		}
		ids, claimed := page(offset, limit)
		var snaps []map[string]any
		for _, id := range ids {
			snaps = append(snaps, map[string]any{"snapshot_id": fmt.Sprintf("s%03d", id), "state": "completed"})
		}
		b, _ := json.Marshal(map[string]any{"snapshots": snaps, "total": claimed, "offset": offset, "limit": limit})
		writeJSONString(w, 200, string(b))
	})
}

func TestListAllSnapshotsFollowsPages(t *testing.T) {
	const total = 250
	srv := pagedServer(t, total, 40, func(offset, limit int) ([]int, int) {
		var ids []int
		for i := offset; i < min(offset+limit, total); i++ {
			ids = append(ids, i)
		}
		return ids, total
	})
	snaps, err := newTestClient(t, srv.URL).ListAllSnapshots(context.Background(), "p", "e")
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != total || snaps[0].SnapshotID != "s000" || snaps[total-1].SnapshotID != "s249" {
		t.Fatalf("got %d snapshots (%v … %v), want %d in order", len(snaps), snaps[0].SnapshotID, snaps[len(snaps)-1].SnapshotID, total)
	}
	if want := (total + 39) / 40; srv.count() != want {
		t.Errorf("%d requests, want %d pages of the server's 40", srv.count(), want)
	}
	if q := srv.reqs[0].URL.RawQuery; q != "limit=100&offset=0" {
		t.Errorf("first query %q", q)
	}
}

func TestListAllSnapshotsKeepsShiftedDuplicatesOnce(t *testing.T) {
	// A new snapshot appears between page 1 and 2 (newest first): page 2 repeats s010.
	srv := pagedServer(t, 0, 10, func(offset, limit int) ([]int, int) {
		if offset == 0 {
			return []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 15
		}
		return []int{10, 11, 12, 13, 14, 15}, 16
	})
	snaps, err := newTestClient(t, srv.URL).ListAllSnapshots(context.Background(), "p", "e")
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 15 {
		t.Errorf("got %d snapshots, want 15 distinct", len(snaps))
	}
}

func TestListAllSnapshotsStopsOnEmptyPages(t *testing.T) {
	srv := pagedServer(t, 0, 100, func(offset, limit int) ([]int, int) {
		if offset == 0 {
			return []int{1, 2, 3}, 10 // claims 10, then sends nothing more
		}
		return nil, 10
	})
	_, err := newTestClient(t, srv.URL).ListAllSnapshots(context.Background(), "p", "e")
	if err == nil || !strings.Contains(err.Error(), "empty page at offset 3") {
		t.Fatalf("err = %v, want a clear error about the empty page", err)
	}
	if srv.count() != 2 {
		t.Errorf("%d requests, want 2", srv.count())
	}
}

func TestListAllSnapshotsEmptyEnvironment(t *testing.T) {
	srv := pagedServer(t, 0, 100, func(int, int) ([]int, int) { return nil, 0 })
	snaps, err := newTestClient(t, srv.URL).ListAllSnapshots(context.Background(), "p", "e")
	if err != nil || len(snaps) != 0 || srv.count() != 1 {
		t.Fatalf("ListAllSnapshots = %v, %v after %d requests", snaps, err, srv.count())
	}
}
