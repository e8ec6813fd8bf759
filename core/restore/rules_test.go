package restore_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/localcloud"
	"restoredesk/core/restore"
)

// The plan says which options a front end may offer; the front ends draw exactly that.
func TestPlan_AllowsWhatTheTargetPermits(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	free := b.target(localcloud.DemoAppExpenseTracker, "Sandbox")
	prod := b.target(localcloud.DemoAppOrderDesk, "Production")
	file := fixture("customerportal.backup")
	cases := []struct {
		name string
		req  restore.Request
		want restore.Allows
	}{
		{"Free App restore", restore.Request{Source: restore.Source{SnapshotID: b.completedSnapshot(free).SnapshotID}, Target: free,
			Options: restore.Options{SafetyBackup: true}}, restore.Allows{DBOnly: true, Start: true}},
		{"production restore", restore.Request{Source: restore.Source{SnapshotID: b.completedSnapshot(prod).SnapshotID}, Target: prod,
			Options: restore.Options{SafetyBackup: true}}, restore.Allows{SafetyBackup: true, DBOnly: true, Start: true, ConfirmName: "Production"}},
		{"production upload only", restore.Request{Source: restore.Source{File: file}, Target: prod,
			Options: restore.Options{UploadOnly: true}}, restore.Allows{}},
		// Stopping production takes it offline: its name is typed, as for a restore.
		{"production stop", restore.Request{Action: journal.KindStop, Target: prod}, restore.Allows{ConfirmName: "Production"}},
		{"production start", restore.Request{Action: journal.KindStart, Target: prod}, restore.Allows{}},
	}
	for _, c := range cases {
		p, err := b.e.Plan(ctx, c.req)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if p.Allows != c.want {
			t.Errorf("%s: allows %+v, want %+v", c.name, p.Allows, c.want)
		}
		if p.Request.Options.SafetyBackup && !p.Allows.SafetyBackup {
			t.Errorf("%s: the plan keeps a safety backup it does not allow", c.name)
		}
		if got := p.ConfirmWith(""); got != (c.want.ConfirmName == "") {
			t.Errorf("%s: confirmed without a name = %v", c.name, got)
		}
	}
	if err := restore.CheckUploadTarget(free); !errors.Is(err, restore.ErrFreeAppUpload) {
		t.Errorf("upload to a Free App: %v", err)
	}
}

// Whether a plan can be undone is the plan's answer: a restore without a safety backup
// cannot, and a Free App's never can; what replaces no data loses nothing.
func TestPlan_IrreversibleSaysWhyARestoreCannotBeUndone(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	free := b.target(localcloud.DemoAppExpenseTracker, "Sandbox")
	test := b.target(localcloud.DemoAppOrderDesk, "Test")
	snap := func(tg restore.Target) restore.Source {
		return restore.Source{SnapshotID: b.completedSnapshot(tg).SnapshotID}
	}
	file := fixture("customerportal.backup")
	cases := []struct {
		name string
		req  restore.Request
		want restore.IrreversibleReason
	}{
		{"Free App restore, safety backup asked", restore.Request{Source: snap(free), Target: free,
			Options: restore.Options{SafetyBackup: true}}, restore.IrreversibleFreeApp},
		{"restore with a safety backup", restore.Request{Source: snap(test), Target: test,
			Options: restore.Options{SafetyBackup: true}}, restore.Reversible},
		{"restore without a safety backup", restore.Request{Source: snap(test), Target: test}, restore.IrreversibleNoSafetyBackup},
		{"upload and restore without a safety backup", restore.Request{Source: restore.Source{File: file}, Target: test},
			restore.IrreversibleNoSafetyBackup},
		{"upload only", restore.Request{Source: restore.Source{File: file}, Target: test,
			Options: restore.Options{UploadOnly: true}}, restore.Reversible},
		{"stop", restore.Request{Action: journal.KindStop, Target: test}, restore.Reversible},
		{"Free App start", restore.Request{Action: journal.KindStart, Target: free}, restore.Reversible},
	}
	for _, c := range cases {
		p, err := b.e.Plan(ctx, c.req)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := p.Irreversible(); got != c.want {
			t.Errorf("%s: irreversible %v, want %v", c.name, got, c.want)
		}
	}
}

// Only a completed backup can be restored or downloaded.
func TestRestorable_OnlyCompletedBackups(t *testing.T) {
	for st, want := range map[cloud.JobState]bool{cloud.StateCompleted: true, cloud.StateRunning: false,
		cloud.StateQueued: false, cloud.StateFailed: false} {
		if got := restore.Restorable(cloud.Snapshot{State: st}); got != want {
			t.Errorf("a %s backup: restorable %v, want %v", st, got, want)
		}
	}
}

// A file is read once: planning it again, with other options, uses what the engine
// found, as long as the file's size and modification time are as they were.
func TestPlan_InspectsAFileOnce(t *testing.T) {
	ctx := context.Background()
	b := newBed(t)
	tg := b.target(localcloud.DemoAppCustomerPortal, "Test")
	path := filepath.Join(t.TempDir(), "copy.backup")
	copyFile(t, fixture("customerportal.backup"), path)
	// sha is the SHA-256 of the file as the engine's plan saw it (a file that became
	// unrestorable is reported on the plan's error).
	sha := func() string {
		t.Helper()
		p, err := b.e.Plan(ctx, restore.Request{Source: restore.Source{File: path}, Target: tg, Options: restore.Options{UploadOnly: true}})
		if rep := restore.ReportOf(err); rep != nil {
			return rep.SHA256
		}
		if err != nil {
			t.Fatal(err)
		}
		return p.Archive.SHA256
	}
	first := sha()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// Change one byte but keep the size and the modification time: a second plan that
	// read the file would see another SHA-256.
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{0xff}, fi.Size()-1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if again := sha(); again != first {
		t.Errorf("the file was read again: SHA-256 %s, then %s", first, again)
	}
	// A newer modification time makes it a new file.
	later := fi.ModTime().Add(time.Minute)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	if changed := sha(); changed == first {
		t.Error("a changed file was not read again")
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
