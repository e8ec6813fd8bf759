package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"restoredesk/core/cloud"
	"restoredesk/core/restore"
)

// Live status is drawn from the engine: while a run the engine journaled goes on, its
// events say what its environment is doing (Stopping, Stopped, Restoring, Starting,
// Running), and the badge follows them instead of the status last read; Restore, Start
// and Stop wait for it. A run the engine refused never started a step, so it takes no
// badge. When a run ends or is refused, the window reads the environments again and asks
// the engine whether anything still holds the target (browser.checkBusy).

// liveStatus is what a run says of its environment now.
type liveStatus struct {
	by    *job            // the job following the run that says it
	base  cloud.EnvStatus // the status when the run began, or as its last step left it
	label string
}

// liveNext is the status after event e; ok is false when e says nothing new.
func liveNext(cur liveStatus, e restore.Event) (liveStatus, bool) {
	with := func(what string) (liveStatus, bool) {
		return liveStatus{by: cur.by, base: cur.base, label: cur.base.Label() + " · " + what}, true
	}
	set := func(s cloud.EnvStatus, label string) (liveStatus, bool) {
		return liveStatus{by: cur.by, base: s, label: label}, true
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

// follow draws event e of the run j follows on t's environment; it reports whether the
// environment's live status changed. The run takes the badge with its first step: by
// then the engine has accepted it (a refused run starts none). UI goroutine.
func (p *envsPanel) follow(j *job, t restore.Target, e restore.Event) bool {
	envID := t.Env.EnvironmentID
	cur, held := p.live[envID]
	if !held || cur.by != j {
		if e.Type != restore.EventStepStarted {
			return false
		}
		if p.live == nil {
			p.live = map[string]liveStatus{}
		}
		cur = liveStatus{by: j, base: t.Env.Status, label: t.Env.Status.Label()}
		p.live[envID] = cur
	}
	next, _ := liveNext(cur, e)
	p.live[envID] = next
	p.list.Refresh()
	return true
}

// release ends what j's run said of its environment; the next read of the environments
// shows the cloud's status. Another run's live status stays. UI goroutine.
func (p *envsPanel) release(j *job) {
	for id, s := range p.live {
		if s.by == j {
			delete(p.live, id)
			p.list.Refresh()
		}
	}
}

// held reports whether a run of this window says what envID is doing now.
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
