package download

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// A download writes only regular files: a symbolic link, a named pipe or a device planted
// at one of its names (the .part, its sidecar, the final name) must never turn a download
// into a write somewhere else, not even when replacing a file was allowed.

// ErrNotAFile: a name the download would write is taken by something that is not a
// regular file (a symbolic link, a folder, a named pipe, a device); it is never written
// through nor replaced.
var ErrNotAFile = errors.New("the name is taken by something that is not a regular file")

// checkTarget refuses a final name that holds anything but a regular file, and an
// existing file unless force.
func checkTarget(path string, force bool) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("%w: %s: %v", ErrFolder, path, err)
	case !fi.Mode().IsRegular():
		return notAFile(path, fi.Mode())
	case !force:
		return fmt.Errorf("%w: %s; choose another name, or choose to replace that file", ErrExists, path)
	}
	return nil
}

// openRegular opens path without following a symbolic link at its place (with flag's
// O_CREATE: creating it) and makes sure what was opened is a regular file that still sits
// under that name; anything else is refused with ErrNotAFile before a byte is written.
func openRegular(path string, flag int) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, notAFile(path, fi.Mode())
	}
	f, err := os.OpenFile(path, flag|noFollow, 0o600)
	if err != nil {
		// Planted between the look and the open: O_NOFOLLOW refused a link.
		if fi, lerr := os.Lstat(path); lerr == nil && !fi.Mode().IsRegular() {
			return nil, notAFile(path, fi.Mode())
		}
		return nil, err
	}
	opened, err := f.Stat()
	if err == nil {
		var now fs.FileInfo
		// Where links cannot be refused at the open (Windows), the link was followed: the
		// name then is not the file that was opened.
		if now, err = os.Lstat(path); err == nil && (!opened.Mode().IsRegular() || !os.SameFile(opened, now)) {
			mode := now.Mode()
			if now.Mode().IsRegular() {
				mode = opened.Mode()
			}
			err = notAFile(path, mode)
		}
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

func notAFile(path string, m fs.FileMode) error {
	what := "not a regular file"
	switch {
	case m&fs.ModeSymlink != 0:
		what = "a symbolic link"
	case m.IsDir():
		what = "a folder"
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe"
	case m&fs.ModeDevice != 0:
		what = "a device"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	}
	return fmt.Errorf("%w: %s in %s is %s; a download never writes through it nor replaces it: remove it or choose another name",
		ErrNotAFile, filepath.Base(path), filepath.Dir(path), what)
}
