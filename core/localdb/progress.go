package localdb

// Counter names what a restore counts as it goes.
type Counter int

// Counters of a restore.
const (
	DumpBytes Counter = iota // dump bytes fed to pg_restore
	TOCItems                 // table-of-contents items pg_restore reported done (--verbose)
)

// Progress receives counts as the work is done, from the restore's goroutines; the shared
// progress pipeline paces and prints them. It must be safe for concurrent use.
type Progress interface {
	Add(c Counter, n int64)
}

type noProgress struct{}

func (noProgress) Add(Counter, int64) {}
