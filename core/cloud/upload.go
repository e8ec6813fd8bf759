package cloud

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The upload extension (not part of Mendix's public API; the embedded cloud serves it):
// tus 1.0 at /api/v2/apps/{ProjectId}/environments/{EnvironmentId}/uploads/. Contract with
// the server: the tus upload id (the last path segment of the Location answer) is the id of
// the snapshot the finished upload becomes.
//
// The byte stream goes over the *http.Client directly: resty would buffer the body.

const tusVersion = "1.0.0"

// errShortSource: src ended before size bytes; resuming cannot help.
var errShortSource = errors.New("the file is shorter than the upload's size; was it changed while uploading?")

// errStalled: a PATCH moved no byte for the request timeout; the connection is abandoned
// and the upload resumes from the server's offset.
var errStalled = errors.New("the connection stalled: no data moved")

// CreateUpload starts a tus upload at P/uploads/ (POST with Upload-Length and
// Upload-Metadata filename, sha256). ErrUploadsUnsupported when the server lacks the
// extension (404 or 405 without an app/environment error code, or an answer without
// Tus-Resumable): on the real Mendix Cloud, archives are uploaded through the Mendix Portal.
//
// Only the base name of meta.Filename is sent; meta.SHA256 (64 hex digits) is sent so the
// server can check what it received. Like every state-changing call, a broken connection
// after the request went out is returned as *AmbiguousError, never retried blindly.
func (c *Client) CreateUpload(ctx context.Context, projectID, envID string, meta UploadMeta) (*Upload, error) {
	op := fmt.Sprintf("create upload into environment %s", envID)
	if !c.UploadsSupported() {
		// Mendix's own cloud has no upload route: do not even ask it.
		return nil, fmt.Errorf("%s: %w; upload the archive through the Mendix Portal", op, ErrUploadsUnsupported)
	}
	name := meta.Filename
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if strings.TrimSpace(name) == "" {
		return nil, fmt.Errorf("%s: the file name is empty", op)
	}
	if meta.Size <= 0 {
		return nil, fmt.Errorf("%s: %s is empty (0 bytes); choose a backup file", op, name)
	}
	sum := strings.ToLower(strings.TrimSpace(meta.SHA256))
	if b, err := hex.DecodeString(sum); err != nil || len(b) != 32 {
		return nil, fmt.Errorf("%s: the SHA-256 of %s must be 64 hexadecimal digits", op, name)
	}
	p, err := c.v2Path(projectID, envID, "uploads")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	p += "/"
	target, err := url.Parse(c.absURL(p))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	h := http.Header{}
	h.Set("Upload-Length", formatInt(meta.Size))
	h.Set("Upload-Metadata", "filename "+base64.StdEncoding.EncodeToString([]byte(name))+
		",sha256 "+base64.StdEncoding.EncodeToString([]byte(sum)))

	res, err := c.withRetries(ctx, op, http.MethodPost, p, func(ctx context.Context) attemptResult {
		return c.tusAttempt(ctx, http.MethodPost, target.String(), h)
	})
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) && uploadsUnsupported(ae) {
			return nil, fmt.Errorf("%s: the server answered HTTP %d: %w; upload the archive through the Mendix Portal", op, ae.StatusCode, ErrUploadsUnsupported)
		}
		return nil, err
	}
	if res.header.Get("Tus-Resumable") == "" {
		return nil, fmt.Errorf("%s: the server's answer is not a tus upload: %w; upload the archive through the Mendix Portal", op, ErrUploadsUnsupported)
	}
	loc := strings.TrimSpace(res.header.Get("Location"))
	if loc == "" {
		return nil, fmt.Errorf("%s: the server's answer (HTTP %d) has no Location", op, res.status)
	}
	ref, err := url.Parse(loc)
	if err != nil {
		// url's error quotes the header, which may hold credentials: say only that it failed.
		return nil, fmt.Errorf("%s: the server sent a Location that is not a valid address (HTTP %d)", op, res.status)
	}
	u := target.ResolveReference(ref)
	if u.User != nil || !c.sameOrigin(u) {
		return nil, fmt.Errorf("%s: the server placed the upload on %s, not on %s; refusing to send the credentials there", op, u.Host, c.base.Host)
	}
	u.Fragment, u.RawFragment = "", ""
	id := strings.TrimSuffix(u.Path, "/")
	id = id[strings.LastIndex(id, "/")+1:]
	if id == "" {
		return nil, fmt.Errorf("%s: the server's Location %q names no upload", op, u.Path)
	}
	return &Upload{URL: u.String(), SnapshotID: id}, nil
}

// uploadsUnsupported: the route does not exist or does not take POST. A 404 that names a
// missing app or environment is a real not-found, not a missing extension.
func uploadsUnsupported(ae *APIError) bool {
	switch ae.StatusCode {
	case http.StatusMethodNotAllowed, http.StatusNotImplemented:
		return true
	case http.StatusNotFound:
		switch strings.ToUpper(ae.Code) {
		case "ENVIRONMENT_NOT_FOUND", "APP_NOT_FOUND", "INVALID_ENVIRONMENT", "INVALID_APPID":
			return false
		}
		return true
	}
	return false
}

// UploadOffset asks the server how many bytes of the upload it holds (HEAD).
func (c *Client) UploadOffset(ctx context.Context, uploadURL string) (int64, error) {
	u, err := c.uploadURL(uploadURL)
	if err != nil {
		return 0, fmt.Errorf("get upload offset: %w", err)
	}
	off, _, err := c.headUpload(ctx, u)
	return off, err
}

// headUpload returns the server's offset and the upload's length (-1 when not told).
func (c *Client) headUpload(ctx context.Context, u *url.URL) (offset, length int64, err error) {
	const op = "get upload offset"
	res, err := c.withRetries(ctx, op, http.MethodHead, u.EscapedPath(), func(ctx context.Context) attemptResult {
		return c.tusAttempt(ctx, http.MethodHead, u.String(), nil)
	})
	if err != nil {
		return 0, 0, err
	}
	offset, err = strconv.ParseInt(res.header.Get("Upload-Offset"), 10, 64)
	if err != nil || offset < 0 {
		return 0, 0, fmt.Errorf("%s: the server's answer has no valid Upload-Offset (%q)", op, res.header.Get("Upload-Offset"))
	}
	length = -1
	if v := res.header.Get("Upload-Length"); v != "" {
		if length, err = strconv.ParseInt(v, 10, 64); err != nil || length < 0 {
			return 0, 0, fmt.Errorf("%s: the server's answer has an invalid Upload-Length (%q)", op, v)
		}
	}
	return offset, length, nil
}

// uploadURL checks that an upload URL is absolute and on the base URL's origin: the
// credentials go only there.
func (c *Client) uploadURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("invalid upload URL: %w", err)
	}
	if u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("the upload URL %q is not absolute", raw)
	}
	if u.User != nil || !c.sameOrigin(u) {
		return nil, fmt.Errorf("the upload URL is on %s, not on %s; refusing to send the credentials there", u.Host, c.base.Host)
	}
	return u, nil
}

// tusAttempt is one bodiless tus request (POST create or HEAD).
func (c *Client) tusAttempt(ctx context.Context, method, target string, extra http.Header) attemptResult {
	ctx, reached, cancel := c.attemptContext(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, target, http.NoBody)
	if err != nil {
		return attemptResult{err: err}
	}
	for k, v := range extra {
		req.Header[k] = v
	}
	c.setTusHeaders(req.Header)
	resp, err := c.hc.Do(req)
	if err != nil {
		return attemptResult{err: err, reached: reached.Load()}
	}
	defer resp.Body.Close()
	return attemptResult{status: resp.StatusCode, header: resp.Header, body: readBounded(resp.Body, 64<<10), reached: true}
}

func (c *Client) setTusHeaders(h http.Header) {
	h.Set("Tus-Resumable", tusVersion)
	h.Set("User-Agent", userAgent)
	c.setAuth(h)
}

// SendUpload streams src[offset:size] to the upload with PATCH requests, resuming from the
// server's offset after a dropped connection, until all size bytes are there.
//
// It starts by asking the server's offset (HEAD), so it also resumes an upload begun
// earlier. Each PATCH carries at most the chunk size (WithUploadChunkSize, 64 MiB) read
// straight from src: memory stays flat whatever the size. After a dropped connection, a
// stalled connection (no byte moved for the request timeout, WithRequestTimeout), a
// 5xx, 409, 423, 429 or 503 it waits (backoff or Retry-After), asks the offset again and
// continues; it gives up after WithRetries attempts in a row that made no progress. Other
// answers (401, 403, 404, 413, 460 checksum mismatch, ...) end it with the *APIError.
// Cancelling ctx stops it promptly; the upload can be resumed later with the same URL.
//
// onProgress (may be nil) gets deltas whose running sum is the number of bytes sent: bytes
// count as they are handed to the connection, and after every PATCH or failure the sum is
// corrected to the offset the server acknowledged, so a delta can be negative after a
// dropped connection. The first call reports what the server already held. Calls never
// overlap but may come from another goroutine.
func (c *Client) SendUpload(ctx context.Context, uploadURL string, src io.ReaderAt, size int64, onProgress func(delta int64)) error {
	const op = "upload"
	u, err := c.uploadURL(uploadURL)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if size < 0 {
		return fmt.Errorf("%s: negative size %d", op, size)
	}
	if src == nil {
		return fmt.Errorf("%s: no file to read from", op)
	}
	prog := &progress{fn: onProgress}

	offset, length, err := c.headUpload(ctx, u)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if length >= 0 && length != size {
		return fmt.Errorf("%s: the upload was created for %d bytes but the file has %d; start a new upload", op, length, size)
	}
	if offset > size {
		return fmt.Errorf("%s: the server holds %d bytes, more than the file's %d; start a new upload", op, offset, size)
	}
	prog.sync(offset)

	failures := 0
	for offset < size {
		n := min(c.chunkSize, size-offset)
		newOffset, err := c.patchChunk(ctx, u, src, offset, n, prog)
		if err == nil {
			if newOffset <= offset || newOffset > size {
				return fmt.Errorf("%s: the server acknowledged offset %d after a chunk sent at %d (size %d)", op, newOffset, offset, size)
			}
			prog.sync(newOffset)
			offset, failures = newOffset, 0
			continue
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: stopped at %d of %d bytes: %w", op, offset, size, context.Cause(ctx))
		}
		wait, retry := c.uploadRetryWait(err, failures)
		if !retry {
			return fmt.Errorf("%s: at %d of %d bytes: %w", op, offset, size, err)
		}
		failures++
		if failures > c.retry.retries {
			return fmt.Errorf("%s: stopped at %d of %d bytes after %d attempts without progress: %w", op, offset, size, failures, err)
		}
		c.log.DebugContext(ctx, "cloud upload resumes", "path", u.EscapedPath(), "offset", offset, "wait", wait)
		if serr := c.sleep(ctx, wait); serr != nil {
			return fmt.Errorf("%s: stopped at %d of %d bytes: %w (while waiting to resume after: %w)", op, offset, size, serr, err)
		}
		serverOffset, _, herr := c.headUpload(ctx, u)
		if herr != nil {
			return fmt.Errorf("%s: at %d of %d bytes, after %w: %w", op, offset, size, err, herr)
		}
		if serverOffset > size {
			return fmt.Errorf("%s: the server holds %d bytes, more than the file's %d", op, serverOffset, size)
		}
		if serverOffset > offset {
			failures = 0 // the broken request still delivered something
		}
		prog.sync(serverOffset)
		offset = serverOffset
	}
	return nil
}

// uploadRetryWait decides whether a failed PATCH is resumed and after how long.
func (c *Client) uploadRetryWait(err error, failures int) (time.Duration, bool) {
	if errors.Is(err, errShortSource) {
		return 0, false
	}
	var ae *APIError
	if !errors.As(err, &ae) {
		return c.retry.backoff(failures), true // transport error: resume from the server's offset
	}
	switch {
	case ae.StatusCode == http.StatusTooManyRequests || ae.StatusCode == http.StatusServiceUnavailable:
		if ra, ok := parseRetryAfter(ae.RetryAfter, time.Now()); ok {
			return ra, ra <= c.retry.maxRetryAfter
		}
		return c.retry.backoff(failures), true
	case ae.StatusCode == http.StatusConflict, ae.StatusCode == http.StatusLocked, ae.StatusCode >= 500:
		return c.retry.backoff(failures), true
	case ae.StatusCode == http.StatusBadRequest && (ae.Code == "ERR_UPLOAD_INTERRUPTED" || strings.HasPrefix(ae.Message, "ERR_UPLOAD_INTERRUPTED")):
		// A tus server answers so when another request for the upload took it over: most
		// often our own earlier, cancelled request that the server was still finishing.
		// The server's offset is still right, so resuming from it is safe.
		return c.retry.backoff(failures), true
	}
	return 0, false
}

// patchChunk sends src[offset:offset+n] in one PATCH and returns the server's new offset.
func (c *Client) patchChunk(ctx context.Context, u *url.URL, src io.ReaderAt, offset, n int64, prog *progress) (int64, error) {
	// A connection can die silently (NAT timeout, Wi-Fi roaming) without TCP noticing for
	// many minutes: a PATCH whose body has not moved for the request timeout is abandoned.
	pctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var activity func()
	if c.timeout > 0 {
		idle := time.AfterFunc(c.timeout, func() { cancel(errStalled) })
		defer idle.Stop()
		activity = func() { idle.Reset(c.timeout) }
	}
	body := &wireReader{ctx: pctx, r: io.NewSectionReader(src, offset, n), want: n, prog: prog, activity: activity}
	defer body.close()
	req, err := http.NewRequestWithContext(pctx, http.MethodPatch, u.String(), body)
	if err != nil {
		return 0, err
	}
	req.ContentLength = n
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Upload-Offset", formatInt(offset))
	c.setTusHeaders(req.Header)

	start := time.Now()
	resp, err := c.hc.Do(req)
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	c.log.DebugContext(ctx, "cloud request", "method", http.MethodPatch, "path", u.EscapedPath(),
		"status", status, "duration", time.Since(start))
	if err != nil {
		if body.isShort() {
			return 0, errShortSource
		}
		if ctx.Err() == nil && errors.Is(context.Cause(pctx), errStalled) {
			return 0, fmt.Errorf("%w for %v", errStalled, c.timeout)
		}
		return 0, c.cleanTransportError(err)
	}
	defer resp.Body.Close()
	b := readBounded(resp.Body, 64<<10)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return 0, c.newAPIError(http.MethodPatch, u.EscapedPath(), resp.StatusCode, resp.Header, b)
	}
	newOffset, err := strconv.ParseInt(resp.Header.Get("Upload-Offset"), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("the server's answer to PATCH has no valid Upload-Offset (%q)", resp.Header.Get("Upload-Offset"))
	}
	return newOffset, nil
}

// progress turns wire counts and server offsets into the caller's deltas.
type progress struct {
	mu       sync.Mutex
	fn       func(int64)
	reported int64
}

func (p *progress) add(d int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reported += d
	if p.fn != nil && d != 0 {
		p.fn(d)
	}
}

// sync makes the reported sum equal the server's acknowledged offset.
func (p *progress) sync(serverOffset int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := serverOffset - p.reported
	p.reported = serverOffset
	if p.fn != nil && d != 0 {
		p.fn(d)
	}
}

// wireReader is one PATCH body: it reads src and counts what the transport takes. Once
// closed (the request returned) it neither reads nor counts, so a transport goroutine
// that outlives the request cannot move the progress.
type wireReader struct {
	ctx      context.Context
	r        io.Reader
	want     int64
	prog     *progress
	activity func() // called on every read (nil: none)

	mu     sync.Mutex
	got    int64
	closed bool
	short  bool
}

func (w *wireReader) Read(p []byte) (int, error) {
	if err := w.ctx.Err(); err != nil {
		return 0, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, io.ErrClosedPipe
	}
	n, err := w.r.Read(p)
	w.got += int64(n)
	if n > 0 {
		w.prog.add(int64(n))
		if w.activity != nil {
			w.activity()
		}
	}
	if err == io.EOF && w.got < w.want {
		w.short = true
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

func (w *wireReader) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
}

func (w *wireReader) isShort() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.short
}
