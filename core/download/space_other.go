//go:build !linux && !darwin && !freebsd && !windows

package download

// diskFree cannot be asked on this system: -1 means unknown, and the check is skipped
// (a full disk still stops the download with a clear error).
func diskFree(string) (int64, error) { return -1, nil }
