// Package pgtest starts a throwaway PostgreSQL cluster for tests and benchmarks: initdb
// into a temporary folder, the server on a free loopback port (and a socket in that
// folder), a password-authenticated user, and everything removed when the test ends.
// It is real PostgreSQL, never a stand-in; tests skip only when the server programs are
// not installed (`make deps` installs them).
package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// User and Password are the password-authenticated role tests restore as: it may create
// databases but is no superuser, like a developer's own role.
const (
	User     = "restorer"
	Password = "s3cret-for-tests"
	// Super is the superuser; it connects through the socket without a password.
	Super = "super"
)

// Cluster is a running throwaway server.
type Cluster struct {
	BinDir string // where initdb, pg_ctl, pg_dump and pg_restore of the server version are
	Dir    string // the temporary folder: data, socket, log
	Host   string // 127.0.0.1
	Port   int
	asUser []string // runuser prefix when running as root
}

// BinDir finds the PostgreSQL server programs: the newest /usr/lib/postgresql/*/bin, or
// initdb on PATH. It returns "" when there are none.
func BinDir() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// Start starts a cluster that is stopped and deleted when tb ends.
func Start(tb testing.TB) *Cluster {
	tb.Helper()
	bin := BinDir()
	if bin == "" {
		tb.Skip("PostgreSQL server programs (initdb, pg_ctl) are not installed: run `make deps`")
	}
	// Not t.TempDir: its parents are private to root, and the server runs as postgres.
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	c := &Cluster{BinDir: bin, Dir: dir, Host: "127.0.0.1"}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			tb.Fatalf("running as root needs the postgres user (the Debian postgresql package makes it): %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			tb.Fatal(err)
		}
		c.asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte(Password+"\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	c.run(tb, "initdb", "-D", c.data(), "-U", Super, "--auth-local=trust", "--auth-host=scram-sha-256",
		"--pwfile="+pw, "-E", "UTF8", "--locale=C", "--no-sync")
	os.Remove(pw)
	c.Port = freePort(tb)
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_wal_size=4GB", c.Port, dir)
	c.run(tb, "pg_ctl", "-D", c.data(), "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start")
	tb.Cleanup(func() {
		cmd := c.command("pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "stop")
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Logf("pg_ctl stop: %v\n%s", err, out)
		}
	})
	c.Exec(tb, "postgres", fmt.Sprintf("CREATE ROLE %s LOGIN CREATEDB PASSWORD '%s'", User, Password))
	return c
}

func (c *Cluster) data() string { return filepath.Join(c.Dir, "data") }

// command runs a program of BinDir, as postgres when we are root.
func (c *Cluster) command(name string, args ...string) *exec.Cmd {
	argv := append(append(append([]string{}, c.asUser...), filepath.Join(c.BinDir, name)), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = c.Dir
	return cmd
}

func (c *Cluster) run(tb testing.TB, name string, args ...string) {
	tb.Helper()
	if out, err := c.command(name, args...).CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.Dir, "log"))
		tb.Fatalf("%s: %v\n%s\n%s", name, err, out, log)
	}
}

// Command is a program of the server's BinDir (pg_dump, pg_restore) set to reach this
// cluster as User, with the password in the child's environment only.
func (c *Cluster) Command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(c.BinDir, name), args...)
	cmd.Env = append(os.Environ(), "PGHOST="+c.Host, "PGPORT="+strconv.Itoa(c.Port), "PGUSER="+User, "PGPASSWORD="+Password)
	return cmd
}

// URL is the connection URL of database db for User, without the password.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgresql://%s@%s:%d/%s", User, c.Host, c.Port, db)
}

// Admin connects as the superuser through the socket, to database db.
func (c *Cluster) Admin(tb testing.TB, db string) *pgx.Conn {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", c.Dir, c.Port, Super, db))
	if err != nil {
		tb.Fatalf("connect as superuser: %v", err)
	}
	tb.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// Exec runs SQL as the superuser in database db.
func (c *Cluster) Exec(tb testing.TB, db, sql string) {
	tb.Helper()
	conn := c.Admin(tb, db)
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
	conn.Close(context.Background())
}

// Databases lists the databases other than the templates and postgres.
func (c *Cluster) Databases(tb testing.TB) []string {
	tb.Helper()
	conn := c.Admin(tb, "postgres")
	rows, err := conn.Query(context.Background(), "SELECT datname FROM pg_database WHERE datname NOT IN ('postgres','template0','template1') ORDER BY 1")
	if err != nil {
		tb.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		tb.Fatal(err)
	}
	return names
}

// CreateDatabase makes an empty database owned by User.
func (c *Cluster) CreateDatabase(tb testing.TB, name string) {
	tb.Helper()
	c.Exec(tb, "postgres", fmt.Sprintf("CREATE DATABASE %s OWNER %s", pgx.Identifier{name}.Sanitize(), User))
}

// Log is the server's log so far, for failure messages.
func (c *Cluster) Log() string {
	b, _ := os.ReadFile(filepath.Join(c.Dir, "log"))
	return strings.TrimSpace(string(b))
}

func freePort(tb testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// FreePort is a loopback port nobody listens on, for a refused connection.
func FreePort(tb testing.TB) int { return freePort(tb) }
