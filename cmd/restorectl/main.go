// Command restorectl is Restore Desk's command-line twin: the same core as the desktop
// app, for scripts, CI and support. It never imports Fyne.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"restoredesk/core/version"
)

// Exit codes, the same for every command.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// command is one subcommand. Each file registers its commands in init.
type command struct {
	name    string
	args    string // e.g. "APP ENV [--comment TEXT]"
	summary string
	run     func(ctx context.Context, c *cli, args []string) error
}

var registry = map[string]*command{}

func register(cmd *command) {
	if _, dup := registry[cmd.name]; dup {
		panic("restorectl: command registered twice: " + cmd.name)
	}
	registry[cmd.name] = cmd
}

// usageError is a mistake in the command line: exit code 2 and the command's usage.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{msg: fmt.Sprintf(format, a...)} }

// exitError ends the command with a chosen exit code after its output was printed
// (e.g. inspect: 1 when the file is not restorable).
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func main() {
	// A reader that goes away (restorectl … | head -1) must not kill a run half-way: with
	// SIGPIPE ignored, a write to the closed pipe fails with EPIPE instead, and the run
	// goes on to its end and journals it (issue 18). Progress and results written after
	// that are lost, never the run.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-version" || args[0] == "version") {
		fmt.Fprintln(stdout, "restorectl", version.Get())
		return exitOK
	}
	// Global flags may come before the command, as in git and kubectl:
	// restorectl --profile acme apps.
	rest, err := c.parseGlobal(args)
	if err != nil {
		fmt.Fprintf(stderr, "restorectl: %v\n\n", err)
		c.printUsage(stderr)
		return exitUsage
	}
	args = rest
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			cmd, ok := registry[args[1]]
			if !ok {
				fmt.Fprintf(stderr, "restorectl help: unknown command %q\n\n", args[1])
				c.printUsage(stderr)
				return exitUsage
			}
			fmt.Fprintf(stdout, "usage: restorectl %s %s\n\n%s\n", cmd.name, cmd.args, cmd.summary)
			return exitOK
		}
		c.printUsage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, ok := registry[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "restorectl: unknown command %q\n\n", args[0])
		c.printUsage(stderr)
		return exitUsage
	}
	c.logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel(getenv("RESTOREDESK_LOG"))}))
	err = cmd.run(ctx, c, args[1:])
	var ue *usageError
	var ee *exitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "restorectl %s: %s\nusage: restorectl %s %s\n", cmd.name, ue.msg, cmd.name, cmd.args)
		return exitUsage
	default:
		c.printError(cmd.name, err)
		return exitFailure
	}
}

func logLevel(s string) slog.Level {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug
	case "info":
		return slog.LevelInfo
	}
	return slog.LevelWarn
}

func (c *cli) printUsage(w io.Writer) {
	fmt.Fprint(w, `restorectl — restore backups of apps on Mendix Cloud from the command line.

usage: restorectl [GLOBAL FLAGS] COMMAND [ARGS] [FLAGS]

commands:
`)
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		cmd := registry[n]
		fmt.Fprintf(w, "  %-14s %s\n", n, cmd.summary)
	}
	fmt.Fprint(w, `
global flags (before the command, or anywhere after it):
  --api-url URL     the cloud to talk to (default https://deploy.mendix.com, or the profile's)
  --profile NAME    use a saved profile (username and API URL; API key from the OS keyring)
  --json            print JSON instead of tables (where a command supports it)

credentials: a --profile, or the environment variables MENDIX_USERNAME and MENDIX_API_KEY.
APP is an AppId, a ProjectId or the app's exact name; ENV a mode (any case) or EnvironmentId.
Exit codes: 0 success, 1 failure, 2 usage error. Logs: RESTOREDESK_LOG=debug.
The journal of runs is shared with the desktop app (RESTOREDESK_JOURNAL=FILE to use another);
RESTOREDESK_POLL_INTERVAL=500ms polls jobs more often (demos).
Run 'restorectl help COMMAND' for one command; 'restorectl --version' for the version.
`)
}
