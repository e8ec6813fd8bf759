package cloud

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
)

// Contract tests: the client against the embedded cloud over real HTTP on loopback, for
// every endpoint and every error code the client must understand.

func startCloud(t *testing.T, opts ...localcloudtest.Option) (*localcloud.Server, *Client) {
	t.Helper()
	s := localcloudtest.Start(t, opts...)
	c, err := New(s.URL(), Credentials{Username: localcloud.DemoUsername, APIKey: localcloud.DemoAPIKey},
		WithBackoff(time.Millisecond, 20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// ids looks up the demo app's ProjectId and the EnvironmentId of mode through the API.
func ids(t *testing.T, c *Client, appID, mode string) (projectID, envID string) {
	t.Helper()
	ctx := context.Background()
	app, err := c.GetApp(ctx, appID)
	if err != nil {
		t.Fatal(err)
	}
	env, err := c.GetEnvironment(ctx, appID, mode)
	if err != nil {
		t.Fatal(err)
	}
	return app.ProjectID, env.EnvironmentID
}

// eventually polls check every 10 ms until it returns true, or fails after 30 s.
func eventually(t *testing.T, what string, check func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, err := check()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached in 30 s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitStatus(t *testing.T, c *Client, appID, mode string, want EnvStatus) {
	t.Helper()
	eventually(t, "wait for "+mode+" "+string(want), func() (bool, error) {
		env, err := c.GetEnvironment(context.Background(), appID, mode)
		if err != nil {
			return false, err
		}
		return env.Status == want, nil
	})
}

func waitSnapshot(t *testing.T, c *Client, projectID, envID, id string) *Snapshot {
	t.Helper()
	var s *Snapshot
	eventually(t, "wait for snapshot "+id, func() (bool, error) {
		var err error
		s, err = c.GetSnapshot(context.Background(), projectID, envID, id)
		return err == nil && s.State.Done(), err
	})
	return s
}

func waitRestore(t *testing.T, c *Client, projectID, envID, id string) *Restore {
	t.Helper()
	var r *Restore
	eventually(t, "wait for restore "+id, func() (bool, error) {
		var err error
		r, err = c.GetRestore(context.Background(), projectID, envID, id)
		return err == nil && r.State.Done(), err
	})
	return r
}

func TestContractAppsAndEnvironments(t *testing.T) {
	_, c := startCloud(t)
	ctx := context.Background()

	apps, err := c.ListApps(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]App{}
	for _, a := range apps {
		byID[a.AppID] = a
	}
	for _, id := range []string{localcloud.DemoAppCustomerPortal, localcloud.DemoAppOrderDesk, localcloud.DemoAppExpenseTracker} {
		a, ok := byID[id]
		if !ok || a.Name == "" || a.ProjectID == "" || a.URL == "" {
			t.Errorf("demo app %s listed as %+v", id, a)
		}
	}
	app, err := c.GetApp(ctx, localcloud.DemoAppOrderDesk)
	if err != nil || *app != byID[localcloud.DemoAppOrderDesk] {
		t.Errorf("GetApp = %+v, %v; want the listed app", app, err)
	}

	envs, err := c.ListEnvironments(ctx, localcloud.DemoAppOrderDesk)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]EnvStatus{}
	for _, e := range envs {
		status[e.Mode] = e.Status
		if e.EnvironmentID == "" || e.ModelVersion == "" || e.MendixVersion == "" || e.URL == "" {
			t.Errorf("licensed environment lacks fields: %+v", e)
		}
	}
	if status["Test"] != StatusStopped || status["Acceptance"] != StatusStopped || status["Production"] != StatusRunning {
		t.Errorf("orderdesk statuses %v; want Test/Acceptance Stopped, Production Running", status)
	}
	prod, err := c.GetEnvironment(ctx, localcloud.DemoAppOrderDesk, "production") // Mode in any case
	if err != nil || prod.Mode != "Production" || !prod.IsProduction() || prod.Status != StatusRunning {
		t.Errorf("GetEnvironment(production) = %+v, %v", prod, err)
	}

	free, err := c.ListEnvironments(ctx, localcloud.DemoAppExpenseTracker)
	if err != nil {
		t.Fatal(err)
	}
	if len(free) != 1 || free[0].Mode != "Sandbox" || free[0].ModelVersion != "" || free[0].MendixVersion != "" {
		t.Errorf("Free App environments %+v; want one Sandbox without versions", free)
	}
	if !IsFreeApp(byID[localcloud.DemoAppExpenseTracker], free) || IsFreeApp(byID[localcloud.DemoAppOrderDesk], envs) {
		t.Error("IsFreeApp disagrees with the demo account")
	}

	loaded, err := c.LoadAccount(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range loaded {
		if a.App != apps[i] || a.Err != nil || len(a.Environments) == 0 {
			t.Errorf("LoadAccount[%d] = %+v", i, a)
		}
		if a.FreeApp != (a.AppID == localcloud.DemoAppExpenseTracker) {
			t.Errorf("LoadAccount: %s FreeApp = %v", a.AppID, a.FreeApp)
		}
	}

	// Documented errors of the v1 reads.
	if _, err := c.GetApp(ctx, "nosuchapp"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown app: %v, want ErrNotFound (404 APP_NOT_FOUND)", err)
	}
	if _, err := c.ListEnvironments(ctx, "nosuchapp"); !errors.Is(err, ErrNotFound) {
		t.Errorf("environments of unknown app: %v", err)
	}
	_, err = c.GetEnvironment(ctx, localcloud.DemoAppOrderDesk, "Staging")
	var ae *APIError
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &ae) || ae.Code != "ENVIRONMENT_NOT_FOUND" {
		t.Errorf("unknown mode: %v, want 404 ENVIRONMENT_NOT_FOUND", err)
	}
}

func TestContractUnauthorizedAndNoAccess(t *testing.T) {
	s, c := startCloud(t)
	ctx := context.Background()
	projectID, prodID := ids(t, c, localcloud.DemoAppCustomerPortal, "Production")
	_, accID := ids(t, c, localcloud.DemoAppCustomerPortal, "Acceptance")

	wrong, _ := New(s.URL(), Credentials{Username: localcloud.DemoUsername, APIKey: "not-the-key"})
	if _, err := wrong.ListApps(ctx); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("wrong key, v1: %v", err)
	}
	if _, err := wrong.ListSnapshots(ctx, projectID, prodID, ListOptions{}); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("wrong key, v2: %v", err)
	}
	if _, err := wrong.CreateUpload(ctx, projectID, accID, UploadMeta{Filename: "a.backup", Size: 10, SHA256: strings.Repeat("a", 64)}); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("wrong key, upload: %v", err)
	}
	if _, err := wrong.LoadAccount(ctx, 4); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("wrong key, load account: %v", err)
	}

	viewer, _ := New(s.URL(), Credentials{Username: localcloud.ViewerUsername, APIKey: localcloud.ViewerAPIKey})
	_, err := viewer.ListAllSnapshots(ctx, projectID, prodID)
	var ae *APIError
	if !errors.Is(err, ErrNoAccess) || !errors.As(err, &ae) || ae.StatusCode != 403 || ae.Code != "NO_ACCESS" || ae.Message == "" {
		t.Errorf("viewer on Production backups: %v, want 403 NO_ACCESS with a message", err)
	}
	if _, err := viewer.CreateRestore(ctx, projectID, prodID, RestoreRequest{SourceSnapshotID: "x"}); !errors.Is(err, ErrNoAccess) {
		t.Errorf("viewer restore into Production: %v", err)
	}
	if snaps, err := viewer.ListAllSnapshots(ctx, projectID, accID); err != nil || len(snaps) == 0 {
		t.Errorf("viewer on Acceptance backups: %d, %v; want the list", len(snaps), err)
	}
}

func TestContractStartAndStop(t *testing.T) {
	_, c := startCloud(t)
	ctx := context.Background()
	app := localcloud.DemoAppOrderDesk

	job, err := c.StartEnvironment(ctx, app, "Test", true)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "start job", func() (bool, error) {
		st, err := c.GetStartJob(ctx, app, "Test", job.JobID)
		return err == nil && st.Status == StartStarted, err
	})
	waitStatus(t, c, app, "Test", StatusRunning)

	if job, err := c.StartEnvironment(ctx, app, "Test", true); job != nil || !errors.Is(err, ErrAlreadyStarted) {
		t.Errorf("start of a running environment = %v, %v; want ErrAlreadyStarted", job, err)
	}
	if err := c.StopEnvironment(ctx, app, "Test"); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, c, app, "Test", StatusStopped)
	if err := c.StopEnvironment(ctx, app, "Test"); err != nil {
		t.Errorf("stopping a stopped environment: %v", err)
	}

	_, err = c.GetStartJob(ctx, app, "Test", "00000000-0000-0000-0000-000000000000")
	var ae *APIError
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &ae) || ae.Code != "NO_SUCH_STARTJOB" {
		t.Errorf("unknown start job: %v", err)
	}
	if _, err := c.StartEnvironment(ctx, "nosuchapp", "Test", true); !errors.Is(err, ErrNotFound) {
		t.Errorf("start of an unknown app: %v", err)
	}
}

func TestContractBusyEnvironment(t *testing.T) {
	// Jobs slow enough that a second request arrives while the first one runs.
	s, c := startCloud(t, localcloudtest.WithJobDelay(400*time.Millisecond))
	ctx := context.Background()
	app := localcloud.DemoAppOrderDesk
	projectID, accID := ids(t, c, app, "Acceptance")

	if _, err := c.StartEnvironment(ctx, app, "Test", true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.StartEnvironment(ctx, app, "Test", true); !errors.Is(err, ErrBusy) {
		t.Errorf("second start while starting: %v, want ErrBusy (APP_ALREADY_HAS_A_STARTING_JOB)", err)
	}

	snap, err := c.CreateSnapshot(ctx, projectID, accID, "first")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateSnapshot(ctx, projectID, accID, "second"); !errors.Is(err, ErrBusy) {
		t.Errorf("second backup while one runs: %v, want ErrBusy (ENVIRONMENT_BUSY)", err)
	}
	waitSnapshot(t, c, projectID, accID, snap.SnapshotID)

	r, err := c.CreateRestore(ctx, projectID, accID, RestoreRequest{SourceSnapshotID: snap.SnapshotID})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateRestore(ctx, projectID, accID, RestoreRequest{SourceSnapshotID: snap.SnapshotID})
	var ae *APIError
	if !errors.Is(err, ErrBusy) || !errors.As(err, &ae) || ae.Code != "ENVIRONMENT_BUSY" {
		t.Errorf("second restore while one runs: %v, want 400 ENVIRONMENT_BUSY", err)
	}
	if done := waitRestore(t, c, projectID, accID, r.RestoreID); done.State != StateCompleted {
		t.Errorf("restore ended %s: %s", done.State, done.StatusMessage)
	}
	if n := len(s.Cloud().Restores(accID)); n != 1 {
		t.Errorf("%d restores submitted, want 1", n)
	}
}

func TestContractBackups(t *testing.T) {
	_, c := startCloud(t)
	ctx := context.Background()
	projectID, prodID := ids(t, c, localcloud.DemoAppCustomerPortal, "Production")

	all, err := c.ListAllSnapshots(ctx, projectID, prodID)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 10 {
		t.Fatalf("Production has %d backups; the demo history has more", len(all))
	}
	states := map[JobState]int{}
	for _, s := range all {
		states[s.State]++
		if s.SnapshotID == "" || s.CreatedAt.IsZero() {
			t.Errorf("snapshot without id or time: %+v", s)
		}
	}
	if states[StateCompleted] == 0 || states[StateFailed] == 0 {
		t.Errorf("states %v; the demo history has completed and failed backups", states)
	}
	// Paging by hand sees the same list.
	page, err := c.ListSnapshots(ctx, projectID, prodID, ListOptions{Offset: 2, Limit: 3})
	if err != nil || len(page.Snapshots) != 3 || page.Total != len(all) || page.Snapshots[0].SnapshotID != all[2].SnapshotID {
		t.Errorf("page offset 2 limit 3 = %+v, %v", page, err)
	}

	got, err := c.GetSnapshot(ctx, projectID, prodID, all[0].SnapshotID)
	if err != nil || got.SnapshotID != all[0].SnapshotID || got.State != all[0].State {
		t.Errorf("GetSnapshot = %+v, %v", got, err)
	}

	created, err := c.CreateSnapshot(ctx, projectID, prodID, "Before the contract test")
	if err != nil {
		t.Fatal(err)
	}
	if created.State != StateQueued || created.Comment != "Before the contract test" {
		t.Errorf("created snapshot %+v, want queued with the comment", created)
	}
	done := waitSnapshot(t, c, projectID, prodID, created.SnapshotID)
	if done.State != StateCompleted || done.FinishedAt.IsZero() || done.ExpiresAt.IsZero() || done.ModelVersion == "" {
		t.Errorf("finished snapshot %+v", done)
	}
	upd, err := c.UpdateSnapshotComment(ctx, projectID, prodID, created.SnapshotID, "Renamed")
	if err != nil || upd.Comment != "Renamed" {
		t.Errorf("UpdateSnapshotComment = %+v, %v", upd, err)
	}

	arch, err := c.CreateArchive(ctx, projectID, prodID, created.SnapshotID, DataDatabaseOnly)
	if err != nil {
		t.Fatal(err)
	}
	if arch.URL != "" || arch.DataType != DataDatabaseOnly {
		t.Errorf("new archive %+v, want no URL yet", arch)
	}
	eventually(t, "archive", func() (bool, error) {
		a, err := c.GetArchive(ctx, projectID, prodID, created.SnapshotID, arch.ArchiveID)
		if err == nil && a.State == StateCompleted && a.URL == "" {
			t.Error("completed archive without URL")
		}
		return err == nil && a.State.Done(), err
	})
	_, err = c.CreateArchive(ctx, projectID, prodID, created.SnapshotID, DataType("files_only"))
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 || ae.Code != "UNSUPPORTED" {
		t.Errorf("unsupported data_type: %v, want 400 UNSUPPORTED", err)
	}
	if _, err := c.GetArchive(ctx, projectID, prodID, created.SnapshotID, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown archive: %v", err)
	}

	if err := c.DeleteSnapshot(ctx, projectID, prodID, created.SnapshotID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetSnapshot(ctx, projectID, prodID, created.SnapshotID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted snapshot: %v, want ErrNotFound", err)
	}
	if err := c.DeleteSnapshot(ctx, projectID, prodID, created.SnapshotID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting twice: %v", err)
	}
	if _, err := c.ListSnapshots(ctx, projectID, "00000000-0000-0000-0000-000000000000", ListOptions{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown environment: %v, want ErrNotFound (404 ENVIRONMENT_NOT_FOUND)", err)
	}
}

func TestContractRestore(t *testing.T) {
	s, c := startCloud(t)
	ctx := context.Background()
	app := localcloud.DemoAppCustomerPortal
	projectID, prodID := ids(t, c, app, "Production")
	_, accID := ids(t, c, app, "Acceptance")

	accSnaps, err := c.ListAllSnapshots(ctx, projectID, accID)
	if err != nil {
		t.Fatal(err)
	}
	var source, failed Snapshot
	for _, sn := range accSnaps {
		switch {
		case sn.State == StateCompleted && source.SnapshotID == "":
			source = sn
		case sn.State == StateFailed && failed.SnapshotID == "":
			failed = sn
		}
	}
	if source.SnapshotID == "" {
		t.Fatal("no completed Acceptance backup in the demo data")
	}

	// Production runs: the restore is refused with the documented message.
	_, err = c.CreateRestore(ctx, projectID, prodID, RestoreRequest{SourceSnapshotID: source.SnapshotID})
	if !IsStillRunning(err) || !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("restore into running Production: %v, want 400 ERROR_NOT_ALLOWED \"Please stop loft…\"", err)
	}
	if err := c.StopEnvironment(ctx, app, "Production"); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, c, app, "Production", StatusStopped)

	// A backup of another app is "not found" (400 NOT_FOUND), as is an unknown id.
	otherProject, otherAcc := ids(t, c, localcloud.DemoAppOrderDesk, "Acceptance")
	otherSnaps, err := c.ListAllSnapshots(ctx, otherProject, otherAcc)
	if err != nil || len(otherSnaps) == 0 {
		t.Fatal(err)
	}
	for _, id := range []string{otherSnaps[0].SnapshotID, "00000000-0000-0000-0000-000000000000"} {
		_, err = c.CreateRestore(ctx, projectID, prodID, RestoreRequest{SourceSnapshotID: id})
		var ae *APIError
		if !errors.Is(err, ErrNotFound) || !errors.As(err, &ae) || ae.StatusCode != 400 || ae.Code != "NOT_FOUND" {
			t.Errorf("restore from %s: %v, want 400 NOT_FOUND", id, err)
		}
	}
	if failed.SnapshotID != "" {
		_, err = c.CreateRestore(ctx, projectID, prodID, RestoreRequest{SourceSnapshotID: failed.SnapshotID})
		if !errors.Is(err, ErrNotAllowed) || IsStillRunning(err) {
			t.Errorf("restore from a failed backup: %v, want ERROR_NOT_ALLOWED (not the running refusal)", err)
		}
	}

	// Restore Acceptance's backup into Production (the portal's "restore into").
	r, err := c.CreateRestore(ctx, projectID, prodID, RestoreRequest{SourceSnapshotID: source.SnapshotID, DBOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.State != StateQueued || r.SourceSnapshotID != source.SnapshotID || r.SourceEnvironmentID != accID || r.TargetEnvironmentID != prodID {
		t.Errorf("restore %+v", r)
	}
	if done := waitRestore(t, c, projectID, prodID, r.RestoreID); done.State != StateCompleted || done.FinishedAt.IsZero() {
		t.Errorf("restore ended %+v", done)
	}
	if _, err := c.GetRestore(ctx, projectID, prodID, "00000000-0000-0000-0000-000000000000"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown restore: %v, want 400 NOT_FOUND", err)
	}

	// The connection drops after the server accepted the restore: the client says it does
	// not know, and the restore was submitted exactly once.
	before := len(s.Cloud().Restores(prodID))
	s.Cloud().SetFaults(localcloud.Faults{Seed: 1, Rate: 1, Kinds: []localcloud.FaultKind{localcloud.FaultDrop}})
	_, err = c.CreateRestore(ctx, projectID, prodID, RestoreRequest{SourceSnapshotID: source.SnapshotID})
	s.Cloud().SetFaults(localcloud.Faults{})
	var amb *AmbiguousError
	if !errors.As(err, &amb) || !errors.Is(err, ErrAmbiguous) {
		t.Fatalf("dropped restore: %v, want *AmbiguousError", err)
	}
	if after := len(s.Cloud().Restores(prodID)); after != before+1 {
		t.Errorf("restores submitted %d → %d; want exactly one more", before, after)
	}
}

func TestContractFreeApp(t *testing.T) {
	_, c := startCloud(t)
	ctx := context.Background()
	app := localcloud.DemoAppExpenseTracker
	projectID, envID := ids(t, c, app, "Sandbox")

	snaps, err := c.ListAllSnapshots(ctx, projectID, envID)
	if err != nil || len(snaps) == 0 {
		t.Fatalf("Free App backups: %d, %v", len(snaps), err)
	}
	if _, err := c.CreateSnapshot(ctx, projectID, envID, ""); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("manual backup of a Free App: %v, want ErrNotAllowed", err)
	}
	_, err = c.CreateUpload(ctx, projectID, envID, UploadMeta{Filename: "a.backup", Size: 10, SHA256: strings.Repeat("a", 64)})
	if !errors.Is(err, ErrNotAllowed) || errors.Is(err, ErrUploadsUnsupported) {
		t.Errorf("upload to a Free App: %v, want ErrNotAllowed", err)
	}
	var source string
	for _, s := range snaps {
		if s.State == StateCompleted {
			source = s.SnapshotID
			break
		}
	}
	if err := c.StopEnvironment(ctx, app, "Sandbox"); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, c, app, "Sandbox", StatusStopped)
	r, err := c.CreateRestore(ctx, projectID, envID, RestoreRequest{SourceSnapshotID: source})
	if err != nil {
		t.Fatal(err)
	}
	if done := waitRestore(t, c, projectID, envID, r.RestoreID); done.State != StateCompleted {
		t.Errorf("Free App restore ended %+v", done)
	}
	job, err := c.StartEnvironment(ctx, app, "Sandbox", true)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "start", func() (bool, error) {
		st, err := c.GetStartJob(ctx, app, "Sandbox", job.JobID)
		return err == nil && st.Status == StartStarted, err
	})
}

func fixtureBackup(t *testing.T) ([]byte, string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "localcloud", "demodata", "customerportal.backup"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:])
}

func TestContractUploadBecomesARestorableSnapshot(t *testing.T) {
	s, c := startCloud(t)
	ctx := context.Background()
	app := localcloud.DemoAppCustomerPortal
	projectID, accID := ids(t, c, app, "Acceptance")
	data, sum := fixtureBackup(t)

	// Small chunks and a flaky network: every kind of fault but the slow one, so the
	// upload must resume through drops, 500s and 429s and still deliver every byte.
	var logs syncBuffer
	c2, _ := New(s.URL(), Credentials{Username: localcloud.DemoUsername, APIKey: localcloud.DemoAPIKey},
		WithUploadChunkSize(8<<10), WithBackoff(time.Millisecond, 10*time.Millisecond), WithRetries(8),
		WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	up, err := c2.CreateUpload(ctx, projectID, accID, UploadMeta{Filename: "customerportal.backup", Size: int64(len(data)), SHA256: sum})
	if err != nil {
		t.Fatal(err)
	}
	s.Cloud().SetFaults(localcloud.Faults{Seed: 7, Rate: 0.25, Kinds: []localcloud.FaultKind{localcloud.FaultDrop, localcloud.FaultServerError}})
	var prog progressSum
	err = c2.SendUpload(ctx, up.URL, bytes.NewReader(data), int64(len(data)), prog.add)
	s.Cloud().SetFaults(localcloud.Faults{})
	if err != nil {
		t.Fatal(err)
	}
	if prog.sum != int64(len(data)) {
		t.Errorf("progress sums to %d, want %d", prog.sum, len(data))
	}
	if n := strings.Count(logs.String(), "cloud upload resumes"); n == 0 {
		t.Error("no fault hit the upload; the test proves nothing about resuming")
	} else {
		t.Logf("the upload resumed %d times", n)
	}
	off, err := c.UploadOffset(ctx, up.URL)
	if err != nil || off != int64(len(data)) {
		t.Errorf("offset after upload %d, %v", off, err)
	}

	// The upload id is the snapshot id; the server checks it (SHA-256, PostgreSQL dump).
	snap := waitSnapshot(t, c, projectID, accID, up.SnapshotID)
	if snap.State != StateCompleted || snap.Comment != "Uploaded snapshot" {
		t.Fatalf("uploaded snapshot %+v, want completed \"Uploaded snapshot\"", snap)
	}
	r, err := c.CreateRestore(ctx, projectID, accID, RestoreRequest{SourceSnapshotID: up.SnapshotID})
	if err != nil {
		t.Fatal(err)
	}
	if done := waitRestore(t, c, projectID, accID, r.RestoreID); done.State != StateCompleted {
		t.Errorf("restore of the upload ended %+v", done)
	}
}

func TestContractUploadOfDamagedFileFails(t *testing.T) {
	_, c := startCloud(t)
	ctx := context.Background()
	projectID, accID := ids(t, c, localcloud.DemoAppCustomerPortal, "Acceptance")
	data, sum := fixtureBackup(t)
	damaged := bytes.Clone(data)
	damaged[len(damaged)/2] ^= 0xff // the sent SHA-256 no longer matches

	up, err := c.CreateUpload(ctx, projectID, accID, UploadMeta{Filename: "customerportal.backup", Size: int64(len(damaged)), SHA256: sum})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SendUpload(ctx, up.URL, bytes.NewReader(damaged), int64(len(damaged)), nil); err != nil {
		t.Fatal(err)
	}
	snap := waitSnapshot(t, c, projectID, accID, up.SnapshotID)
	if snap.State != StateFailed || !strings.Contains(snap.StatusMessage, "SHA-256") {
		t.Errorf("damaged upload became %+v, want failed naming the SHA-256", snap)
	}
	_, err = c.UploadOffset(ctx, strings.TrimSuffix(up.URL, up.SnapshotID)+"00000000-0000-0000-0000-000000000000")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("offset of an unknown upload: %v, want ErrNotFound", err)
	}
	if _, err := c.CreateUpload(ctx, projectID, "00000000-0000-0000-0000-000000000000", UploadMeta{Filename: "a.backup", Size: 1, SHA256: sum}); !errors.Is(err, ErrNotFound) || errors.Is(err, ErrUploadsUnsupported) {
		t.Errorf("upload to an unknown environment: %v, want ErrNotFound", err)
	}
}

func TestContractRetriesThroughFaults(t *testing.T) {
	s, c := startCloud(t, localcloudtest.WithFaults(localcloud.Faults{Seed: 3, Rate: 0.3,
		Kinds: []localcloud.FaultKind{localcloud.FaultServerError, localcloud.FaultDrop}}))
	c.retry.retries = 8
	ctx := context.Background()
	for range 3 {
		apps, err := c.LoadAccount(ctx, 4)
		if err != nil {
			t.Fatalf("LoadAccount through faults: %v", err)
		}
		for _, a := range apps {
			if a.Err != nil {
				t.Errorf("%s: %v", a.AppID, a.Err)
			}
		}
	}

	// 429 with Retry-After, answered to everything: the client waits and then reports it.
	s.Cloud().SetFaults(localcloud.Faults{Seed: 1, Rate: 1, Kinds: []localcloud.FaultKind{localcloud.FaultRateLimit}, RetryAfter: time.Second})
	c.retry.retries = 1
	start := time.Now()
	_, err := c.ListApps(ctx)
	var ae *APIError
	if !errors.Is(err, ErrRateLimited) || !errors.As(err, &ae) || ae.RetryAfter != "1" {
		t.Errorf("rate limited: %v, want ErrRateLimited with Retry-After 1", err)
	}
	if time.Since(start) < time.Second {
		t.Error("the client did not wait for Retry-After before its retry")
	}
}
