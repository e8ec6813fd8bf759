//go:build !linux

package archive

import (
	"errors"
	"testing"
)

func mkfifo(string) error { return errors.New("named pipes are made by the Linux test only") }

func asUnprivileged(t *testing.T, _ string, _ func()) {
	t.Skip("dropping privileges is implemented for Linux only")
}

func peakRSS() (int64, bool) { return 0, false }
