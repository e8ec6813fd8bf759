package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"restoredesk/core/cloud"
	"restoredesk/core/restore"
)

// Live status is the engine's: while a run of the signed-in account's engine holds an
// environment, Engine.LiveOf says what the run is doing to it (its step, and the status it
// made: Stopping, Stopped · restoring, Starting, Running), and the badge draws that
// instead of the status last read; Restore, Start and Stop wait for it. The window keeps
// no state of its own: a run the engine refused never held anything, and one that ended
// holds nothing any more. When a run ends or is refused, the window reads the
// environments again and asks the engine whether anything else holds the target
// (browser.checkBusy).

// liveOf is the run going on in env of the selected app, as the engine says, or nil.
// UI goroutine.
func (b *browser) liveOf(env cloud.Environment) *restore.Live {
	if b.sess == nil || b.curApp == nil {
		return nil
	}
	return b.sess.engine.LiveOf(restore.Target{App: b.curApp.App, Env: env})
}

// liveChanged draws again what the engine says of the environments after event e of a
// run; it reports whether e could have changed it. UI goroutine.
func (b *browser) liveChanged(e restore.Event) bool {
	switch e.Type {
	case restore.EventStepStarted, restore.EventStepDone, restore.EventStepFailed, restore.EventStatus,
		restore.EventRunDone, restore.EventRunFailed:
		b.envs.list.Refresh()
		return true
	}
	return false
}

// liveLabel words what run l does to an environment whose status was last read as last:
// the status the run made, or the last one with what the run is doing meanwhile.
func liveLabel(l *restore.Live, last cloud.EnvStatus) string {
	if l.Status != "" {
		return l.Status
	}
	switch l.Step {
	case restore.StepUpload:
		return last.Label() + " · receiving the upload"
	case restore.StepSafetyBackup, restore.StepBackup:
		return last.Label() + " · backing up"
	}
	return last.Label()
}

// liveBadge is the badge of an environment a run holds.
func liveBadge(l *restore.Live, last cloud.EnvStatus) (fyne.Resource, string) {
	return theme.NewColoredResource(theme.MediaReplayIcon(), theme.ColorNamePrimary), liveLabel(l, last)
}
