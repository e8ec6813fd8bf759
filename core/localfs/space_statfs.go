//go:build linux || darwin || freebsd

package localfs

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Free is the space an unprivileged user may still write on dir's file system, in bytes.
func Free(dir string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("free space of %s: %w", dir, err)
	}
	return int64(st.Bavail) * int64(st.Bsize), nil //nolint:unconvert // field types differ per system
}
