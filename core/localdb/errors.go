// Package localdb owns restoring a backup into a PostgreSQL database on the user's own
// machine: finding pg_restore, checking the server and the target database, running the
// restore with the dump streamed in, and proving afterwards that every row arrived.
package localdb

import "errors"

// Reasons a local restore is refused or fails; errors.Is matches them on an *Error.
var (
	ErrPgRestoreMissing = errors.New("pg_restore not found")
	ErrPgRestoreTooOld  = errors.New("pg_restore too old for this dump")
	ErrDumpRefused      = errors.New("backup refused at inspection")
	ErrRefused          = errors.New("server does not answer")
	ErrPassword         = errors.New("password authentication failed")
	ErrNoDatabase       = errors.New("database does not exist")
	ErrNotEmpty         = errors.New("database is not empty")
	ErrPermission       = errors.New("not allowed")
	ErrTarget           = errors.New("bad connection settings")
	ErrRestoreFailed    = errors.New("pg_restore failed")
	ErrCancelled        = errors.New("restore cancelled")
)

// Error is a refusal or failure with a plain sentence that says what to do next. It never
// holds the password: Advice is written here, and Err is a driver or process error,
// which carries no password either.
type Error struct {
	Reason error  // one of the Err... values above
	Advice string // for people
	Err    error  // the cause, for Details
}

func (e *Error) Error() string { return e.Advice }

// Unwrap returns the reason and the cause, for errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	errs := []error{e.Reason}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}
