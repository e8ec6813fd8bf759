package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

// Live status: while a run of this window holds an environment, its badge follows the
// run's events (Stopping, Stopped, Restoring, Starting, Running) instead of the status
// last read, and Restore, Start and Stop are disabled for it. The engine refuses them
// anyway (busy); the window just does not offer what would be refused.

// liveStatus is what a run says of its environment now.
type liveStatus struct {
	base  cloud.EnvStatus // the status when the run began, or as its last step left it
	label string
}

// liveNext is the status after event e; ok is false when e says nothing new.
func liveNext(cur liveStatus, e restore.Event) (liveStatus, bool) {
	with := func(what string) (liveStatus, bool) {
		return liveStatus{base: cur.base, label: cur.base.Label() + " · " + what}, true
	}
	set := func(s cloud.EnvStatus, label string) (liveStatus, bool) {
		return liveStatus{base: s, label: label}, true
	}
	switch e.Type {
	case restore.EventStepStarted:
		switch e.Step {
		case restore.StepUpload:
			return with("receiving the upload")
		case restore.StepSafetyBackup, restore.StepBackup:
			return with("backing up")
		case restore.StepStop:
			return set(cur.base, "Stopping")
		case restore.StepRestore, restore.StepWait:
			return set(cloud.StatusStopped, "Stopped · restoring")
		case restore.StepStart:
			return set(cur.base, "Starting")
		}
	case restore.EventStepDone:
		switch e.Step {
		case restore.StepStop, restore.StepWait:
			return set(cloud.StatusStopped, cloud.StatusStopped.Label())
		case restore.StepStart, restore.StepVerify:
			return set(cloud.StatusRunning, cloud.StatusRunning.Label())
		case restore.StepUpload, restore.StepSafetyBackup, restore.StepBackup:
			return set(cur.base, cur.base.Label())
		}
	}
	return cur, false
}

// hold marks t's environment as held by a run, showing its status as the run began.
// UI goroutine.
func (p *envsPanel) hold(t restore.Target) {
	if p.live == nil {
		p.live = map[string]liveStatus{}
	}
	p.live[t.Env.EnvironmentID] = liveStatus{base: t.Env.Status, label: t.Env.Status.Label()}
	p.list.Refresh()
}

// follow draws event e of the run that holds envID. UI goroutine.
func (p *envsPanel) follow(envID string, e restore.Event) {
	cur, held := p.live[envID]
	if !held {
		return
	}
	if next, ok := liveNext(cur, e); ok {
		p.live[envID] = next
		p.list.Refresh()
	}
}

// release ends the hold; the next read of the environments shows the cloud's status.
// UI goroutine.
func (p *envsPanel) release(envID string) {
	delete(p.live, envID)
	p.list.Refresh()
}

// held reports whether a run of this window holds envID.
func (p *envsPanel) held(envID string) bool {
	_, ok := p.live[envID]
	return ok
}

// liveBadge is the badge of a held environment: the run's word for its status.
func (p *envsPanel) liveBadge(envID string) (fyne.Resource, string, bool) {
	s, ok := p.live[envID]
	if !ok {
		return nil, "", false
	}
	return theme.NewColoredResource(theme.MediaReplayIcon(), theme.ColorNamePrimary), s.label, true
}

// holdActions disables Restore, Start and Stop for the environment a run holds.
func (u *UI) holdActions() {
	if env := u.curEnv; env != nil && u.envs.held(env.EnvironmentID) {
		u.bar.restore.Disable()
		u.bar.start.Disable()
		u.bar.stop.Disable()
	}
}

// replayDone draws the steps an interrupted run finished before the restart as done (or
// skipped ones as done with their words), from the journal, before the engine follows
// the rest: the job then reads as the run went, not as if it started over.
func replayDone(r journal.Run, onEvent func(restore.Event)) {
	for _, st := range r.Steps {
		if st.Status != journal.StepDone && st.Status != journal.StepSkipped {
			continue
		}
		k := restore.StepKind(st.Kind)
		onEvent(restore.Event{RunID: r.ID, Step: k, Type: restore.EventStepStarted, Time: st.StartedAt, Title: st.Title})
		onEvent(restore.Event{RunID: r.ID, Step: k, Type: restore.EventStepDone, Time: st.FinishedAt, Message: st.Message})
	}
}

// stepIconOf is a step's icon in a run: the step a cancelled run stopped at shows the
// cancelled icon, not an error.
func stepIconOf(s progress.StepState, run progress.RunState) fyne.Resource {
	if s == progress.StepFailed && run == progress.RunCancelled {
		return theme.NewWarningThemedResource(theme.CancelIcon())
	}
	return stepIcon(s)
}

// jobTitle names a job with its account when there is more than one, so a job still
// running after switching accounts says whose it is.
func (u *UI) jobTitle(s *session, title string) string {
	if s == nil || s.profile == "" || u.deps.Profiles == nil {
		return title
	}
	n := len(u.deps.Profiles.List())
	if n > 1 || (n == 1 && s.profile == DemoProfile) {
		return title + " · account " + s.profile
	}
	return title
}
