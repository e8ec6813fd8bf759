//go:build unix

package cloud

import (
	"os"
	"syscall"
)

// peakRSS is a finished process's peak resident memory (KiB on Linux).
func peakRSS(ps *os.ProcessState) (int64, bool) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, false
	}
	return int64(ru.Maxrss), true //nolint:unconvert // int32 on some systems
}
