package restore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/progress"
)

// maxUploadAttempts bounds how often a run resumes an upload that SendUpload gave up on
// (SendUpload already resumes after each dropped connection on its own).
const maxUploadAttempts = 4

func (r *runner) doUpload(ctx context.Context) (string, error) {
	mode := r.t.mode
	var up *cloud.Upload
	for attempt := 0; ; attempt++ {
		cctx, cancel := shield(ctx)
		u, err := r.e.cloud.CreateUpload(cctx, r.t.projectID, r.t.envID, cloud.UploadMeta{
			Filename: fileName(r.filePath), Size: r.fileSize, SHA256: r.fileSHA,
		})
		cancel()
		if err == nil {
			up = u
			break
		}
		if errors.Is(err, cloud.ErrUploadsUnsupported) {
			return "", uploadHandoff(r.appLabel(), mode, r.filePath, r.report, err)
		}
		// A second upload resource is harmless (an unfinished one is never a backup), so
		// a failed or ambiguous create is simply tried again.
		if !transient(err) || attempt+1 >= maxUploadAttempts || ctx.Err() != nil {
			if ctx.Err() != nil {
				return "", r.cancelled(ctx, StepUpload)
			}
			return "", &RunError{Summary: fmt.Sprintf("The upload to %s could not be started: %s. Nothing was changed.", mode, cause(err)), Err: err}
		}
		if err := cloud.Sleep(ctx, r.e.poll); err != nil {
			return "", r.cancelled(ctx, StepUpload)
		}
	}
	// Journal the upload before any byte goes out, so a restart can resume it.
	if err := r.e.journal.SetUpload(jctx(ctx), r.id, up.URL, up.SnapshotID); err != nil {
		return "", r.notRecorded(StepUpload, err) // the empty upload resource is harmless
	}
	r.res.UploadSnapshotID = up.SnapshotID
	return r.sendAndWait(ctx, up.URL, up.SnapshotID)
}

// sendAndWait sends the file (resuming from the server's offset) and waits until the
// server turned it into a completed backup.
func (r *runner) sendAndWait(ctx context.Context, uploadURL, snapshotID string) (string, error) {
	mode := r.t.mode
	f, err := os.Open(r.filePath)
	if err != nil {
		return "", &RunError{Summary: fmt.Sprintf("%s cannot be opened any more: %s. Nothing was changed.", r.filePath, plainFileError(err)), Err: err}
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || fi.Size() != r.fileSize {
		return "", &RunError{
			Summary: fmt.Sprintf("%s changed since it was checked. Nothing was changed in %s.", fileName(r.filePath), mode),
			Next:    "Choose the file again so it is checked anew.", Err: ErrNotRestorable,
		}
	}

	var c *progress.Counter
	for attempt := 0; ; attempt++ {
		off, err := r.e.cloud.UploadOffset(ctx, uploadURL)
		if err == nil {
			if c == nil {
				// Bytes the server already holds (a resumed upload) do not count towards the rate.
				c = progress.NewCounter(off, r.fileSize)
				r.emit(Event{Step: StepUpload, Type: EventBytes, Counter: c})
			}
			c.Set(off)
			// SendUpload's deltas add up, from zero, to what the server holds.
			var sum int64
			err = r.e.cloud.SendUpload(ctx, uploadURL, f, r.fileSize, func(delta int64) {
				sum += delta
				c.Set(sum)
			})
		}
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return "", r.cancelled(ctx, StepUpload)
		}
		if !transient(err) || attempt+1 >= maxUploadAttempts {
			return "", &RunError{
				Summary: fmt.Sprintf("The upload of %s stopped: %s. Nothing was changed in %s.", fileName(r.filePath), cause(err), mode),
				Next:    "Try again: the upload continues where it stopped.", Err: err,
			}
		}
		if err := cloud.Sleep(ctx, r.e.poll); err != nil {
			return "", r.cancelled(ctx, StepUpload)
		}
	}

	// The server checks the upload (SHA-256, archive) and makes it a backup.
	r.emit(Event{Step: StepUpload, Type: EventMessage, Message: "Upload complete; Mendix Cloud checks the archive and makes it a backup."})
	snap, err := r.waitSnapshot(ctx, StepUpload, snapshotID, true, r.e.uploadWait)
	if err != nil {
		if ctx.Err() != nil {
			return "", r.cancelled(ctx, StepUpload)
		}
		if errors.Is(err, ErrSnapshotNotReady) || errors.Is(err, ErrUploadRejected) {
			msg := "it gave no reason"
			if snap != nil && snap.StatusMessage != "" {
				msg = snap.StatusMessage
			}
			return "", &RunError{
				Summary: fmt.Sprintf("Mendix Cloud did not accept the uploaded %s: %s. Nothing was changed in %s.", fileName(r.filePath), msg, mode),
				Next:    "Check the file and try another one.", Action: &NextAction{Kind: ActionInspect, File: r.filePath},
				Err: fmt.Errorf("%w: %s", ErrUploadRejected, msg),
			}
		}
		return "", &RunError{Summary: fmt.Sprintf("Restore Desk could not follow the uploaded backup: %s. Nothing was changed in %s.", cause(err), mode), Err: err}
	}
	r.snapshotID = snapshotID
	r.snapLabel = "the uploaded " + fileName(r.filePath)
	r.journalErr("source", r.e.journal.SetSource(jctx(ctx), r.id, snapshotID, r.t.envID))
	return fmt.Sprintf("%s is uploaded and is now the backup %s of %s.", fileName(r.filePath), snapshotID, mode), nil
}

// resumeUpload continues a journaled upload from the server's offset.
func (r *runner) resumeUpload(ctx context.Context, jr *journal.Run) (string, error) {
	snap, err := r.e.cloud.GetSnapshot(ctx, r.t.projectID, r.t.envID, jr.UploadSnapshotID)
	if err == nil && snap.State == cloud.StateCompleted {
		r.snapshotID = jr.UploadSnapshotID
		r.journalErr("source", r.e.journal.SetSource(jctx(ctx), r.id, jr.UploadSnapshotID, r.t.envID))
		return fmt.Sprintf("%s had been uploaded completely; it is the backup %s.", jr.FileName, jr.UploadSnapshotID), nil
	}
	fi, serr := os.Stat(jr.FilePath)
	if serr != nil || fi.Size() != jr.FileSize {
		return "", &RunError{
			Summary: fmt.Sprintf("The upload of %s cannot continue: the file is missing or changed since it was checked. Nothing was changed in %s.", jr.FileName, r.t.mode),
			Next:    "Choose the file again to upload it anew.", Err: errors.Join(ErrNotRestorable, serr),
		}
	}
	return r.sendAndWait(ctx, jr.UploadURL, jr.UploadSnapshotID)
}
