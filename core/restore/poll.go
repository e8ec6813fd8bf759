package restore

import (
	"context"
	"errors"
	"io"
	"net"
	"restoredesk/core/cloud"
	"strings"
	"syscall"
	"time"
)

// transient reports whether a failed read is worth asking again: rate limits, server
// trouble, a broken connection. Answers that carry a verdict (404, 403, a start failure
// code) are not.
func transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ae *cloud.APIError
	if errors.As(err, &ae) {
		switch {
		case ae.StatusCode == 429 || ae.StatusCode == 502 || ae.StatusCode == 503 || ae.StatusCode == 504:
			return true
		case ae.StatusCode >= 500:
			switch strings.ToUpper(ae.Code) {
			case "", "SERVICE_UNAVAILABLE", "INTERNAL_SERVER_ERROR", "SNAPSHOT_LISTING_FAILED":
				return true
			}
		}
		return false
	}
	if errors.Is(err, cloud.ErrAmbiguous) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, cloud.ErrUnavailable) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED)
}

// notActed reports whether an answer says the cloud did not carry the request out: rate
// limited (429) or unavailable (503, 500 SERVICE_UNAVAILABLE). Such a state-changing call
// may be sent again; an ambiguous one may not.
func notActed(err error) bool {
	return !errors.Is(err, cloud.ErrAmbiguous) && (errors.Is(err, cloud.ErrRateLimited) || errors.Is(err, cloud.ErrUnavailable))
}

// maxTransient is how many failed polls in a row a wait tolerates before giving up.
const maxTransient = 8

// poller paces a wait: the interval grows from poll to maxPoll while the job runs.
type poller struct {
	next, max time.Duration
	failures  int
}

func (r *runner) newPoller() *poller { return &poller{next: r.e.poll, max: r.e.maxPoll} }

func (p *poller) wait(ctx context.Context) error {
	d := p.next
	p.next = min(p.max, p.next*3/2+1)
	return cloud.Sleep(ctx, d)
}

// failed counts a failed poll; it returns err when it is not transient or too many came
// in a row.
func (p *poller) failed(err error) error {
	if !transient(err) {
		return err
	}
	p.failures++
	if p.failures > maxTransient {
		return err
	}
	return nil
}

func (p *poller) ok() { p.failures = 0 }

// pollSpec says how poll follows something in the cloud until it is where it should be.
type pollSpec[T any] struct {
	// get asks once.
	get func(ctx context.Context) (T, error)
	// seen judges an answer: done ends the poll with it; a non-nil err ends it failed.
	// Nil: the first answer ends the poll.
	seen func(v T) (done bool, err error)
	// tolerate says whether a failed ask is expected for now (a backup that does not
	// exist yet) and should neither count nor end the poll. May be nil.
	tolerate func(err error) bool
	// limit bounds the poll (0: no bound); timeout is its error then, given the last answer.
	limit   time.Duration
	timeout func(last T) error
}

// poll is the one loop that follows a job or status in the cloud: it asks, judges the
// answer, and waits a growing interval in between. Failed asks are retried while they are
// transient (at most maxTransient in a row); ctx ending ends the poll with ctx's error.
// The last answer seen is returned along with any error.
func poll[T any](ctx context.Context, r *runner, s pollSpec[T]) (T, error) {
	pl := r.newPoller()
	deadline := r.e.now().Add(s.limit)
	var last T
	for {
		v, err := s.get(ctx)
		switch {
		case err == nil:
			pl.ok()
			last = v
			if s.seen == nil {
				return v, nil
			}
			if done, serr := s.seen(v); serr != nil || done {
				return v, serr
			}
		case s.tolerate != nil && s.tolerate(err):
		default:
			if ferr := pl.failed(err); ferr != nil {
				return last, ferr
			}
		}
		if s.limit > 0 && r.e.now().After(deadline) {
			return last, s.timeout(last)
		}
		if werr := pl.wait(ctx); werr != nil {
			return last, werr
		}
	}
}
