package ui

import (
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"

	"restoredesk/core/localdb/pgtest"
)

// One real PostgreSQL cluster serves every test of the package that restores into a
// local database: starting one (initdb, then the server) costs more than the test itself.
// Each test restores into databases of its own names, so none sees another's.
var sharedPG struct {
	once     sync.Once
	cluster  *pgtest.Cluster
	cleanups []func() // run by TestMain once every test has ended
}

// packageTB is the test that starts the shared cluster, except that what the cluster
// keeps lives until the package's tests end (TestMain), not just that test.
type packageTB struct{ testing.TB }

func (packageTB) Cleanup(f func()) { sharedPG.cleanups = append(sharedPG.cleanups, f) }
func (packageTB) Logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

// sharedPostgres is the package's PostgreSQL cluster, started by the first test that
// asks; the test is skipped when the server programs are not installed.
func sharedPostgres(t *testing.T) *pgtest.Cluster {
	t.Helper()
	if pgtest.BinDir() == "" {
		t.Skip("PostgreSQL server programs (initdb, pg_ctl) are not installed: run `make deps`")
	}
	sharedPG.once.Do(func() { sharedPG.cluster = pgtest.Start(packageTB{t}) })
	if sharedPG.cluster == nil {
		t.Fatal("the shared PostgreSQL cluster did not start (see the first test that asked for it)")
	}
	return sharedPG.cluster
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range slices.Backward(sharedPG.cleanups) {
		f()
	}
	os.Exit(code)
}
