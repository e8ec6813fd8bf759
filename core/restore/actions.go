package restore

import (
	"context"
	"fmt"

	"restoredesk/core/journal"
)

// BackupOptions are the choices of a manual backup (BackupTarget).
type BackupOptions struct {
	Comment string // the backup's comment; empty: Mendix Cloud's "Manually created snapshot"
	// NoWait ends the run once Mendix Cloud accepted the request, without following the
	// backup until it is completed.
	NoWait bool
}

// StartTarget starts an environment (AutoSyncDb on), follows the start job and checks
// that it runs; journaled as a run of its own. An environment that runs already is left
// as it is (Result.AlreadyDone).
func (e *Engine) StartTarget(ctx context.Context, profile string, t Target, onEvent func(Event)) (*Result, error) {
	if t.App.AppID == "" || t.Env.Mode == "" {
		return nil, planErr("Choose the app and environment to start.", "", ErrInvalidRequest)
	}
	return e.act(ctx, journal.KindStart, profile, t, onEvent, nil)
}

// StopTarget stops an environment and follows it until it reports Stopped (at most the
// stop timeout); journaled as a run of its own. An environment that is stopped already is
// left as it is (Result.AlreadyDone); one that is neither running nor stopped is refused.
func (e *Engine) StopTarget(ctx context.Context, profile string, t Target, onEvent func(Event)) (*Result, error) {
	if t.App.AppID == "" || t.Env.Mode == "" {
		return nil, planErr("Choose the app and environment to stop.", "", ErrInvalidRequest)
	}
	return e.act(ctx, journal.KindStop, profile, t, onEvent, nil)
}

// BackupTarget makes a manual backup of an environment and follows it until it is
// completed (Result.Backup); journaled as a run of its own. Free Apps cannot take manual
// backups: that is refused before anything is asked of the cloud (see CheckBackupTarget).
func (e *Engine) BackupTarget(ctx context.Context, profile string, t Target, opts BackupOptions, onEvent func(Event)) (*Result, error) {
	if err := CheckBackupTarget(t); err != nil {
		return nil, err
	}
	return e.act(ctx, journal.KindBackup, profile, t, onEvent, func(r *runner) { r.backup = opts })
}

// CheckBackupTarget says, without asking the cloud, why a manual backup of t cannot be
// made (a *RunError), or returns nil.
func CheckBackupTarget(t Target) error {
	switch {
	case t.App.AppID == "" || t.Env.Mode == "":
		return planErr("Choose the app and environment to back up.", "", ErrInvalidRequest)
	case t.App.ProjectID == "" || t.Env.EnvironmentID == "":
		return planErr("The environment's ids are missing: refresh the list of apps and choose again.", "", ErrInvalidRequest)
	case IsFreeApp(t):
		return planErr(
			fmt.Sprintf("%s is a Free App: Mendix Cloud makes the backups of a Free App by itself, every night, and takes no manual ones.", appLabel(t)),
			"Restore one of its nightly backups instead, or back up an environment of a licensed app.",
			ErrFreeAppBackup)
	}
	return nil
}

func appLabel(t Target) string {
	if t.App.Name != "" {
		return t.App.Name
	}
	return t.App.AppID
}

// actionSteps are the steps of each kind of start, stop and backup run, in order.
var actionSteps = map[journal.Kind][]StepKind{
	journal.KindStart:  {StepStart, StepVerify},
	journal.KindStop:   {StepStop},
	journal.KindBackup: {StepBackup},
}

// ActionSteps lists the steps a StartTarget (journal.KindStart), StopTarget (KindStop) or
// BackupTarget (KindBackup) run on the environment mode takes, with the titles its
// events carry: presenters show them before the run starts. Nil for other kinds.
func ActionSteps(kind journal.Kind, mode string) []Step {
	var out []Step
	for _, k := range actionSteps[kind] {
		out = append(out, Step{Kind: k, Title: defaultTitle(k, mode)})
	}
	return out
}

// actVerb is what a start, stop or backup run does, for "so it did not …" sentences.
var actVerb = map[journal.Kind]string{journal.KindStart: "start", journal.KindStop: "stop", journal.KindBackup: "back up"}

// act runs the steps of kind (start, stop, backup) on t as a journaled run: the same
// journal entries, events and final sentence as a restore run. prepare (may be nil) sets
// the runner up before the first step.
func (e *Engine) act(ctx context.Context, kind journal.Kind, profile string, t Target, onEvent func(Event), prepare func(*runner)) (*Result, error) {
	mode := t.Env.Mode
	jr := &journal.Run{
		Kind: kind, Profile: profile, Username: e.cloud.Username(),
		AppID: t.App.AppID, AppName: t.App.Name, ProjectID: t.App.ProjectID,
		EnvID: t.Env.EnvironmentID, Mode: mode, Production: t.Env.IsProduction(),
		FreeApp: IsFreeApp(t), Start: kind == journal.KindStart,
	}
	steps := ActionSteps(kind, mode)
	for _, s := range steps {
		jr.Steps = append(jr.Steps, journal.Step{Kind: string(s.Kind), Title: s.Title})
	}
	id, release, err := e.begin(ctx, jr, actVerb[kind]+" "+mode)
	if err != nil {
		return nil, err
	}
	defer release()
	r := e.newRunner(id, jr, onEvent)
	r.opts = Options{Start: kind == journal.KindStart}
	if prepare != nil {
		prepare(r)
	}
	for _, s := range steps {
		if err = r.step(ctx, s.Kind, false); err != nil {
			break
		}
	}
	return r.finish(ctx, err)
}
