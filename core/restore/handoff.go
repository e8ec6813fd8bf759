package restore

import (
	"errors"
	"fmt"
	"net/http"
	"path/filepath"

	"restoredesk/core/archive"
	"restoredesk/core/cloud"
	"restoredesk/core/explain"
)

var (
	// ErrFreeAppRefused: Mendix Cloud refused a Free App's environment read, stop or
	// restore (any 4xx): the Portal is the way, and nothing was changed.
	ErrFreeAppRefused = errors.New("the Free App cannot be managed through the API of Mendix Cloud")
	// ErrNotOnMendixCloud: Mendix Cloud answered NOT_SUPPORTED for a licensed app: it is
	// deployed elsewhere (Mendix on Kubernetes, private cloud); nothing was changed.
	ErrNotOnMendixCloud = errors.New("the app is not hosted on Mendix Cloud")
	// ErrUploadHandoff: the server takes no uploads (Mendix's own cloud): the file was
	// checked and is handed over to the Portal; nothing was sent.
	ErrUploadHandoff = errors.New("uploads go through the Mendix Portal")
)

// HandoffError ends a plan or run by handing over to the Mendix Portal: the plain words
// of its RunError, the Portal steps as data (explain.HandsOff), and for an upload the
// inspection report, kept so front ends can still show the verdict.
type HandoffError struct {
	RunError
	To     explain.Handoff
	Report *archive.Report // the file's inspection (upload hand-off); nil otherwise
}

// Handoff implements explain.HandsOff.
func (e *HandoffError) Handoff() explain.Handoff { return e.To }

// Unwrap reaches the RunError's cause and the RunError itself.
func (e *HandoffError) Unwrap() []error { return []error{&e.RunError, e.RunError.Err} }

// refusalHandoff is the hand-over for a refusal whose way on is outside Restore Desk, or
// nil when err is not one: a Free App's call refused (any 4xx but 401, the credentials,
// and 429, slow down), or 400 NOT_SUPPORTED for any other app, which Mendix answers for
// apps not hosted on Mendix Cloud (Mendix on Kubernetes, private cloud; docs/cloud-api.md,
// "NOT_SUPPORTED"). stopped says whether this run had stopped the environment before the
// refusal: then "nothing changed" is not true.
func refusalHandoff(freeApp bool, app, mode, snapshotID string, stopped bool, err error) error {
	var ae *cloud.APIError
	if !errors.As(err, &ae) {
		return nil
	}
	switch {
	case freeApp && ae.StatusCode >= 400 && ae.StatusCode < 500 &&
		ae.StatusCode != http.StatusUnauthorized && ae.StatusCode != http.StatusTooManyRequests:
		return freeAppHandoff(app, mode, snapshotID, stopped, err)
	case !freeApp && cloud.IsNotOnMendixCloud(err):
		return elsewhereHandoff(app, mode, stopped, err)
	}
	return nil
}

// freeAppHandoff is the hand-over after a Free App refusal.
func freeAppHandoff(app, mode, snapshotID string, stopped bool, err error) error {
	verb := "stop or restore"
	if stopped {
		verb = "restore"
	}
	return refused(fmt.Sprintf("Mendix Cloud does not let Restore Desk %s %s (a Free App) through its API.", verb, app), mode, stopped,
		"Restore the backup in the Mendix Portal: open the app's Backups, pick the backup, click Stop Application, then Restore Backup.",
		fmt.Errorf("%w: %w", ErrFreeAppRefused, err), explain.FreeAppRestoreHandoff(app, mode, snapshotID))
}

// elsewhereHandoff is the hand-over after NOT_SUPPORTED for a licensed app: it runs
// outside Mendix Cloud, where its own platform keeps its backups.
func elsewhereHandoff(app, mode string, stopped bool, err error) error {
	return refused(fmt.Sprintf("%s is not hosted on Mendix Cloud (it runs on Mendix on Kubernetes or another private cloud), and Mendix Cloud's backup API serves only apps hosted there.", app), mode, stopped,
		"Restore it where the app runs: in the Mendix Portal open the app's environment and its Backups page (Mendix on Kubernetes), or ask the team that runs the app's cluster and database.",
		fmt.Errorf("%w: %w", ErrNotOnMendixCloud, err), explain.ElsewhereHandoff(app, mode))
}

// refused ends a run with a hand-over: why Mendix refused, what that left (nothing
// changed, or mode still stopped by this run), the next step and the Portal steps.
func refused(why, mode string, stopped bool, next string, err error, to explain.Handoff) error {
	left := "Nothing was changed."
	if stopped {
		left = fmt.Sprintf("Nothing was restored; %s was stopped by this run and is still stopped.", mode)
	}
	return &HandoffError{RunError: RunError{Summary: why + " " + left, Next: next, Err: err}, To: to}
}

// uploadHandoff is the hand-over of a checked file to the Portal's Upload Archive.
func uploadHandoff(app, mode, path string, rep *archive.Report, err error) error {
	abs, aerr := filepath.Abs(path)
	if aerr != nil {
		abs = path
	}
	verdict := fmt.Sprintf("%s was checked and can be restored.", filepath.Base(path))
	if err == nil {
		err = cloud.ErrUploadsUnsupported
	}
	return &HandoffError{
		RunError: RunError{
			Step:    StepUpload,
			Summary: fmt.Sprintf("%s Mendix Cloud takes uploaded archives only through the Mendix Portal, so Restore Desk did not send it. Nothing was changed.", verdict),
			Next:    fmt.Sprintf("In the Mendix Portal open %s › Backups › %s › Upload Archive and choose %s; then restore the uploaded backup.", app, mode, abs),
			Err:     fmt.Errorf("%w: %w", ErrUploadHandoff, err),
		},
		To:     explain.UploadHandoff(app, mode, abs, verdict),
		Report: rep,
	}
}
