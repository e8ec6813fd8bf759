package restore_test

import (
	"context"
	"testing"

	"restoredesk/core/journal"
)

// listRuns reads the journal for an assertion; a failed read fails the test, so "nothing
// was recorded" is never concluded from a read that did not happen.
func listRuns(t testing.TB, j *journal.Journal, f journal.Filter) []journal.Run {
	t.Helper()
	runs, err := j.List(context.Background(), f)
	if err != nil {
		t.Fatalf("read the journal: %v", err)
	}
	return runs
}

// getRun reads one run of the journal for an assertion; a failed read or a missing run
// fails the test.
func getRun(t testing.TB, j *journal.Journal, id int64) *journal.Run {
	t.Helper()
	run, err := j.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("read run %d from the journal: %v", id, err)
	}
	if run == nil {
		t.Fatalf("run %d is not in the journal", id)
	}
	return run
}
