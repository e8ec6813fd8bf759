package localcloud

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// ArchiveFaults make archives behave as a real cloud's can: slow to prepare, rate
// limited while a client waits, in a state clients do not know. Reads of an archive are
// counted per archive, from the moment the faults were set.
type ArchiveFaults struct {
	// Polls: each archive is reported as not ready (queued, then running) for its first
	// Polls reads, whatever its job has done: Mendix calls archive creation a very
	// long-running task.
	Polls int
	// RateLimitAt answers an archive's RateLimitAt-th read (1-based) with 429 and
	// Retry-After: RetryAfter (rounded up to whole seconds; zero means 1 s).
	RateLimitAt int
	RetryAfter  time.Duration
	// State, when set, is the state the not-ready reads report (one clients may not know).
	State string
}

// archiveRead applies the archive faults to a read of a: true when it answered itself.
func (c *Cloud) archiveRead(w http.ResponseWriter, a *archiveRow) bool {
	p := &c.faults
	p.mu.Lock()
	f := p.f.Archives
	if p.archiveReads == nil {
		p.archiveReads = map[string]int{}
	}
	p.archiveReads[a.ID]++
	n := p.archiveReads[a.ID]
	p.mu.Unlock()
	if n == f.RateLimitAt {
		secs := max(int((f.RetryAfter+time.Second-1)/time.Second), 1)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeError(w, newAPIError(http.StatusTooManyRequests, codeTooManyRequests,
			fmt.Sprintf("Too many requests (injected fault): try again in %d s.", secs)))
		return true
	}
	if n <= f.Polls {
		a.State, a.StatusMessage = stateQueued, ""
		if n > f.Polls/2 {
			a.State, a.StatusMessage = stateRunning, msgArchiveRunning
		}
		if f.State != "" {
			a.State = f.State
		}
	}
	return false
}
