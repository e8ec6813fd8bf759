package cloud

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"
)

// Retry rules (one loop for every call, JSON or upload, so the rules cannot drift):
//
//   - Reads (GET, HEAD) are retried on transport errors, 5xx, 423 and 429, with exponential
//     backoff and full jitter, except a 5xx whose error code states a fact that asking
//     again cannot change (a start job's DB_SYNC_FAILED, START_FAILED, ...): see deterministic.
//   - 429 and 503 are retried for every method, since the server did not act; both honour
//     Retry-After (seconds or an HTTP date). A Retry-After beyond the cap is not waited
//     for: the error is returned at once with APIError.RetryAfter set.
//   - State-changing calls (POST, PUT, DELETE) are never repeated blindly. A failure before
//     a connection was obtained (DNS, dial refused, TLS handshake) is retried: nothing was
//     sent. A failure after that, a 502/504 from a gateway, or a cancelled context after
//     the request went out, is returned as *AmbiguousError: the caller must look at the
//     state instead of doing it twice. Other answers (400, 500, ...) are returned as they are.
//   - Every wait ends when ctx ends.
type retryPolicy struct {
	retries       int
	base, max     time.Duration
	maxRetryAfter time.Duration
}

// backoff is the wait before retry number attempt+1: uniform in [0, min(max, base·2^attempt)].
func (p retryPolicy) backoff(attempt int) time.Duration {
	d := p.max
	if attempt < 30 {
		if exp := p.base << attempt; exp > 0 && exp < p.max {
			d = exp
		}
	}
	if d <= 0 {
		return 0
	}
	return rand.N(d + 1)
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64((365 * 24 * time.Hour).Seconds()) {
			secs = int64((365 * 24 * time.Hour).Seconds())
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// Sleep waits d or until ctx ends, whichever comes first; it returns ctx's error when
// ctx ended first. Every wait between attempts or polls in core goes through it.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// attemptResult is the outcome of one HTTP exchange.
type attemptResult struct {
	status  int // 0 when no answer arrived
	header  http.Header
	body    []byte
	err     error // transport error (no complete answer)
	reached bool  // the request may have reached the server
}

func isIdempotent(method string) bool {
	return method == http.MethodGet || method == http.MethodHead
}

// withRetries runs attempt until it succeeds (2xx) or the rules above say stop.
func (c *Client) withRetries(ctx context.Context, op, method, path string, attempt func(context.Context) attemptResult) (attemptResult, error) {
	idempotent := isIdempotent(method)
	for n := 0; ; n++ {
		if err := ctx.Err(); err != nil {
			return attemptResult{}, fmt.Errorf("%s: %w", op, err)
		}
		start := time.Now()
		r := attempt(ctx)
		c.log.DebugContext(ctx, "cloud request", "method", method, "path", path,
			"status", r.status, "duration", time.Since(start))

		var (
			lastErr error
			wait    time.Duration
		)
		switch {
		case r.err != nil:
			terr := fmt.Errorf("%s: %w", op, c.cleanTransportError(r.err))
			if !idempotent && (r.reached || !beforeSending(r.err)) {
				return r, &AmbiguousError{Op: op, Err: c.cleanTransportError(r.err)}
			}
			if ctx.Err() != nil || errors.Is(r.err, resty.ErrResponseBodyTooLarge) {
				return r, terr
			}
			lastErr, wait = terr, c.retry.backoff(n)
		case r.status >= 200 && r.status < 300:
			return r, nil
		default:
			apiErr := c.newAPIError(method, path, r.status, r.header, r.body)
			lastErr = fmt.Errorf("%s: %w", op, apiErr)
			switch {
			case r.status == http.StatusTooManyRequests || r.status == http.StatusServiceUnavailable:
				if ra, ok := parseRetryAfter(apiErr.RetryAfter, time.Now()); ok {
					if ra > c.retry.maxRetryAfter {
						return r, lastErr
					}
					wait = ra
				} else {
					wait = c.retry.backoff(n)
				}
			case !idempotent && (r.status == http.StatusBadGateway || r.status == http.StatusGatewayTimeout):
				// A gateway answered: the server behind it may have acted.
				return r, &AmbiguousError{Op: op, Err: apiErr}
			case idempotent && (r.status >= 500 || r.status == http.StatusLocked) && !deterministic(apiErr.Code):
				// 423: a tus server still holds the lock of a request that broke off.
				wait = c.retry.backoff(n)
			default:
				return r, lastErr
			}
		}
		if n >= c.retry.retries {
			return r, lastErr
		}
		if err := c.sleep(ctx, wait); err != nil {
			return r, fmt.Errorf("%s: %w (while waiting to retry after: %w)", op, err, lastErr)
		}
	}
}

// beforeSending reports whether a transport error certainly happened before any byte of
// the request left: name resolution, connecting or the TLS handshake failed. A request is
// taken as unsent only when this holds AND the GotConn trace never fired, so a transport
// that ignores httptrace cannot make a sent request look unsent.
func beforeSending(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return true
	}
	var recErr tls.RecordHeaderError
	if errors.As(err, &recErr) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	return false
}

// cleanTransportError removes the key from a transport error's text, should anything in
// the stack have put it there; errors.Is/As still reach the original.
func (c *Client) cleanTransportError(err error) error {
	if err == nil {
		return nil
	}
	if msg := err.Error(); c.redact(msg) != msg {
		return &redactedError{msg: c.redact(msg), err: err}
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// transientCodes are the error codes of a 5xx that may pass: Mendix documents them as
// "try again" conditions (cloud-api.md §1.4). A 5xx without a code (a proxy, a crash) is
// transient too.
var transientCodes = map[string]bool{
	"":                        true,
	"SERVICE_UNAVAILABLE":     true,
	"INTERNAL_SERVER_ERROR":   true, // also answered while a snapshot is still being made
	"SNAPSHOT_LISTING_FAILED": true,
	"ALREADY_LOCKED":          true,
}

// deterministic reports whether a 5xx answer's code is a verdict rather than a passing
// failure: a start job that reports DB_SYNC_FAILED, MISSING_CONSTANT or START_FAILED
// reports the same on every read, so retrying only delays telling the user.
func deterministic(code string) bool {
	return !transientCodes[strings.ToUpper(strings.TrimSpace(code))]
}
