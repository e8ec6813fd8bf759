//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"restoredesk/core/journal"
	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
)

// asMainEnv makes the test binary run restorectl's main with its arguments: a real
// process, with real pipes and real signals.
const asMainEnv = "RESTORECTL_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// A restore whose reader goes away after the first line, as `restorectl restore … | head
// -1` (with and without 2>&1): the process is not killed by SIGPIPE and does not panic;
// the run goes on to its end, the journal says completed, and the restore is done once.
func TestRunSurvivesItsOutputGoingAway(t *testing.T) {
	for _, tc := range []struct {
		name        string
		stderrPiped bool
	}{{"stdout piped", false}, {"stdout and stderr piped", true}} {
		t.Run(tc.name, func(t *testing.T) {
			// Jobs that take a while, so that the reader leaves while the run goes on.
			srv := localcloudtest.Start(t, localcloudtest.WithJobDelay(400*time.Millisecond))
			envID := localcloud.EnvironmentID("orderdesk", "Test")
			b := &restoreBed{t: t, srv: srv}
			snap := b.olderSnapshot("orderdesk", "Test")
			journalPath := filepath.Join(t.TempDir(), "journal.db")

			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "restore", "orderdesk", "Test", snap, "--yes", "--api-url", srv.URL())
			cmd.Env = append(os.Environ(), asMainEnv+"=1", "MENDIX_USERNAME="+localcloud.DemoUsername,
				"MENDIX_API_KEY="+localcloud.DemoAPIKey, "RESTOREDESK_JOURNAL="+journalPath, "RESTOREDESK_POLL_INTERVAL=20ms")
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			var errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = w, &errb
			if tc.stderrPiped {
				cmd.Stderr = w
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w.Close()
			line, err := bufio.NewReader(r).ReadString('\n') // head -1
			r.Close()
			if err != nil {
				t.Fatalf("no first line: %v", err)
			}
			err = cmd.Wait()
			var ws syscall.WaitStatus
			if st := cmd.ProcessState; st != nil {
				ws, _ = st.Sys().(syscall.WaitStatus)
			}
			if ws.Signaled() {
				t.Fatalf("restorectl was killed by %v after its reader left (first line %q)", ws.Signal(), line)
			}
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				t.Fatal(err)
			}
			if code := cmd.ProcessState.ExitCode(); code != exitOK {
				t.Fatalf("exit %d after the reader left; stderr:\n%s", code, errb.String())
			}
			if bytes.Contains(errb.Bytes(), []byte("panic")) {
				t.Fatalf("stderr:\n%s", errb.String())
			}

			j, err := journal.Open(journalPath)
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			runs, err := j.List(context.Background(), journal.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) != 1 || runs[0].Status != journal.StatusCompleted || runs[0].RestoreID == "" {
				t.Fatalf("journal after the reader left: %+v", runs)
			}
			if rs := srv.Cloud().Restores(envID); len(rs) != 1 {
				t.Fatalf("%d restores in the cloud, want 1", len(rs))
			}
		})
	}
}
