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
	"restoredesk/core/localdb"
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

// UI is the main window and everything in it.
type UI struct {
	app  fyne.App
	win  fyne.Window
	deps Deps
	log  *slog.Logger

	ctx    context.Context // ends when the UI closes
	cancel context.CancelFunc

	// uiMu serialises the functions run through do. In the running app fyne.Do runs them one
	// at a time on the UI goroutine anyway and the lock is never contended; the test
	// driver runs them on the calling goroutine, where it keeps two workers apart.
	uiMu sync.Mutex
	bg   sync.WaitGroup // background work; Close and tests wait for it

	lastProfile atomic.Pointer[string] // the profile to save as the last one opened
	lastMu      sync.Mutex             // one save of it at a time

	// Fields below belong to the UI goroutine.
	*browser
	demos   []*Demo
	jobs    *jobsPanel
	bar     *toolbar
	status  *widget.Label
	main    fyne.CanvasObject
	body    *container.Split // lists above, jobs below
	history *historyWindow

	signin        *signInForm           // the sign-in screen last shown
	keyringPrompt *dialog.ConfirmDialog // the last "keyring unavailable" question
	// The dialogs last shown, for tests and the screenshot tour.
	planDlg     *planDialog
	manageDlg   *manageDialog // the last comment or delete dialog shown
	stopPrompt  *dialog.ConfirmDialog
	closePrompt *dialog.ConfirmDialog
	chooser     *dialog.FileDialog
	inspection  *inspectionDialog
	downloadDlg *downloadDialog
	localDlg    *localDBDialog
	localReport *localReport

	// downloadDir is where the download dialog starts (empty: ~/Downloads); tests set it.
	downloadDir string
	tourDB      *localdb.Target // the screenshot tour's PostgreSQL (tour_local.go)

	// chooserDir is where the file chooser opens (empty: the user's home); tests set it.
	chooserDir string
	closed     bool
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
	u := &UI{app: a, deps: deps, log: deps.Logger}
	u.ctx, u.cancel = context.WithCancel(context.Background())
	useFocusTheme(a) // the focused widget is visible
	u.win = a.NewWindow(AppTitle)
	u.win.Resize(defaultWindowSize)
	u.browser = newBrowser(u.do, u.background, deps.Now, func(title string, err error) { u.showError(title, err) }, u.updateActions)
	u.jobs = newJobsPanel(deps.Now, u.do, func(title string, err error) { u.showError(title, err) })
	u.bar = newToolbar(toolbarActions{
		refresh: u.refresh, upload: u.showUploadChooser, history: u.showHistory,
		restore: func() { u.restoreSelected() }, backup: func() { u.createBackup() }, keys: u.showKeys,
		start: func() { u.startSelected() }, stop: func() { u.stopSelected() },
		switchProfile: u.switchProfile, accounts: u.showAccountsMenu,
		download: func() { u.downloadSelected() }, localDB: u.openLocalSelected,
	})
	u.backups.addActions(u.bar.backupActions())
	u.jobs.tools.Add(u.localFileButton())
	u.backups.addActions(u.manageActions())
	u.status = widget.NewLabel("")
	u.status.Truncation = fyne.TextTruncateEllipsis
	u.main = u.layout()
	u.win.SetOnDropped(u.handleDrop)
	u.win.SetCloseIntercept(u.requestClose)
	u.addShortcuts()
	u.win.SetContent(widget.NewLabel("Starting…"))
	u.updateActions()
	return u
}

func (u *UI) layout() fyne.CanvasObject {
	right := container.NewHSplit(u.envs.content(), u.backups.content())
	right.SetOffset(0.28)
	browse := container.NewHSplit(u.apps.content(), right)
	browse.SetOffset(0.22)
	u.body = container.NewVSplit(browse, u.jobs.content())
	u.body.SetOffset(0.72)
	return container.NewBorder(u.bar.content(), u.status, nil, nil, u.body)
}

// Window is the main window.
func (u *UI) Window() fyne.Window { return u.win }

// Start opens the first screen: the demo, a profile, or the sign-in screen.
func (u *UI) Start(opts StartOptions) {
	switch {
	case opts.Demo:
		u.showSignIn(signInPrefill{})
		u.startDemo()
	case opts.Profile != "":
		u.openProfile(opts.Profile)
	default:
		if p, ok := u.deps.Profiles.Last(); ok {
			u.openProfile(p.Name)
			return
		}
		if list := u.deps.Profiles.List(); len(list) > 0 {
			u.openProfile(list[0].Name)
			return
		}
		u.showSignIn(signInPrefill{})
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
	done := make(chan struct{})
	go func() { u.bg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		u.log.Warn("background work did not stop within 10 s; leaving it")
	}
	for _, d := range u.demos {
		if err := d.Close(); err != nil {
			u.log.Warn("stop the demo cloud", "err", err)
		}
	}
}

// do runs fn on the UI goroutine. Use it from goroutines only, never from a callback.
func (u *UI) do(fn func()) {
	fyne.Do(func() {
		u.uiMu.Lock()
		defer u.uiMu.Unlock()
		fn()
	})
}

// background runs work in a goroutine that Close waits for.
func (u *UI) background(work func(ctx context.Context)) {
	u.bg.Add(1)
	go func() {
		defer u.bg.Done()
		work(u.ctx)
	}()
}

// openSession makes s the signed-in account and loads its apps.
func (u *UI) openSession(profile string, client *cloud.Client) {
	if u.sess != nil {
		u.sess.cancel()
	}
	ctx, cancel := context.WithCancel(u.ctx)
	u.sess = &session{
		profile: profile,
		client:  client,
		engine:  restore.New(client, u.deps.Journal, u.engineOptions(accountOption(profile, client))...),
		ctx:     ctx,
		cancel:  cancel,
	}
	if profile != DemoProfile {
		u.rememberLast(profile)
	}
	u.win.SetTitle(AppTitle + " — " + profile)
	u.curApp, u.curEnv, u.curSnap = nil, nil, nil
	u.apps.selected = ""
	u.apps.setApps(nil)
	u.envs.clear("Select an app.")
	u.backups.clear("Select an environment to see its backups.")
	u.bar.setProfiles(u.profileNames(), profile)
	u.status.SetText(fmt.Sprintf("Signed in as %s at %s", client.Username(), client.BaseURL()))
	u.win.SetContent(u.main)
	u.updateActions()
	u.loadAccount()
	u.reattach()
}

// rememberLast saves profile as the one to open next time. The profiles file is written
// in the background; when accounts are switched quickly, the last one chosen is saved last.
func (u *UI) rememberLast(profile string) {
	u.lastProfile.Store(&profile)
	u.background(func(context.Context) {
		u.lastMu.Lock()
		defer u.lastMu.Unlock()
		name := *u.lastProfile.Load()
		if err := u.deps.Profiles.SetLast(name); err != nil {
			u.log.Warn("remember the last profile", "err", err)
		}
	})
}

// engineOptions configure the restore engines: the UI's clock and logger, then extra,
// then the caller's options.
func (u *UI) engineOptions(extra ...restore.Option) []restore.Option {
	opts := []restore.Option{
		restore.WithClock(u.deps.Now),
		restore.WithLogger(u.log),
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
	case u.sess != nil && u.sess.profile == name:
	case name == DemoProfile:
		u.startDemo()
	default:
		u.openProfile(name)
	}
}

// profileNames lists the saved profiles, plus the demo while it is open.
func (u *UI) profileNames() []string {
	var names []string
	for _, p := range u.deps.Profiles.List() {
		names = append(names, p.Name)
	}
	if u.sess != nil && u.sess.profile == DemoProfile {
		names = append(names, DemoProfile)
	}
	return names
}

// updateActions enables the toolbar's buttons that fit the selection.
func (u *UI) updateActions() {
	u.bar.update(u.sess != nil, u.curApp, u.curEnv, u.curSnap)
	u.holdActions()
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
	d := dialog.NewConfirm("Close Restore Desk?",
		running+" still running. Closing stops following it here: a restore goes on in Mendix Cloud, and "+
			"Restore Desk picks it up from its journal at the next start (an upload continues where it stopped).",
		func(ok bool) {
			if ok {
				u.quit()
			}
		}, u.win)
	d.SetConfirmText("Close")
	d.SetDismissText("Keep open")
	d.Show()
	u.closePrompt = d
}

// quit ends the application.
func (u *UI) quit() {
	if u.deps.Quit != nil {
		u.deps.Quit()
		return
	}
	u.win.SetCloseIntercept(nil)
	u.win.Close()
}
