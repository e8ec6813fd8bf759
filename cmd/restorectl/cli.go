package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"

	"restoredesk/core/cloud"
	"restoredesk/core/explain"
	"restoredesk/core/profiles"
)

// cli is what every command shares: streams, global flags and how to reach the cloud.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	logger         *slog.Logger

	// global flags
	apiURL    string
	apiURLSet bool // --api-url was given, even empty: "" is then a mistake, not the default
	profile   string
	json      bool
}

// addGlobal puts the global flags on fs. Values already given before the command are
// kept as the defaults, so "restorectl --json apps" and "restorectl apps --json" agree.
func (c *cli) addGlobal(fs *flag.FlagSet) {
	fs.Func("api-url", "cloud base URL", func(s string) error {
		c.apiURL, c.apiURLSet = s, true
		return nil
	})
	fs.StringVar(&c.profile, "profile", c.profile, "saved profile name")
	fs.BoolVar(&c.json, "json", c.json, "print JSON")
}

// parseGlobal reads the global flags placed before the command and returns the rest,
// starting with the command's name.
func (c *cli) parseGlobal(args []string) ([]string, error) {
	fs := flag.NewFlagSet("restorectl", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.addGlobal(fs)
	showVersion := fs.Bool("version", false, "print the version")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return []string{"help"}, nil
		}
		return nil, fmt.Errorf("%v (before the command only --api-url, --profile, --json and --version are allowed)", err)
	}
	if *showVersion {
		return []string{"version"}, nil
	}
	return fs.Args(), nil
}

// flags returns a flag set for one command with the global flags already on it.
func (c *cli) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.addGlobal(fs)
	return fs
}

// parse parses flags placed anywhere among the arguments (Go's flag package stops at the
// first positional argument, but the commands are documented with flags after them) and
// checks the number of positional arguments.
func parse(fs *flag.FlagSet, args []string, min, max int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, usagef("help requested")
			}
			return nil, usagef("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	switch {
	case len(pos) < min:
		return nil, usagef("missing arguments")
	case max >= 0 && len(pos) > max:
		return nil, usagef("too many arguments: %s", strings.Join(pos[max:], " "))
	}
	return pos, nil
}

// errNoCredentials says how to give credentials; the key is never a flag.
var errNoCredentials = explain.NewMistake("No credentials were given, so restorectl cannot sign in to the cloud.",
	"Set MENDIX_USERNAME and MENDIX_API_KEY (your Mendix login and an API key from your Mendix profile), "+
		"or sign in once with 'restorectl login' (or pass --profile NAME for a saved profile).", nil)

// client connects to the cloud with the profile's or the environment's credentials.
func (c *cli) client(ctx context.Context) (*cloud.Client, error) {
	apiURL := c.apiURL
	creds := cloud.Credentials{Username: c.getenv("MENDIX_USERNAME"), APIKey: c.getenv("MENDIX_API_KEY")}
	if c.profile == "" && creds.Username == "" && creds.APIKey == "" {
		c.profile = defaultProfile() // the one 'restorectl login' saved; "" when none
	}
	if c.profile != "" {
		path, err := profiles.DefaultPath()
		if err != nil {
			return nil, err
		}
		store, err := profiles.Open(path, profileSecrets())
		if err != nil {
			return nil, err
		}
		p, ok := store.Get(c.profile)
		if !ok {
			return nil, explain.NewMistake(fmt.Sprintf("There is no profile named %q.", c.profile),
				"Use one of the saved profiles: "+profileNames(store)+".", nil)
		}
		if !c.apiURLSet {
			apiURL = p.APIURL
		}
		// The URL is checked before the keyring is asked: a bad profile needs no D-Bus.
		if err := cloud.CheckAPIURL(apiURL); err != nil {
			return nil, err
		}
		key, err := store.APIKey(ctx, p.Name)
		if err != nil {
			return nil, fmt.Errorf("API key of profile %q: %w", p.Name, err)
		}
		creds = cloud.Credentials{Username: p.Username, APIKey: key}
	}
	if !c.apiURLSet && apiURL == "" {
		apiURL = cloud.DefaultBaseURL
	}
	// An explicit --api-url "" is refused (by cloud.New) rather than read as Mendix's host.
	if err := cloud.CheckAPIURL(apiURL); err != nil {
		return nil, err
	}
	if creds.Username == "" || creds.APIKey == "" {
		return nil, errNoCredentials
	}
	return cloud.New(apiURL, creds, cloud.WithLogger(c.logger))
}

func profileNames(s *profiles.Store) string {
	var names []string
	for _, p := range s.List() {
		names = append(names, p.Name)
	}
	if len(names) == 0 {
		return "none (sign in first with 'restorectl login' or the desktop app)"
	}
	return strings.Join(names, ", ")
}

// resolveApp finds APP by AppId, ProjectId or exact name.
func resolveApp(ctx context.Context, cl *cloud.Client, arg string) (cloud.App, error) {
	apps, err := cl.ListApps(ctx)
	if err != nil {
		return cloud.App{}, err
	}
	var found []cloud.App
	for _, a := range apps {
		if a.AppID == arg || strings.EqualFold(a.ProjectID, arg) || a.Name == arg {
			found = append(found, a)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return cloud.App{}, explain.NewMistake(fmt.Sprintf("There is no app %q in this account.", arg),
			"Give the AppId, ProjectId or exact name of one of your apps; 'restorectl apps' lists them.", nil)
	}
	ids := make([]string, len(found))
	for i, a := range found {
		ids[i] = a.AppID
	}
	return cloud.App{}, explain.NewMistake(fmt.Sprintf("%q names several apps (%s).", arg, strings.Join(ids, ", ")),
		"Use the AppId instead of the name.", nil)
}

// resolveEnv finds ENV of app by mode (any case) or EnvironmentId.
func resolveEnv(ctx context.Context, cl *cloud.Client, app cloud.App, arg string) (cloud.Environment, error) {
	envs, err := cl.ListEnvironments(ctx, app.AppID)
	if err != nil {
		return cloud.Environment{}, err
	}
	modes := make([]string, 0, len(envs))
	for _, e := range envs {
		if strings.EqualFold(e.Mode, arg) || strings.EqualFold(e.EnvironmentID, arg) {
			return e, nil
		}
		modes = append(modes, e.Mode)
	}
	if owner := ownerOfEnv(ctx, cl, app, arg); owner != "" {
		return cloud.Environment{}, explain.NewMistake(
			fmt.Sprintf("Environment %s belongs to app %s, not to %s.", arg, owner, app.AppID),
			fmt.Sprintf("Give the app it belongs to (%s), or one of %s's environments: %s.", owner, app.AppID, strings.Join(modes, ", ")), nil)
	}
	return cloud.Environment{}, explain.NewMistake(fmt.Sprintf("App %s has no environment %q.", app.AppID, arg),
		fmt.Sprintf("Give one of its environments: %s (a mode in any case, or an EnvironmentId).", strings.Join(modes, ", ")), nil)
}

// ownerOfEnv finds, for an EnvironmentId that app does not have, the app that has it; ""
// when none does or the arg is no EnvironmentId. Only asked after a miss, so it costs a
// few requests only when the user made a mistake.
func ownerOfEnv(ctx context.Context, cl *cloud.Client, app cloud.App, arg string) string {
	if len(arg) < 32 || strings.Count(arg, "-") != 4 {
		return ""
	}
	apps, err := cl.ListApps(ctx)
	if err != nil {
		return ""
	}
	for _, a := range apps {
		if a.AppID == app.AppID {
			continue
		}
		envs, err := cl.ListEnvironments(ctx, a.AppID)
		if err != nil {
			continue
		}
		for _, e := range envs {
			if strings.EqualFold(e.EnvironmentID, arg) {
				return a.AppID
			}
		}
	}
	return ""
}

// resolveTarget resolves the APP and ENV arguments together.
func resolveTarget(ctx context.Context, cl *cloud.Client, appArg, envArg string) (cloud.App, cloud.Environment, error) {
	app, err := resolveApp(ctx, cl, appArg)
	if err != nil {
		return cloud.App{}, cloud.Environment{}, err
	}
	env, err := resolveEnv(ctx, cl, app, envArg)
	return app, env, err
}

func (c *cli) printJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table writes aligned columns; the caller calls flush.
func (c *cli) table(header ...string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	return tw
}

// snapshotArg checks a SNAPSHOT_ID argument of cmdName before anything is asked: a
// backup's id as 'restorectl backups' lists it, or latest where the command takes it.
// An empty, "." or ".." argument, or latest where it is not taken, is a usage mistake
// told with what to give instead.
func snapshotArg(cmdName, s string, latest bool) (string, error) {
	id := strings.TrimSpace(s)
	hint := "give a backup's id as 'restorectl backups APP ENV' lists it"
	if latest {
		hint += ", or latest for the newest completed one"
	}
	switch {
	case id == "", id == ".", id == "..", strings.ContainsAny(id, "/\\"):
		return "", usagef("SNAPSHOT_ID %q is not a backup's id: %s", s, hint)
	case !latest && strings.EqualFold(id, "latest"):
		return "", usagef("%s needs the backup's own id, not latest: %s", cmdName, hint)
	}
	return id, nil
}
