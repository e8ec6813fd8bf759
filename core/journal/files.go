package journal

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// ErrCorrupt: the journal file is not a readable journal (damaged, or another file).
var ErrCorrupt = errors.New("the journal file is damaged or is not a Restore Desk journal")

// CorruptError says which journal file cannot be read, in words a user can act on (it
// satisfies explain.Plain).
type CorruptError struct {
	Path string
	Err  error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("open journal %s: %v: %v", e.Path, ErrCorrupt, e.Err)
}

func (e *CorruptError) Unwrap() []error { return []error{ErrCorrupt, e.Err} }

// PlainSummary is the sentence for the user.
func (e *CorruptError) PlainSummary() string {
	return fmt.Sprintf("The journal of runs (%s) is damaged or is not a Restore Desk journal, so past runs cannot be read.", e.Path)
}

// PlainNextStep says what to do.
func (e *CorruptError) PlainNextStep() string {
	return "Move the file aside (keep it for support) and try again: a new, empty journal is made."
}

// asCorrupt turns SQLite's "not a database" and "malformed" answers into *CorruptError.
func asCorrupt(path string, err error) error {
	if err == nil {
		return nil
	}
	msg := strings.ToLower(err.Error())
	if strings.Contains(msg, "not a database") || strings.Contains(msg, "malformed") {
		return &CorruptError{Path: path, Err: err}
	}
	return err
}

// dsn is the SQLite URI of the journal at path. The path is escaped, so a name with '?',
// '#' or '%' names that very file instead of starting the URI's query.
func dsn(path string) string {
	return "file:" + (&url.URL{Path: filepath.ToSlash(path)}).EscapedPath() +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		"&_pragma=foreign_keys(1)&_txlock=immediate"
}

// ownerOnly makes the journal file exist with mode 0600 and narrows it (and the -wal and
// -shm files SQLite keeps beside it, which SQLite creates with the journal's own mode) to
// 0600 whatever the folder's defaults: the journal names apps, environments and files.
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open journal: %w", err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("open journal: make %s private: %w", p, err)
		}
	}
	return nil
}
