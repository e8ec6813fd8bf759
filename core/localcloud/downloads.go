package localcloud

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Archive downloads: a completed archive's url points at this server, signed and valid for
// eight hours after completion like Mendix Cloud's links. The link carries no credentials
// and needs none (peers fetch the real links without Mendix headers). Like a storage host
// it answers Range, If-Range and conditional requests, with a strong ETag.

const downloadValidity = 8 * time.Hour

// DownloadOptions configures the archive links.
type DownloadOptions struct {
	// TTL is how long a link stays valid after its archive completed; zero means 8 hours.
	TTL time.Duration
	// RejectMendixHeaders refuses (400) a download that carries Mendix-Username or
	// Mendix-ApiKey, so a test fails loudly when a client leaks them to the storage host.
	// Such requests are recorded either way (DownloadRequests).
	RejectMendixHeaders bool
}

func (o DownloadOptions) ttl() time.Duration {
	if o.TTL <= 0 {
		return downloadValidity
	}
	return o.TTL
}

// DownloadRequest is one request to an archive link as received (never the signature).
type DownloadRequest struct {
	ArchiveID string
	Range     string // the Range header, empty for a whole-file request
	IfRange   string
	// MendixHeaders: the request carried Mendix-Username or Mendix-ApiKey.
	MendixHeaders bool
}

// maxDownloadLog bounds the recorded requests.
const maxDownloadLog = 10000

// downloadLog records download requests and the links expired on purpose.
type downloadLog struct {
	mu       sync.Mutex
	requests []DownloadRequest
	expired  map[string]bool
}

func (d *downloadLog) add(r DownloadRequest) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.requests) < maxDownloadLog {
		d.requests = append(d.requests, r)
	}
}

func (d *downloadLog) isExpired(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.expired[id]
}

// DownloadRequests returns the requests to archive links so far, oldest first.
func (c *Cloud) DownloadRequests() []DownloadRequest {
	c.dl.mu.Lock()
	defer c.dl.mu.Unlock()
	return slices.Clone(c.dl.requests)
}

// ExpireDownloadLinks makes every link of the archives completed so far expire now, as if
// eight hours had passed; archives completed later get valid links.
func (c *Cloud) ExpireDownloadLinks() error {
	ids, err := queryAll(context.WithoutCancel(c.ctx), c.db, scanString,
		`SELECT archive_id FROM archives WHERE state = ?`, stateCompleted)
	if err != nil {
		return fmt.Errorf("expire download links: %w", err)
	}
	c.dl.mu.Lock()
	defer c.dl.mu.Unlock()
	if c.dl.expired == nil {
		c.dl.expired = map[string]bool{}
	}
	for _, id := range ids {
		c.dl.expired[id] = true
	}
	return nil
}

func (c *Cloud) signDownload(archiveID string, expires int64) string {
	m := hmac.New(sha256.New, c.secret)
	fmt.Fprintf(m, "%s\n%d", archiveID, expires)
	return hex.EncodeToString(m.Sum(nil))
}

func (c *Cloud) archiveJSON(r *http.Request, a archiveRow) v2Archive {
	out := v2Archive{
		ArchiveID:     a.ID,
		SnapshotID:    a.SnapshotID,
		DataType:      a.DataType,
		State:         a.State,
		StatusMessage: nullString(a.StatusMessage),
		CreatedAt:     isoTime(a.CreatedAt),
		UpdatedAt:     isoTime(a.UpdatedAt),
		FinishedAt:    isoTime(a.FinishedAt),
	}
	if a.State == stateCompleted && a.File != "" {
		exp := a.FinishedAt.Add(c.cfg.Downloads.ttl()).Unix()
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		u := fmt.Sprintf("%s://%s/downloads/%s/%s?expires=%d&signature=%s", scheme, r.Host, a.ID,
			url.PathEscape(a.Filename), exp, c.signDownload(a.ID, exp))
		out.URL = &u
	}
	return out
}

func (c *Cloud) handleDownload(w http.ResponseWriter, r *http.Request) {
	id := strings.ToLower(r.PathValue("archiveID"))
	mendix := r.Header.Get("Mendix-Username") != "" || r.Header.Get("Mendix-ApiKey") != ""
	c.dl.add(DownloadRequest{ArchiveID: id, Range: r.Header.Get("Range"), IfRange: r.Header.Get("If-Range"), MendixHeaders: mendix})
	// Like Mendix: the storage host is another party, so a key sent to it is a leak we refuse.
	if mendix && (c.cfg.Downloads.RejectMendixHeaders || c.cfg.LikeMendix) {
		c.log.Warn("download request carried Mendix headers", "archive", id)
		writeError(w, newAPIError(http.StatusBadRequest, codeInvalidParameters,
			"This link needs no Mendix credentials: a client must not send Mendix-Username or Mendix-ApiKey to the storage host."))
		return
	}
	q := r.URL.Query()
	exp, err := strconv.ParseInt(q.Get("expires"), 10, 64)
	if err != nil || !hmac.Equal([]byte(c.signDownload(id, exp)), []byte(q.Get("signature"))) {
		writeError(w, newAPIError(http.StatusForbidden, codeNoAccess,
			"This download link is not valid: copy the complete url of the archive."))
		return
	}
	if c.now().Unix() > exp || c.dl.isExpired(id) {
		writeError(w, newAPIError(http.StatusForbidden, codeNoAccess,
			"This download link expired (links are valid for 8 hours): request a new archive of the snapshot."))
		return
	}
	a, err := archiveTable.get(r.Context(), c.db, id)
	if isNoRow(err) || (err == nil && (a.State != stateCompleted || a.File == "")) {
		writeError(w, newAPIError(http.StatusNotFound, codeNotFound, "This archive no longer exists."))
		return
	}
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	f, err := os.Open(filepath.Join(c.dir, filepath.FromSlash(a.File)))
	if err != nil {
		writeError(w, newAPIError(http.StatusNotFound, codeNotFound, "The archive's file is gone: its snapshot was deleted."))
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	ctype := "application/gzip"
	if strings.HasSuffix(a.Filename, ".backup") {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", a.Filename))
	// A strong ETag of the file's identity: a regenerated archive gets another one, so a
	// client never splices two objects together (If-Range then gets the whole file).
	w.Header().Set("ETag", fmt.Sprintf(`"%x-%x"`, info.Size(), info.ModTime().UnixNano()))
	var out http.ResponseWriter = w
	if at := c.faults.nextDownloadCut(info.Size()); at >= 0 {
		out = &cutWriter{ResponseWriter: w, cutAt: at, done: c.faults.cutDone}
	}
	if rate := c.faults.downloadRate(); rate > 0 {
		out = &pacedWriter{ResponseWriter: out, rate: rate, start: time.Now()}
	}
	// ServeContent answers Range, If-Range and conditional requests like a storage host.
	http.ServeContent(out, r, a.Filename, info.ModTime(), f)
}

// pacedWriter sends an answer at about rate bytes a second (injected fault: a slow line),
// in pieces of a few milliseconds each, flushed as they go.
type pacedWriter struct {
	http.ResponseWriter
	rate  int64
	start time.Time
	sent  int64
}

func (w *pacedWriter) Write(p []byte) (int, error) {
	piece := int(max(w.rate/200, 1)) // 5 ms of the line
	n := 0
	for len(p) > 0 {
		k := min(piece, len(p))
		if ahead := time.Duration(float64(w.sent+int64(k))/float64(w.rate)*float64(time.Second)) - time.Since(w.start); ahead > 0 {
			time.Sleep(ahead)
		}
		m, err := w.ResponseWriter.Write(p[:k])
		n += m
		w.sent += int64(m)
		if err != nil {
			return n, err
		}
		_ = http.NewResponseController(w.ResponseWriter).Flush()
		p = p[k:]
	}
	return n, nil
}

// cutWriter closes the connection once the file's bytes before cutAt were sent (injected
// fault): the client sees a response shorter than its Content-Length.
type cutWriter struct {
	http.ResponseWriter
	cutAt int64
	pos   int64 // file offset of the next byte written
	done  func()
}

func (c *cutWriter) WriteHeader(code int) {
	if code == http.StatusPartialContent {
		var start, end, total int64
		if _, err := fmt.Sscanf(c.Header().Get("Content-Range"), "bytes %d-%d/%d", &start, &end, &total); err == nil {
			c.pos = start
		}
	}
	if c.pos >= c.cutAt {
		c.cutAt = math.MaxInt64 // the answer starts past the cut: nothing to cut
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *cutWriter) Write(p []byte) (int, error) {
	if c.pos+int64(len(p)) <= c.cutAt {
		n, err := c.ResponseWriter.Write(p)
		c.pos += int64(n)
		return n, err
	}
	if n := c.cutAt - c.pos; n > 0 {
		_, _ = c.ResponseWriter.Write(p[:n])
	}
	_ = http.NewResponseController(c.ResponseWriter).Flush()
	c.done()
	panic(http.ErrAbortHandler) // net/http closes the connection without finishing the answer
}

// removeFile removes a file given relative to the data directory.
func removeFile(dir, rel string) error {
	err := os.Remove(filepath.Join(dir, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
