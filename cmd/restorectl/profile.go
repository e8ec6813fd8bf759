package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"restoredesk/core/cloud"
	"restoredesk/core/explain"
	"restoredesk/core/profiles"
)

// Signing in from the command line: the same profiles (core/profiles) and keyring entries
// as the window's sign-in form, so a server without a display needs no environment
// variables holding the key.

func init() {
	register(&command{name: "login", args: "[NAME] [--username USER] [--api-url URL]",
		summary: "sign in: ask for the username and API key, check them with Mendix Cloud, save them as profile NAME (default: the username)",
		run:     runLogin})
	register(&command{name: "profile", args: "add NAME [--username USER] | list [--json] | remove NAME",
		summary: "manage saved profiles (the same ones the desktop app uses; API keys stay in the system keyring)",
		run:     runProfile})
}

// profileSecrets is where profiles' API keys are kept: the OS keyring; a variable so that
// tests without a keyring can use a session store (their names say so).
var profileSecrets = func() profiles.SecretStore { return profiles.NewKeyring(0) }

// openProfiles opens the profile store the desktop app uses.
func openProfiles() (*profiles.Store, error) {
	path, err := profiles.DefaultPath()
	if err != nil {
		return nil, err
	}
	return profiles.Open(path, profileSecrets())
}

// defaultProfile is the name of the profile commands use when neither --profile nor the
// MENDIX_* variables say whom to sign in as: the one signed in with last; "" when none.
func defaultProfile() string {
	s, err := openProfiles()
	if err != nil {
		return ""
	}
	p, ok := s.Last()
	if !ok {
		return ""
	}
	return p.Name
}

func runLogin(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("login")
	user := fs.String("username", "", "the Mendix username (the e-mail address you sign in to Mendix with)")
	pos, err := parse(fs, args, 0, 1)
	if err != nil {
		return err
	}
	name := ""
	if len(pos) == 1 {
		name = pos[0]
	}
	return c.login(ctx, name, *user)
}

func runProfile(ctx context.Context, c *cli, args []string) error {
	if len(args) == 0 {
		return usagef("say what to do: add, list or remove")
	}
	sub, rest := args[0], args[1:]
	fs := c.flags("profile " + sub)
	switch sub {
	case "add":
		user := fs.String("username", "", "the Mendix username (the e-mail address you sign in to Mendix with)")
		pos, err := parse(fs, rest, 1, 1)
		if err != nil {
			return err
		}
		return c.login(ctx, pos[0], *user)
	case "list":
		if _, err := parse(fs, rest, 0, 0); err != nil {
			return err
		}
		return c.listProfiles()
	case "remove":
		pos, err := parse(fs, rest, 1, 1)
		if err != nil {
			return err
		}
		return c.removeProfile(ctx, pos[0])
	}
	return usagef("unknown profile command %q: use add, list or remove", sub)
}

// login asks for what is missing, checks the username and key with one authenticated
// read, and only then saves the profile (the key into the keyring) and makes it the
// default. A refused key saves nothing.
func (c *cli) login(ctx context.Context, name, user string) error {
	apiURL := c.apiURL
	if !c.apiURLSet {
		apiURL = profiles.DefaultAPIURL
	}
	if err := cloud.CheckAPIURL(apiURL); err != nil {
		return err
	}
	in := bufio.NewReader(c.stdin)
	if strings.TrimSpace(user) == "" {
		fmt.Fprint(c.stderr, "Mendix username (your e-mail address): ")
		line, err := readLine(in)
		if err != nil {
			return explain.NewMistake("No username was given, so nothing was saved.",
				"Type the e-mail address you sign in to Mendix with, or pass --username.", err)
		}
		user = line
	}
	user = strings.TrimSpace(user)
	if name == "" {
		name = user
	}
	// What the store would refuse is refused before the key is asked for.
	if err := profiles.Validate(profiles.Profile{Name: name, Username: user, APIURL: apiURL}); err != nil {
		return explain.NewMistake(fmt.Sprintf("The profile cannot be saved: %s.", err), "Nothing was saved; run the command again with that changed.", nil)
	}
	key, err := c.readAPIKey(in)
	if err != nil {
		return err
	}
	cl, err := cloud.New(apiURL, cloud.Credentials{Username: user, APIKey: key}, cloud.WithLogger(c.logger))
	if err != nil {
		return err
	}
	apps, err := cl.ListApps(ctx)
	if err != nil {
		return fmt.Errorf("check the username and API key with %s (nothing was saved): %w", cloud.RedactURL(apiURL), err)
	}
	store, err := openProfiles()
	if err != nil {
		return err
	}
	_, existed := store.Get(name)
	if err := store.Save(ctx, profiles.Profile{Name: name, Username: user, APIURL: apiURL}, key); err != nil {
		return fmt.Errorf("save profile %q: %w", name, err)
	}
	if err := store.SetLast(name); err != nil {
		return err
	}
	verb := "Saved"
	if existed {
		verb = "Updated"
	}
	fmt.Fprintf(c.stdout, "Signed in as %s: %s. %s profile %q; its API key is in the system keyring.\n",
		explain.Printable(user), countApps(len(apps)), verb, name)
	fmt.Fprintln(c.stdout, "It is the default profile now: commands use it when no --profile and no MENDIX_USERNAME/MENDIX_API_KEY are given.")
	return nil
}

func countApps(n int) string {
	if n == 1 {
		return "1 app"
	}
	return fmt.Sprintf("%d apps", n)
}

// readAPIKey reads the key without echo from a terminal, or as one line from stdin.
func (c *cli) readAPIKey(in *bufio.Reader) (string, error) {
	var key string
	if f, ok := c.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(c.stderr, "API key (not shown; create one in your Mendix profile under API Keys): ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(c.stderr)
		if err != nil {
			return "", fmt.Errorf("read the API key: %w", err)
		}
		key = string(b)
	} else {
		key, _ = readLine(in) // nothing read is refused below
	}
	key = strings.TrimSpace(key)
	if key == "" {
		return "", explain.NewMistake("No API key was given, so nothing was saved.",
			"Type the API key when asked, or pipe it in on the line after the username.", nil)
	}
	return key, nil
}

// readLine reads one line without its line end (the last line may lack one); io.EOF
// when there was nothing but blanks.
func readLine(r *bufio.Reader) (string, error) {
	s, err := r.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	s = strings.TrimRight(s, "\r\n")
	if strings.TrimSpace(s) == "" {
		return "", io.EOF
	}
	return s, nil
}

type profileJSON struct {
	Name     string `json:"name"`
	Username string `json:"username"`
	APIURL   string `json:"api_url"`
	Default  bool   `json:"default"`
}

// listProfiles prints the saved profiles and which is the default; never a key.
func (c *cli) listProfiles() error {
	store, err := openProfiles()
	if err != nil {
		return err
	}
	def, _ := store.Last()
	list := store.List()
	if c.json {
		out := make([]profileJSON, len(list))
		for i, p := range list {
			out[i] = profileJSON{Name: p.Name, Username: p.Username, APIURL: p.APIURL, Default: p.Name == def.Name}
		}
		return c.printJSON(out)
	}
	if len(list) == 0 {
		fmt.Fprintln(c.stdout, "No profiles saved. Sign in with 'restorectl login'.")
		return nil
	}
	tw := c.table("DEFAULT", "NAME", "USERNAME", "API URL")
	for _, p := range list {
		mark := ""
		if p.Name == def.Name {
			mark = "*"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", mark, explain.Printable(p.Name), explain.Printable(p.Username), explain.Printable(p.APIURL))
	}
	return tw.Flush()
}

// removeProfile removes the profile and its keyring entry.
func (c *cli) removeProfile(ctx context.Context, name string) error {
	store, err := openProfiles()
	if err != nil {
		return err
	}
	if _, ok := store.Get(name); !ok {
		return explain.NewMistake(fmt.Sprintf("There is no profile named %q, so nothing was removed.", name),
			"Use one of the saved profiles: "+profileNames(store)+".", nil)
	}
	if err := store.Delete(ctx, name); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Removed profile %q and its API key.\n", name)
	return nil
}
