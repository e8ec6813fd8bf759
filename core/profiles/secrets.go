package profiles

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// KeyringService is the service name API keys are saved under in the OS keyring.
const KeyringService = "io.restoredesk.app"

var (
	// ErrNoKey means no API key is saved for the profile: the user must sign in.
	ErrNoKey = errors.New("no API key saved for this profile")
	// ErrKeyringUnavailable means the OS keyring could not be used at all; the error
	// wrapping it says why (no D-Bus session, no Secret Service, locked, timed out).
	ErrKeyringUnavailable = errors.New("the system keyring is unavailable")
)

// SecretStore keeps API keys, one per profile.
type SecretStore interface {
	Get(ctx context.Context, profile string) (string, error)
	Set(ctx context.Context, profile, apiKey string) error
	Delete(ctx context.Context, profile string) error
}

// Keyring stores API keys in the OS keyring (Secret Service on Linux, Keychain on macOS,
// Credential Manager on Windows). Every call runs with a timeout because the Secret
// Service may block on an unlock prompt nobody answers.
type Keyring struct {
	timeout time.Duration
}

// NewKeyring returns the OS keyring store; timeout 0 means 10 seconds.
func NewKeyring(timeout time.Duration) *Keyring {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &Keyring{timeout: timeout}
}

// Get returns the profile's API key, ErrNoKey when none is saved.
func (k *Keyring) Get(ctx context.Context, profile string) (string, error) {
	var key string
	err := k.call(ctx, func() error {
		var err error
		key, err = keyring.Get(KeyringService, profile)
		return err
	})
	return key, err
}

// Set saves the profile's API key.
func (k *Keyring) Set(ctx context.Context, profile, apiKey string) error {
	return k.call(ctx, func() error { return keyring.Set(KeyringService, profile, apiKey) })
}

// Delete removes the profile's API key; a key that was never saved is not an error.
func (k *Keyring) Delete(ctx context.Context, profile string) error {
	err := k.call(ctx, func() error { return keyring.Delete(KeyringService, profile) })
	if errors.Is(err, ErrNoKey) {
		return nil
	}
	return err
}

func (k *Keyring) call(ctx context.Context, fn func() error) error {
	if !sessionBusReachable() {
		// Without a session bus the D-Bus library would start one of its own (dbus-launch)
		// that outlives this program: say so instead.
		return &UnavailableError{Cause: "there is no D-Bus session to reach a keyring through", Err: errNoSessionBus}
	}
	ctx, cancel := context.WithTimeout(ctx, k.timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return classify(err)
	case <-ctx.Done():
		// The goroutine stays blocked in D-Bus until the keyring answers; its result is dropped.
		return &UnavailableError{Cause: "the keyring did not answer in time (is it waiting to be unlocked?)", Err: ctx.Err()}
	}
}

// UnavailableError says why the keyring could not be used. errors.Is(err,
// ErrKeyringUnavailable) is true.
type UnavailableError struct {
	Cause string // a sentence for the user
	Err   error  // the library's error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("%s: %s", ErrKeyringUnavailable, e.Cause)
}

func (e *UnavailableError) Unwrap() []error { return []error{ErrKeyringUnavailable, e.Err} }

// classify turns go-keyring's errors into ErrNoKey or an UnavailableError with its cause.
// Only keyring.ErrNotFound means "nothing saved"; the error texts below are the ones the
// Secret Service backend produces.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, keyring.ErrNotFound) {
		return ErrNoKey
	}
	msg := err.Error()
	cause := "the keyring answered with an error: " + msg
	switch {
	case strings.Contains(msg, "dial unix"), strings.Contains(msg, "DBUS_SESSION_BUS_ADDRESS"),
		strings.Contains(msg, "dbus-launch"), strings.Contains(msg, "autolaunch"):
		cause = "there is no D-Bus session to reach a keyring through"
	case strings.Contains(msg, "org.freedesktop.secrets"), strings.Contains(msg, "ServiceUnknown"):
		cause = "no keyring service (Secret Service, e.g. GNOME Keyring or KWallet) is running"
	case strings.Contains(msg, "unlock"), strings.Contains(msg, "locked"), strings.Contains(msg, "prompt"):
		cause = "the keyring is locked and could not be unlocked"
	case errors.Is(err, keyring.ErrSetDataTooBig):
		cause = "the API key is too long for this keyring"
	}
	return &UnavailableError{Cause: cause, Err: err}
}

// SessionStore keeps API keys in memory for this session only: nothing is written
// anywhere, and the keys are gone when the program ends. It is what the user chooses
// when the keyring is unavailable.
type SessionStore struct {
	mu   sync.Mutex
	keys map[string]string
}

// NewSessionStore returns an empty in-memory store.
func NewSessionStore() *SessionStore { return &SessionStore{keys: map[string]string{}} }

// Get returns the key kept for profile, or ErrNoKey.
func (s *SessionStore) Get(_ context.Context, profile string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[profile]
	if !ok {
		return "", ErrNoKey
	}
	return k, nil
}

// Set keeps the key in memory.
func (s *SessionStore) Set(_ context.Context, profile, apiKey string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[profile] = apiKey
	return nil
}

// Delete forgets the key.
func (s *SessionStore) Delete(_ context.Context, profile string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.keys, profile)
	return nil
}
