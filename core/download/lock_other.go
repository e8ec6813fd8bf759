//go:build !unix && !windows

package download

import "os"

// lockPart cannot lock on this system: two downloads into one file are not prevented.
func lockPart(*os.File) error { return nil }
