//go:build unix

package download

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A symbolic link planted at NAME.part, pointing at a file outside the folder, never
// redirects the download: nothing is written to its target, the link is not renamed into
// the final name, and the error says what is in the way.
func TestAPlantedPartLinkNeverRedirectsTheDownload(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.seed(dbFixture, true)
	dir, outside := t.TempDir(), t.TempDir()
	victim := filepath.Join(outside, "victim.txt")
	if err := os.WriteFile(victim, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(dir, "cp.backup")
	if err := os.Symlink(victim, dest+".part"); err != nil {
		t.Fatal(err)
	}
	_, err := e.runner(nil).Run(context.Background(), e.plan(e.target(id, dest, true)), Hooks{})
	if !errors.Is(err, ErrNotAFile) || !strings.Contains(err.Error(), "cp.backup.part") || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("download onto a planted .part link: %v", err)
	}
	assertNoLink(t, "the error", err.Error())
	if b, err := os.ReadFile(victim); err != nil || string(b) != "precious" {
		t.Errorf("the link's target was written: %q, %v", b, err)
	}
	if _, err := os.Lstat(dest); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a final file appeared: %v", err)
	}
	if fi, err := os.Lstat(dest + ".part"); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the planted link was changed: %v", err)
	}
}

// A link planted at the sidecar (NAME.part.json) is neither read through nor written
// through: the download completes, the link's target keeps its bytes.
func TestAPlantedSidecarLinkIsNeverWrittenThrough(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.seed(dbFixture, true)
	dir, outside := t.TempDir(), t.TempDir()
	victim := filepath.Join(outside, "victim.json")
	const precious = `{"etag":"\"planted\"","size":999999999}`
	if err := os.WriteFile(victim, []byte(precious), 0o600); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(dir, "cp.backup")
	if err := os.Symlink(victim, dest+".part.json"); err != nil {
		t.Fatal(err)
	}
	out, err := e.runner(nil).Run(context.Background(), e.plan(e.target(id, dest, true)), Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Resumed != 0 {
		t.Errorf("the download resumed from a sidecar read through a link: %d bytes", out.Resumed)
	}
	if b, err := os.ReadFile(victim); err != nil || string(b) != precious {
		t.Errorf("the sidecar link's target was written: %q, %v", b, err)
	}
	if fileSHA(t, dest) != fileSHA(t, dbFixture) {
		t.Error("the saved file differs from the backup")
	}
}

// A named pipe at NAME.part is refused at once (no hang, nothing read from or written
// to it), and one at the final name is never replaced, even when replacing is allowed.
func TestANamedPipeIsNeverWrittenNorReplaced(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.seed(dbFixture, true)
	dir := t.TempDir()
	dest := filepath.Join(dir, "cp.backup")
	if err := syscall.Mkfifo(dest+".part", 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := e.runner(nil).Run(context.Background(), e.plan(e.target(id, dest, true)), Hooks{})
	if !errors.Is(err, ErrNotAFile) || !strings.Contains(err.Error(), "named pipe") {
		t.Fatalf("download onto a FIFO .part: %v", err)
	}

	final := filepath.Join(t.TempDir(), "fifo.backup")
	if err := syscall.Mkfifo(final, 0o600); err != nil {
		t.Fatal(err)
	}
	tg := e.target(id, final, true)
	tg.Force = true
	if _, err := MakePlan(context.Background(), e.client, tg); !errors.Is(err, ErrNotAFile) {
		t.Fatalf("plan to replace a FIFO with force: %v", err)
	}
	// The plan was made while the name was free; the FIFO appears before the download.
	free := filepath.Join(t.TempDir(), "late.backup")
	tg = e.target(id, free, true)
	tg.Force = true
	p := e.plan(tg)
	if err := syscall.Mkfifo(free, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := e.runner(nil).Run(context.Background(), p, Hooks{}); !errors.Is(err, ErrNotAFile) {
		t.Fatalf("download with force onto a FIFO that appeared after the plan: %v", err)
	}
	for _, f := range []string{dest + ".part", final, free} {
		if fi, err := os.Lstat(f); err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
			t.Errorf("%s is no longer the named pipe: %v", f, err)
		}
	}
}

// --output /dev/null with replacing allowed (the test runs as root where it can, as the
// review did): /dev/null stays the device, and nothing is written in /dev.
func TestDevNullIsNeverReplacedEvenWithForce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.seed(dbFixture, true)
	before, err := os.Lstat("/dev/null")
	if err != nil {
		t.Skipf("no /dev/null: %v", err)
	}
	tg := e.target(id, "/dev/null", true)
	tg.Force = true
	_, err = MakePlan(context.Background(), e.client, tg)
	if !errors.Is(err, ErrNotAFile) || !strings.Contains(err.Error(), "a device") {
		t.Fatalf("plan to download onto /dev/null with force (uid %d): %v", os.Getuid(), err)
	}
	after, err := os.Lstat("/dev/null")
	if err != nil || after.Mode() != before.Mode() || !os.SameFile(before, after) {
		t.Fatalf("/dev/null changed: %v, %v", after, err)
	}
	if leftovers, _ := filepath.Glob("/dev/.restoredesk-*"); len(leftovers) != 0 {
		t.Errorf("files left in /dev: %v", leftovers)
	}
}
