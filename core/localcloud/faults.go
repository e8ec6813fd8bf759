package localcloud

import (
	"bufio"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// FaultKind is one kind of injected request failure.
type FaultKind string

// Injected request failures.
const (
	// FaultServerError answers 500 SERVICE_UNAVAILABLE without doing anything.
	FaultServerError FaultKind = "server_error"
	// FaultRateLimit answers 429 with a Retry-After header without doing anything.
	FaultRateLimit FaultKind = "rate_limit"
	// FaultDrop carries the request out and then closes the connection without an answer:
	// the client cannot know whether a state-changing call happened (the dangerous case).
	FaultDrop FaultKind = "drop"
	// FaultSlow waits SlowDelay before answering normally (with the header
	// X-Localcloud-Fault: slow, so tests need not time it).
	FaultSlow FaultKind = "slow"
)

// AllFaultKinds lists every request fault, the default of Faults.Kinds.
var AllFaultKinds = []FaultKind{FaultServerError, FaultRateLimit, FaultDrop, FaultSlow}

// Faults makes the cloud misbehave, deterministically: the n-th request (counted from the
// moment the faults were set) gets the same fate for the same Seed, so a failing test can be
// replayed. Only API requests (/api/...) are affected; archive downloads are not.
type Faults struct {
	Seed int64
	// Rate is the fraction (0..1) of requests that fail with one of Kinds.
	Rate float64
	// Kinds to choose from; empty means AllFaultKinds.
	Kinds []FaultKind
	// RetryAfter is the Retry-After of a 429 (rounded up to whole seconds); zero means 1 s.
	RetryAfter time.Duration
	// SlowDelay is how long a slow answer waits; zero means 2 s.
	SlowDelay time.Duration
	// RestoreFailRate is the fraction (0..1) of restore jobs that fail midway, after part of
	// the data was extracted; the environment is left unchanged.
	RestoreFailRate float64
	// RestoreNoRoom makes every restore fail as one does when the environment's database
	// has no room for the backup (a status message about space); the data are left as
	// they were.
	RestoreNoRoom bool
	// DownloadCutAt cuts archive downloads: the connection closes once the file's bytes up
	// to this fraction (0..1) were sent. DownloadCutAtByte gives the place as a byte
	// offset instead. DownloadCuts bounds how many downloads are cut (zero means one).
	DownloadCutAt     float64
	DownloadCutAtByte int64
	DownloadCuts      int
	// DownloadRate sends archive downloads at about this many bytes a second, as a slow
	// line would; zero sends them as fast as the connection goes.
	DownloadRate int64
	// Archives makes archives slow, rate limited or in unknown states.
	Archives ArchiveFaults
}

// faultPlan decides the fate of each request and restore job.
type faultPlan struct {
	mu       sync.Mutex
	f        Faults
	requests uint64
	restores uint64
	cuts     int
	// archiveReads counts the reads of each archive (ArchiveFaults).
	archiveReads map[string]int
}

func (p *faultPlan) set(f Faults) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.f = f
	p.requests = 0
	p.restores = 0
	p.cuts = 0
	p.archiveReads = nil
}

// nextDownloadCut returns the byte offset at which a download of a size-byte file is cut,
// or -1 for none. A cut is used up by the download that reaches it (downloadCut.fire).
func (p *faultPlan) nextDownloadCut(size int64) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	limit := max(p.f.DownloadCuts, 1)
	switch {
	case p.cuts >= limit:
		return -1
	case p.f.DownloadCutAtByte > 0:
		return p.f.DownloadCutAtByte
	case p.f.DownloadCutAt > 0 && p.f.DownloadCutAt < 1:
		return int64(float64(size) * p.f.DownloadCutAt)
	}
	return -1
}

// downloadRate is the pace of archive downloads in bytes a second, 0 for none.
func (p *faultPlan) downloadRate() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return max(p.f.DownloadRate, 0)
}

// cutDone records that one download was cut.
func (p *faultPlan) cutDone() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cuts++
}

// nextRequest returns the fault for the next request, or "" for none.
func (p *faultPlan) nextRequest() (FaultKind, Faults) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.requests
	p.requests++
	f := p.f
	if f.Rate <= 0 {
		return "", f
	}
	if unitFloat(mix(uint64(f.Seed), n, 1)) >= f.Rate {
		return "", f
	}
	kinds := f.Kinds
	if len(kinds) == 0 {
		kinds = AllFaultKinds
	}
	return kinds[mix(uint64(f.Seed), n, 2)%uint64(len(kinds))], f
}

// nextRestoreFails reports whether the next restore job must fail.
func (p *faultPlan) restoreNoRoom() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.f.RestoreNoRoom
}

func (p *faultPlan) nextRestoreFails() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.restores
	p.restores++
	if p.f.RestoreFailRate <= 0 {
		return false
	}
	return unitFloat(mix(uint64(p.f.Seed), n, 3)) < p.f.RestoreFailRate
}

// mix is SplitMix64 over (seed, n, stream): a cheap, well-spread deterministic hash.
func mix(seed, n, stream uint64) uint64 {
	z := seed ^ (n * 0x9E3779B97F4A7C15) ^ (stream * 0xD1B54A32D192ED03)
	z += 0x9E3779B97F4A7C15
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

func unitFloat(u uint64) float64 { return float64(u>>11) / float64(1<<53) }

// withFaults wraps next with the fault plan.
func (c *Cloud) withFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind, f := c.faults.nextRequest()
		switch kind {
		case FaultServerError:
			c.log.Debug("fault injected", "kind", kind, "method", r.Method, "path", r.URL.Path)
			writeError(w, newAPIError(http.StatusInternalServerError, codeServiceUnavailable,
				"The service is temporarily unavailable (injected fault). Try again in a moment."))
			return
		case FaultRateLimit:
			c.log.Debug("fault injected", "kind", kind, "method", r.Method, "path", r.URL.Path)
			secs := int((f.RetryAfter + time.Second - 1) / time.Second)
			if secs < 1 {
				secs = 1
			}
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			writeError(w, newAPIError(http.StatusTooManyRequests, codeTooManyRequests,
				"Too many requests (injected fault): try again in "+strconv.Itoa(secs)+" s."))
			return
		case FaultSlow:
			c.log.Debug("fault injected", "kind", kind, "method", r.Method, "path", r.URL.Path)
			d := f.SlowDelay
			if d <= 0 {
				d = 2 * time.Second
			}
			if !sleepCtx(r.Context(), d) {
				return
			}
			// Tests tell a slow answer by this header instead of by timing.
			w.Header().Set("X-Localcloud-Fault", string(FaultSlow))
			next.ServeHTTP(w, r)
			return
		case FaultDrop:
			c.log.Debug("fault injected", "kind", kind, "method", r.Method, "path", r.URL.Path)
			// Carry the request out (it may change state), then lose the answer.
			rec := &discardWriter{ResponseWriter: w, header: http.Header{}}
			next.ServeHTTP(rec, r)
			dropConnection(w)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// dropConnection closes the client's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
		return
	}
	// Not hijackable (HTTP/2, test recorders): make net/http abort the response.
	panic(http.ErrAbortHandler)
}

// discardWriter swallows a handler's answer so the connection can be dropped afterwards.
// Unwrap lets tusd reach the real connection for read deadlines.
type discardWriter struct {
	http.ResponseWriter
	header http.Header
}

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}
func (d *discardWriter) Flush()                      {}
func (d *discardWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }

// Hijack is refused: the answer of a dropped request must never reach the client.
func (d *discardWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return nil, nil, http.ErrNotSupported
}
