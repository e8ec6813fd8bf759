//go:build !unix

package cloud

import "os"

// peakRSS is unknown on this system.
func peakRSS(*os.ProcessState) (int64, bool) { return 0, false }
