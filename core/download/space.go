package download

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"restoredesk/core/localfs"
	"restoredesk/core/progress"
)

// A download keeps spaceReserve free on its disk: checked before the body when the size
// is known, while writing when it is not. What a full disk leaves behind is said plainly.

// ready checks, before the first byte of the body is read, that the file may be written
// and that need more bytes fit on the disk.
func (t *transfer) ready(need int64) error {
	if err := checkTarget(t.final(), t.req.Force); err != nil {
		return err
	}
	if need <= 0 {
		return nil
	}
	n, err := t.free()
	if err != nil {
		return err
	}
	if n >= 0 && n < need+spaceReserve {
		return fmt.Errorf("%w: the download needs %s in %s, and %s should stay free besides, but only %s is free; free up space or choose another folder",
			ErrNoSpace, progress.Size(need), t.req.Dir, progress.Size(spaceReserve), progress.Size(n))
	}
	return nil
}

// free is the space left in the destination folder (negative: unknown).
func (t *transfer) free() (int64, error) {
	free := t.f.FreeSpace
	if free == nil {
		free = localfs.Free
	}
	n, err := free(t.req.Dir)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrFolder, err)
	}
	return n, nil
}

// roomFor checks, while a download of unknown length is written, that n more bytes
// leave the reserve free: such a download cannot be checked for space before it starts,
// so it is stopped before it fills the disk.
func (t *transfer) roomFor(n int) error {
	if t.total >= 0 {
		return nil
	}
	free, err := t.free()
	if err != nil || free < 0 || free-int64(n) >= spaceReserve {
		return err
	}
	return t.fileError(errReserve)
}

// errReserve: the next write would eat into the space kept free.
var errReserve = errors.New("the space kept free would be used")

// resumable reports whether the .part can be continued by a later download: its object
// has a validator and a known size, kept in the sidecar.
func (t *transfer) resumable() bool { return t.total > 0 && t.val.ifRange() != "" }

// fileError says what went wrong with the local file in words that tell what to do.
func (t *transfer) fileError(err error) error {
	switch {
	case errors.Is(err, errReserve) || errors.Is(err, syscall.ENOSPC):
		full := "is full"
		if errors.Is(err, errReserve) {
			full = fmt.Sprintf("would have less than %s free (kept free for other programs)", progress.Size(spaceReserve))
		}
		part := filepath.Base(partPath(t.final()))
		if t.resumable() {
			return fmt.Errorf("%w: the disk holding %s %s after %s; %s keeps what was downloaded: free up space and download again (it continues from %s)",
				ErrNoSpace, t.req.Dir, full, progress.Size(t.offset), part, part)
		}
		// Without a size and a validator the bytes cannot be continued: give the space back.
		left := "it was deleted to give the space back"
		t.closePart()
		if rerr := os.Remove(partPath(t.final())); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			left = fmt.Sprintf("%s was left behind and cannot be continued: delete it", part)
		}
		return fmt.Errorf("%w: the disk holding %s %s after %s of a download whose size the storage host did not say; the partial download cannot be continued, so %s; free up space or choose a folder on another disk, and download again",
			ErrNoSpace, t.req.Dir, full, progress.Size(t.offset), left)
	case errors.Is(err, syscall.EFBIG):
		return fmt.Errorf("%w: the file system of %s cannot hold a file this large (FAT32, common on USB sticks, stops at 4 GiB); choose a folder on another disk",
			ErrNoSpace, t.req.Dir)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: %s vanished during the download; choose an existing folder and download again", ErrFolder, t.req.Dir)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w: cannot write in %s (%v); choose a folder you can write to", ErrFolder, t.req.Dir, err)
	}
	return fmt.Errorf("write %s: %w", filepath.Base(partPath(t.final())), err)
}
