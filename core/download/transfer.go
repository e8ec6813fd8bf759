package download

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"restoredesk/core/localfs"
	"restoredesk/core/progress"
)

// transfer is one Fetch.
type transfer struct {
	f      *Fetcher
	req    Request
	link   *url.URL
	where  string
	client *http.Client
	log    *slog.Logger
	cnt    Counter

	name  string // final file name, "" until the first answer gives one
	part  *os.File
	pipe  *hashPipe
	val   validator
	total int64 // -1 while unknown
	// offset is the bytes of the .part that belong to the download. While part is nil it
	// is a .part of an earlier run, not yet hashed, to be continued if the host agrees.
	offset     int64
	counted    int64 // bytes reported to cnt
	flushed    int64 // bytes handed to the disk's writeback
	adopted    bool  // an earlier .part was considered (once per Fetch)
	resumed    int64
	reconnects int
}

// transient marks an attempt's failure as worth another attempt.
type transient struct{ err error }

func (e transient) Error() string { return e.err.Error() }
func (e transient) Unwrap() error { return e.err }

var errAgain = errors.New("ask again")

func (t *transfer) final() string { return filepath.Join(t.req.Dir, t.name) }

// adopt considers a .part an earlier run left under the final name.
func (t *transfer) adopt() {
	t.adopted = true
	if v, size, ok := loadResume(t.final()); ok {
		if size == v.Size {
			// Complete but never renamed (the program ended in between): ask for the last
			// byte again, so the host still confirms that it is the same object.
			size--
		}
		t.val, t.offset = v, size
		t.log.Debug("download: earlier part found", "file", t.name, "bytes", size)
	}
}

func (t *transfer) run(ctx context.Context) (*Result, error) {
	retries, delay := t.f.Retries, t.f.RetryDelay
	if retries <= 0 {
		retries = defaultRetries
	}
	if delay <= 0 {
		delay = defaultRetryDelay
	}
	failures, agains := 0, 0
	for {
		progressed, err := t.attempt(ctx)
		if err == nil {
			return t.finish()
		}
		if ctx.Err() != nil {
			return nil, t.cancelled(ctx.Err())
		}
		var tr transient
		if !errors.As(err, &tr) {
			return nil, err
		}
		switch {
		case errors.Is(err, errAgain):
			// Asking again at once is right after a refused continuation, but a host that
			// keeps answering what was not asked must not keep us busy.
			if agains++; agains > 3 {
				return nil, fmt.Errorf("download from %s: %w: it keeps sending parts nobody asked for", t.where, ErrBadResponse)
			}
		case progressed:
			failures = 0
		default:
			failures++
		}
		if failures > retries {
			return nil, fmt.Errorf("download from %s: gave up after %d attempts without progress: %w", t.where, failures, tr.err)
		}
		t.reconnects++
		t.log.Debug("download: reconnecting", "host", t.link.Host, "offset", t.offset, "reason", tr.err)
		if failures > 0 {
			wait := time.NewTimer(delay << min(failures-1, 6))
			select {
			case <-ctx.Done():
				wait.Stop()
				return nil, t.cancelled(ctx.Err())
			case <-wait.C:
			}
		}
	}
}

// attempt sends one request and writes what it brings. progressed says whether new bytes
// reached the .part.
func (t *transfer) attempt(ctx context.Context) (bool, error) {
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	// A fresh request carrying only what a storage host needs: nothing of the Mendix API.
	req, err := http.NewRequestWithContext(actx, http.MethodGet, t.link.String(), nil)
	if err != nil {
		return false, fmt.Errorf("%w: it is not a web address", ErrBadLink) // err would quote the link
	}
	req.Header.Set("User-Agent", userAgent)
	if t.offset > 0 && t.val.ifRange() == "" {
		t.forget() // without a validator a continuation could belong to another object
	}
	if t.offset > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", t.offset))
		req.Header.Set("If-Range", t.val.ifRange())
	}
	resp, err := t.client.Do(req)
	if errors.Is(err, errRedirect) {
		return false, fmt.Errorf("download from %s: %w", t.where, stripURL(t.link, err))
	}
	if err != nil {
		return false, transient{stripURL(t.link, err)}
	}
	defer resp.Body.Close()
	switch code := resp.StatusCode; {
	case code == http.StatusOK:
		total := resp.ContentLength
		v := validatorOf(resp, total)
		if t.name == "" {
			t.name = nameFromLink(t.link, resp.Header.Get("Content-Disposition"))
			if t.name == "" {
				t.name = safeName(t.req.Fallback)
			}
			if t.name == "" {
				return false, fmt.Errorf("%w: the link names no file and no fallback name was given", ErrBadResponse)
			}
			if !t.adopted {
				t.adopt()
				if t.offset > 0 && t.val.same(v) {
					return false, transient{errAgain} // ask for the rest only
				}
			}
		}
		if t.offset > 0 {
			t.log.Debug("download: the host sent the whole object; starting over", "file", t.name)
		}
		if err := t.startOver(v, total); err != nil {
			return false, err
		}
	case code == http.StatusPartialContent:
		start, total, ok := contentRange(resp.Header.Get("Content-Range"))
		if !ok || start != t.offset || !t.val.same(validatorOf(resp, total)) {
			// Not the continuation asked for: never splice it on; ask for the whole object.
			t.log.Debug("download: unexpected partial answer; starting over", "file", t.name)
			t.forget()
			return false, transient{errAgain}
		}
		if err := t.continueAt(total); err != nil {
			return false, err
		}
	case code == http.StatusRequestedRangeNotSatisfiable:
		t.forget()
		return false, transient{fmt.Errorf("%s refused the range asked for (HTTP 416)", t.where)}
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return false, fmt.Errorf("download from %s: %w (HTTP %d)", t.where, ErrLinkRefused, code)
	case code == http.StatusNotFound || code == http.StatusGone:
		return false, fmt.Errorf("download from %s: %w (HTTP %d); request a new archive of the backup", t.where, ErrLinkGone, code)
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		return false, transient{fmt.Errorf("%s answered HTTP %d", t.where, code)}
	default:
		return false, fmt.Errorf("download from %s: %w: HTTP %d", t.where, ErrBadResponse, code)
	}
	return t.copyBody(ctx, actx, cancel, resp.Body)
}

// forget drops what was downloaded: the next request asks for the whole object.
func (t *transfer) forget() {
	t.offset, t.val = 0, validator{}
	if t.part != nil {
		_ = t.part.Close()
		t.part = nil
	}
}

// startOver writes the object from its first byte.
func (t *transfer) startOver(v validator, total int64) error {
	t.forget()
	if err := t.ready(total); err != nil {
		return err
	}
	p, err := t.openPart(os.O_CREATE)
	if err != nil {
		return err
	}
	if err := p.Truncate(0); err != nil {
		_ = p.Close()
		return t.fileError(err)
	}
	t.part, t.val, t.total = p, v, total
	if v.ifRange() != "" && total > 0 {
		if err := saveResume(t.final(), v); err != nil {
			return t.fileError(err)
		}
	} else {
		dropResume(t.final())
	}
	t.pipe.sum().Reset()
	t.req.Tee.setTotal(total)
	t.flushed = 0
	t.cnt.SetTotal(max(total, 0))
	t.cnt.Add(-t.counted)
	t.counted = 0
	return nil
}

// openPart opens the .part for reading and writing and locks it for this download.
func (t *transfer) openPart(flag int) (*os.File, error) {
	p, err := openRegular(partPath(t.final()), os.O_RDWR|flag)
	if errors.Is(err, ErrNotAFile) {
		return nil, err
	}
	if err != nil {
		return nil, t.fileError(err)
	}
	if err := localfs.Lock(p); err != nil {
		_ = p.Close()
		if errors.Is(err, localfs.ErrLocked) {
			return nil, fmt.Errorf("%w: %s in %s; wait for that download to finish, or choose another folder",
				ErrBusy, filepath.Base(partPath(t.final())), t.req.Dir)
		}
		return nil, t.fileError(err)
	}
	return p, nil
}

// continueAt appends to the .part. A .part of an earlier run is hashed first.
func (t *transfer) continueAt(total int64) error {
	t.total = total
	if t.part != nil {
		return nil // a reconnect within this run: the hash is up to date
	}
	if err := t.ready(total - t.offset); err != nil {
		return err
	}
	p, err := t.openPart(0)
	if err != nil {
		return err
	}
	h := t.pipe.sum()
	h.Reset()
	var w io.Writer = h
	if t.req.Tee != nil {
		// The tee gets what it has not had of the .part from the same read.
		w = io.MultiWriter(h, &teeFrom{t: t.req.Tee})
		t.req.Tee.setTotal(total)
	}
	if _, err := io.CopyN(w, p, t.offset); err != nil {
		_ = p.Close()
		return t.fileError(err)
	}
	if err := p.Truncate(t.offset); err != nil {
		_ = p.Close()
		return t.fileError(err)
	}
	t.part, t.resumed, t.flushed = p, t.offset, t.offset
	t.cnt.SetTotal(total)
	t.cnt.Add(t.offset - t.counted)
	t.counted = t.offset
	t.log.Debug("download: continuing an earlier part", "file", t.name, "offset", t.offset, "total", total)
	return nil
}

// copyBody streams the answer into the .part and the hash. A stall cancels the attempt
// (actx) without cancelling the download (ctx).
func (t *transfer) copyBody(ctx, actx context.Context, cancel context.CancelFunc, body io.Reader) (bool, error) {
	stallAfter := t.f.StallTimeout
	if stallAfter <= 0 {
		stallAfter = defaultStall
	}
	stall := time.AfterFunc(stallAfter, cancel)
	defer stall.Stop()
	body = &stallReader{r: body, stall: stall, after: stallAfter}
	progressed := false
	for {
		if t.total >= 0 && t.offset == t.total {
			return progressed, nil // complete: no need to wait for the end of the stream
		}
		buf := t.pipe.buffer()
		var n int
		var rerr error
		if t.total >= 0 {
			// Whole buffers: fewer writes and hand-overs than one per network read.
			n, rerr = io.ReadFull(body, buf[:min(int64(len(buf)), t.total-t.offset)])
			if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
				rerr = errShort
			}
		} else {
			n, rerr = body.Read(buf)
		}
		if n == 0 {
			t.pipe.giveBack(buf)
		} else {
			if err := t.roomFor(n); err != nil {
				t.pipe.giveBack(buf)
				return progressed, err
			}
			if _, err := t.part.Write(buf[:n]); err != nil {
				t.pipe.giveBack(buf)
				return progressed, t.fileError(err)
			}
			if t.req.Tee != nil {
				// Saved, then handed on before the buffer goes to the hash (and back to
				// be filled again). A busy reader holds the download: no stall meanwhile.
				stall.Stop()
				t.req.Tee.write(t.offset, buf[:n])
				stall.Reset(stallAfter)
			}
			t.pipe.submit(buf[:n])
			t.offset += int64(n)
			t.counted += int64(n)
			if t.offset-t.flushed >= writebackEvery {
				startWriteback(t.part, t.flushed, t.offset-t.flushed)
				t.flushed = t.offset
			}
			t.cnt.Add(int64(n))
			progressed = true
		}
		switch {
		case rerr == io.EOF && t.total < 0:
			return progressed, nil
		case rerr == errShort:
			return progressed, transient{fmt.Errorf("%s ended the answer early: %w", t.where, io.ErrUnexpectedEOF)}
		case rerr != nil && ctx.Err() == nil && actx.Err() != nil:
			return progressed, transient{fmt.Errorf("%s sent nothing for %v", t.where, stallAfter)}
		case rerr != nil:
			return progressed, transient{stripURL(t.link, rerr)}
		}
	}
}

var errShort = errors.New("the answer ended before its announced length")

// stallReader restarts the stall timer on every read that brings bytes.
type stallReader struct {
	r     io.Reader
	stall *time.Timer
	after time.Duration
}

func (s *stallReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 {
		s.stall.Reset(s.after)
	}
	return n, err
}

// finish syncs the .part and gives it its final name.
func (t *transfer) finish() (*Result, error) {
	if t.part == nil {
		return nil, fmt.Errorf("download from %s: %w: no content", t.where, ErrBadResponse)
	}
	if err := t.part.Sync(); err != nil {
		return nil, t.fileError(err)
	}
	if err := t.part.Close(); err != nil {
		t.part = nil
		return nil, t.fileError(err)
	}
	t.part = nil
	final := t.final()
	if err := checkTarget(final, t.req.Force); err != nil {
		return nil, fmt.Errorf("%w (it appeared during the download; the download is kept as %s)", err, filepath.Base(partPath(final)))
	}
	if err := os.Rename(partPath(final), final); err != nil {
		return nil, t.fileError(err)
	}
	dropResume(final)
	syncDir(t.req.Dir)
	sum := hex.EncodeToString(t.pipe.sum().Sum(nil))
	t.log.Debug("download: saved", "file", final, "bytes", t.offset, "resumed", t.resumed, "reconnects", t.reconnects)
	return &Result{Path: final, Size: t.offset, SHA256: sum, Resumed: t.resumed, Reconnects: t.reconnects}, nil
}

func (t *transfer) closePart() {
	if t.part != nil {
		_ = t.part.Close()
		t.part = nil
	}
}

func (t *transfer) cancelled(err error) error {
	t.closePart()
	if t.name != "" && t.offset > 0 && t.resumable() {
		return fmt.Errorf("download cancelled; %s keeps the %s downloaded so far and the next download of this backup continues from it: %w",
			filepath.Base(partPath(t.final())), progress.Size(t.offset), err)
	}
	return fmt.Errorf("download cancelled: %w", err)
}

// syncDir makes the rename durable where the system allows syncing a folder.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
