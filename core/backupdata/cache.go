package backupdata

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DefaultCacheDir is where backups fetched from the cloud to be looked inside are kept,
// so that looking again costs no second download: the user's cache folder, then
// RestoreDesk/look-inside. Deleting it at any time loses nothing but the copies.
func DefaultCacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find the cache folder: %w", err)
	}
	return filepath.Join(base, "RestoreDesk", "look-inside"), nil
}

// CacheFolder is the folder of one backup in the cache dir root: one per environment and
// backup, so two backups never share a file name.
func CacheFolder(root, environmentID, snapshotID string) string {
	clean := func(s string) string { // an id never leads out of root
		s = strings.Map(func(r rune) rune {
			if r == '/' || r == '\\' || r == ':' || r < ' ' {
				return '_'
			}
			return r
		}, s)
		if s == "" || s == "." || s == ".." {
			return "_"
		}
		return s
	}
	return filepath.Join(root, clean(environmentID), clean(snapshotID))
}

// CachedFile is the downloaded backup in a backup's cache folder, "" when there is none
// yet. A download in progress or cut off (.part) is not one.
func CachedFile(folder string) string {
	entries, err := os.ReadDir(folder)
	if err != nil {
		return ""
	}
	for _, e := range entries {
		if e.Type().IsRegular() && !strings.HasSuffix(e.Name(), ".part") {
			return filepath.Join(folder, e.Name())
		}
	}
	return ""
}
