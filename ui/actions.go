package ui

import (
	"context"

	"fyne.io/fyne/v2"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/restore"
)

// The window's actions: each builds a request and shows the engine's plan for it
// (showPlan); the plan is confirmed there and then run.

// restoreSelected plans restoring the selected backup into its environment; the dialog
// offers the app's other environments as targets (toolbar "Restore…").
func (u *UI) restoreSelected() *planDialog {
	if u.sess == nil || u.curApp == nil || u.curEnv == nil || u.curSnap == nil {
		u.showMessage("Choose a backup", "Select an app, an environment and one of its backups first.")
		return nil
	}
	app, env := *u.curApp, *u.curEnv
	envs := app.Environments
	if len(envs) == 0 {
		envs = []cloud.Environment{env}
	}
	return u.showPlan(u.sess, planSpec{
		title: "Restore " + app.Name,
		verb:  "Restore",
		req: restore.Request{
			Source:  restore.Source{SnapshotID: u.curSnap.SnapshotID, SourceEnvID: env.EnvironmentID},
			Target:  restore.Target{App: app.App, Env: env},
			Options: defaultOptions(env, false),
		},
		envs: envs,
	})
}

// restoreFile plans uploading path to env and restoring it there.
func (u *UI) restoreFile(s *session, app cloud.App, env cloud.Environment, path string) *planDialog {
	return u.showPlan(s, planSpec{
		title: "Restore " + app.Name + " from an archive",
		verb:  "Upload and restore",
		req: restore.Request{
			Source:  restore.Source{File: path},
			Target:  restore.Target{App: app, Env: env},
			Options: defaultOptions(env, false),
		},
	})
}

// askAction plans a start, stop or manual backup of env.
func (u *UI) askAction(s *session, kind journal.Kind, app cloud.App, env cloud.Environment) *planDialog {
	spec := planSpec{
		req:   restore.Request{Action: kind, Target: restore.Target{App: app, Env: env}},
		fixed: true,
	}
	switch kind {
	case journal.KindStart:
		spec.title, spec.verb = "Start "+env.Mode+"?", "Start"
	case journal.KindStop:
		spec.title, spec.verb = "Stop "+env.Mode+"?", "Stop Application"
	case journal.KindBackup:
		spec.title, spec.verb, spec.comment = "Back up "+env.Mode+" now", "Create backup", true
	}
	return u.showPlan(s, spec)
}

// selected returns the session, app and environment the toolbar acts on.
func (u *UI) selected() (*session, cloud.App, cloud.Environment, bool) {
	if u.sess == nil || u.curApp == nil || u.curEnv == nil {
		return nil, cloud.App{}, cloud.Environment{}, false
	}
	return u.sess, u.curApp.App, *u.curEnv, true
}

// startSelected plans starting the selected environment (toolbar "Start").
func (u *UI) startSelected() *planDialog { return u.actOnSelected(journal.KindStart) }

// stopSelected plans stopping the selected environment (toolbar "Stop").
func (u *UI) stopSelected() *planDialog { return u.actOnSelected(journal.KindStop) }

// createBackup plans a manual backup of the selected environment (toolbar "Create
// backup"); for a Free App the dialog says what the engine says.
func (u *UI) createBackup() *planDialog { return u.actOnSelected(journal.KindBackup) }

func (u *UI) actOnSelected(kind journal.Kind) *planDialog {
	s, app, env, ok := u.selected()
	if !ok {
		return nil
	}
	return u.askAction(s, kind, app, env)
}

// undoRun plans restoring the safety backup run r made.
func (u *UI) undoRun(s *session, runID int64, parent fyne.Window) *planDialog {
	return u.showPlan(s, planSpec{
		title:  "Undo this restore?",
		verb:   "Undo restore",
		plan:   func(ctx context.Context, _ restore.Request) (*restore.Plan, error) { return s.engine.Undo(ctx, runID) },
		fixed:  true,
		parent: parent,
	})
}
