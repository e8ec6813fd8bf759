// Package ui is Restore Desk's desktop interface (Fyne): the accounts, the apps,
// environments and backups of the signed-in account, the restore and upload dialogs, the
// jobs panel and the history. It turns user actions into calls of core/restore and
// core/cloud and their events into widgets; it holds no restore logic of its own.
//
// Threading: every network, disk or keyring call runs in a goroutine started by
// UI.background; results come back to widgets only through UI.do (fyne.Do). The UI never
// imports fyne.io/fyne/v2/app, so its tests need neither cgo nor a display.
package ui

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/profiles"
	"restoredesk/core/restore"
)

// AppTitle is the window title; the profile's name follows it.
const AppTitle = "Restore Desk"

// DemoProfile is the profile name runs on the demo cloud are recorded under.
const DemoProfile = "Demo"

// Demo is a running demo cloud.
type Demo struct {
	URL         string
	Credentials cloud.Credentials
	Close       func() error
}

// Deps is everything the UI uses from outside: tests pass an embedded cloud, a temporary
// journal and an in-memory secret store.
type Deps struct {
	// NewClient makes a cloud client for a base URL and credentials.
	NewClient func(baseURL string, creds cloud.Credentials) (*cloud.Client, error)
	// Journal records every run. Required.
	Journal *journal.Journal
	// Profiles holds the accounts; its secret store holds their API keys. Required.
	Profiles *profiles.Store
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// StartDemo starts the embedded demo cloud on loopback (nil: no demo offered).
	StartDemo func(ctx context.Context) (*Demo, error)
	// RestoreOptions configure each restore engine (e.g. how often jobs are polled); every
	// job the window starts, a restore as well as a start, stop or backup, is its run.
	RestoreOptions []restore.Option
	// Logger receives diagnostics (nil: slog.Default()). Never credentials.
	Logger *slog.Logger
	// Quit ends the application (nil: the window is closed).
	Quit func()
}

// StartOptions say what the window opens with.
type StartOptions struct {
	Demo    bool   // straight into the demo cloud
	Profile string // this profile; empty: the one used last, or the sign-in screen
}

// session is the signed-in account.
type session struct {
	profile string
	client  *cloud.Client
	engine  *restore.Engine
	ctx     context.Context // ends when another account is opened
	cancel  context.CancelFunc
}

// UI is the main window: it makes the parts (the lists, the jobs panel, the runner, the
// actions, the accounts), gives each the few things it needs, and lays them out.
type UI struct {
	k    *kit
	deps Deps

	cancel context.CancelFunc // ends the loop's context when the UI closes

	lastProfile atomic.Pointer[string] // the profile to save as the last one opened
	lastMu      sync.Mutex             // one save of it at a time

	// Fields below belong to the UI goroutine.
	lists   *browser
	jobs    *jobsPanel
	runs    *runner
	act     *actions
	look    *looker // Look inside… and Compare with… (look_inside.go)
	acc     *accounts
	bar     *toolbar
	main    fyne.CanvasObject
	body    *container.Split // lists above, jobs below
	history *historyWindow
	closed  bool
}

// New builds the main window. Show it and call Start.
func New(a fyne.App, deps Deps) *UI {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if deps.NewClient == nil {
		deps.NewClient = func(baseURL string, creds cloud.Credentials) (*cloud.Client, error) {
			return cloud.New(baseURL, creds, cloud.WithLogger(deps.Logger))
		}
	}
	u := &UI{deps: deps}
	lp := &loop{}
	// Closing cancels with ErrAppClosed: the engine then journals a run it must cancel as
	// cancelled because the app closed, and detaches one that goes on in the cloud.
	var cancel context.CancelCauseFunc
	lp.ctx, cancel = context.WithCancelCause(context.Background())
	u.cancel = func() { cancel(restore.ErrAppClosed) }
	useFocusTheme(a) // the focused widget is visible
	k := &kit{loop: lp, app: a, win: a.NewWindow(AppTitle), status: widget.NewLabel(""), now: deps.Now, log: deps.Logger}
	u.k = k
	k.win.Resize(defaultWindowSize)
	k.status.Truncation = fyne.TextTruncateEllipsis
	u.lists = newBrowser(lp, deps.Now, func(title string, err error) { k.showError(title, err) }, u.updateActions)
	u.jobs = newJobsPanel(deps.Now, lp.do, func(title string, err error) { k.showError(title, err) })
	u.runs = &runner{k: k, jobs: u.jobs, lists: u.lists, profiles: deps.Profiles, changed: u.updateActions, ended: u.reloadHistory}
	u.act = &actions{k: k, lists: u.lists, runs: u.runs, profiles: deps.Profiles}
	u.runs.askStart = func(s *session, app cloud.App, env cloud.Environment) {
		u.act.askAction(s, journal.KindStart, app, env)
	}
	u.runs.openLocal = func(s *session, path string) { u.act.showLocalDB(s, path) }
	u.acc = &accounts{k: k, deps: &u.deps, lists: u.lists, open: u.openSession,
		back: func() { k.setContent(u.main) }, signedOut: u.signOut, listed: u.listProfiles}
	u.bar = newToolbar(toolbarActions{
		refresh: u.lists.refresh, upload: u.act.showUploadChooser, history: u.showHistory,
		restore: func() { u.act.restoreSelected() }, backup: func() { u.act.createBackup() }, keys: u.showKeys,
		start: func() { u.act.startSelected() }, stop: func() { u.act.stopSelected() },
		switchProfile: u.switchProfile, accounts: u.acc.showAccountsMenu,
		download: func() { u.act.downloadSelected() }, localDB: u.act.openLocalSelected,
	})
	u.lists.backups.addActions(u.bar.backupActions())
	u.jobs.tools.Add(u.act.localFileButton())
	u.lists.backups.addActions(u.act.manageActions())
	u.lists.backups.addActions([]fyne.CanvasObject{u.act.linkButton()})
	u.look = &looker{k: k, lists: u.lists, runs: u.runs, profiles: deps.Profiles}
	u.lists.backups.addActions(u.look.buttons())
	u.jobs.tools.Add(u.look.fileButton())
	u.main = u.layout()
	k.win.SetOnDropped(u.act.handleDrop)
	k.win.SetCloseIntercept(u.requestClose)
	u.addShortcuts()
	k.win.SetContent(widget.NewLabel("Starting…"))
	u.updateActions()
	return u
}

func (u *UI) layout() fyne.CanvasObject {
	right := container.NewHSplit(u.lists.envs.content(), u.lists.backups.content())
	right.SetOffset(0.28)
	browse := container.NewHSplit(u.lists.apps.content(), right)
	browse.SetOffset(0.22)
	u.body = container.NewVSplit(browse, u.jobs.content())
	u.body.SetOffset(bodySplit)
	return container.NewBorder(u.bar.content(), u.k.status, nil, nil, u.body)
}

// Window is the main window.
func (u *UI) Window() fyne.Window { return u.k.win }

// Start opens the first screen: the demo, a profile, or the sign-in screen.
func (u *UI) Start(opts StartOptions) {
	switch {
	case opts.Demo:
		u.acc.showSignIn(signInPrefill{})
		u.acc.startDemo()
	case opts.Profile != "":
		u.acc.openProfile(opts.Profile)
	default:
		if p, ok := u.deps.Profiles.Last(); ok {
			u.acc.openProfile(p.Name)
			return
		}
		if list := u.deps.Profiles.List(); len(list) > 0 {
			u.acc.openProfile(list[0].Name)
			return
		}
		u.acc.showSignIn(signInPrefill{})
	}
}

// Close cancels whatever runs (an interrupted run is found in the journal and
// re-attached at the next start), waits a moment for the workers to notice, and stops
// the demo clouds. The journal belongs to the caller.
func (u *UI) Close() {
	if u.closed {
		return
	}
	u.closed = true
	u.cancel()
	if !u.k.wait(10 * time.Second) {
		u.k.log.Warn("background work did not stop within 10 s; leaving it")
	}
	u.acc.closeDemos()
}

// openSession makes s the signed-in account and loads its apps.
func (u *UI) openSession(profile string, client *cloud.Client) {
	b := u.lists
	if old := b.left(); old != nil {
		old.cancel()
	}
	ctx, cancel := context.WithCancel(u.k.ctx)
	s := &session{
		profile: profile,
		client:  client,
		engine:  restore.New(client, u.deps.Journal, u.engineOptions(accountOption(profile, client))...),
		ctx:     ctx,
		cancel:  cancel,
	}
	b.sess = s
	if profile != DemoProfile {
		u.rememberLast(profile)
	}
	u.k.win.SetTitle(AppTitle + " — " + profile)
	b.curApp, b.curEnv, b.curSnap, b.busy = nil, nil, nil, nil
	b.apps.selected = ""
	b.apps.setApps(nil)
	b.envs.clear("Select an app.")
	b.backups.clear("Select an environment to see its backups.")
	u.bar.setProfiles(u.profileNames(), profile)
	u.k.say(fmt.Sprintf("Signed in as %s at %s", client.Username(), client.BaseURL()))
	u.k.setContent(u.main)
	u.updateActions()
	b.loadAccount()
	u.runs.reattach(s)
}

// signOut closes the signed-in account (it was deleted). UI goroutine.
func (u *UI) signOut() {
	u.lists.sess.cancel()
	u.lists.sess = nil
	u.k.win.SetTitle(AppTitle)
}

// listProfiles lists the accounts anew in the switcher. UI goroutine.
func (u *UI) listProfiles() {
	if s := u.lists.sess; s != nil {
		u.bar.setProfiles(u.profileNames(), s.profile)
	}
}

// rememberLast saves profile as the one to open next time. The profiles file is written
// in the background; when accounts are switched quickly, the last one chosen is saved last.
func (u *UI) rememberLast(profile string) {
	u.lastProfile.Store(&profile)
	u.k.background(func(context.Context) {
		u.lastMu.Lock()
		defer u.lastMu.Unlock()
		name := *u.lastProfile.Load()
		if err := u.deps.Profiles.SetLast(name); err != nil {
			u.k.log.Warn("remember the last profile", "err", err)
		}
	})
}

// engineOptions configure the restore engines: the UI's clock and logger, then extra,
// then the caller's options.
func (u *UI) engineOptions(extra ...restore.Option) []restore.Option {
	opts := []restore.Option{
		restore.WithClock(u.deps.Now),
		restore.WithLogger(u.k.log),
	}
	return append(append(opts, extra...), u.deps.RestoreOptions...)
}

// accountOption lets a session's engine refuse to undo or re-attach a run of another
// account. The demo's cloud gets a new port at each launch while its runs stay, so only
// its profile is given.
func accountOption(profile string, client *cloud.Client) restore.Option {
	if profile == DemoProfile {
		return restore.WithAccount(profile, "")
	}
	return restore.WithAccount(profile, client.BaseURL())
}

// switchProfile opens the profile chosen in the toolbar's switcher.
func (u *UI) switchProfile(name string) {
	switch {
	case u.lists.sess != nil && u.lists.sess.profile == name:
	case name == DemoProfile:
		u.acc.startDemo()
	default:
		u.acc.openProfile(name)
	}
}

// profileNames lists the saved profiles, plus the demo while it is open.
func (u *UI) profileNames() []string {
	var names []string
	for _, p := range u.deps.Profiles.List() {
		names = append(names, p.Name)
	}
	if s := u.lists.sess; s != nil && s.profile == DemoProfile {
		names = append(names, DemoProfile)
	}
	return names
}

// updateActions enables the toolbar's buttons that fit the selection. Restore, Start and
// Stop wait while the engine says a run holds the selected environment, or that something
// else holds it: it would refuse them.
func (u *UI) updateActions() {
	b := u.lists
	u.bar.update(b.sess != nil, b.curApp, b.curEnv, b.curSnap)
	if env := b.curEnv; env != nil && (b.liveOf(*env) != nil || b.busy != nil) {
		u.bar.restore.Disable()
		u.bar.start.Disable()
		u.bar.stop.Disable()
	}
}

// requestClose closes the window (and so the application), asking first while jobs
// run: closing stops following them. UI goroutine.
func (u *UI) requestClose() {
	n := u.jobs.running()
	if n == 0 {
		u.quit()
		return
	}
	running := countText(n, "job") + " are"
	if n == 1 {
		running = "1 job is"
	}
	// What closing does to each run is the engine's decision, in its words.
	text := running + " still running. Closing stops following it here."
	for _, sentence := range u.runs.onClose() {
		text += "\n" + sentence
	}
	d := dialog.NewConfirm("Close Restore Desk?", text,
		func(ok bool) {
			if ok {
				u.quit()
			}
		}, u.k.win)
	d.SetConfirmText("Close")
	d.SetDismissText("Keep open")
	d.Show()
	u.k.shown(closePrompt{d})
}

// closePrompt is the question asked before the window closes while jobs run.
type closePrompt struct{ *dialog.ConfirmDialog }

// quit ends the application.
func (u *UI) quit() {
	if u.deps.Quit != nil {
		u.deps.Quit()
		return
	}
	u.k.win.SetCloseIntercept(nil)
	u.k.win.Close()
}
