package restore_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"restoredesk/core/journal"
	"restoredesk/core/localdb/pgtest"
	"restoredesk/core/restore"
)

// dumpWithEventTrigger dumps a database whose rows any user can restore but whose event
// trigger only a superuser can create, as an app's dump with an extension or a trigger
// the local user may not make.
func dumpWithEventTrigger(t *testing.T, c *pgtest.Cluster) string {
	t.Helper()
	c.CreateDatabase(t, "withtrigger")
	c.Exec(t, "withtrigger", `SET ROLE `+pgtest.User+`;
CREATE TABLE "shop$item" (id int PRIMARY KEY, name text);
INSERT INTO "shop$item" SELECT i, 'item ' || i FROM generate_series(1, 250) AS i;
RESET ROLE;
CREATE FUNCTION audit() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN END$$;
CREATE EVENT TRIGGER audit_ddl ON ddl_command_start EXECUTE FUNCTION audit();`)
	path := filepath.Join(t.TempDir(), "withtrigger.backup")
	if out, err := c.Command("pg_dump", "-Fc", "-f", path, "withtrigger").CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	return path
}

// Every row arrived but pg_restore could not create an item: the run is no success
// (failed, with a reason callers can tell apart), names what is missing, and History
// keeps that.
func TestRunLocalWithPgRestoreErrorsIsNotASuccess(t *testing.T) {
	c := pgtest.Start(t)
	e, j := localEngine(t)
	ctx := context.Background()
	p, err := e.PlanLocal(ctx, restore.LocalRequest{File: dumpWithEventTrigger(t, c), Target: localTarget(c, "lost"), Create: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.RunLocal(ctx, p, nil)
	if !errors.Is(err, restore.ErrRestoredWithErrors) || res == nil || res.Status != journal.StatusFailed {
		t.Fatalf("got %v, %+v; want failed with ErrRestoredWithErrors", err, res)
	}
	if !res.Check.Complete || res.Check.DBRows != 250 {
		t.Fatalf("rows: %+v", res.Check)
	}
	for _, want := range []string{"All 250 rows arrived", "EVENT TRIGGER audit_ddl", "lacks it", "superuser"} {
		if !strings.Contains(res.Message, want) {
			t.Errorf("message %q lacks %q", res.Message, want)
		}
	}
	run, err := j.Get(ctx, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != journal.StatusFailed || !strings.Contains(run.Error, "EVENT TRIGGER audit_ddl") {
		t.Fatalf("journal: status %s, error %q", run.Status, run.Error)
	}
}
