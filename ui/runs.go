package ui

import (
	"cmp"
	"context"
	"errors"
	"path/filepath"
	"strings"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/restore"
)

// runSpec is how the jobs panel shows an engine run and how its end is told.
type runSpec struct {
	title  string
	steps  []restore.Step
	target restore.Target
	// offerStart offers to start the environment the run left stopped (not after a run
	// whose purpose was to stop it).
	offerStart bool
}

// followRun runs work, an engine run, as a job of the jobs panel in the background: its
// events go to the job, and how it ended is told on the UI goroutine (runEnded). UI
// goroutine.
func (u *UI) followRun(s *session, spec runSpec, work func(ctx context.Context, onEvent func(restore.Event)) (*restore.Result, error)) *job {
	ctx, cancel := context.WithCancel(u.ctx)
	j := u.jobs.add(u.jobTitle(s, spec.title), spec.steps, cancel) // offered while the view says a step is cancellable
	envID := spec.target.Env.EnvironmentID
	u.envs.hold(spec.target)
	u.updateActions()
	u.background(func(context.Context) {
		defer cancel()
		res, err := work(ctx, func(e restore.Event) {
			u.jobs.event(j, e)
			u.do(func() { u.envs.follow(envID, e); u.updateActions() })
		})
		u.jobs.finish(j, res, err)
		u.do(func() { u.envs.release(envID); u.updateActions(); u.runEnded(s, j, spec, res, err) })
	})
	return j
}

// runPlan runs a confirmed plan as a job of the jobs panel. UI goroutine.
func (u *UI) runPlan(s *session, plan *restore.Plan) *job {
	spec := runSpec{title: planTitle(plan), steps: plan.Steps, target: plan.Request.Target,
		offerStart: plan.Request.Action != journal.KindStop}
	u.status.SetText(spec.title + ": started. Follow it in the jobs panel below.")
	return u.followRun(s, spec, func(ctx context.Context, onEvent func(restore.Event)) (*restore.Result, error) {
		if plan.Request.Action == journal.KindBackup {
			onEvent = u.listNewBackup(s, plan.Request.Target.App.AppID, onEvent)
		}
		return s.engine.Run(ctx, plan, onEvent)
	})
}

// listNewBackup passes events on and reloads the backups once the cloud reports the new
// one, so it is listed while it is made.
func (u *UI) listNewBackup(s *session, appID string, onEvent func(restore.Event)) func(restore.Event) {
	listed := false // the engine calls back one event at a time
	return func(e restore.Event) {
		onEvent(e)
		if !listed && e.Type == restore.EventProgress {
			listed = true
			u.do(func() { u.refreshShown(s, appID) })
		}
	}
}

// planTitle names a run: "Restore Order Desk · Production", "Upload a.backup to …".
func planTitle(plan *restore.Plan) string {
	t := plan.Request.Target
	where := t.App.Name + " · " + t.Env.Mode
	switch {
	case plan.Request.Action == journal.KindStart:
		return "Start " + where
	case plan.Request.Action == journal.KindStop:
		return "Stop " + where
	case plan.Request.Action == journal.KindBackup:
		return "Back up " + where
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
	u.offerNext(s, j, spec, res, err)
	u.refreshShown(s, spec.target.App.AppID)
	if u.history != nil && !u.history.closed {
		u.history.load()
	}
}

// offerNext offers on j's card the next step the engine suggests, in the window's words:
// start what the run left stopped, or follow a run that goes on in the cloud. UI goroutine.
func (u *UI) offerNext(s *session, j *job, spec runSpec, res *restore.Result, err error) {
	var next []restore.NextAction
	if res != nil {
		next = res.NextActions()
	}
	if a := restore.ActionOf(err); a != nil {
		next = append(next, *a)
	}
	for _, a := range next {
		switch {
		case a.Kind == restore.ActionStart && spec.offerStart:
			app, env := spec.target.App, spec.target.Env
			u.jobs.offerNext(j, "Start "+env.Mode, func() { u.askAction(s, journal.KindStart, app, env) })
			return
		case a.Kind == restore.ActionFollow && a.RunID != 0:
			runID, again := a.RunID, spec
			again.title = strings.TrimSuffix(spec.title, " (re-attached)") + " (re-attached)"
			u.jobs.offerNext(j, "Follow again", func() {
				u.followRun(s, again, func(ctx context.Context, onEvent func(restore.Event)) (*restore.Result, error) {
					return s.engine.Reattach(ctx, runID, onEvent)
				})
			})
			return
		}
	}
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
						replayDone(r, onEvent)
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
		offerStart: r.Kind != journal.KindStop,
	}
	for _, st := range r.Steps {
		spec.steps = append(spec.steps, restore.Step{Kind: restore.StepKind(st.Kind), Title: st.Title})
	}
	return spec
}
