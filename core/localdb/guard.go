package localdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"restoredesk/core/wording"
)

// Guards that keep a replacing restore from waiting for ever or colliding with another.

// ErrInUse: other sessions are connected to the database, or another restore into it runs.
var ErrInUse = errors.New("database in use")

// lockTimeout is how long pg_restore may wait behind another session's lock before the
// restore stops and says who holds it. (A dump's own preamble sets lock_timeout = 0, so
// the server cannot be asked to bound the wait: a watcher does.)
var lockTimeout = 20 * time.Second

// errLockHeld stops pg_restore when it waited lockTimeout behind another session.
var errLockHeld = errors.New("another session holds a lock on the database")

// lockHeldError says that the restore stopped behind another session's lock, and what the
// database holds now.
func (p *Plan) lockHeldError(res *Result, blockers []session) error {
	who := "Another connection"
	if len(blockers) > 0 {
		who = "Another connection (" + blockers[0].String() + ")"
	}
	res.Summary = fmt.Sprintf("%s held a table of database %q for over %s, so the restore stopped after %s items: the database now mixes the backup with what it held before.",
		who, p.Target.Database, lockTimeout, commas(res.Items))
	return &Error{Reason: ErrInUse, Option: OptionReplace, Err: errLockHeld, Advice: res.Summary +
		" Close the other connections to it (an app, psql or a database tool), then restore again, confirming replacing."}
}

// session is another connection to the target database, as pg_stat_activity shows it.
type session struct {
	user, app, state string
	since            time.Time
}

func (s session) String() string {
	who := fmt.Sprintf("user %q", s.user)
	if s.app != "" {
		who += fmt.Sprintf(" with %q", s.app)
	}
	if !s.since.IsZero() {
		who += " since " + s.since.Local().Format("15:04")
	}
	return who
}

// otherSessions lists the connections to the target database other than conn's own.
func otherSessions(ctx context.Context, conn *pgx.Conn, db string) ([]session, error) {
	rows, err := conn.Query(ctx, `SELECT coalesce(usename, ''), coalesce(application_name, ''), coalesce(state, ''), backend_start
FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND usename IS NOT NULL
AND coalesce(backend_type, 'client backend') = 'client backend' ORDER BY backend_start`, db)
	if err != nil {
		return nil, err
	}
	var out []session
	for rows.Next() {
		var s session
		var since *time.Time
		if err := rows.Scan(&s.user, &s.app, &s.state, &since); err != nil {
			rows.Close()
			return nil, err
		}
		if since != nil {
			s.since = *since
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// inUseError says who holds the database and what to do.
func (t Target) inUseError(sessions []session) error {
	names := make([]string, 0, min(len(sessions), 3))
	for i, s := range sessions {
		if i == 3 {
			names = append(names, fmt.Sprintf("and %d more", len(sessions)-3))
			break
		}
		names = append(names, s.String())
	}
	return &Error{Reason: ErrInUse, Advice: fmt.Sprintf(
		"Database %q is in use by %d other %s (%s). Replacing its content would wait for them: close them (an app, psql or a database tool connected to it), then try again. Nothing was changed.",
		t.Database, len(sessions), wording.Plural(len(sessions), "connection", "connections"), strings.Join(names, ", "))}
}

// maintenance opens the server's maintenance database (postgres, else template1).
func (t Target) maintenance(ctx context.Context) (*pgx.Conn, error) {
	conn, err := t.connect(ctx, "postgres")
	if errors.Is(err, ErrNoDatabase) {
		conn, err = t.connect(ctx, "template1")
	}
	return conn, err
}

// claim holds the server-wide advisory lock that keeps two restores out of one database
// and, on the same connection, watches whether pg_restore waits behind another session.
type claim struct {
	conn *pgx.Conn
}

func (c *claim) release() { c.conn.Close(context.Background()) }

// watch checks every second whether the session named app waits for a lock another session
// holds; once it has waited lockTimeout, stop is called with who holds it. The watcher ends
// with ctx; wait for the returned function before release.
func (c *claim) watch(ctx context.Context, app string, stop func([]session)) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		var since time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			blockers, err := blockersOf(ctx, c.conn, app)
			switch {
			case err != nil || len(blockers) == 0:
				since = time.Time{}
			case since.IsZero():
				since = time.Now()
			case time.Since(since) >= lockTimeout:
				stop(blockers)
				return
			}
		}
	}()
	return func() { <-done }
}

// blockersOf lists the sessions that hold a lock a session named app waits for, other than
// the restore's own (pg_restore's jobs wait for each other, and for the early row count).
func blockersOf(ctx context.Context, conn *pgx.Conn, app string) ([]session, error) {
	rows, err := conn.Query(ctx, `SELECT coalesce(b.usename, ''), coalesce(b.application_name, ''), coalesce(b.state, ''), b.backend_start
FROM pg_stat_activity a CROSS JOIN LATERAL unnest(pg_blocking_pids(a.pid)) AS bp(pid)
JOIN pg_stat_activity b ON b.pid = bp.pid WHERE a.application_name = $1 AND b.application_name IS DISTINCT FROM $1`, app)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []session
	for rows.Next() {
		var s session
		var since *time.Time
		if err := rows.Scan(&s.user, &s.app, &s.state, &since); err != nil {
			return nil, err
		}
		if since != nil {
			s.since = *since
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// claim takes the server-wide advisory lock that keeps two local restores out of one
// database at once (two processes of Restore Desk, or the window and the command line).
// The lock lives as long as the claim's connection; release closes it.
func (t Target) claim(ctx context.Context) (*claim, error) {
	conn, err := t.maintenance(ctx)
	if err != nil {
		return nil, err
	}
	var got bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock(hashtext($1))", claimKey(t.Database)).Scan(&got); err != nil {
		conn.Close(context.Background())
		return nil, &Error{Reason: ErrPermission, Err: err, Advice: fmt.Sprintf("Cannot reserve database %q for the restore: %v.", t.Database, err)}
	}
	if !got {
		conn.Close(context.Background())
		return nil, &Error{Reason: ErrInUse, Advice: fmt.Sprintf(
			"Another restore into database %q on %s:%d is running. Wait until it has finished, then try again. Nothing was changed.", t.Database, t.Host, t.Port)}
	}
	return &claim{conn: conn}, nil
}

// claimKey is the advisory lock's name for a database: one per database name on a server.
func claimKey(db string) string { return "restoredesk local restore: " + db }
