package localdb

import "testing"

// pg_restore gets a job per processor as far as the server has connections to spare
// (one kept for the row check), never more than maxJobs, and at least one.
func TestChooseJobsKeepsToProcessorsAndFreeConnections(t *testing.T) {
	for _, tc := range []struct {
		cpus int
		free int64
		want int
	}{
		{2, 97, 2}, {16, 97, maxJobs}, {8, 4, 3}, {8, 2, 1}, {4, 1, 1}, {4, 0, 1}, {1, 50, 1},
	} {
		if got := chooseJobs(tc.cpus, tc.free); got != tc.want {
			t.Errorf("%d processors, %d free connections: %d jobs, want %d", tc.cpus, tc.free, got, tc.want)
		}
	}
}
