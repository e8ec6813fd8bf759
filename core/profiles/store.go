// Package profiles owns the accounts Restore Desk signs in with: one profile per Mendix
// account or customer (name, username, API URL) kept in a config file, and its API key
// kept only in a SecretStore (the OS keyring, or memory for this session only).
package profiles

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"unicode"

	"restoredesk/core/cloud"
)

// DefaultAPIURL is the real Mendix Cloud.
const DefaultAPIURL = "https://deploy.mendix.com"

// Profile is one account. It never holds the API key.
type Profile struct {
	Name     string `json:"name"`
	Username string `json:"username"`
	APIURL   string `json:"api_url"`
}

// ErrUnknownProfile is returned for a profile name that is not saved.
var ErrUnknownProfile = errors.New("no such profile")

type fileData struct {
	Profiles []Profile `json:"profiles"`
	Last     string    `json:"last,omitempty"` // the profile used last, opened at start
	// Databases are the local PostgreSQL connections last used, per profile (databases.go).
	Databases map[string]Database `json:"databases,omitempty"`
}

// Store is the set of saved profiles. Safe for concurrent use.
type Store struct {
	path string

	mu      sync.Mutex
	data    fileData
	secrets SecretStore
}

// DefaultPath is profiles.json in the user's config folder (~/.config/restoredesk on Linux).
func DefaultPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the config folder: %w", err)
	}
	return filepath.Join(dir, "restoredesk", "profiles.json"), nil
}

// Open reads the profiles at path (a missing file is an empty set) and keeps API keys in
// secrets.
func Open(path string, secrets SecretStore) (*Store, error) {
	s := &Store{path: path, secrets: secrets}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("read profiles: %w", err)
	}
	if err := json.Unmarshal(b, &s.data); err != nil {
		return nil, fmt.Errorf("read profiles %s: the file is damaged (%v); fix or remove it and sign in again", path, err)
	}
	return s, nil
}

// SetSecrets switches where API keys are kept, e.g. to a SessionStore when the keyring is
// unavailable.
func (s *Store) SetSecrets(secrets SecretStore) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets = secrets
}

// Secrets returns the store API keys are kept in.
func (s *Store) Secrets() SecretStore {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.secrets
}

// List returns the profiles sorted by name.
func (s *Store) List() []Profile {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.data.Profiles)
	slices.SortFunc(out, func(a, b Profile) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return out
}

// Get returns the named profile.
func (s *Store) Get(name string) (Profile, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.index(name)
	if i < 0 {
		return Profile{}, false
	}
	return s.data.Profiles[i], true
}

// Last returns the profile used last, if it still exists.
func (s *Store) Last() (Profile, bool) {
	s.mu.Lock()
	last := s.data.Last
	s.mu.Unlock()
	return s.Get(last)
}

// SetLast remembers name as the profile to open next time.
func (s *Store) SetLast(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.index(name) < 0 {
		return fmt.Errorf("%w: %q", ErrUnknownProfile, name)
	}
	s.data.Last = name
	return s.writeLocked()
}

// Validate checks a profile before it is saved and says what to change.
func Validate(p Profile) error {
	if strings.TrimSpace(p.Name) == "" {
		return errors.New("give the profile a name, for example the customer's name")
	}
	if strings.IndexFunc(p.Name, unicode.IsControl) >= 0 || len(p.Name) > 100 {
		return errors.New("the profile name must be at most 100 characters and have no control characters")
	}
	if strings.TrimSpace(p.Username) == "" {
		return errors.New("enter the Mendix username (the e-mail address you sign in to Mendix with)")
	}
	u, err := url.Parse(p.APIURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		// Shown without user name or password: the form's error must not show a key.
		return fmt.Errorf("the API URL %q is not a web address; leave it as %s unless support told you otherwise", cloud.RedactURL(p.APIURL), DefaultAPIURL)
	}
	// What the client would refuse at first use (plain http to another computer, a user
	// name in the URL, a query) is refused now, while the user is still at the form.
	if err := cloud.CheckAPIURL(p.APIURL); err != nil {
		var ue *cloud.APIURLError
		if errors.As(err, &ue) {
			return fmt.Errorf("the API URL %s; leave it as %s unless support told you otherwise", ue.Problem, DefaultAPIURL)
		}
		return err
	}
	return nil
}

// Save adds or replaces the profile p and, when apiKey is not empty, saves the key in the
// secret store first (so a profile never points at a key that was not saved).
func (s *Store) Save(ctx context.Context, p Profile, apiKey string) error {
	p.Name = strings.TrimSpace(p.Name)
	p.Username = strings.TrimSpace(p.Username)
	if p.APIURL == "" {
		p.APIURL = DefaultAPIURL
	}
	p.APIURL = strings.TrimRight(strings.TrimSpace(p.APIURL), "/")
	if err := Validate(p); err != nil {
		return err
	}
	if apiKey != "" {
		if err := s.Secrets().Set(ctx, p.Name, apiKey); err != nil {
			return fmt.Errorf("save the API key of %q: %w", p.Name, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := s.index(p.Name); i >= 0 {
		s.data.Profiles[i] = p
	} else {
		s.data.Profiles = append(s.data.Profiles, p)
	}
	return s.writeLocked()
}

// Rename gives profile old the name new, moving its API key along.
func (s *Store) Rename(ctx context.Context, oldName, newName string) error {
	p, ok := s.Get(oldName)
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownProfile, oldName)
	}
	if _, taken := s.Get(newName); taken {
		return fmt.Errorf("a profile named %q exists already; choose another name", newName)
	}
	key, err := s.APIKey(ctx, oldName)
	if err != nil && !errors.Is(err, ErrNoKey) {
		return err
	}
	p.Name = newName
	if err := s.Save(ctx, p, key); err != nil {
		return err
	}
	return s.Delete(ctx, oldName)
}

// Delete removes the profile and its API key.
func (s *Store) Delete(ctx context.Context, name string) error {
	if err := s.Secrets().Delete(ctx, name); err != nil && !errors.Is(err, ErrNoKey) {
		return fmt.Errorf("remove the API key of %q: %w", name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.index(name)
	if i < 0 {
		return nil
	}
	s.data.Profiles = slices.Delete(s.data.Profiles, i, i+1)
	if s.data.Last == name {
		s.data.Last = ""
	}
	return s.writeLocked()
}

// APIKey returns the profile's API key from the secret store: ErrNoKey when none is
// saved, an error wrapping ErrKeyringUnavailable when the store cannot be used.
func (s *Store) APIKey(ctx context.Context, name string) (string, error) {
	if _, ok := s.Get(name); !ok {
		return "", fmt.Errorf("%w: %q", ErrUnknownProfile, name)
	}
	return s.Secrets().Get(ctx, name)
}

func (s *Store) index(name string) int {
	return slices.IndexFunc(s.data.Profiles, func(p Profile) bool { return p.Name == name })
}

// writeLocked replaces the file atomically, readable by the user only.
func (s *Store) writeLocked() error {
	b, err := json.MarshalIndent(s.data, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return fmt.Errorf("save profiles: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), ".profiles-*.json")
	if err != nil {
		return fmt.Errorf("save profiles: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("save profiles: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save profiles: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.path); err != nil {
		return fmt.Errorf("save profiles: %w", err)
	}
	return nil
}
