package ui

import (
	"cmp"
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/profiles"
	"restoredesk/core/restore"
)

// runner follows the engine's runs as jobs of the jobs panel: it starts each confirmed
// plan, feeds the run's events to its job and to the environments' live status, and
// tells how the run ended. It is given the parts it draws into, not the window.
type runner struct {
	k        *kit
	jobs     *jobsPanel
	lists    *browser
	profiles *profiles.Store
	changed  func() // what a run holds changed: the toolbar follows
	ended    func() // a run ended: the open History reads the journal again
	// askStart offers to start an environment a run left stopped; openLocal opens a
	// downloaded file in a local database (both set by the window's actions).
	askStart  func(s *session, app cloud.App, env cloud.Environment)
	openLocal func(s *session, path string)
	// engines are those this window ran something with: closing asks them what closing
	// does to each run going on (UI goroutine).
	engines map[*restore.Engine]bool
}

// use notes that a run of s's engine starts here. UI goroutine.
func (r *runner) use(s *session) {
	if r.engines == nil {
		r.engines = map[*restore.Engine]bool{}
	}
	r.engines[s.engine] = true
}

// onClose says, in the engines' words, what closing the app now does to each run going
// on: it goes on in the cloud and is followed at the next start, or it is cancelled.
func (r *runner) onClose() []string {
	var out []string
	for e := range r.engines {
		for _, l := range e.Live() {
			if _, sentence, ok := e.OnClose(l.RunID); ok {
				out = append(out, sentence)
			}
		}
	}
	return out
}

// runSpec is how the jobs panel shows an engine run and how its end is told.
type runSpec struct {
	title  string
	steps  []restore.Step
	target restore.Target
	// since is when the run began, when before the job is added: a re-attached run.
	since time.Time
}

// followRun runs work, an engine run, as a job of the jobs panel in the background: its
// events go to the job and to the target's live status, and how it ended is told on the
// UI goroutine (runEnded). UI goroutine.
func (r *runner) followRun(s *session, spec runSpec, work func(ctx context.Context, onEvent func(restore.Event)) (*restore.Result, error)) *job {
	r.use(s)
	ctx, cancel := context.WithCancel(r.k.ctx)
	j := r.jobs.add(r.jobTitle(s, spec.title), spec.steps, cancel) // offered while the view says a step is cancellable
	r.jobs.since(j, spec.since)
	r.k.background(func(context.Context) {
		defer cancel()
		res, err := work(ctx, func(e restore.Event) {
			r.jobs.event(j, e)
			r.k.do(func() {
				if r.lists.liveChanged(e) {
					r.changed()
				}
			})
		})
		r.jobs.finish(j, res, err)
		r.k.do(func() {
			r.changed()
			r.runEnded(s, j, spec, res, err)
		})
	})
	return j
}

// runJob runs work, an engine run that holds no environment (a download, a local
// restore), as a job of the jobs panel in the background, and calls ended with its error
// on the UI goroutine. work keeps its own result for ended. UI goroutine.
func (r *runner) runJob(s *session, title string, steps []restore.Step, work func(ctx context.Context, onEvent func(restore.Event)) (*restore.Result, error), ended func(j *job, err error)) *job {
	r.use(s)
	ctx, cancel := context.WithCancel(r.k.ctx)
	j := r.jobs.add(title, steps, cancel)
	r.k.say(title + ": started. Follow it in the jobs panel below.")
	r.k.background(func(context.Context) {
		defer cancel()
		res, err := work(ctx, func(e restore.Event) { r.jobs.event(j, e) })
		r.jobs.finish(j, res, err)
		r.k.do(func() { ended(j, err) })
	})
	return j
}

// confirmed runs a confirmed plan; a restore that stops a running environment asks
// first, as the portal's "Stop Application" does. UI goroutine.
func (r *runner) confirmed(s *session, p *restore.Plan) { r.confirmedOver(s, p, nil) }

// confirmedOver is confirmed for a plan confirmed over the window over (nil: the main
// window), where the stop prompt then opens.
func (r *runner) confirmedOver(s *session, p *restore.Plan, over fyne.Window) {
	if p.StopsRunning {
		askStop(r.k, over, p, func() { r.runPlan(s, p) })
		return
	}
	r.runPlan(s, p)
}

// runPlan runs a confirmed plan as a job of the jobs panel. UI goroutine.
func (r *runner) runPlan(s *session, plan *restore.Plan) *job {
	spec := runSpec{title: planTitle(plan), steps: plan.Steps, target: plan.Request.Target}
	r.k.say(spec.title + ": started. Follow it in the jobs panel below.")
	return r.followRun(s, spec, func(ctx context.Context, onEvent func(restore.Event)) (*restore.Result, error) {
		if plan.Request.Action == journal.KindBackup {
			onEvent = r.listNewBackup(s, plan.Request.Target.App.AppID, onEvent)
		}
		return s.engine.Run(ctx, plan, onEvent)
	})
}

// runManage runs a confirmed change to a backup as a job; the backups are listed anew
// when it ends. UI goroutine.
func (r *runner) runManage(s *session, p *restore.ManagePlan) *job {
	t := p.Request.Target
	title := "Change a backup of " + t.App.Name + " · " + t.Env.Mode
	if p.Request.Delete {
		title = "Delete a backup of " + t.App.Name + " · " + t.Env.Mode
	}
	spec := runSpec{title: title, steps: []restore.Step{p.Step}, target: t}
	return r.followRun(s, spec, func(ctx context.Context, onEvent func(restore.Event)) (*restore.Result, error) {
		return s.engine.RunManage(ctx, p, onEvent)
	})
}

// listNewBackup passes events on and reloads the backups once the cloud reports the new
// one, so it is listed while it is made.
func (r *runner) listNewBackup(s *session, appID string, onEvent func(restore.Event)) func(restore.Event) {
	listed := false // the engine calls back one event at a time
	return func(e restore.Event) {
		onEvent(e)
		if !listed && e.Type == restore.EventProgress {
			listed = true
			r.k.do(func() { r.lists.refreshShown(s, appID) })
		}
	}
}

// runEnded tells how a run ended, reads again what it changed (the environments, and
// whether anything still holds the target), and offers to start an environment it left
// stopped. UI goroutine.
func (r *runner) runEnded(s *session, j *job, spec runSpec, res *restore.Result, err error) {
	title := spec.title
	switch {
	case err == nil:
		r.k.notify("Finished: "+title, "The job finished successfully.")
		r.k.say(title + ": finished.")
	case errors.Is(err, restore.ErrCancelled), errors.Is(err, context.Canceled):
		r.k.say(title + ": cancelled.")
	case errors.Is(err, restore.ErrDetached):
		r.k.say(title + ": Restore Desk stopped following it; it continues in the cloud.")
	default:
		r.k.notify("Failed: "+title, explainSummary(err))
		r.k.say(title + ": failed. " + explainSummary(err))
	}
	r.offerNext(s, j, spec, res, err)
	r.lists.refreshShown(s, spec.target.App.AppID)
	r.ended()
}

// offerNext offers on j's card the next step the engine suggests, in the window's words:
// start what the run left stopped, or follow a run that goes on in the cloud. UI goroutine.
func (r *runner) offerNext(s *session, j *job, spec runSpec, res *restore.Result, err error) {
	var next []restore.NextAction
	if res != nil {
		next = res.NextActions()
	}
	if a := restore.ActionOf(err); a != nil {
		next = append(next, *a)
	}
	for _, a := range next {
		switch {
		case a.Kind == restore.ActionStart:
			app, env := spec.target.App, spec.target.Env
			r.jobs.offerNext(j, "Start "+env.Mode, func() { r.askStart(s, app, env) })
			return
		case a.Kind == restore.ActionFollow && a.RunID != 0:
			runID, again := a.RunID, spec
			if again.since.IsZero() {
				again.since = r.jobs.snapshot(j).Started
			}
			again.title = strings.TrimSuffix(spec.title, " (re-attached)") + " (re-attached)"
			r.jobs.offerNext(j, "Follow again", func() {
				r.followRun(s, again, func(ctx context.Context, onEvent func(restore.Event)) (*restore.Result, error) {
					return s.engine.Reattach(ctx, runID, onEvent)
				})
			})
			return
		}
	}
}

// reattach follows the runs of s's account that were still running when Restore Desk
// last closed.
func (r *runner) reattach(s *session) {
	r.k.background(func(context.Context) {
		runs, err := s.engine.Unfinished(s.ctx)
		if err != nil {
			r.k.log.Warn("look for unfinished runs", "err", err)
			return
		}
		r.k.do(func() {
			for _, jr := range runs {
				if jr.Profile == s.profile { // another account's engine follows the others
					// Reattach first draws the steps done before the restart as done.
					r.followRun(s, reattachSpec(jr), func(ctx context.Context, onEvent func(restore.Event)) (*restore.Result, error) {
						return s.engine.Reattach(ctx, jr.ID, onEvent)
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
		since: r.StartedAt,
	}
	for _, st := range r.Steps {
		spec.steps = append(spec.steps, restore.Step{Kind: restore.StepKind(st.Kind), Title: st.Title})
	}
	return spec
}

// jobTitle names a job with its account when there is more than one, so a job still
// running after switching accounts says whose it is.
func (r *runner) jobTitle(s *session, title string) string {
	if s == nil || s.profile == "" || r.profiles == nil {
		return title
	}
	n := len(r.profiles.List())
	if n > 1 || (n == 1 && s.profile == DemoProfile) {
		return title + " · account " + s.profile
	}
	return title
}
