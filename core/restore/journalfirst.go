package restore

import (
	"errors"
	"fmt"

	"restoredesk/core/wording"
)

// ErrJournalWrite: a step that changes something could not be recorded first, so the run
// stopped there and did not send it.
var ErrJournalWrite = errors.New("the journal could not record the step before it was sent")

// changesState reports whether step k changes something: in the cloud (an environment, a
// backup, an upload, an archive) or a local database (pg_restore, also fed by a download
// as it arrives). Such a step is journaled before it is sent; when that fails it is
// not sent at all: a run never does what it has not recorded.
func (k StepKind) changesState() bool {
	switch k {
	case StepUpload, StepSafetyBackup, StepStop, StepRestore, StepStart, StepBackup, StepComment, StepDelete, StepLocalRestore, StepInsertRows,
		StepArchive, StepLink, // an archive request has the cloud build one
		StepStreamRestore: // the download's file and the local database
		return true
	}
	return false
}

// notRecorded is the error of a state-changing step whose journal entry failed: what was
// not sent, and what the run had done before.
func (r *runner) notRecorded(k StepKind, err error) error {
	title := r.titles[k]
	if title == "" {
		title = defaultTitle(k, r.t.mode)
	}
	done := "Nothing was changed."
	switch {
	case r.stopped:
		done = fmt.Sprintf("%s was stopped by this run and is still stopped.", r.t.mode)
	case r.res.SafetySnapshotID != "" || r.res.UploadSnapshotID != "":
		done = fmt.Sprintf("%s's data was not changed.", r.t.mode)
	}
	verb := "send it"
	switch k {
	case StepLocalRestore:
		verb = "start pg_restore"
		done = fmt.Sprintf("The database %q was not touched.", r.t.mode)
	case StepInsertRows:
		verb = "write the rows"
		done = fmt.Sprintf("The database %q was not touched.", r.t.mode)
	case StepStreamRestore:
		verb = "start the download or pg_restore"
		done = fmt.Sprintf("Nothing was downloaded and the database %q was not touched.", r.t.mode)
	}
	return &RunError{
		Step: k,
		Summary: fmt.Sprintf("Restore Desk could not record the next step in its journal (%s), so it stopped here and did not %s. %s",
			wording.LowerFirst(title), verb, done),
		Next: "Check that the disk is not full and that no other program holds Restore Desk's journal open, then try again.",
		Err:  fmt.Errorf("%w: %w", ErrJournalWrite, err),
	}
}
