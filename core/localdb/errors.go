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
	// Option is the choice of the restore that answers this refusal, if one does. Advice
	// words it plainly; each front end names it its own way (a tick box, a flag).
	Option Option
}

// AdvisesInSummary tells explain that Advice already says what to do next.
func (e *Error) AdvisesInSummary() bool { return true }

// PlainSummary is Advice: an error a front end meets before any run (a database address
// it cannot use) is told in its own words, not as something unexpected.
func (e *Error) PlainSummary() string { return e.Advice }

// PlainNextStep is empty: Advice says what to do.
func (e *Error) PlainNextStep() string { return "" }

// Cause is e for a wrapper that shows Advice in its own words: it prints only the reason
// and the underlying error, yet errors.Is and errors.As still find e and what it wraps.
func (e *Error) Cause() error { return cause{e} }

type cause struct{ e *Error }

func (c cause) Error() string {
	if c.e.Err != nil {
		return c.e.Reason.Error() + ": " + c.e.Err.Error()
	}
	return c.e.Reason.Error()
}

func (c cause) Unwrap() error { return c.e }

// Option is a choice of a local restore that a refusal can point to.
type Option string

const (
	OptionCreate    Option = "create"     // create the database when it does not exist
	OptionReplace   Option = "replace"    // replace the content of a database that is not empty
	OptionPgRestore Option = "pg_restore" // the path of pg_restore, when none is found or it is too old
)

// OptionOf is the Option an error points to, or "".
func OptionOf(err error) Option {
	var e *Error
	if errors.As(err, &e) {
		return e.Option
	}
	return ""
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
