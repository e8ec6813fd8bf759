package restore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"restoredesk/core/archive"
	"restoredesk/core/cloud"
	"restoredesk/core/journal"
)

// Engine plans and runs restores against one cloud account, recording every run in the
// journal. Safe for concurrent use: each Run is independent.
type Engine struct {
	cloud        Cloud
	journal      *journal.Journal
	poll         time.Duration // first wait between job polls
	maxPoll      time.Duration // polls back off up to this
	stopTimeout  time.Duration
	startTimeout time.Duration
	uploadWait   time.Duration // how long an upload may take to become a backup after its last byte
	learnWait    time.Duration // how long a plan may take to learn a target's tables (target_tables.go)
	streamFrom   time.Duration // a download whose rest takes at least this is restored as it arrives (local_stream.go)
	now          func() time.Time
	inspected    inspectCache // reports of files inspected already
	lives        lives        // the runs going on, for Live and OnClose
	log          *slog.Logger
	// profile and apiURL are the account the engine works for (WithAccount); "" is not
	// known, and then runs of other accounts are not refused.
	profile, apiURL string
}

// Option configures an Engine.
type Option func(*Engine)

// WithPollInterval sets the first wait between polls of a job (default 2 s); waits grow
// to eight times that while a job runs long, so a slow restore is not hammered.
func WithPollInterval(d time.Duration) Option {
	return func(e *Engine) {
		if d > 0 {
			e.poll, e.maxPoll = d, 8*d
		}
	}
}

// WithStopTimeout bounds the wait for an environment to report Stopped (default 15 min).
func WithStopTimeout(d time.Duration) Option {
	return func(e *Engine) {
		if d > 0 {
			e.stopTimeout = d
		}
	}
}

// WithStartTimeout bounds the wait for an environment to start (default 20 min).
func WithStartTimeout(d time.Duration) Option {
	return func(e *Engine) {
		if d > 0 {
			e.startTimeout = d
		}
	}
}

// WithClock sets the clock used for "2 weeks ago" sentences and timings.
func WithClock(now func() time.Time) Option {
	return func(e *Engine) {
		if now != nil {
			e.now = now
		}
	}
}

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(e *Engine) {
		if l != nil {
			e.log = l
		}
	}
}

// New returns an engine that uses c and records runs in j.
func New(c Cloud, j *journal.Journal, opts ...Option) *Engine {
	e := &Engine{
		cloud: c, journal: j,
		poll: 2 * time.Second, maxPoll: 16 * time.Second,
		stopTimeout: 15 * time.Minute, startTimeout: 20 * time.Minute,
		uploadWait: 30 * time.Minute, streamFrom: defaultStreamFrom,
		now: time.Now,
		log: slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		o(e)
	}
	// Against Mendix's own cloud nobody polls faster than MinPollInterval, whatever was
	// asked for (a demo setting left on, a typo of 1ms): jobs there take minutes, and the
	// account's rate limit is shared with everyone on it. The embedded cloud on loopback
	// may be polled as fast as a test likes.
	if mc, ok := c.(interface{ IsMendixCloud() bool }); ok && mc.IsMendixCloud() && e.poll < MinPollInterval {
		e.poll, e.maxPoll = MinPollInterval, max(e.maxPoll, 8*MinPollInterval)
	}
	return e
}

// MinPollInterval is the shortest wait between polls of a job on Mendix's own cloud.
const MinPollInterval = time.Second

// PollInterval is the first wait between polls of a job.
func (e *Engine) PollInterval() time.Duration { return e.poll }

// Journal is the journal the engine records runs in.
func (e *Engine) Journal() *journal.Journal { return e.journal }

func planErr(summary, next string, err error) error {
	return &RunError{Summary: summary, Next: next, Err: err}
}

// Plan checks everything that can be checked without changing anything, then lists the
// steps a run will take with sentences that say what will happen. It returns an error
// (a *RunError) when the restore cannot be done; a production target without the typed
// confirmation gives a plan with ConfirmationRequired set.
func (e *Engine) Plan(ctx context.Context, req Request) (*Plan, error) {
	return e.PlanWithProgress(ctx, req, nil)
}

// PlanWithProgress is Plan that reports the inspection of a file source as progress
// events (Step StepInspect) while it reads the file.
func (e *Engine) PlanWithProgress(ctx context.Context, req Request, onEvent func(Event)) (*Plan, error) {
	if req.Action != "" {
		return e.planAction(ctx, req)
	}
	if err := validate(req); err != nil {
		return nil, err
	}
	app, mode := req.Target.App, req.Target.Env.Mode
	p := &Plan{Request: req}
	if req.Source.File != "" {
		if err := CheckUploadTarget(req.Target); err != nil {
			return nil, err
		}
	}

	env, err := e.readTarget(ctx, req.Target, req.Source.SnapshotID)
	if err != nil {
		return nil, err
	}
	p.Request.Target.Env = *env
	p.applyRules(req.Target)
	p.startFromDefaults()
	if req.Source.File != "" && p.FreeApp {
		return nil, CheckUploadTarget(Target{App: req.Target.App, Env: *env, freeApp: true})
	}
	uploadOnly := req.Source.File != "" && req.Options.UploadOnly
	if !uploadOnly {
		switch env.Status {
		case cloud.StatusRunning, cloud.StatusStopped:
		case cloud.StatusEmpty:
			return nil, planErr(
				fmt.Sprintf("Nothing is deployed to %s yet, so it has no database to restore into.", mode),
				fmt.Sprintf("Deploy the app to %s in the Mendix Portal first, then restore.", mode), ErrTargetBusy)
		default:
			return nil, planErr(
				fmt.Sprintf("%s reports the status %s, neither running nor stopped: it may be starting or stopping.", mode, env.Status.Label()),
				"Wait until it has settled and try again.", ErrTargetBusy)
		}
	}

	// The account may use backups here, and no backup job is in the way.
	page, err := readRetry(ctx, e, func() (*cloud.SnapshotPage, error) {
		return e.cloud.ListSnapshots(ctx, app.ProjectID, env.EnvironmentID, cloud.ListOptions{Limit: 20})
	})
	if err != nil {
		return nil, planErr(fmt.Sprintf("Restore Desk could not read the backups of %s: %s.", mode, cause(err)), "", err)
	}
	_ = page // read for the access check; busy says what a running backup means
	if err := e.refuseBusy(ctx, p.Request.Target, "plan the restore"); err != nil {
		return nil, err
	}

	if req.Source.File != "" {
		if err := e.planFile(ctx, p, onEvent); err != nil {
			return nil, err
		}
		if !e.cloud.UploadsSupported() {
			// Mendix's own cloud has no upload route: the checked file goes to the Portal,
			// and no request is made to find that out.
			return nil, uploadHandoff(appLabel(req.Target), mode, req.Source.File, p.Archive, nil)
		}
	} else if err := e.planSnapshot(ctx, p); err != nil {
		return nil, err
	}

	p.Fit = e.fit(ctx, p)
	p.Allows.ConfirmName = p.confirmName()
	p.ConfirmationRequired = p.needsConfirmation()
	p.Steps = steps(p)
	p.Notes = notes(p, e.now())
	p.shape()
	return p, nil
}

// readTarget reads the target environment's status now, checking it is still the one
// that was chosen.
func (e *Engine) readTarget(ctx context.Context, t Target, snapshotID string) (*cloud.Environment, error) {
	app, mode := t.App, t.Env.Mode
	env, err := readRetry(ctx, e, func() (*cloud.Environment, error) { return e.cloud.GetEnvironment(ctx, app.AppID, mode) })
	if err != nil {
		if h := refusalHandoff(IsFreeApp(t), appLabel(t), mode, snapshotID, false, err); h != nil {
			return nil, h // a Free App, or an app outside Mendix Cloud: the way on is elsewhere
		}
		return nil, planErr(fmt.Sprintf("Restore Desk could not read the status of %s: %s.", mode, cause(err)), "", err)
	}
	if t.Env.EnvironmentID != "" && env.EnvironmentID != "" && env.EnvironmentID != t.Env.EnvironmentID {
		return nil, planErr(
			fmt.Sprintf("%s of %s is no longer the environment that was chosen (its id changed).", mode, app.AppID),
			"Refresh the app's environments and choose again.", ErrTargetChanged)
	}
	if env.EnvironmentID == "" {
		env.EnvironmentID = t.Env.EnvironmentID
	}
	return env, nil
}

// readRetry asks again when the cloud said "too many requests" (the client already waited
// what it could): a plan should not fail because the account is busy for a moment. Other
// failures are reported at once, so a dead server is said quickly.
func readRetry[T any](ctx context.Context, e *Engine, fn func() (T, error)) (T, error) {
	wait := e.poll
	for attempt := 0; ; attempt++ {
		v, err := fn()
		if err == nil || !errors.Is(err, cloud.ErrRateLimited) || attempt >= 3 {
			return v, err
		}
		if serr := cloud.Sleep(ctx, wait); serr != nil {
			return v, err
		}
		wait = min(e.maxPoll, 2*wait)
	}
}

func validate(req Request) error {
	bad := func(s string) error { return planErr(s, "", ErrInvalidRequest) }
	switch {
	case req.Target.App.AppID == "":
		return bad("Choose the app to restore into.")
	case req.Target.App.ProjectID == "":
		return bad("The app's project id is missing: refresh the list of apps and choose again.")
	case req.Target.Env.Mode == "":
		return bad("Choose the environment to restore into.")
	case req.Source.File == "" && req.Source.SnapshotID == "":
		return bad("Choose a backup or a backup file to restore.")
	case req.Source.File != "" && req.Source.SnapshotID != "":
		return bad("Choose either a backup or a file, not both.")
	case req.Options.UploadOnly && req.Source.File == "":
		return bad("Only a file can be uploaded; a backup in the cloud is already there.")
	case req.Options.UploadOnly && req.Options.Start:
		return bad("An upload alone does not stop the environment, so there is nothing to start.")
	}
	return nil
}

func (e *Engine) planSnapshot(ctx context.Context, p *Plan) error {
	src, t := p.Request.Source, p.Request.Target
	srcEnv := src.SourceEnvID
	if srcEnv == "" {
		srcEnv = t.Env.EnvironmentID
	}
	p.SourceMode = t.Env.Mode
	if srcEnv != t.Env.EnvironmentID {
		envs, err := readRetry(ctx, e, func() ([]cloud.Environment, error) { return e.cloud.ListEnvironments(ctx, t.App.AppID) })
		if err != nil {
			return planErr(fmt.Sprintf("Restore Desk could not read the environments of %s: %s.", t.App.AppID, cause(err)), "", err)
		}
		p.SourceMode = ""
		for _, env := range envs {
			if env.EnvironmentID == srcEnv {
				p.SourceMode = env.Mode
			}
		}
		if p.SourceMode == "" {
			return planErr(
				fmt.Sprintf("The backup's environment is not an environment of %s: a backup can only be restored into the app it was made of.", t.App.AppID),
				"Choose a backup of this app.", ErrInvalidRequest)
		}
	}
	snap, err := readRetry(ctx, e, func() (*cloud.Snapshot, error) {
		return e.cloud.GetSnapshot(ctx, t.App.ProjectID, srcEnv, src.SnapshotID)
	})
	if err != nil {
		if errors.Is(err, cloud.ErrNotFound) {
			return planErr(fmt.Sprintf("The backup %s was not found in %s: it may have expired or been deleted.", src.SnapshotID, p.SourceMode),
				"Refresh the list of backups and choose another one.", err)
		}
		return planErr(fmt.Sprintf("Restore Desk could not read the backup %s: %s.", src.SnapshotID, cause(err)), "", err)
	}
	if snap.State != cloud.StateCompleted {
		msg := ""
		if snap.StatusMessage != "" {
			msg = fmt.Sprintf(" (Mendix Cloud says: %s)", snap.StatusMessage)
		}
		return planErr(fmt.Sprintf("The backup of %s is %s%s; only a completed backup can be restored.", when(snapshotTime(snap), e.now()), jobLabel(snap.State), msg),
			"Wait until it is completed, or choose another backup.", ErrSnapshotNotReady)
	}
	p.Snapshot = snap
	p.Request.Source.SourceEnvID = srcEnv
	return nil
}

func (e *Engine) planFile(ctx context.Context, p *Plan, onEvent func(Event)) error {
	path := p.Request.Source.File
	fi, err := os.Stat(path)
	if err != nil {
		return planErr(fmt.Sprintf("The file %s cannot be opened: %s.", path, plainFileError(err)),
			"Check the file's name and place, and choose it again.", err)
	}
	if !fi.Mode().IsRegular() {
		return planErr(fmt.Sprintf("%s is not a file.", path), "Choose a backup file (.backup, .db or .tar.gz).", archive.ErrNotAFile)
	}
	rep, err := e.inspectCounted(ctx, path, 0, onEvent)
	if err != nil {
		return planErr(fmt.Sprintf("The file %s could not be read: %s.", fileName(path), plainFileError(err)), "", err)
	}
	if !rep.Restorable {
		return notRestorable(path, rep)
	}
	p.Archive, p.fileSize, p.fileMod = rep, fi.Size(), fi.ModTime()
	return nil
}

func notRestorable(path string, rep *archive.Report) error {
	problems := strings.Join(rep.Problems, " ")
	if problems == "" {
		problems = "Restore Desk does not recognise what it holds."
	}
	return &RunError{
		Summary: fmt.Sprintf("%s cannot be restored: %s", fileName(path), problems),
		Next:    "Nothing was changed. Choose a full snapshot (.tar.gz) or a database backup (.backup) made with pg_dump -Fc, pg_dump " + archive.NewestPgDump + " or older.",
		Err:     ErrNotRestorable, report: rep,
	}
}

func plainFileError(err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "it does not exist"
	case errors.Is(err, os.ErrPermission):
		return "this account is not allowed to read it"
	case errors.Is(err, context.Canceled):
		return "the check was cancelled"
	}
	return err.Error()
}
