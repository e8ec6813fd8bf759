// Command restoredesk is Restore Desk's desktop app: it wires the real parts (the cloud
// client, the journal, the profiles with their keys in the OS keyring, the embedded demo
// cloud) into the ui package and runs the window.
//
//	restoredesk                     open the account used last (or the sign-in screen)
//	restoredesk --profile NAME      open that account
//	restoredesk --demo              start straight into the embedded demo cloud
//	restoredesk --reset-demo        start the demo afresh (its data are kept between runs)
//	restoredesk --version           print the version (and the git commit it was built from)
//	restoredesk --screenshots DIR   drive the window through its main scenes, save a PNG
//	                                of each into DIR, and quit (used by `make screenshots`)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"restoredesk/assets"
	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/localcloud"
	"restoredesk/core/localdb"
	"restoredesk/core/profiles"
	"restoredesk/core/version"
	"restoredesk/ui"
)

// appID identifies the app to the desktop (preferences, notifications, the .desktop file).
const appID = "io.restoredesk.app"

// keyringTimeout bounds each keyring call: an unlock prompt nobody answers must not hang
// the sign-in.
const keyringTimeout = 10 * time.Second

func main() {
	os.Exit(run())
}

type options struct {
	demo        bool
	resetDemo   bool
	profile     string
	screenshots string
	archive     string
	verbose     bool
	version     bool
}

func parseFlags() options {
	var o options
	flag.BoolVar(&o.demo, "demo", false, "start straight into the embedded demo cloud (nothing real is touched)")
	flag.BoolVar(&o.resetDemo, "reset-demo", false, "throw away the demo cloud's data (kept between runs) and start it afresh")
	flag.StringVar(&o.profile, "profile", "", "open the saved account `NAME`")
	flag.StringVar(&o.screenshots, "screenshots", "", "save screenshots of the main scenes into `DIR` and quit (implies --demo)")
	flag.StringVar(&o.archive, "screenshot-archive", filepath.Join("core", "localcloud", "demodata", "customerportal.backup"),
		"the archive `FILE` the upload scene of --screenshots inspects")
	flag.BoolVar(&o.verbose, "v", false, "log diagnostics to standard error")
	flag.BoolVar(&o.version, "version", false, "print the version and exit")
	flag.Usage = func() {
		w := flag.CommandLine.Output()
		fmt.Fprint(w, "restoredesk — restore backups of apps on Mendix Cloud (the desktop app).\n\n"+
			"Usage: restoredesk [OPTION]...\n\nOptions:\n")
		flag.VisitAll(func(f *flag.Flag) {
			arg, usage := flag.UnquoteUsage(f)
			dash := "--"
			if len(f.Name) == 1 {
				dash = "-"
			}
			if arg != "" && f.DefValue != "" {
				usage += " (default " + f.DefValue + ")"
			}
			fmt.Fprintf(w, "  %-26s %s\n", strings.TrimSpace(dash+f.Name+" "+arg), usage)
		})
		fmt.Fprint(w, "\nThe command-line twin is restorectl ('restorectl --help').\n")
	}
	// Asked for, the help goes to stdout (a pager, help2man for the manual page); after a
	// wrong flag it stays on stderr.
	if slices.ContainsFunc(os.Args[1:], func(a string) bool { return slices.Contains([]string{"-h", "--h", "-help", "--help"}, a) }) {
		flag.CommandLine.SetOutput(os.Stdout)
	}
	flag.Parse()
	return o
}

func run() int {
	o := parseFlags()
	if o.version {
		fmt.Println("restoredesk", version.Get())
		return 0
	}
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	journalPath, profilesPath, cleanup, err := dataPaths(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "restoredesk:", err)
		return 1
	}
	defer cleanup()
	j, err := journal.Open(journalPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "restoredesk: the history of restores cannot be opened:", err)
		return 1
	}
	defer j.Close()
	var secrets profiles.SecretStore = profiles.NewKeyring(keyringTimeout)
	if o.screenshots != "" {
		secrets = profiles.NewSessionStore() // a tour never touches the user's keyring
	}
	store, err := profiles.Open(profilesPath, secrets)
	if err != nil {
		fmt.Fprintln(os.Stderr, "restoredesk:", err)
		return 1
	}

	a := app.NewWithID(appID)
	a.SetIcon(assets.Icon)
	u := ui.New(a, ui.Deps{
		NewClient: func(baseURL string, creds cloud.Credentials) (*cloud.Client, error) {
			return cloud.New(baseURL, creds, cloud.WithLogger(logger))
		},
		Journal:   j,
		Profiles:  store,
		StartDemo: demoStarter(logger, o.screenshots == "", o.resetDemo),
		Logger:    logger,
		Quit:      a.Quit,
	})
	w := u.Window()
	w.SetIcon(assets.Icon)
	w.SetMaster()
	if o.screenshots == "" { // the tour sizes the window itself
		fitToScreen(a, w)
	}

	// SIGTERM and Ctrl+C in the terminal quit like closing the window does.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sig)
	go func() {
		if _, ok := <-sig; ok {
			fyne.Do(a.Quit)
		}
	}()

	var tourDB *localdb.Target
	if db := os.Getenv("RESTOREDESK_TOUR_DB"); o.screenshots != "" && db != "" {
		// scripts/screenshots.sh starts a throwaway PostgreSQL for the local-database scenes.
		if t, err := localdb.ParseTarget(db); err == nil {
			t.Password = os.Getenv("PGPASSWORD")
			tourDB = &t
		} else {
			fmt.Fprintln(os.Stderr, "restoredesk: RESTOREDESK_TOUR_DB:", err)
		}
	}
	u.Start(ui.StartOptions{Demo: o.demo || o.screenshots != "", Profile: o.profile})
	var failed atomic.Bool
	if o.screenshots != "" {
		// The tour waits for each scene through the UI goroutine, so it may start before
		// the window runs.
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			if err := ui.Tour(ctx, u, o.screenshots, o.archive, windowCapture(w), tourDB); err != nil {
				fmt.Fprintln(os.Stderr, "restoredesk: screenshots:", err)
				failed.Store(true)
			}
			fyne.Do(a.Quit)
		}()
	}
	w.ShowAndRun()
	u.Close()
	if failed.Load() {
		return 1
	}
	return 0
}

// dataPaths are the journal and profiles files: the user's, or throw-away ones for a
// screenshot tour.
func dataPaths(o options) (journalPath, profilesPath string, cleanup func(), err error) {
	if o.screenshots != "" {
		dir, err := os.MkdirTemp("", "restoredesk-tour-*")
		if err != nil {
			return "", "", nil, err
		}
		return filepath.Join(dir, "journal.db"), filepath.Join(dir, "profiles.json"), func() { os.RemoveAll(dir) }, nil
	}
	if journalPath, err = journal.DefaultPath(); err != nil {
		return "", "", nil, err
	}
	if profilesPath, err = profiles.DefaultPath(); err != nil {
		return "", "", nil, err
	}
	return journalPath, profilesPath, func() {}, nil
}

// demoStarter starts the embedded demo cloud on loopback. Kept, it lives in the user's
// data folder and keeps its data between runs (re-attach works as against a real cloud),
// reset first when asked; otherwise (screenshots, or a second demo window) in a fresh
// folder removed again when the demo closes.
func demoStarter(logger *slog.Logger, keep, reset bool) func(context.Context) (*ui.Demo, error) {
	return func(context.Context) (*ui.Demo, error) {
		dir, release, err := demoDir(logger, keep, reset)
		if err != nil {
			return nil, err
		}
		srv, err := localcloud.Start(localcloud.Config{
			DataDir:  dir,
			Demo:     true,
			JobDelay: localcloud.DemoJobDelay,
			Logger:   logger,
		}, "")
		if err != nil {
			release()
			return nil, fmt.Errorf("start the demo cloud: %w", err)
		}
		return &ui.Demo{
			URL:         srv.URL(),
			Credentials: cloud.Credentials{Username: localcloud.DemoUsername, APIKey: localcloud.DemoAPIKey},
			Close: func() error {
				err := srv.Close()
				return errors.Join(err, release())
			},
		}, nil
	}
}

// demoDir is the demo cloud's folder and what to do when the demo closes: unlock a kept
// one, remove a temporary one.
func demoDir(logger *slog.Logger, keep, reset bool) (dir string, release func() error, err error) {
	if keep {
		if dir, err = localcloud.DemoDir(); err == nil && reset {
			err = localcloud.ResetDir(dir)
		}
		var unlock func()
		if err == nil {
			unlock, err = localcloud.LockDir(dir)
		}
		if err == nil {
			return dir, func() error { unlock(); return nil }, nil
		}
		if reset {
			return "", nil, fmt.Errorf("reset the demo cloud: %w", err)
		}
		// Another demo window has it: this one gets a fresh demo of its own.
		logger.Warn("the kept demo cloud is not available; using a temporary one", "err", err)
	}
	dir, err = os.MkdirTemp("", "restoredesk-demo-*")
	if err != nil {
		return "", nil, fmt.Errorf("make a folder for the demo cloud: %w", err)
	}
	return dir, func() error { return os.RemoveAll(dir) }, nil
}
