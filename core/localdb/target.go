package localdb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Target is the PostgreSQL database to restore into. Password is never printed, logged or
// put on a command line: String leaves it out and pg_restore gets it in its environment.
type Target struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	User     string `json:"user"`
	Database string `json:"database"`
	Password string `json:"-"`
	// TLS settings from the address's query (libpq's names), used by the checks and by
	// pg_restore alike; empty: libpq's defaults.
	SSLMode     string `json:"sslmode,omitempty"`
	SSLRootCert string `json:"sslrootcert,omitempty"`
	SSLCert     string `json:"sslcert,omitempty"`
	SSLKey      string `json:"sslkey,omitempty"`
}

// String is the target as a URL without the password.
func (t Target) String() string {
	u := url.URL{Scheme: "postgresql", User: url.User(t.User), Host: net.JoinHostPort(t.Host, strconv.Itoa(t.Port)), Path: "/" + t.Database}
	q := url.Values{}
	for _, p := range t.params() {
		q.Set(p.name, p.value)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// PsqlCommand is a psql command that opens the database, for people to copy: the
// address without the password, quoted for this system's shell. psql asks for the
// password, or reads it from the user's password file.
func (t Target) PsqlCommand() string {
	u := t.String()
	if runtime.GOOS == "windows" {
		return `psql "` + u + `"`
	}
	return "psql '" + strings.ReplaceAll(u, "'", `'\''`) + "'"
}

type param struct{ name, value string }

// params are the target's connection parameters beyond host, port, user and database.
func (t Target) params() []param {
	var out []param
	for _, p := range []param{{"sslmode", t.SSLMode}, {"sslrootcert", t.SSLRootCert}, {"sslcert", t.SSLCert}, {"sslkey", t.SSLKey}} {
		if p.value != "" {
			out = append(out, p)
		}
	}
	return out
}

// sslModes are libpq's values of sslmode.
var sslModes = []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}

// setParams takes the query of a database address: the TLS parameters are honoured by the
// checks and pg_restore alike; anything else is refused by name rather than dropped, so a
// setting the user relies on is never silently ignored.
func (t *Target) setParams(q url.Values) error {
	for name, vals := range q {
		v := vals[len(vals)-1]
		switch name {
		case "sslmode":
			if !slices.Contains(sslModes, v) {
				return fmt.Errorf("sslmode %q is not one of %s", v, strings.Join(sslModes, ", "))
			}
			t.SSLMode = v
		case "sslrootcert":
			t.SSLRootCert = v
		case "sslcert":
			t.SSLCert = v
		case "sslkey":
			t.SSLKey = v
		default:
			return fmt.Errorf("the setting %q is not supported (only sslmode, sslrootcert, sslcert and sslkey are)", name)
		}
	}
	return nil
}

// ParseTarget reads postgresql://USER@HOST:PORT/DBNAME (port 5432 when left out). A
// password in the URL is refused: it would end up in shell history and process lists.
func ParseTarget(s string) (Target, error) {
	bad := func(why string) (Target, error) {
		return Target{}, &Error{Reason: ErrTarget, Advice: fmt.Sprintf(
			"The database address %q %s. Write it as postgresql://USER@HOST:PORT/DBNAME, for example postgresql://postgres@localhost:5432/myapp.", redactURL(s), why)}
	}
	u, err := url.Parse(s)
	if err != nil {
		return bad("cannot be read")
	}
	if u.Scheme != "postgresql" && u.Scheme != "postgres" {
		return bad("does not start with postgresql://")
	}
	q := u.Query()
	if _, has := u.User.Password(); has || q.Has("password") || q.Has("sslpassword") {
		return Target{}, &Error{Reason: ErrTarget, Advice: "Leave the password out of the database address: Restore Desk asks for it once and keeps it in the system keyring (or reads PGPASSWORD in scripts)."}
	}
	t := Target{Host: u.Hostname(), Port: 5432, User: u.User.Username(), Database: strings.TrimPrefix(u.Path, "/")}
	if err := t.setParams(q); err != nil {
		return Target{}, &Error{Reason: ErrTarget, Advice: fmt.Sprintf(
			"The database address %q cannot be used as it is: %s. Leave the setting out, or restore with psql and pg_restore yourself.", redactURL(s), err)}
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return bad("has no valid port")
		}
		t.Port = n
	}
	switch {
	case t.Host == "":
		return bad("names no host")
	case t.User == "":
		return bad("names no user")
	case t.Database == "" || strings.Contains(t.Database, "/"):
		return bad("names no database")
	}
	return t, nil
}

// redactURL is a database address as it may be shown: without its password and query
// (where a password could hide under any name); one that does not parse shows only its
// scheme, since any part of it could be a password.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		scheme, _, _ := strings.Cut(s, "://")
		if len(scheme) > 12 || strings.ContainsAny(scheme, ":@/?#") {
			scheme = "postgresql"
		}
		return scheme + "://…"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	return u.String()
}

// conninfo is a libpq connection string for database db, without the password.
func (t Target) conninfo(db string) string {
	q := func(v string) string {
		return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
	}
	s := fmt.Sprintf("host=%s port=%d user=%s dbname=%s connect_timeout=15", q(t.Host), t.Port, q(t.User), q(db))
	for _, p := range t.params() {
		s += " " + p.name + "=" + q(p.value)
	}
	return s
}

// connect opens a connection to database db of the target's server.
func (t Target) connect(ctx context.Context, db string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(t.conninfo(db))
	if err != nil {
		return nil, &Error{Reason: ErrTarget, Advice: "The connection settings cannot be used: " + err.Error(), Err: err}
	}
	cfg.Password = t.login(db)
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, t.connectError(err, db)
	}
	return conn, nil
}

// connectError says in plain words why a connection failed.
func (t Target) connectError(err error, db string) error {
	server := net.JoinHostPort(t.Host, strconv.Itoa(t.Port))
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "28P01", "28000":
			return &Error{Reason: ErrPassword, Err: err, Advice: fmt.Sprintf(
				"PostgreSQL at %s refused the login of user %q: the password is wrong, or the user may not log in from here. Check the user and enter the password again.", server, t.User)}
		case "3D000":
			return &Error{Reason: ErrNoDatabase, Option: OptionCreate, Err: err, Advice: fmt.Sprintf(
				"There is no database %q on %s. Choose to create the database, or check the name.", db, server)}
		case "57P03":
			return &Error{Reason: ErrRefused, Err: err, Advice: fmt.Sprintf("PostgreSQL at %s is starting up or shutting down; try again in a moment.", server)}
		}
		return &Error{Reason: ErrRefused, Err: err, Advice: fmt.Sprintf("PostgreSQL at %s refused the connection: %s.", server, pgErr.Message)}
	}
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return &Error{Reason: ErrRefused, Err: err, Advice: fmt.Sprintf(
			"Nothing answers at %s: PostgreSQL is not running there, or listens on another port. Start PostgreSQL, or check the host and port.", server)}
	case errors.As(err, &dnsErr):
		return &Error{Reason: ErrRefused, Err: err, Advice: fmt.Sprintf("The host name %q is unknown. Check the host of the database address.", t.Host)}
	case isTimeout(err):
		return &Error{Reason: ErrRefused, Err: err, Advice: fmt.Sprintf(
			"PostgreSQL at %s did not answer in time. Check that the host and port are right and that no firewall is in the way.", server)}
	}
	return &Error{Reason: ErrRefused, Err: err, Advice: fmt.Sprintf("Cannot connect to PostgreSQL at %s (%v).", server, errors.Unwrap(err))}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// tableCountSQL counts the tables, views and sequences outside the system schemas: a
// database with none is empty enough to restore into.
const tableCountSQL = `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r','p','v','m','S','f') AND n.nspname NOT IN ('pg_catalog','information_schema')
AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'`

// dbState is what the plan found on the server.
type dbState struct {
	exists    bool
	objects   int64 // tables, views and sequences in it
	server    string
	canCreate bool      // the user may create databases
	others    []session // other connections to the database
	freeConns int64     // connections the server can still take from this user
}

// freeConnsSQL is how many more connections an ordinary user may open now.
const freeConnsSQL = `SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
 - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')`

// readFreeConns fills st.freeConns; unknown counts as one, so no parallel jobs are used.
func (st *dbState) readFreeConns(ctx context.Context, conn *pgx.Conn) {
	if err := conn.QueryRow(ctx, freeConnsSQL).Scan(&st.freeConns); err != nil {
		st.freeConns = 1
	}
}

// probe checks that the server answers, that the credentials work, and whether the target
// database exists and what it holds. It changes nothing.
func (t Target) probe(ctx context.Context) (dbState, error) {
	conn, err := t.connect(ctx, t.Database)
	if errors.Is(err, ErrNoDatabase) {
		// The credentials are proved on the maintenance database instead.
		conn, err = t.connect(ctx, "postgres")
		if errors.Is(err, ErrNoDatabase) {
			conn, err = t.connect(ctx, "template1")
		}
		if err != nil {
			return dbState{}, err
		}
		defer conn.Close(context.Background())
		st := dbState{server: conn.PgConn().ParameterStatus("server_version")}
		if err := conn.QueryRow(ctx, "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user").Scan(&st.canCreate); err != nil {
			st.canCreate = true // let CREATE DATABASE itself say
		}
		st.readFreeConns(ctx, conn)
		return st, nil
	}
	if err != nil {
		return dbState{}, err
	}
	defer conn.Close(context.Background())
	st := dbState{exists: true, server: conn.PgConn().ParameterStatus("server_version")}
	if err := conn.QueryRow(ctx, tableCountSQL).Scan(&st.objects); err != nil {
		return st, &Error{Reason: ErrPermission, Err: err, Advice: fmt.Sprintf("Cannot look into database %q: %v.", t.Database, err)}
	}
	if st.others, err = otherSessions(ctx, conn, t.Database); err != nil {
		return st, &Error{Reason: ErrPermission, Err: err, Advice: fmt.Sprintf("Cannot see who else uses database %q: %v.", t.Database, err)}
	}
	st.readFreeConns(ctx, conn)
	return st, nil
}

// createDatabase makes the (empty) target database, owned by the user, on conn, a
// connection to the server's maintenance database (the claim's).
func (t Target) createDatabase(ctx context.Context, conn *pgx.Conn) error {
	_, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{t.Database}.Sanitize()+" TEMPLATE template0 ENCODING 'UTF8'")
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42501" {
		return &Error{Reason: ErrPermission, Err: err, Advice: fmt.Sprintf(
			"User %q may not create databases. Create database %q yourself (or as a superuser) and restore into it, or give the user the CREATEDB right.", t.User, t.Database)}
	}
	if err != nil {
		return &Error{Reason: ErrRestoreFailed, Err: err, Advice: fmt.Sprintf("Creating database %q failed: %v.", t.Database, err)}
	}
	return nil
}
