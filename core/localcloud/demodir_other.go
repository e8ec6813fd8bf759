//go:build !unix

package localcloud

import "os"

// lockFile is a no-op where flock is missing: there one demo at a time is the user's
// business (Windows keeps the open SQLite file from being deleted anyway).
func lockFile(*os.File) error { return nil }
