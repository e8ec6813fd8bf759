//go:build !unix && !windows

package localfs

import "os"

// Lock cannot lock on this system: every lock is granted, so what it guards (two
// downloads into one file, two clouds on one folder, two followers of one run) is the
// user's business there.
func Lock(*os.File) error { return nil }
