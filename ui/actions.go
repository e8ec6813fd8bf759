package ui

import (
	"context"

	"fyne.io/fyne/v2"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/profiles"
	"restoredesk/core/restore"
)

// actions are what the toolbar, the backup's buttons and History start: each builds a
// request from the selection and shows the engine's plan for it; the confirmed plan goes
// to the runner. Uploads (upload.go), changes to a backup (backup_manage.go), downloads
// (download_dialog.go) and local restores (localdb_dialog.go) are actions too.
type actions struct {
	k        *kit
	lists    *browser
	runs     *runner
	profiles *profiles.Store

	downloadDir string // where the download dialog starts (empty: ~/Downloads); tests set it
	chooserDir  string // where the file chooser opens (empty: the user's home); tests set it
}

// restoreSelected plans restoring the selected backup into its environment; the dialog
// offers the app's other environments as targets (toolbar "Restore…").
func (a *actions) restoreSelected() *planDialog {
	b := a.lists
	if b.sess == nil || b.curApp == nil || b.curEnv == nil || b.curSnap == nil {
		a.k.showMessage("Choose a backup", "Select an app, an environment and one of its backups first.")
		return nil
	}
	app, env := *b.curApp, *b.curEnv
	envs := app.Environments
	if len(envs) == 0 {
		envs = []cloud.Environment{env}
	}
	return a.showPlan(b.sess, planSpec{
		title: "Restore " + app.Name,
		verb:  "Restore",
		req: restore.Request{
			Source:  restore.Source{SnapshotID: b.curSnap.SnapshotID, SourceEnvID: env.EnvironmentID},
			Target:  restore.Target{App: app.App, Env: env},
			Options: restore.Options{Defaults: true}, // the plan's own defaults
		},
		envs: envs,
	})
}

// showPlan shows spec's plan; the confirmed plan runs as a job.
func (a *actions) showPlan(s *session, spec planSpec) *planDialog {
	return showPlan(a.k, s, spec, func(p *restore.Plan) { a.runs.confirmedOver(s, p, spec.parent) })
}

// restoreFile plans uploading path to env and restoring it there.
func (a *actions) restoreFile(s *session, app cloud.App, env cloud.Environment, path string) *planDialog {
	return a.showPlan(s, planSpec{
		title: "Restore " + app.Name + " from an archive",
		verb:  "Upload and restore",
		req: restore.Request{
			Source:  restore.Source{File: path},
			Target:  restore.Target{App: app, Env: env},
			Options: restore.Options{Defaults: true}, // the plan's own defaults
		},
	})
}

// askAction plans a start, stop or manual backup of env.
func (a *actions) askAction(s *session, kind journal.Kind, app cloud.App, env cloud.Environment) *planDialog {
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
	return a.showPlan(s, spec)
}

// startSelected plans starting the selected environment (toolbar "Start").
func (a *actions) startSelected() *planDialog { return a.actOnSelected(journal.KindStart) }

// stopSelected plans stopping the selected environment (toolbar "Stop").
func (a *actions) stopSelected() *planDialog { return a.actOnSelected(journal.KindStop) }

// createBackup plans a manual backup of the selected environment (toolbar "Create
// backup"); for a Free App the dialog says what the engine says.
func (a *actions) createBackup() *planDialog { return a.actOnSelected(journal.KindBackup) }

func (a *actions) actOnSelected(kind journal.Kind) *planDialog {
	b := a.lists
	if b.sess == nil || b.curApp == nil || b.curEnv == nil {
		return nil
	}
	return a.askAction(b.sess, kind, b.curApp.App, *b.curEnv)
}

// undoRun plans restoring the safety backup run r made, over parent (History).
func (a *actions) undoRun(s *session, runID int64, parent fyne.Window) *planDialog {
	return a.showPlan(s, planSpec{
		title:  "Undo this restore?",
		verb:   "Undo restore",
		plan:   func(ctx context.Context, _ restore.Request) (*restore.Plan, error) { return s.engine.Undo(ctx, runID) },
		fixed:  true,
		parent: parent,
	})
}
