//go:build !linux && !darwin && !freebsd && !windows

package localfs

// Free cannot be asked on this system: -1 means unknown, and callers skip their check (a
// full disk still ends a write with its own error).
func Free(string) (int64, error) { return -1, nil }
