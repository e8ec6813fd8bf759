//go:build unix

package localfs

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// Lock takes an exclusive lock on f without waiting: ErrLocked when another open file
// holds it. It is held per open file and the kernel drops it when f is closed or the
// process dies, so a crash leaves no stale lock.
func Lock(f *os.File) error {
	err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return ErrLocked
	}
	return err
}
