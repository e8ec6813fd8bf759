package restore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"restoredesk/core/archive"
	"restoredesk/core/cloud"
	"restoredesk/core/journal"
)

// callTimeout bounds one state-changing call that is shielded from cancellation (see
// shield) and the bookkeeping after a cancelled run.
const callTimeout = 2 * time.Minute

// target is the environment a run changes, as the journal keeps it.
type target struct {
	appID, appName, projectID, envID, mode string
}

// runner carries one run: its journal id, what it did so far, and the event sink.
type runner struct {
	e      *Engine
	id     int64
	kind   journal.Kind
	t      target
	opts   Options
	backup BackupOptions // of a manual backup run
	titles map[StepKind]string

	emitMu sync.Mutex
	sink   func(Event)

	// Source to restore: set by the plan, or by the upload step.
	snapshotID string
	snapLabel  string // "the backup of 12 Nov 02:00", for sentences
	filePath   string
	fileSHA    string
	fileSize   int64
	report     *archive.Report
	fileMod    time.Time
	runStart   time.Time

	res         Result
	stopped     bool // the run stopped (or asked to stop) the environment
	started     bool
	restored    bool   // the restore job completed
	alreadyDone bool   // the stop or start step found the environment as asked already
	lastDone    string // the sentence of the last step done
}

// Run carries out the plan: each step is journaled and reported as events (onEvent may
// be nil; it is called from the run's goroutines one at a time, never concurrently).
// Cancelling ctx stops the run at a safe point: before the environment is stopped nothing
// has changed; once the restore was submitted, cancelling only stops following it (the
// restore continues in the cloud, ErrDetached, and Reattach follows it later).
// The Result is returned also on failure; the error is a *RunError.
func (e *Engine) Run(ctx context.Context, p *Plan, onEvent func(Event)) (*Result, error) {
	if p == nil || len(p.Steps) == 0 {
		return nil, planErr("There is no plan to run.", "Make a plan first.", ErrInvalidRequest)
	}
	req := p.Request
	mode := req.Target.Env.Mode
	if p.needsConfirmation() {
		p.ConfirmationRequired = true
		summary := fmt.Sprintf("%s is a production environment: type its name, %s, to confirm the restore. Nothing was changed.", mode, mode)
		if c := strings.TrimSpace(req.Options.Confirm); c != "" {
			summary = fmt.Sprintf("The confirmation %q does not match %s. Nothing was changed.", c, mode)
		}
		return nil, &RunError{Summary: summary, Next: fmt.Sprintf("Type %s exactly (any capitalisation) to restore into it.", mode), Err: ErrConfirmationRequired}
	}

	jr := &journal.Run{
		Kind: journal.KindRestore, Profile: req.Profile, Username: e.cloud.Username(),
		SnapshotID: req.Source.SnapshotID, SourceEnvID: req.Source.SourceEnvID, SourceMode: p.SourceMode,
		AppID: req.Target.App.AppID, AppName: req.Target.App.Name, ProjectID: req.Target.App.ProjectID,
		EnvID: req.Target.Env.EnvironmentID, Mode: mode, Production: p.Production, FreeApp: p.FreeApp,
		DBOnly: req.Options.DBOnly, SafetyBackup: req.Options.SafetyBackup && !p.FreeApp,
		Start: req.Options.Start, UploadOnly: req.Options.UploadOnly, UndoOf: p.UndoOf,
	}
	if f := req.Source.File; f != "" {
		jr.Kind, jr.FilePath, jr.FileName = journal.KindUpload, f, fileName(f)
		if p.Archive != nil {
			jr.FileSHA256, jr.FileSize = p.Archive.SHA256, p.fileSize
		}
	}
	if p.UndoOf != 0 {
		jr.Kind = journal.KindUndo
	}
	for _, s := range p.Steps {
		jr.Steps = append(jr.Steps, journal.Step{Kind: string(s.Kind), Title: s.Title})
	}
	id, release, err := e.begin(ctx, jr, "start the restore")
	if err != nil {
		return nil, err
	}
	defer release()

	r := e.newRunner(id, jr, onEvent)
	r.opts = req.Options
	r.snapshotID = req.Source.SnapshotID
	r.filePath = req.Source.File
	r.report, r.fileMod = p.Archive, p.fileMod
	if p.Archive != nil {
		r.fileSHA, r.fileSize = p.Archive.SHA256, p.fileSize
	}
	for _, s := range p.Steps {
		r.titles[s.Kind] = s.Title
	}
	r.snapLabel = "the backup"
	if p.Snapshot != nil {
		r.snapLabel = "the backup of " + when(snapshotTime(p.Snapshot), e.now())
		if p.SourceMode != mode {
			r.snapLabel = p.SourceMode + "'s backup of " + when(snapshotTime(p.Snapshot), e.now())
		}
	}
	hadStop := false
	for _, s := range p.Steps {
		hadStop = hadStop || s.Kind == StepStop
	}

	var runErr error
	for _, s := range p.Steps {
		if runErr = r.step(ctx, s.Kind, hadStop); runErr != nil {
			break
		}
	}
	return r.finish(ctx, runErr)
}

// begin records a new run in the journal and claims it for this caller; didNot ("start
// the restore") finishes the sentence that says nothing was done when that fails.
func (e *Engine) begin(ctx context.Context, jr *journal.Run, didNot string) (id int64, release func(), err error) {
	id, err = e.journal.Create(jctx(ctx), jr)
	if err != nil {
		return 0, nil, planErr(fmt.Sprintf("Restore Desk could not write to its journal, so it did not %s. Nothing was changed.", didNot),
			"Check that the disk is not full and that Restore Desk may write to its data folder.", err)
	}
	release, err = e.journal.Claim(id)
	if err != nil {
		err = planErr(fmt.Sprintf("Restore Desk could not reserve the run in its journal, so it did not %s. Nothing was changed.", didNot),
			"Check that Restore Desk may write to its data folder, then try again.", err)
		if ferr := e.journal.Finish(jctx(ctx), id, journal.StatusFailed, plainOf(err)); ferr != nil {
			e.log.Error("journal write failed", "run", id, "what", "finish", "err", ferr)
		}
		return 0, nil, err
	}
	return id, release, nil
}

func (e *Engine) newRunner(id int64, jr *journal.Run, onEvent func(Event)) *runner {
	r := &runner{
		e: e, id: id, kind: jr.Kind, sink: onEvent, titles: map[StepKind]string{}, runStart: jr.StartedAt,
		t: target{appID: jr.AppID, appName: jr.AppName, projectID: jr.ProjectID, envID: jr.EnvID, mode: jr.Mode},
	}
	r.res.RunID = id
	return r
}

// emit sends one event, stamped, never two at once.
func (r *runner) emit(ev Event) {
	if r.sink == nil {
		return
	}
	ev.RunID = r.id
	ev.Time = r.e.now()
	r.emitMu.Lock()
	defer r.emitMu.Unlock()
	r.sink(ev)
}

// jctx is the context for journal writes and bookkeeping: they must happen even when the
// caller cancelled, or the journal would not say what the run did.
func jctx(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// shield runs a state-changing call so that the caller's cancel cannot cut it in half
// (a cut request is one whose outcome nobody knows). It still ends after callTimeout.
func shield(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), callTimeout)
}

func (r *runner) journalErr(what string, err error) {
	if err != nil {
		r.e.log.Error("journal write failed", "run", r.id, "what", what, "err", err)
	}
}

// step runs one step with its journal entries and events.
func (r *runner) step(ctx context.Context, k StepKind, hadStop bool) error {
	return r.stepWith(ctx, k, func(ctx context.Context) (string, error) { return r.do(ctx, k, hadStop) })
}

// do runs the body of step k.
func (r *runner) do(ctx context.Context, k StepKind, hadStop bool) (msg string, err error) {
	switch k {
	case StepInspect:
		msg, err = r.doInspect(ctx)
	case StepUpload:
		msg, err = r.doUpload(ctx)
	case StepSafetyBackup:
		msg, err = r.doSafetyBackup(ctx)
	case StepBackup:
		msg, err = r.doBackup(ctx)
	case StepStop:
		msg, err = r.doStop(ctx)
	case StepRestore:
		msg, err = r.doRestore(ctx, hadStop)
	case StepWait:
		msg, err = r.doWait(ctx)
	case StepStart:
		msg, err = r.doStart(ctx)
	case StepVerify:
		msg, err = r.doVerify(ctx)
	default:
		err = planErr(fmt.Sprintf("The plan holds a step Restore Desk does not know (%s).", k), "", ErrInvalidRequest)
	}
	return msg, err
}

// stepWith runs fn as step k with its journal entries and events.
func (r *runner) stepWith(ctx context.Context, k StepKind, fn func(context.Context) (string, error)) error {
	if r.titles[k] == "" {
		r.titles[k] = defaultTitle(k, r.t.mode)
	}
	r.journalErr("step started", r.e.journal.StepStarted(jctx(ctx), r.id, string(k), r.titles[k]))
	r.emit(Event{Step: k, Type: EventStepStarted, Title: r.titles[k]})
	msg, err := fn(ctx)
	if err != nil {
		var re *RunError
		if !errors.As(err, &re) {
			err = &RunError{Step: k, Summary: cause(err) + ".", Err: err}
		} else if re.Step == "" {
			re.Step = k
		}
		status := journal.StepFailed
		if errors.Is(err, ErrDetached) {
			status = journal.StepRunning // still going on in the cloud
			r.journalErr("step message", r.e.journal.StepMessage(jctx(ctx), r.id, string(k), plainOf(err)))
		} else {
			r.journalErr("step failed", r.e.journal.StepFinished(jctx(ctx), r.id, string(k), status, plainOf(err)))
		}
		r.emit(Event{Step: k, Type: EventStepFailed, Message: plainOf(err), Err: err})
		return err
	}
	r.journalErr("step done", r.e.journal.StepFinished(jctx(ctx), r.id, string(k), journal.StepDone, msg))
	r.emit(Event{Step: k, Type: EventStepDone, Message: msg})
	r.lastDone = msg
	return nil
}

func plainOf(err error) string {
	var re *RunError
	if errors.As(err, &re) {
		return re.Summary
	}
	return cause(err) + "."
}

// finish writes the run's end to the journal and emits the final event.
func (r *runner) finish(ctx context.Context, runErr error) (*Result, error) {
	mode := r.t.mode
	r.res.StoppedEnv, r.res.StartedEnv = r.stopped, r.started
	r.res.LeftStopped = r.stopped && !r.started
	r.res.AlreadyDone = r.alreadyDone && (r.kind == journal.KindStop || r.kind == journal.KindStart)
	status := journal.StatusCompleted
	switch {
	case runErr == nil:
	case errors.Is(runErr, ErrDetached):
		status = journal.StatusRunning
		r.res.Detached = true
	case errors.Is(runErr, ErrCancelled):
		status = journal.StatusCancelled
	case errors.Is(runErr, ErrInterrupted):
		status = journal.StatusInterrupted
	case errors.Is(runErr, ErrOutcomeUnknown):
		status = journal.StatusUnknown
	default:
		status = journal.StatusFailed
	}
	r.res.Status = status

	var msg string
	switch {
	case runErr != nil:
		msg = plainOf(runErr)
	case r.kind == journal.KindStop || r.kind == journal.KindBackup:
		msg = r.lastDone // the one step's sentence says it all: "Production is stopped."
	case r.opts.UploadOnly:
		msg = fmt.Sprintf("%s is uploaded: it is now a backup of %s that you can restore.", fileName(r.filePath), mode)
	case r.restored && r.started:
		msg = fmt.Sprintf("%s now holds the restored data and is running.", mode)
	case r.restored:
		msg = fmt.Sprintf("%s now holds the restored data.", mode)
	case r.started:
		msg = fmt.Sprintf("%s is running.", mode)
	default:
		msg = "The run finished."
	}
	switch {
	case r.kind == journal.KindStop:
		// Stopped is what was asked for; a failed stop says itself what state it left.
	case r.res.LeftStopped && r.res.Detached:
	case r.res.LeftStopped && errors.Is(runErr, ErrOutcomeUnknown):
		msg += fmt.Sprintf(" %s was stopped by this run and stays stopped until you know how the restore ended.", mode)
	case r.res.LeftStopped && runErr != nil:
		msg += fmt.Sprintf(" %s was stopped by this run and is still stopped.", mode)
	case r.res.LeftStopped:
		msg += fmt.Sprintf(" %s was stopped by this run and is still stopped: start it when you are ready.", mode)
	}
	if !r.stopped && runErr == nil && r.restored && !r.started {
		msg += fmt.Sprintf(" %s is stopped; start it when you are ready.", mode)
	}
	r.res.Message = msg

	if status != journal.StatusRunning {
		errText := ""
		if runErr != nil {
			errText = msg
			if re := (*RunError)(nil); errors.As(runErr, &re) && re.Err != nil {
				errText += " [" + re.Err.Error() + "]"
			}
		}
		r.journalErr("finish", r.e.journal.Finish(jctx(ctx), r.id, status, errText))
	}
	if runErr != nil {
		r.emit(Event{Type: EventRunFailed, Message: msg, Err: runErr})
		return &r.res, runErr
	}
	r.emit(Event{Type: EventRunDone, Message: msg})
	return &r.res, nil
}

// cancelled is the error of a cancel honoured at a safe point, saying what stays behind.
func (r *runner) cancelled(ctx context.Context, step StepKind) error {
	parts := []string{"The run was cancelled before anything in " + r.t.mode + " was changed."}
	if r.stopped {
		parts = []string{"The run was cancelled after " + r.t.mode + " was stopped and before its data was touched: nothing was restored."}
	}
	if r.res.UploadSnapshotID != "" {
		parts = append(parts, "The uploaded archive stays available as a backup.")
	}
	if r.res.SafetySnapshotID != "" {
		parts = append(parts, "The safety backup "+r.res.SafetySnapshotID+" stays available.")
	}
	return &RunError{Step: step, Summary: strings.Join(parts, " "), Next: "Start a new restore when you are ready.",
		Err: fmt.Errorf("%w: %w", ErrCancelled, context.Cause(ctx))}
}

// transient reports whether a failed read is worth asking again: rate limits, server
// trouble, a broken connection. Answers that carry a verdict (404, 403, a start failure
// code) are not.
func transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ae *cloud.APIError
	if errors.As(err, &ae) {
		switch {
		case ae.StatusCode == 429 || ae.StatusCode == 502 || ae.StatusCode == 503 || ae.StatusCode == 504:
			return true
		case ae.StatusCode >= 500:
			switch strings.ToUpper(ae.Code) {
			case "", "SERVICE_UNAVAILABLE", "INTERNAL_SERVER_ERROR", "SNAPSHOT_LISTING_FAILED":
				return true
			}
		}
		return false
	}
	if errors.Is(err, cloud.ErrAmbiguous) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, cloud.ErrUnavailable) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED)
}

// notActed reports whether an answer says the cloud did not carry the request out: rate
// limited (429) or unavailable (503, 500 SERVICE_UNAVAILABLE). Such a state-changing call
// may be sent again; an ambiguous one may not.
func notActed(err error) bool {
	return !errors.Is(err, cloud.ErrAmbiguous) && (errors.Is(err, cloud.ErrRateLimited) || errors.Is(err, cloud.ErrUnavailable))
}

// maxTransient is how many failed polls in a row a wait tolerates before giving up.
const maxTransient = 8

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// poller paces a wait: the interval grows from poll to maxPoll while the job runs.
type poller struct {
	next, max time.Duration
	failures  int
}

func (r *runner) newPoller() *poller { return &poller{next: r.e.poll, max: r.e.maxPoll} }

func (p *poller) wait(ctx context.Context) error {
	d := p.next
	p.next = min(p.max, p.next*3/2+1)
	return sleep(ctx, d)
}

// failed counts a failed poll; it returns err when it is not transient or too many came
// in a row.
func (p *poller) failed(err error) error {
	if !transient(err) {
		return err
	}
	p.failures++
	if p.failures > maxTransient {
		return err
	}
	return nil
}

func (p *poller) ok() { p.failures = 0 }

// ---- inspect ----

func (r *runner) doInspect(ctx context.Context) (string, error) {
	path := r.filePath
	fi, err := os.Stat(path)
	if err != nil {
		return "", &RunError{Summary: fmt.Sprintf("The file %s cannot be opened any more: %s. Nothing was changed.", path, plainFileError(err)), Err: err}
	}
	// The plan inspected the file; read it again only if it changed since.
	if r.report == nil || fi.Size() != r.fileSize || !fi.ModTime().Equal(r.fileMod) {
		rep, err := r.e.inspectWithProgress(ctx, path, r.id, r.progressSink())
		if err != nil {
			if ctx.Err() != nil {
				return "", r.cancelled(ctx, StepInspect)
			}
			return "", &RunError{Summary: fmt.Sprintf("The file %s could not be read: %s. Nothing was changed.", fileName(path), plainFileError(err)), Err: err}
		}
		if !rep.Restorable {
			return "", notRestorable(path, rep)
		}
		r.report, r.fileSize, r.fileMod, r.fileSHA = rep, fi.Size(), fi.ModTime(), rep.SHA256
	}
	r.journalErr("file", r.e.journal.SetFile(jctx(ctx), r.id, r.fileSHA, r.fileSize))
	return fmt.Sprintf("%s is a restorable %s (%s, SHA-256 %s…).", fileName(path), kindLabel(r.report.Kind), sizeText(r.fileSize), r.fileSHA[:min(12, len(r.fileSHA))]), nil
}

func kindLabel(k archive.Kind) string {
	switch k {
	case archive.KindFullSnapshot:
		return "full snapshot (database and files)"
	case archive.KindDatabaseOnly:
		return "database backup"
	case archive.KindFilesOnly:
		return "files-only archive"
	}
	return "archive"
}

// progressSink is the runner's emitter for inspectWithProgress (nil when nobody listens).
func (r *runner) progressSink() func(Event) {
	if r.sink == nil {
		return nil
	}
	return r.emit
}

// inspectWithProgress runs the inspector, emitting throttled byte progress.
func (e *Engine) inspectWithProgress(ctx context.Context, path string, runID int64, onEvent func(Event)) (*archive.Report, error) {
	var c *Counter
	var cmu sync.Mutex
	stop := e.ticker(func() {
		cmu.Lock()
		cc := c
		cmu.Unlock()
		if cc != nil && onEvent != nil {
			p := cc.Snapshot()
			onEvent(Event{RunID: runID, Step: StepInspect, Type: EventProgress, Time: e.now(), Done: p.Done, Total: p.Total, Rate: p.Rate, ETA: p.ETA})
		}
	})
	rep, err := e.inspect(ctx, path, func(done, total int64) {
		cmu.Lock()
		if c == nil {
			c = NewCounter(0, total, e.now)
		}
		cc := c
		cmu.Unlock()
		cc.Set(done)
	})
	stop(true)
	return rep, err
}

// ticker calls fn every progress interval until stop; stop(final) calls fn once more.
func (e *Engine) ticker(fn func()) (stop func(final bool)) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(e.progressTick)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fn()
			}
		}
	}()
	return func(final bool) {
		close(done)
		wg.Wait()
		if final {
			fn()
		}
	}
}

// defaultTitle names a step that a re-attached run or a start, stop or backup run adds.
func defaultTitle(k StepKind, mode string) string {
	switch k {
	case StepUpload:
		return "Finish the upload"
	case StepStop:
		return fmt.Sprintf("Stop %s and wait until it is stopped", mode)
	case StepBackup:
		return fmt.Sprintf("Make a backup of %s and wait until it is completed", mode)
	case StepWait:
		return "Wait until the restore has finished"
	case StepStart:
		return fmt.Sprintf("Start %s (the database is synchronised with the model) and wait until it runs", mode)
	case StepVerify:
		return fmt.Sprintf("Check that %s is running", mode)
	}
	return string(k)
}
