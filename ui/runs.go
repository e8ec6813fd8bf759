package ui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"restoredesk/core/cloud"
	"restoredesk/core/restore"
)

// runPlan runs plan as a job of the jobs panel. UI goroutine.
func (u *UI) runPlan(s *session, plan *restore.Plan) *job {
	ctx, cancel := context.WithCancel(u.ctx)
	j := u.jobs.add(planTitle(plan), plan.Steps, cancel)
	u.status.SetText(planTitle(plan) + ": started. Follow it in the jobs panel below.")
	u.background(func(context.Context) {
		defer cancel()
		res, err := s.engine.Run(ctx, plan, func(e restore.Event) { u.jobs.event(j, e) })
		u.jobs.finish(j, res, err)
		u.do(func() { u.runEnded(s, j, plan.Request.Target, res, err) })
	})
	return j
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
func (u *UI) runEnded(s *session, j *job, target restore.Target, res *restore.Result, err error) {
	title := u.jobs.snapshot(j).title
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
	if res != nil && res.LeftStopped {
		env := target.Env
		app := target.App
		runID := res.RunID
		u.jobs.offerStart(j, "Start "+env.Mode, func() { u.startEnv(s, app, env, runID) })
	}
	if u.sess == s && u.curApp != nil && u.curApp.AppID == target.App.AppID {
		u.loadEnvs()
		if u.curEnv != nil {
			keep := ""
			if u.curSnap != nil {
				keep = u.curSnap.SnapshotID
			}
			u.loadBackups(keep)
		}
	}
	if u.history != nil && !u.history.closed {
		u.history.load()
	}
}

// reattach follows the runs that were still running when Restore Desk last closed.
func (u *UI) reattach() {
	s := u.sess
	u.background(func(ctx context.Context) {
		runs, err := s.engine.Unfinished(s.ctx)
		if err != nil {
			u.log.Warn("look for unfinished runs", "err", err)
			return
		}
		for _, r := range runs {
			if r.Profile != s.profile {
				continue // another account's engine follows it
			}
			u.do(func() {
				rctx, cancel := context.WithCancel(u.ctx)
				var steps []restore.Step
				for _, st := range r.Steps {
					steps = append(steps, restore.Step{Kind: restore.StepKind(st.Kind), Title: st.Title})
				}
				title := fmt.Sprintf("Restore %s · %s (re-attached)", cmp.Or(r.AppName, r.AppID), r.Mode)
				j := u.jobs.add(title, steps, cancel)
				target := restore.Target{App: cloud.App{AppID: r.AppID, Name: r.AppName, ProjectID: r.ProjectID},
					Env: cloud.Environment{EnvironmentID: r.EnvID, Mode: r.Mode}}
				u.background(func(context.Context) {
					defer cancel()
					res, err := s.engine.Reattach(rctx, r.ID, func(e restore.Event) { u.jobs.event(j, e) })
					u.jobs.finish(j, res, err)
					u.do(func() { u.runEnded(s, j, target, res, err) })
				})
			})
		}
	})
}

// envJob runs work as a one-step job: a backup, a start or a stop, followed until the
// cloud reports it finished. UI goroutine.
func (u *UI) envJob(title string, step restore.Step, work func(ctx context.Context, emit func(restore.Event)) error,
	after func(err error)) *job {
	j := u.jobs.add(title, []restore.Step{step}, nil)
	u.background(func(ctx context.Context) {
		emit := func(e restore.Event) {
			e.Step = step.Kind
			u.jobs.event(j, e)
		}
		emit(restore.Event{Type: restore.EventStepStarted})
		err := work(ctx, emit)
		if err != nil {
			emit(restore.Event{Type: restore.EventStepFailed, Err: err})
		} else {
			emit(restore.Event{Type: restore.EventStepDone})
		}
		u.jobs.finish(j, nil, err)
		u.do(func() {
			if err != nil {
				u.notify("Failed: "+title, explainSummary(err))
			} else {
				u.notify("Finished: "+title, "The job finished successfully.")
			}
			after(err)
		})
	})
	return j
}

// pollEvery is how often env jobs ask the cloud for news.
func (u *UI) pollEvery() time.Duration {
	if u.deps.PollInterval > 0 {
		return u.deps.PollInterval
	}
	return 2 * time.Second
}

// wait sleeps d unless ctx ends first.
func wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// refreshAfter reloads the app's environments and backups when they are on screen.
func (u *UI) refreshAfter(s *session, appID string) {
	if u.sess != s || u.curApp == nil || u.curApp.AppID != appID {
		return
	}
	u.loadEnvs()
	if u.curEnv != nil {
		keep := ""
		if u.curSnap != nil {
			keep = u.curSnap.SnapshotID
		}
		u.loadBackups(keep)
	}
}

// startEnv starts env as a journaled run and follows it until the environment runs;
// afterRun, when not 0, is the run that left it stopped. UI goroutine.
func (u *UI) startEnv(s *session, app cloud.App, env cloud.Environment, afterRun int64) *job {
	steps := []restore.Step{
		{Kind: restore.StepStart, Title: fmt.Sprintf("Start %s and wait until it runs", env.Mode)},
		{Kind: restore.StepVerify, Title: fmt.Sprintf("Check that %s is running", env.Mode)},
	}
	j := u.jobs.add("Start "+app.Name+" · "+env.Mode, steps, nil)
	target := restore.Target{App: app, Env: env}
	u.background(func(ctx context.Context) {
		onEvent := func(e restore.Event) { u.jobs.event(j, e) }
		var res *restore.Result
		var err error
		if afterRun != 0 {
			res, err = s.engine.StartAfter(ctx, afterRun, onEvent)
		} else {
			res, err = s.engine.StartTarget(ctx, s.profile, target, onEvent)
		}
		u.jobs.finish(j, res, err)
		u.do(func() { u.runEnded(s, j, target, res, err) })
	})
	return j
}

// stopEnv stops env and waits until the cloud reports it stopped.
func (u *UI) stopEnv(s *session, app cloud.App, env cloud.Environment) *job {
	step := restore.Step{Kind: restore.StepStop, Title: fmt.Sprintf("Stop %s and wait until it is stopped", env.Mode)}
	return u.envJob("Stop "+app.Name+" · "+env.Mode, step, func(ctx context.Context, emit func(restore.Event)) error {
		if err := s.client.StopEnvironment(ctx, app.AppID, env.Mode); err != nil {
			return err
		}
		for {
			e, err := s.client.GetEnvironment(ctx, app.AppID, env.Mode)
			if err != nil {
				return err
			}
			emit(restore.Event{Type: restore.EventProgress, State: "running", Message: e.Status.Label()})
			if e.Status == cloud.StatusStopped {
				return nil
			}
			if err := wait(ctx, u.pollEvery()); err != nil {
				return err
			}
		}
	}, func(error) { u.refreshAfter(s, app.AppID) })
}

// createSnapshot makes a manual backup and follows it until it is completed.
func (u *UI) createSnapshot(s *session, app cloud.App, env cloud.Environment, comment string) *job {
	step := restore.Step{Kind: restore.StepKind("backup"), Title: fmt.Sprintf("Make a backup of %s", env.Mode)}
	return u.envJob("Back up "+app.Name+" · "+env.Mode, step, func(ctx context.Context, emit func(restore.Event)) error {
		snap, err := s.client.CreateSnapshot(ctx, app.ProjectID, env.EnvironmentID, comment)
		if err != nil {
			return err
		}
		u.do(func() { u.refreshAfter(s, app.AppID) }) // show it queued
		for !snap.State.Done() {
			emit(restore.Event{Type: restore.EventProgress, State: string(snap.State), Message: snap.StatusMessage})
			if err := wait(ctx, u.pollEvery()); err != nil {
				return err
			}
			if snap, err = s.client.GetSnapshot(ctx, app.ProjectID, env.EnvironmentID, snap.SnapshotID); err != nil {
				return err
			}
		}
		if snap.State == cloud.StateFailed {
			return &backupFailedError{message: snap.StatusMessage}
		}
		return nil
	}, func(error) { u.refreshAfter(s, app.AppID) })
}

// backupFailedError is a backup job that ended failed.
type backupFailedError struct{ message string }

func (e *backupFailedError) Error() string { return "the backup failed: " + e.message }

// PlainSummary implements explain.Plain.
func (e *backupFailedError) PlainSummary() string {
	if e.message == "" {
		return "Mendix Cloud could not make the backup."
	}
	return "Mendix Cloud could not make the backup: " + e.message + "."
}

// PlainNextStep implements explain.Plain.
func (e *backupFailedError) PlainNextStep() string {
	return "Try again in a few minutes; if it fails again, contact Mendix Support."
}
