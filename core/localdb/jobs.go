package localdb

import "runtime"

// maxJobs bounds pg_restore's parallel jobs: beyond it the server's disk, not the
// processors, is what a restore waits for.
const maxJobs = 8

// machineJobs is how many parallel jobs this machine's processors take: one each. Not
// fewer on a busy machine: measured on two shared processors under a load of 15-20
// (BenchmarkRestoreLocalCommand/backup), two jobs still beat one pg_restore, since
// each job is one more runnable process taking its share.
func machineJobs() int { return runtime.NumCPU() }

// chooseJobs is how many parallel jobs pg_restore runs: one per processor, as far as the
// server has connections free (each job holds one; one more is kept for the row check),
// at most maxJobs.
func chooseJobs(cpus int, freeConns int64) int {
	return int(max(1, min(int64(cpus), freeConns-1, maxJobs)))
}
