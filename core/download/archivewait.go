package download

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"restoredesk/core/cloud"
)

// Mendix calls preparing an archive a very long-running task: a backup with many files
// takes hours. The wait is patient the way the restore wait is: a growing interval with
// a cap, passing failures tolerated up to a bound, a Retry-After honoured by waiting (and
// said), and never a second archive because the cloud was busy.

const (
	// maxWaitFailures is how many failed archive requests in a row a wait tolerates.
	maxWaitFailures = 8
	// maxUnknownPolls is how many answers in a row in a state this program does not know
	// a wait takes before it stops and says so.
	maxUnknownPolls = 20
	// maxRetryAfter bounds one wait a Retry-After asks for.
	maxRetryAfter = 2 * time.Hour
)

// archiveWait paces one archive wait.
type archiveWait struct {
	r        *Runner
	h        Hooks
	next     time.Duration
	cap      time.Duration
	failures int
}

func (r *Runner) newWait(h Hooks) *archiveWait {
	every := r.PollEvery
	if every <= 0 {
		every = 2 * time.Second
	}
	limit := r.MaxPoll
	if limit <= 0 {
		limit = 15 * every
	}
	return &archiveWait{r: r, h: h, next: every, cap: max(limit, every)}
}

func (w *archiveWait) sleep(ctx context.Context, d time.Duration) error {
	if w.r.Sleep != nil {
		return w.r.Sleep(ctx, d)
	}
	return cloud.Sleep(ctx, d)
}

// poll waits the next interval of the growing series.
func (w *archiveWait) poll(ctx context.Context) error {
	d := w.next
	w.next = min(w.cap, w.next*3/2+1)
	return w.sleep(ctx, d)
}

// failed decides on a failed request: nil after waiting (as long as the answer asked, or
// the next interval), else the error that ends the wait. what names the request.
func (w *archiveWait) failed(ctx context.Context, what string, err error) error {
	if !passing(err) {
		return err
	}
	if w.failures++; w.failures > maxWaitFailures {
		return fmt.Errorf("%s failed %d times in a row: %w", what, w.failures, err)
	}
	if d, ok := retryAfter(err); ok {
		w.h.note(fmt.Sprintf("Mendix Cloud asked to wait %s before asking again (%s); waiting.", aboutHowLong(d), what))
		return w.sleep(ctx, d)
	}
	return w.poll(ctx)
}

func (w *archiveWait) ok() { w.failures = 0 }

// passing reports whether a failed request may succeed when asked again: rate limited,
// server trouble, a broken connection. An answer with a verdict (404, 403) is not.
func passing(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ae *cloud.APIError
	if errors.As(err, &ae) {
		return ae.StatusCode == http.StatusTooManyRequests || ae.StatusCode >= 500
	}
	var ne net.Error
	return errors.Is(err, cloud.ErrAmbiguous) || errors.As(err, &ne) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED)
}

// aboutHowLong says a wait in words: "45 seconds", "3 minutes", "1.5 hours".
func aboutHowLong(d time.Duration) string {
	switch {
	case d < 90*time.Second:
		return fmt.Sprintf("%d seconds", int(d.Round(time.Second)/time.Second))
	case d < 90*time.Minute:
		return fmt.Sprintf("%d minutes", int(d.Round(time.Minute)/time.Minute))
	}
	return fmt.Sprintf("%.1f hours", d.Hours())
}

// retryAfter is the wait an answer's Retry-After asks for (seconds or an HTTP date).
func retryAfter(err error) (time.Duration, bool) {
	var ae *cloud.APIError
	if !errors.As(err, &ae) || ae.RetryAfter == "" {
		return 0, false
	}
	if secs, perr := strconv.ParseInt(strings.TrimSpace(ae.RetryAfter), 10, 64); perr == nil && secs >= 0 {
		return min(time.Duration(min(secs, int64(maxRetryAfter/time.Second)))*time.Second, maxRetryAfter), true
	}
	if t, perr := http.ParseTime(ae.RetryAfter); perr == nil {
		return min(max(time.Until(t), 0), maxRetryAfter), true
	}
	return 0, false
}

// Archive requests an archive of the plan's backup and waits until its link is ready,
// reporting its state changes to h.Job and what the wait does to h.Note. The archive is
// requested again only when the cloud said it did not act (rate limited, unavailable);
// failed reads of it are asked again, never answered with a second archive.
func (r *Runner) Archive(ctx context.Context, p *Plan, h Hooks) (*cloud.Archive, error) {
	t := p.Target
	w := r.newWait(h)
	var a *cloud.Archive
	for {
		var err error
		a, err = r.Cloud.CreateArchive(ctx, t.ProjectID, t.EnvironmentID, p.Snapshot.SnapshotID, p.DataType)
		if err == nil {
			break
		}
		// Asked again only when certainly not made: a request whose outcome is unknown could
		// leave a second archive.
		notMade := !errors.Is(err, cloud.ErrAmbiguous) && (errors.Is(err, cloud.ErrRateLimited) || errors.Is(err, cloud.ErrUnavailable))
		if !notMade {
			return nil, err
		}
		if werr := w.failed(ctx, "requesting the archive", err); werr != nil {
			return nil, werr
		}
	}
	w.ok()
	var seenState cloud.JobState
	seenMsg := "\x00"
	unknown := 0
	for {
		if a.State != seenState || a.StatusMessage != seenMsg {
			seenState, seenMsg = a.State, a.StatusMessage
			if h.Job != nil {
				h.Job(a.State, a.StatusMessage)
			}
			h.stage(StageArchive, archiveStatus(a))
			if !a.State.Known() {
				h.note(fmt.Sprintf("Mendix Cloud reports the archive as %q, a state Restore Desk does not know; it keeps asking for a while.", string(a.State)))
			}
		}
		switch {
		case a.State == cloud.StateCompleted && a.URL != "":
			return a, nil
		case a.State == cloud.StateFailed:
			return nil, fmt.Errorf("%w: archive %s of backup %s failed: %s; try again later", ErrArchiveFailed,
				a.ArchiveID, p.Snapshot.SnapshotID, orDefault(a.StatusMessage, "no reason given"))
		case !a.State.Known():
			if unknown++; unknown >= maxUnknownPolls {
				return nil, fmt.Errorf("%w: archive %s of backup %s stayed in the state %q, which Restore Desk does not know, for %d checks; try again later, and ask Mendix Support if it happens again",
					ErrArchiveFailed, a.ArchiveID, p.Snapshot.SnapshotID, string(a.State), unknown)
			}
		default:
			unknown = 0
		}
		if err := w.poll(ctx); err != nil {
			return nil, fmt.Errorf("wait for archive %s: %w", a.ArchiveID, err)
		}
		for {
			next, err := r.Cloud.GetArchive(ctx, t.ProjectID, t.EnvironmentID, p.Snapshot.SnapshotID, a.ArchiveID)
			if err == nil {
				a = next
				w.ok()
				break
			}
			if werr := w.failed(ctx, "asking about the archive", err); werr != nil {
				return nil, fmt.Errorf("wait for archive %s: %w", a.ArchiveID, werr)
			}
		}
	}
}
