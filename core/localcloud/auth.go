package localcloud

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Request headers of the Mendix APIs (cloud-api.md §1.2).
const (
	headerUsername = "Mendix-Username"
	headerAPIKey   = "Mendix-ApiKey"
)

// hashKey is SHA-256(salt || key). The key itself is never stored.
func hashKey(salt []byte, key string) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(key))
	return h.Sum(nil)
}

// addAccount stores username with a salted hash of apiKey (replacing an existing key).
func addAccount(ctx context.Context, q querier, username, apiKey string) error {
	username = strings.TrimSpace(username)
	if username == "" || apiKey == "" {
		return errors.New("add account: username and API key must not be empty")
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return fmt.Errorf("add account: salt: %w", err)
	}
	_, err := q.ExecContext(ctx, `INSERT INTO accounts(username, salt, key_hash) VALUES(?, ?, ?)
		ON CONFLICT(username) DO UPDATE SET salt = excluded.salt, key_hash = excluded.key_hash`,
		username, salt, hashKey(salt, apiKey))
	if err != nil {
		return fmt.Errorf("add account %s: %w", username, err)
	}
	return nil
}

// dummySalt keeps the time of a check for an unknown user equal to that of a known one.
var dummySalt = make([]byte, 16)

// authenticate returns the canonical username when the headers carry a valid key.
func (c *Cloud) authenticate(r *http.Request) (string, bool) {
	user := strings.TrimSpace(r.Header.Get(headerUsername))
	key := r.Header.Get(headerAPIKey)
	var name string
	var salt, stored []byte
	err := c.db.QueryRowContext(r.Context(), `SELECT username, salt, key_hash FROM accounts WHERE username = ?`, user).
		Scan(&name, &salt, &stored)
	if err != nil {
		if !isNoRow(err) {
			c.log.Error("read account", "err", err)
		}
		salt, stored = dummySalt, make([]byte, sha256.Size)
		subtle.ConstantTimeCompare(hashKey(salt, key), stored)
		return "", false
	}
	if user == "" || key == "" {
		return "", false
	}
	if subtle.ConstantTimeCompare(hashKey(salt, key), stored) != 1 {
		return "", false
	}
	return name, true
}

type ctxKey int

const userKey ctxKey = 1

func userFrom(ctx context.Context) string {
	u, _ := ctx.Value(userKey).(string)
	return u
}

// requireAuth answers 401 UNAUTHORIZED unless the request carries valid credentials.
func (c *Cloud) requireAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, ok := c.authenticate(r)
		if !ok {
			writeError(w, newAPIError(http.StatusUnauthorized, codeUnauthorized, msgUnauthorized))
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey, user)))
	})
}

// access is what a user may do on one environment.
type access struct {
	member  bool // the user is on the app's team (some permission row on the app)
	api     bool // API Rights
	backups bool // Access to Backups
}

// refusal is the 403 NO_ACCESS answer when a right is missing: API Rights for every call,
// and Access to Backups as well for the Backups API (needBackups). Nil when allowed.
func (a access) refusal(needBackups bool) *apiError {
	switch {
	case !a.api:
		return newAPIError(http.StatusForbidden, codeNoAccess, msgNoAPIAccess)
	case needBackups && !a.backups:
		return newAPIError(http.StatusForbidden, codeNoAccess, msgNoBackupsAccess)
	}
	return nil
}

// envAccess reads the user's rights on env (and whether they belong to its app at all).
func envAccess(ctx context.Context, q querier, user string, env envRow) (access, error) {
	var a access
	var api, backups sql.NullBool
	err := q.QueryRowContext(ctx, `SELECT api, backups FROM permissions WHERE env_id = ? AND username = ?`,
		env.EnvID, user).Scan(&api, &backups)
	switch {
	case err == nil:
		a.member, a.api, a.backups = true, api.Bool, api.Bool && backups.Bool
		return a, nil
	case !isNoRow(err):
		return a, fmt.Errorf("read permissions: %w", err)
	}
	member, err := isMember(ctx, q, user, env.ProjectID)
	a.member = member
	return a, err
}

// isMember reports whether user has any permission on any environment of the app.
func isMember(ctx context.Context, q querier, user, projectID string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM permissions p JOIN environments e ON e.env_id = p.env_id
		WHERE p.username = ? AND e.project_id = ?`, user, projectID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("read team membership: %w", err)
	}
	return n > 0, nil
}
