package ui

import (
	"context"
	"errors"
	"time"

	"restoredesk/core/cloud"
	"restoredesk/core/restore"
)

// browser is the model behind the three lists: the account's apps, the selected app's
// environments and the selected environment's backups, and what is selected. It owns
// their loading: every load runs in the background and reports through do (fyne.Do),
// where a newer load or another account makes an older answer stale. The panels only
// draw what it gives them and call back on selection.
type browser struct {
	lp        worker
	now       func() time.Time
	showError func(title string, err error)
	changed   func() // the selection or what it shows changed: the toolbar follows

	apps    *appsPanel
	envs    *envsPanel
	backups *backupsPanel

	// Fields below belong to the UI goroutine.
	sess    *session
	curApp  *cloud.AppWithEnvironments
	curEnv  *cloud.Environment
	curSnap *cloud.Snapshot

	// busy is the engine's answer whether something holds the selected environment (a
	// run of restorectl or another window, a backup or restore in the cloud); nil: free.
	busy *restore.Busy

	accountLoads, envLoads, backupLoads, busyAsks latest

	// leaving is the account shown before another one was asked for, while that one opens
	// (leave); nil otherwise.
	leaving *session
}

func newBrowser(lp worker, now func() time.Time, showError func(string, error), changed func()) *browser {
	b := &browser{lp: lp, now: now, showError: showError, changed: changed}
	b.apps = newAppsPanel(b.selectApp)
	b.envs = newEnvsPanel(b.selectEnv)
	b.envs.live = b.liveOf
	b.backups = newBackupsPanel(now, b.selectSnapshot)
	return b
}

// loadAccount (re)loads the apps and their environments; the selection survives.
func (b *browser) loadAccount() {
	s := b.sess
	if s == nil {
		return
	}
	envAsked := b.envLoads.asked()
	b.apps.setStatus("Loading apps…")
	b.accountLoads.ask(b.lp, func(context.Context) func() {
		apps, err := s.client.LoadAccount(s.ctx, 4)
		return func() {
			if s == b.sess {
				b.showAccount(apps, envAsked, err)
			}
		}
	})
}

// showAccount shows the apps loaded by loadAccount, keeping the selected app when it is
// still there; envAsked counts the environments' loads when the account was asked for.
// UI goroutine.
func (b *browser) showAccount(apps []cloud.AppWithEnvironments, envAsked uint64, err error) {
	switch {
	case errors.Is(err, context.Canceled):
		return
	case err != nil:
		b.apps.setStatus("Not loaded. Press Refresh to try again.")
		b.showError("The apps could not be loaded", err)
		return
	}
	b.apps.setApps(apps)
	if b.curApp == nil {
		return
	}
	a := b.apps.find(b.curApp.AppID)
	if a == nil {
		b.curApp, b.curEnv, b.curSnap = nil, nil, nil
		b.envs.clear("Select an app.")
		b.backups.clear("Select an environment to see its backups.")
		b.changed()
		return
	}
	if envAsked != b.envLoads.asked() {
		// The selected app's environments were asked for after the account: that answer,
		// shown already or still coming, is newer than the account's.
		a.Environments, a.Err = b.curApp.Environments, b.curApp.Err
		b.curApp = a
		b.changed()
		return
	}
	b.curApp = a
	b.showEnvs(a, a.Environments, a.Err)
}

// selectApp shows the app's environments at once (as loaded with the account) and
// refreshes their status in the background.
func (b *browser) selectApp(a *cloud.AppWithEnvironments) {
	b.curApp, b.curEnv, b.curSnap = a, nil, nil
	b.envs.selected = ""
	b.backups.clear("Select an environment to see its backups.")
	b.showEnvs(a, a.Environments, a.Err)
	b.changed()
	b.loadEnvs()
}

// loadEnvs refreshes the selected app's environments. The answer is kept on the app as
// the list holds it when the answer comes: an account reloaded meanwhile holds it anew,
// and the app asked for is then no longer in the list, nor what a restore offers.
func (b *browser) loadEnvs() {
	s, a := b.sess, b.curApp
	if s == nil || a == nil {
		return
	}
	appID := a.AppID
	b.envs.setLoading(a.Name)
	b.envLoads.ask(b.lp, func(context.Context) func() {
		envs, err := s.client.ListEnvironments(s.ctx, appID)
		return func() {
			if s != b.sess || b.curApp == nil || b.curApp.AppID != appID {
				return
			}
			if err != nil && errors.Is(err, context.Canceled) {
				return
			}
			a := b.curApp
			if err != nil {
				b.showEnvs(a, b.envs.envs, err)
				return
			}
			a.Environments, a.Err = envs, nil
			b.showEnvs(a, envs, nil)
		}
	})
}

// showEnvs lists envs of a; err explains why they may be missing or old.
func (b *browser) showEnvs(a *cloud.AppWithEnvironments, envs []cloud.Environment, err error) {
	note := ""
	if err != nil {
		note = "Status not checked: " + explainSummary(err)
	}
	b.envs.setEnvs(a.Name, envs, note)
	if b.curEnv != nil {
		b.curEnv = b.envs.current()
		if b.curEnv == nil {
			b.curSnap = nil
			b.busy = nil
			b.backups.clear("Select an environment to see its backups.")
		}
	}
	b.changed()
}

// selectEnv loads the environment's backups.
func (b *browser) selectEnv(e *cloud.Environment) {
	b.curEnv, b.curSnap, b.busy = e, nil, nil
	b.changed()
	b.loadBackups(false)
}

// checkBusy asks the engine whether something holds the selected environment (after a
// run ends or is refused, and on Refresh); Restore, Start and Stop wait while it does. An engine that cannot tell leaves them offered:
// the engine refuses what it must when asked. UI goroutine.
func (b *browser) checkBusy() {
	s, a, e := b.sess, b.curApp, b.curEnv
	if s == nil || a == nil || e == nil {
		return
	}
	t, envID := restore.Target{App: a.App, Env: *e}, e.EnvironmentID
	b.busyAsks.ask(b.lp, func(context.Context) func() {
		busy, err := s.engine.Busy(s.ctx, t)
		return func() {
			if s != b.sess || b.curEnv == nil || b.curEnv.EnvironmentID != envID {
				return
			}
			if err != nil {
				busy = nil
			}
			b.busy = busy
			b.changed()
		}
	})
}

// loadBackups loads the selected environment's backups into an empty list (another
// environment was chosen), or refreshes the list shown (refresh): then the rows, the
// selected backup and its actions stay until the new list comes, which keeps the backup
// selected by then, and stay as they were, said so, when it cannot be read.
func (b *browser) loadBackups(refresh bool) {
	s, a, e := b.sess, b.curApp, b.curEnv
	if s == nil || a == nil || e == nil {
		return
	}
	if refresh {
		b.backups.setRefreshing(e.Mode)
	} else {
		b.backups.setLoading(e.Mode)
	}
	b.backupLoads.ask(b.lp, func(context.Context) func() {
		snaps, err := s.client.ListAllSnapshots(s.ctx, a.ProjectID, e.EnvironmentID)
		rows := makeBackupRows(snaps, b.now())
		return func() {
			if s != b.sess || b.curEnv == nil || b.curEnv.EnvironmentID != e.EnvironmentID {
				return
			}
			switch {
			case err != nil && errors.Is(err, context.Canceled):
			case err != nil && refresh:
				b.backups.refreshFailed("The backups could not be refreshed: " + explainSummary(err) + " The list is as it was before; press Refresh to try again.")
			case err != nil:
				b.backups.clear("The backups could not be loaded: " + explainSummary(err) + " Press Refresh to try again.")
			case refresh:
				b.backups.setBackups(rows, b.backups.selected)
			default:
				b.backups.setBackups(rows, "")
			}
		}
	})
}

func (b *browser) selectSnapshot(s *cloud.Snapshot) {
	b.curSnap = s
	b.changed()
}

// refresh reloads the account, the environments and the backups (Ctrl+R).
func (b *browser) refresh() {
	if b.sess == nil {
		return
	}
	b.loadAccount()
	if b.curApp != nil {
		b.loadEnvs()
	}
	b.reloadBackups()
	b.checkBusy()
}

// refreshShown reloads the environments and backups of appID when they are on screen,
// and asks again whether the selected environment is busy. UI goroutine.
func (b *browser) refreshShown(s *session, appID string) {
	if b.sess != s || b.curApp == nil || b.curApp.AppID != appID {
		return
	}
	b.loadEnvs()
	b.reloadBackups()
	b.checkBusy()
}

// reloadBackups refreshes the selected environment's backups, keeping the selected one;
// an empty list (none yet, or they could not be loaded) is loaded anew. UI goroutine.
func (b *browser) reloadBackups() {
	if b.curEnv != nil {
		b.loadBackups(len(b.backups.list.rows) > 0)
	}
}

// leave stops showing the signed-in account while another one opens: its lists are
// emptied at once, so no customer's backups are shown under another's name, and nothing
// is restored from them meanwhile (without an account every action waits). The next
// session (the browser's owner sets it) ends the account left; resume goes back to it
// if the other one does not open. UI goroutine.
func (b *browser) leave(msg string) {
	if b.sess != nil {
		b.leaving = b.sess
	}
	b.sess = nil
	for _, l := range []*latest{&b.accountLoads, &b.envLoads, &b.backupLoads, &b.busyAsks} {
		l.drop()
	}
	b.curApp, b.curEnv, b.curSnap, b.busy = nil, nil, nil, nil
	b.apps.selected = ""
	b.apps.setApps(nil)
	b.apps.setStatus(msg)
	b.envs.clear("")
	b.backups.clear("")
	b.changed()
}

// resume shows the account left again, when the one asked for did not open. UI goroutine.
func (b *browser) resume() {
	if b.sess != nil || b.leaving == nil {
		return
	}
	b.sess, b.leaving = b.leaving, nil
	b.envs.clear("Select an app.")
	b.backups.clear("Select an environment to see its backups.")
	b.changed()
	b.loadAccount()
}

// left is the account to end now that another one is open: the one shown, or the one
// left while the new one opened. UI goroutine.
func (b *browser) left() *session {
	s := b.sess
	if s == nil {
		s = b.leaving
	}
	b.leaving = nil
	return s
}
