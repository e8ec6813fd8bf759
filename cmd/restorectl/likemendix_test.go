package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"restoredesk/core/localcloud/localcloudtest"
)

// The Free App and upload flows through restorectl, against the embedded cloud in both of
// its modes: as before, and like the real Mendix Cloud (serve --like-mendix).
func TestFreeAppAndUploadFlowsInBothModes(t *testing.T) {
	file, _ := filepath.Abs(filepath.Join("..", "..", "core", "archive", "testdata", "customerportal.backup"))
	for _, like := range []bool{false, true} {
		var opts []localcloudtest.Option
		name := "normal"
		if like {
			opts, name = append(opts, localcloudtest.LikeMendix()), "like-mendix"
		}
		t.Run(name, func(t *testing.T) {
			srv := localcloudtest.Start(t, opts...)
			env := map[string]string{"RESTOREDESK_JOURNAL": filepath.Join(t.TempDir(), "journal.db"), "RESTOREDESK_POLL_INTERVAL": "5ms"}
			_, out, _ := ctl(t, srv.URL(), env, "backups", "expensetracker", "Sandbox", "--json")
			var snaps []struct {
				ID    string `json:"snapshot_id"`
				State string `json:"state"`
			}
			if err := json.Unmarshal([]byte(out), &snaps); err != nil || len(snaps) == 0 {
				t.Fatalf("backups of the Free App: %v\n%s", err, out)
			}
			snap := ""
			for _, s := range snaps {
				if s.State == "completed" {
					snap = s.ID
					break
				}
			}

			// Free App restore.
			code, out, errs := ctl(t, srv.URL(), env, "restore", "expensetracker", "Sandbox", snap, "--yes")
			if !like {
				if code != exitOK {
					t.Fatalf("Free App restore: exit %d\n%s%s", code, out, errs)
				}
			} else {
				if code != exitFailure {
					t.Fatalf("Free App restore like Mendix: exit %d\n%s%s", code, out, errs)
				}
				for _, want := range []string{"Nothing was changed", "Backups", "Stop Application", "Restore Backup", "Mendix Portal: https://", snap} {
					if !strings.Contains(errs, want) {
						t.Errorf("the hand-off lacks %q:\n%s", want, errs)
					}
				}
				if strings.Contains(errs, "not hosted") || strings.Contains(errs, fallbackSummary) {
					t.Errorf("wrong words:\n%s", errs)
				}
			}

			// Upload of a good file.
			code, out, errs = ctl(t, srv.URL(), env, "upload", "customerportal", "Test", file)
			if !like {
				if code != exitOK || !strings.Contains(out+errs, "uploaded") {
					t.Fatalf("upload: exit %d\n%s%s", code, out, errs)
				}
				return
			}
			if code != exitFailure || !strings.Contains(errs, "Upload Archive") || !strings.Contains(errs, "File: "+file) ||
				!strings.Contains(errs, "can be restored") {
				t.Errorf("upload like Mendix: exit %d\n%s%s", code, out, errs)
			}
		})
	}
}
