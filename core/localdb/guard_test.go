package localdb

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"restoredesk/core/localdb/pgtest"
)

// Replacing a database that another connection uses is refused at the plan, naming who
// holds it, instead of pg_restore waiting silently for ever behind their locks.
func TestReplaceRefusedWhileAnotherConnectionUsesTheDatabase(t *testing.T) {
	c := startCluster(t)
	ctx := context.Background()
	opts := Options{Source: fixtureDump, Target: target(c, "busy"), Create: true}
	if _, err := restore(t, opts); err != nil {
		t.Fatal(err)
	}
	other := c.Admin(t, "busy") // another role: PostgreSQL shows its user, not its program
	opts.Replace = true
	_, err := MakePlan(ctx, opts)
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), `Database "busy" is in use by 1 other connection (user "`+pgtest.Super+`"`) ||
		!strings.Contains(err.Error(), "Nothing was changed") {
		t.Fatalf("replace while in use: %v", err)
	}
	other.Close(ctx)
	if _, err := restore(t, opts); err != nil {
		t.Fatalf("replace once the connection closed: %v", err)
	}
}

// Two local restores into one database at once: the second is refused with a reason and
// changes nothing, whichever process runs the first.
func TestSecondRestoreIntoOneDatabaseAtOnceIsRefused(t *testing.T) {
	c := startCluster(t)
	ctx := context.Background()
	p, err := MakePlan(ctx, Options{Source: fixtureDump, Target: target(c, "twice"), Create: true})
	if err != nil {
		t.Fatal(err)
	}
	first, err := p.Target.claim(ctx) // the first restore, as another process holds it
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Restore(ctx, nil)
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), `Another restore into database "twice"`) || res.CreatedDB {
		t.Fatalf("second restore: %v (created %v)", err, res.CreatedDB)
	}
	if dbs := c.Databases(t); len(dbs) != 0 {
		t.Fatalf("databases were created: %q", dbs)
	}
	first.release()
	if _, err := p.Run(ctx, nil); err != nil {
		t.Fatalf("after the first ended: %v", err)
	}
}

// A connection that takes a lock after the plan no longer makes pg_restore wait for ever:
// the restore ends and says the database was not fully replaced.
func TestLockTakenAfterThePlanEndsWithAPlainSummary(t *testing.T) {
	c := startCluster(t)
	ctx := context.Background()
	opts := Options{Source: fixtureDump, Target: target(c, "locked"), Create: true}
	if _, err := restore(t, opts); err != nil {
		t.Fatal(err)
	}
	opts.Replace = true
	p, err := MakePlan(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func(d time.Duration) { lockTimeout = d }(lockTimeout)
	lockTimeout = 2 * time.Second
	other := c.Admin(t, "locked")
	defer other.Close(ctx)
	tx, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `LOCK TABLE "myfirstmodule$order" IN ACCESS SHARE MODE`); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, 90*time.Second) // a wait for ever fails here
	defer cancel()
	res, err := p.Restore(rctx, nil)
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), `Another connection (user "`+pgtest.Super+`"`) ||
		!strings.Contains(err.Error(), "mixes the backup with what it held before") || OptionOf(err) != OptionReplace {
		t.Fatalf("restore behind a lock: %v (summary %q)\n%s", err, res.Summary, res.Stderr)
	}
}

// The address's TLS settings reach the checks and pg_restore; a setting Restore Desk does
// not pass on is refused by name instead of being dropped.
func TestDatabaseAddressSettingsAreHonouredOrRefused(t *testing.T) {
	got, err := ParseTarget("postgresql://dev@db.example:5432/app?sslmode=verify-full&sslrootcert=/etc/ssl/root.crt")
	if err != nil || got.SSLMode != "verify-full" || got.SSLRootCert != "/etc/ssl/root.crt" {
		t.Fatalf("%+v %v", got, err)
	}
	p := &Plan{Options: Options{Target: got}}
	args := strings.Join(p.pgRestoreArgs(""), " ")
	if !strings.Contains(args, "sslmode='verify-full'") || !strings.Contains(args, "sslrootcert='/etc/ssl/root.crt'") {
		t.Fatalf("pg_restore arguments lack the TLS settings: %s", args)
	}
	if s := got.String(); !strings.Contains(s, "sslmode=verify-full") {
		t.Fatalf("the target as shown drops its settings: %s", s)
	}
	for _, bad := range []string{"postgresql://dev@h/app?sslmode=sometimes", "postgresql://dev@h/app?target_session_attrs=read-write"} {
		if _, err := ParseTarget(bad); !errors.Is(err, ErrTarget) || !strings.Contains(err.Error(), "cannot be used as it is") {
			t.Errorf("%q: %v", bad, err)
		}
	}

	// Against the test cluster, which offers no TLS: sslmode=require is honoured by the
	// check (refused), sslmode=disable works.
	c := startCluster(t)
	ctx := context.Background()
	tg := target(c, "tls")
	tg.SSLMode = "require"
	if _, err := MakePlan(ctx, Options{Source: fixtureDump, Target: tg, Create: true}); err == nil {
		t.Fatal("sslmode=require was not honoured: the plan connected without TLS")
	}
	tg.SSLMode = "disable"
	if _, err := MakePlan(ctx, Options{Source: fixtureDump, Target: tg, Create: true}); err != nil {
		t.Fatalf("sslmode=disable: %v", err)
	}
}
