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
	"restoredesk/core/profiles"
)

// cli is what every command shares: streams, global flags and how to reach the cloud.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	logger         *slog.Logger

	// global flags
	apiURL  string
	profile string
	json    bool
}

// flags returns a flag set for one command with the global flags already on it.
func (c *cli) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.apiURL, "api-url", "", "cloud base URL")
	fs.StringVar(&c.profile, "profile", "", "saved profile name")
	fs.BoolVar(&c.json, "json", false, "print JSON")
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
var errNoCredentials = errors.New("no credentials: set MENDIX_USERNAME and MENDIX_API_KEY " +
	"(your Mendix login and an API key from your Mendix profile), or pass --profile NAME " +
	"for a profile saved in the desktop app")

// client connects to the cloud with the profile's or the environment's credentials.
func (c *cli) client(ctx context.Context) (*cloud.Client, error) {
	apiURL := c.apiURL
	creds := cloud.Credentials{Username: c.getenv("MENDIX_USERNAME"), APIKey: c.getenv("MENDIX_API_KEY")}
	if c.profile != "" {
		path, err := profiles.DefaultPath()
		if err != nil {
			return nil, err
		}
		store, err := profiles.Open(path, profiles.NewKeyring(0))
		if err != nil {
			return nil, err
		}
		p, ok := store.Get(c.profile)
		if !ok {
			return nil, fmt.Errorf("no profile named %q; saved profiles: %s", c.profile, profileNames(store))
		}
		key, err := store.APIKey(ctx, p.Name)
		if err != nil {
			return nil, fmt.Errorf("API key of profile %q: %w", p.Name, err)
		}
		creds = cloud.Credentials{Username: p.Username, APIKey: key}
		if apiURL == "" {
			apiURL = p.APIURL
		}
	}
	if creds.Username == "" || creds.APIKey == "" {
		return nil, errNoCredentials
	}
	if apiURL == "" {
		apiURL = cloud.DefaultBaseURL
	}
	return cloud.New(apiURL, creds, cloud.WithLogger(c.logger))
}

func profileNames(s *profiles.Store) string {
	var names []string
	for _, p := range s.List() {
		names = append(names, p.Name)
	}
	if len(names) == 0 {
		return "none (sign in with the desktop app first)"
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
		return cloud.App{}, fmt.Errorf("no app %q in this account; 'restorectl apps' lists them", arg)
	}
	ids := make([]string, len(found))
	for i, a := range found {
		ids[i] = a.AppID
	}
	return cloud.App{}, fmt.Errorf("%q names several apps (%s); use the AppId", arg, strings.Join(ids, ", "))
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
	return cloud.Environment{}, fmt.Errorf("app %s has no environment %q; it has: %s", app.AppID, arg, strings.Join(modes, ", "))
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
