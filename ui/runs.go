package ui

import (
	"cmp"
	"context"
	"errors"
	"path/filepath"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/restore"
)

// runSpec is how the jobs panel shows an engine run and how its end is told.
type runSpec struct {
	title  string
	steps  []restore.Step
	target restore.Target
	// cancellable offers Cancel while a step runs that is safe to interrupt.
	cancellable bool
	// offerStart offers to start the environment the run left stopped (not after a run
	// whose purpose was to stop it).
	offerStart bool
}

// followRun runs work, an engine run, as a job of the jobs panel in the background: its
// events go to the job, and how it ended is told on the UI goroutine (runEnded). UI
// goroutine.
func (u *UI) followRun(s *session, spec runSpec, work func(ctx context.Context, onEvent func(restore.Event)) (*restore.Result, error)) *job {
	ctx, cancel := context.WithCancel(u.ctx)
	var offerCancel context.CancelFunc
	if spec.cancellable {
		offerCancel = cancel
	}
	j := u.jobs.add(spec.title, spec.steps, offerCancel)
	u.background(func(context.Context) {
		defer cancel()
		res, err := work(ctx, func(e restore.Event) { u.jobs.event(j, e) })
		u.jobs.finish(j, res, err)
		u.do(func() { u.runEnded(s, j, spec, res, err) })
	})
	return j
}

// runPlan runs plan as a job of the jobs panel. UI goroutine.
func (u *UI) runPlan(s *session, plan *restore.Plan) *job {
	spec := runSpec{title: planTitle(plan), steps: plan.Steps, target: plan.Request.Target, cancellable: true, offerStart: true}
	u.status.SetText(spec.title + ": started. Follow it in the jobs panel below.")
	return u.followRun(s, spec, func(ctx context.Context, onEvent func(restore.Event)) (*restore.Result, error) {
		return s.engine.Run(ctx, plan, onEvent)
	})
}

// planTitle names a run: "Restore Order Desk · Production", "Upload a.backup to …".
func planTitle(plan *restore.Plan) string {
	t := plan.Request.Target
	where := t.App.Name + " · " + t.Env.Mode
	switch {
	case plan.UndoOf != 0:
		return "Undo the restore of " + where
	case plan.Request.Source.File != "" && plan.Request.Options.UploadOnly:
		return "Upload " + filepath.Base(plan.Request.Source.File) + " to " + where
	case plan.Request.Source.File != "":
		return "Upload and restore " + filepath.Base(plan.Request.Source.File) + " into " + where
	}
	return "Restore " + where
}

// runEnded tells how a run ended, refreshes what it changed, and offers to start an
// environment it left stopped. UI goroutine.
func (u *UI) runEnded(s *session, j *job, spec runSpec, res *restore.Result, err error) {
	title := spec.title
	switch {
	case err == nil:
		u.notify("Finished: "+title, "The job finished successfully.")
		u.status.SetText(title + ": finished.")
	case errors.Is(err, restore.ErrCancelled), errors.Is(err, context.Canceled):
		u.status.SetText(title + ": cancelled.")
	case errors.Is(err, restore.ErrDetached):
		u.status.SetText(title + ": Restore Desk stopped following it; it continues in the cloud.")
	default:
		u.notify("Failed: "+title, explainSummary(err))
		u.status.SetText(title + ": failed. " + explainSummary(err))
	}
	if spec.offerStart && res != nil && res.LeftStopped {
		app, env, runID := spec.target.App, spec.target.Env, res.RunID
		u.jobs.offerStart(j, "Start "+env.Mode, func() { u.startEnv(s, app, env, runID) })
	}
	u.refreshShown(s, spec.target.App.AppID)
	if u.history != nil && !u.history.closed {
		u.history.load()
	}
}

// refreshShown reloads the environments and backups of appID when they are on screen.
// UI goroutine.
func (u *UI) refreshShown(s *session, appID string) {
	if u.sess != s || u.curApp == nil || u.curApp.AppID != appID {
		return
	}
	u.loadEnvs()
	u.reloadBackups()
}

// reloadBackups reloads the selected environment's backups, keeping the selected one.
// UI goroutine.
func (u *UI) reloadBackups() {
	if u.curEnv == nil {
		return
	}
	keep := ""
	if u.curSnap != nil {
		keep = u.curSnap.SnapshotID
	}
	u.loadBackups(keep)
}

// reattach follows the runs of this account that were still running when Restore Desk
// last closed.
func (u *UI) reattach() {
	s := u.sess
	u.background(func(context.Context) {
		runs, err := s.engine.Unfinished(s.ctx)
		if err != nil {
			u.log.Warn("look for unfinished runs", "err", err)
			return
		}
		u.do(func() {
			for _, r := range runs {
				if r.Profile == s.profile { // another account's engine follows the others
					u.followRun(s, reattachSpec(r), func(ctx context.Context, onEvent func(restore.Event)) (*restore.Result, error) {
						return s.engine.Reattach(ctx, r.ID, onEvent)
					})
				}
			}
		})
	})
}

// reattachSpec shows an interrupted run as it was journaled.
func reattachSpec(r journal.Run) runSpec {
	spec := runSpec{
		title: runKindText(r) + " " + cmp.Or(r.AppName, r.AppID) + " · " + r.Mode + " (re-attached)",
		target: restore.Target{App: cloud.App{AppID: r.AppID, Name: r.AppName, ProjectID: r.ProjectID},
			Env: cloud.Environment{EnvironmentID: r.EnvID, Mode: r.Mode}},
		cancellable: true,
		offerStart:  r.Kind != journal.KindStop,
	}
	for _, st := range r.Steps {
		spec.steps = append(spec.steps, restore.Step{Kind: restore.StepKind(st.Kind), Title: st.Title})
	}
	return spec
}

// actionSpec shows a start, stop or backup run of the engine on env of app.
func actionSpec(kind journal.Kind, verb string, app cloud.App, env cloud.Environment) runSpec {
	return runSpec{
		title:  verb + " " + app.Name + " · " + env.Mode,
		steps:  restore.ActionSteps(kind, env.Mode),
		target: restore.Target{App: app, Env: env},
	}
}

// startEnv starts env as a journaled run and follows it until the environment runs;
// afterRun, when not 0, is the run that left it stopped. UI goroutine.
func (u *UI) startEnv(s *session, app cloud.App, env cloud.Environment, afterRun int64) *job {
	spec := actionSpec(journal.KindStart, "Start", app, env)
	return u.followRun(s, spec, func(ctx context.Context, onEvent func(restore.Event)) (*restore.Result, error) {
		if afterRun != 0 {
			return s.engine.StartAfter(ctx, afterRun, onEvent)
		}
		return s.engine.StartTarget(ctx, s.profile, spec.target, onEvent)
	})
}

// stopEnv stops env as a journaled run and follows it until the cloud reports it
// stopped. UI goroutine.
func (u *UI) stopEnv(s *session, app cloud.App, env cloud.Environment) *job {
	spec := actionSpec(journal.KindStop, "Stop", app, env)
	return u.followRun(s, spec, func(ctx context.Context, onEvent func(restore.Event)) (*restore.Result, error) {
		return s.engine.StopTarget(ctx, s.profile, spec.target, onEvent)
	})
}

// createSnapshot makes a manual backup as a journaled run and follows it until it is
// completed. UI goroutine.
func (u *UI) createSnapshot(s *session, app cloud.App, env cloud.Environment, comment string) *job {
	spec := actionSpec(journal.KindBackup, "Back up", app, env)
	return u.followRun(s, spec, func(ctx context.Context, onEvent func(restore.Event)) (*restore.Result, error) {
		listed := false // the engine calls back one event at a time
		return s.engine.BackupTarget(ctx, s.profile, spec.target, restore.BackupOptions{Comment: comment}, func(e restore.Event) {
			onEvent(e)
			if !listed && e.Type == restore.EventProgress {
				listed = true
				u.do(func() { u.refreshShown(s, app.AppID) }) // list the new backup while it is made
			}
		})
	})
}
