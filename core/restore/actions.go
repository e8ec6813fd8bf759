package restore

import (
	"context"
	"fmt"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
)

// BackupOptions are the choices of a manual backup (Request.Backup).
type BackupOptions struct {
	Comment string // the backup's comment; empty: Mendix Cloud's "Manually created snapshot"
	// NoWait ends the run once Mendix Cloud accepted the request, without following the
	// backup until it is completed.
	NoWait bool
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

// ActionSteps lists the steps a start (journal.KindStart), stop (KindStop) or manual
// backup (KindBackup) run on the environment mode takes, with the titles its
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
		EnvID: t.Env.EnvironmentID, Mode: mode, Production: isProduction(t),
		FreeApp: IsFreeApp(t), Start: kind == journal.KindStart,
	}
	steps := ActionSteps(kind, mode)
	for _, s := range steps {
		jr.Steps = append(jr.Steps, journal.Step{Kind: string(s.Kind), Title: s.Title})
	}
	if err := e.refuseBusy(ctx, t, actVerb[kind]+" "+mode); err != nil {
		return nil, err
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

// PlanStartAfter plans starting the environment that run runID left stopped (a start
// plan, as Plan makes for Action KindStart), for the run's own account only.
func (e *Engine) PlanStartAfter(ctx context.Context, runID int64) (*Plan, error) {
	jr, err := e.getRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	if err := e.sameAccount(jr, "start "+jr.Mode); err != nil {
		return nil, err
	}
	t := Target{
		App: cloud.App{AppID: jr.AppID, Name: jr.AppName, ProjectID: jr.ProjectID},
		Env: cloud.Environment{EnvironmentID: jr.EnvID, Mode: jr.Mode, Production: cloud.FlexBool(jr.Production)},
	}
	return e.Plan(ctx, Request{Profile: jr.Profile, Action: journal.KindStart, Target: t})
}

// planAction plans a start, stop or manual backup (req.Action): the environment's status
// now, the steps, and what they mean. Stopping production needs its name typed (see
// rules.go); nothing else here does: no data is replaced.
func (e *Engine) planAction(ctx context.Context, req Request) (*Plan, error) {
	t := req.Target
	verb, ok := actVerb[req.Action]
	switch {
	case !ok:
		return nil, planErr(fmt.Sprintf("Restore Desk does not know the action %q.", req.Action), "", ErrInvalidRequest)
	case req.Action == journal.KindBackup:
		if err := CheckBackupTarget(t); err != nil {
			return nil, err
		}
	case t.App.AppID == "" || t.Env.Mode == "":
		return nil, planErr(fmt.Sprintf("Choose the app and environment to %s.", verb), "", ErrInvalidRequest)
	}
	env, err := e.readTarget(ctx, t, "")
	if err != nil {
		return nil, err
	}
	p := &Plan{Request: req}
	p.Request.Target.Env = *env
	p.applyRules(t)
	mode := env.Mode
	if env.Status == cloud.StatusEmpty && req.Action != journal.KindBackup {
		return nil, planErr(fmt.Sprintf("Nothing is deployed to %s yet, so there is nothing to %s.", mode, verb),
			fmt.Sprintf("Deploy the app to %s in the Mendix Portal first.", mode), ErrTargetBusy)
	}
	if err := e.refuseBusy(ctx, p.Request.Target, actVerb[req.Action]+" "+mode); err != nil {
		return nil, err
	}
	p.Steps = ActionSteps(req.Action, mode)
	p.ConfirmationRequired = p.needsConfirmation()
	switch {
	case req.Action == journal.KindStop && env.Status == cloud.StatusStopped:
		p.Notes = append(p.Notes, fmt.Sprintf("%s is stopped already: nothing will change.", mode))
	case req.Action == journal.KindStop:
		p.Notes = append(p.Notes, fmt.Sprintf("%s's users are offline until it is started again.", mode))
		if p.ConfirmationRequired {
			p.Notes = append(p.Notes, fmt.Sprintf("%s is a production environment: type its name, %s, to confirm.", mode, mode))
		}
	case req.Action == journal.KindStart && env.Status == cloud.StatusRunning:
		p.Notes = append(p.Notes, fmt.Sprintf("%s is running already: nothing will change.", mode))
	case req.Action == journal.KindStart:
		p.Notes = append(p.Notes, fmt.Sprintf("%s is started with its database synchronised to the deployed model (its tables are brought in line with the app version deployed there).", mode))
	case req.Action == journal.KindBackup && env.Status == cloud.StatusRunning:
		p.Notes = append(p.Notes, fmt.Sprintf("A backup of %s is made now; %s keeps running meanwhile.", mode, mode))
	case req.Action == journal.KindBackup && env.Status == cloud.StatusStopped:
		p.Notes = append(p.Notes, fmt.Sprintf("A backup of %s is made now; %s stays stopped meanwhile.", mode, mode))
	case req.Action == journal.KindBackup:
		p.Notes = append(p.Notes, fmt.Sprintf("A backup of %s is made now.", mode))
	}
	p.shape()
	return p, nil
}

// runAction runs a planned start, stop or backup.
func (e *Engine) runAction(ctx context.Context, p *Plan, onEvent func(Event)) (*Result, error) {
	req := p.Request
	return e.act(ctx, req.Action, req.Profile, req.Target, onEvent, func(r *runner) { r.backup = req.Backup })
}
