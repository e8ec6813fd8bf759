//go:build unix

package download

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// lockPart takes a non-blocking flock on the .part: two downloads of the same backup into
// the same folder must not write one file. The kernel drops it when the file is closed or
// the process dies, so a crash leaves no stale lock.
func lockPart(f *os.File) error {
	err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return errPartLocked
	}
	return err
}
