package localdb

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/jackc/pgpassfile"
)

// login is the password both the checks here and pg_restore log in to database db with:
// the one given, or else the entry of the user's password file (PGPASSFILE, or libpq's
// usual place), so a developer's ~/.pgpass works the same for the plan as for the
// restore. Both then get it from us, never from what else the environment holds.
func (t Target) login(db string) string {
	if t.Password != "" {
		return t.Password
	}
	path := passfilePath()
	if path == "" {
		return ""
	}
	pf, err := pgpassfile.ReadPassfile(path)
	if err != nil {
		return "" // none, or unreadable: as libpq, log in without
	}
	return pf.FindPassword(t.Host, strconv.Itoa(t.Port), db, t.User)
}

// passfilePath is where libpq looks for the password file.
func passfilePath() string {
	if p := os.Getenv("PGPASSFILE"); p != "" {
		return p
	}
	if runtime.GOOS == "windows" {
		if dir := os.Getenv("APPDATA"); dir != "" {
			return filepath.Join(dir, "postgresql", "pgpass.conf")
		}
		return ""
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".pgpass")
}
