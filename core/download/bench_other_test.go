//go:build !unix

package download

import "os"

// settleDisk: this system's writeback is not forced between benchmark runs.
func settleDisk() {}

// peakRSS is unknown on this system.
func peakRSS(*os.ProcessState) (int64, bool) { return 0, false }
