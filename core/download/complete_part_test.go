package download

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"restoredesk/core/cloud"
)

// A .part that holds the whole object (the program ended between the last byte and the
// rename) is finished with one ranged request for its last byte, which the host answers
// only if the object is still the same.
func TestDownloadOfACompletePartAsksOnlyForItsLastByte(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.seed(dbFixture, true)
	ctx := context.Background()
	a, err := e.client.CreateArchive(ctx, e.app.ProjectID, e.env.EnvironmentID, id, cloud.DataDatabaseOnly)
	if err != nil {
		t.Fatal(err)
	}
	for a.URL == "" {
		time.Sleep(5 * time.Millisecond)
		if a, err = e.client.GetArchive(ctx, e.app.ProjectID, e.env.EnvironmentID, id, a.ArchiveID); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.Get(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "cp.backup")
	leavePart(t, dest, body, validator{ETag: resp.Header.Get("ETag"), Size: int64(len(body))})
	res, err := (&Fetcher{Log: e.log}).Fetch(ctx, Request{URL: a.URL, Dir: filepath.Dir(dest), Name: "cp.backup"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.SHA256 != fileSHA(t, dbFixture) || res.Resumed != int64(len(body))-1 {
		t.Fatalf("result %+v, want the fixture continued from all but its last byte", res)
	}
	r := e.ranged()
	if len(r) != 1 || r[0].Range != fmt.Sprintf("bytes=%d-", len(body)-1) {
		t.Fatalf("range requests %+v, want one for the last byte", r)
	}
}
