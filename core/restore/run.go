package restore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"restoredesk/core/archive"
	"restoredesk/core/cloud"
	"restoredesk/core/explain"
	"restoredesk/core/journal"
	"restoredesk/core/localdb"
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
	snapLabel  string          // "the backup of 12 Nov 02:00", for sentences
	source     *cloud.Snapshot // the backup restored, as planned (nil: a file, or re-attached)
	filePath   string
	fileSHA    string
	fileSize   int64
	report     *archive.Report
	fileMod    time.Time
	runStart   time.Time

	res         Result
	freeApp     bool // the target is a Free App: a 4xx from the cloud hands over to the Portal
	stopped     bool // the run stopped (or asked to stop) the environment
	started     bool
	restored    bool   // the restore job completed
	alreadyDone bool   // the stop or start step found the environment as asked already
	lastDone    string // the sentence of the last step done
	final       string // the run's own closing sentence when it succeeds (a download, a local restore)
	status      string // the environment's live status as this run made it (see Live)
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
		if p.Fit.NeedsTypedName() && strings.TrimSpace(req.Options.Confirm) == "" {
			return nil, &RunError{Summary: fmt.Sprintf("%s Type %s to confirm the restore. Nothing was changed.", p.ConfirmReason(), mode),
				Next: fmt.Sprintf("Type %s exactly (any capitalisation) to restore into it.", mode), Err: ErrConfirmationRequired}
		}
		what := "the restore"
		if req.Action == journal.KindStop {
			what = "stopping it"
		}
		return nil, confirmationError(mode, req.Options.Confirm, what)
	}
	if p.Request.Action != "" {
		return e.runAction(ctx, p, onEvent)
	}
	// Something may have taken the environment since the plan was made.
	if err := e.refuseBusy(ctx, req.Target, "start the restore"); err != nil {
		return nil, err
	}

	jr := &journal.Run{
		Kind: journal.KindRestore, Profile: req.Profile, Username: e.cloud.Username(),
		SnapshotID: req.Source.SnapshotID, SourceEnvID: req.Source.SourceEnvID, SourceMode: p.SourceMode,
		AppID: req.Target.App.AppID, AppName: req.Target.App.Name, ProjectID: req.Target.App.ProjectID,
		EnvID: req.Target.Env.EnvironmentID, Mode: mode, Production: p.Production, FreeApp: p.FreeApp,
		DBOnly: req.Options.DBOnly, SafetyBackup: p.safetyBackup(),
		Start: req.Options.Start, UploadOnly: req.Options.UploadOnly, UndoOf: p.UndoOf,
	}
	if p.Snapshot != nil {
		jr.SourceTakenAt, jr.SourceKind = snapshotTime(p.Snapshot), string(cloud.KindOf(*p.Snapshot))
	}
	if f := req.Source.File; f != "" {
		jr.Kind, jr.FilePath, jr.FileName = journal.KindUpload, f, fileName(f)
		if p.Archive != nil {
			jr.FileSHA256, jr.FileSize, jr.DumpDatabase = p.Archive.SHA256, p.fileSize, p.Archive.DatabaseName
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
	r.snapshotID, r.source = req.Source.SnapshotID, p.Snapshot
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
	if b, ok := e.cloud.(interface{ BaseURL() string }); ok && jr.APIURL == "" {
		jr.APIURL = b.BaseURL() // undo and resume go back to the same cloud
	}
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

// beginSteps records a new run with its planned steps (see begin) and makes its runner.
func (e *Engine) beginSteps(ctx context.Context, jr *journal.Run, steps []Step, didNot string, onEvent func(Event)) (*runner, func(), error) {
	for _, s := range steps {
		jr.Steps = append(jr.Steps, journal.Step{Kind: string(s.Kind), Title: s.Title})
	}
	id, release, err := e.begin(ctx, jr, didNot)
	if err != nil {
		return nil, nil, err
	}
	r := e.newRunner(id, jr, onEvent)
	for _, s := range steps {
		r.titles[s.Kind] = s.Title
	}
	return r, release, nil
}

func (e *Engine) newRunner(id int64, jr *journal.Run, onEvent func(Event)) *runner {
	r := &runner{
		e: e, id: id, kind: jr.Kind, sink: onEvent, titles: map[StepKind]string{}, runStart: jr.StartedAt,
		t:       target{appID: jr.AppID, appName: jr.AppName, projectID: jr.ProjectID, envID: jr.EnvID, mode: jr.Mode},
		freeApp: jr.FreeApp,
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
	// Messages carry text from the cloud (job status messages, backup comments): every
	// front end gets it with control characters escaped, never to be interpreted.
	ev.Message, ev.Title, ev.State = explain.Printable(ev.Message), explain.Printable(ev.Title), explain.Printable(ev.State)
	r.emitMu.Lock()
	defer r.emitMu.Unlock()
	r.sink(ev)
}

// jobState reports a cloud job's new state and message, and journals the message.
func (r *runner) jobState(ctx context.Context, step StepKind, state, msg string) {
	r.emit(Event{Step: step, Type: EventProgress, State: state, Message: msg})
	r.journalErr("step message", r.e.journal.StepMessage(jctx(ctx), r.id, string(step), msg))
}

// jctx is the context for journal writes and bookkeeping: they must happen even when the
// caller cancelled, or the journal would not say what the run did.
func jctx(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// shield runs a state-changing call so that the caller's cancel cannot cut it in half
// (a cut request is one whose outcome nobody knows). It still ends after callTimeout.
func shield(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), callTimeout)
}

// appLabel is the app's name for sentences, its AppId when the name is unknown.
func (r *runner) appLabel() string {
	if r.t.appName != "" {
		return r.t.appName
	}
	return r.t.appID
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
	// A step that changes something is recorded before it is sent; if that fails it is not
	// sent at all (notRecorded): the journal never misses what the run did.
	var msg string
	err := r.e.journal.StepStarted(jctx(ctx), r.id, string(k), r.titles[k])
	if err != nil && k.changesState() {
		err = r.notRecorded(k, err)
	} else {
		r.journalErr("step started", err)
		r.live(k, liveStatus(k, false)) // before the event: a front end asking on it gets the same
		r.emit(Event{Step: k, Type: EventStepStarted, Title: r.titles[k]})
		msg, err = fn(ctx)
	}
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
	r.live(k, liveStatus(k, true))
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
	defer r.e.lives.drop(r.id)
	mode := r.t.mode
	r.res.StoppedEnv, r.res.StartedEnv = r.stopped, r.started
	r.res.LeftStopped = r.stopped && !r.started
	r.res.stopRun = r.kind == journal.KindStop
	r.res.AlreadyDone = r.alreadyDone && (r.kind == journal.KindStop || r.kind == journal.KindStart)
	status := journal.StatusCompleted
	switch {
	case runErr == nil:
	case errors.Is(runErr, ErrDetached):
		status = journal.StatusRunning
		r.res.Detached = true
	case errors.Is(runErr, ErrCancelled), errors.Is(runErr, localdb.ErrCancelled):
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
	case r.final != "":
		msg = r.final
	case r.kind == journal.KindStop || r.kind == journal.KindBackup || r.kind == journal.KindComment || r.kind == journal.KindDelete:
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
			// The cause in brackets is for support; a cancel's cause ("context canceled")
			// says nothing the sentence does not.
			if re := (*RunError)(nil); errors.As(runErr, &re) && re.Err != nil && status != journal.StatusCancelled {
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
	lead := "The run was cancelled"
	if errors.Is(context.Cause(ctx), ErrAppClosed) {
		lead = closedLead(r.titles[step])
	}
	parts := []string{lead + " before anything in " + r.t.mode + " was changed."}
	if r.stopped {
		parts = []string{lead + " after " + r.t.mode + " was stopped and before its data was touched: nothing was restored."}
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
		return fmt.Sprintf("Start %s and wait until it runs (its database is brought in line with the app version deployed there)", mode)
	case StepVerify:
		return fmt.Sprintf("Check that %s is running", mode)
	}
	return string(k)
}
