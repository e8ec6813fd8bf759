package pgtest

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// MendixDatabase creates database db owned by User with one small table per name, as a
// Mendix app keeps its entities (module$entity, in public), each with a row.
func (c *Cluster) MendixDatabase(tb testing.TB, db string, tables ...string) {
	tb.Helper()
	c.CreateDatabase(tb, db)
	var sql strings.Builder
	sql.WriteString("SET ROLE " + User + ";") // the tables are User's, so User can dump them
	for _, t := range tables {
		name := pgx.Identifier{"public", t}.Sanitize()
		fmt.Fprintf(&sql, "CREATE TABLE %s (id bigint PRIMARY KEY, createddate timestamp, name text); INSERT INTO %s VALUES (1, now(), 'one');", name, name)
	}
	c.Exec(tb, db, sql.String())
}

// Dump writes database db with pg_dump -Fc (and -O -x, as Mendix asks of an upload) to
// file in a temporary folder of tb and returns its path.
func (c *Cluster) Dump(tb testing.TB, db, file string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), file)
	if out, err := c.Command("pg_dump", "-Fc", "-O", "-x", "-f", path, db).CombinedOutput(); err != nil {
		tb.Fatalf("pg_dump %s: %v\n%s", db, err, out)
	}
	return path
}
