package localcloud

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/klauspost/compress/gzip"
	"github.com/tus/tusd/v2/pkg/filestore"
	tusd "github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
	xslog "golang.org/x/exp/slog"

	"restoredesk/core/archive"
)

// The upload extension (not part of Mendix's public API): tus 1.0 at
// /api/v2/apps/{ProjectId}/environments/{EnvironmentId}/uploads/, with the same headers and
// permissions as the Backups API. Upload-Metadata carries filename and sha256 (hex). The
// upload id (the last segment of the Location URL) is also the id of the snapshot the upload
// becomes: once the last byte arrived the file is checked (SHA-256, archive.Inspect) and the
// snapshot appears with comment "Uploaded snapshot", completed or failed with the reason.
// Bytes go straight from the request to a file: nothing is held in memory.

type uploads struct {
	c        *Cloud
	dir      string
	store    filestore.FileStore
	composer *tusd.StoreComposer

	mu       sync.Mutex
	handlers map[string]*tusd.UnroutedHandler // by environment: tus needs a fixed base path
	reserved int64                            // bytes of uploads being created (reserve)
}

func newUploads(c *Cloud) *uploads {
	dir := filepath.Join(c.dir, "uploads")
	store := filestore.New(dir)
	store.DirModePerm, store.FileModePerm = 0o700, 0o600
	composer := tusd.NewStoreComposer()
	composer.UseCore(store)
	composer.UseTerminater(store)
	composer.UseLocker(interruptingLocker{memorylocker.New()})
	return &uploads{c: c, dir: dir, store: store, composer: composer, handlers: map[string]*tusd.UnroutedHandler{}}
}

// uploadIntent travels in the request context from the checks to tusd's create callback.
type uploadIntent struct {
	envID, user, filename, sha string
}

const intentKey ctxKey = 2

// interruptKey carries, in the context of a PATCH, the function that cuts its body short.
const interruptKey ctxKey = 3

// interruptingLocker lets go of an upload's lock the way tusd does when another request
// for the upload arrives (a client resuming after a broken connection that the server has
// not noticed yet): the PATCH holding the lock stops reading its body and ends, keeping
// the bytes it received. It cuts the body itself instead of calling tusd's release
// callback, because in tusd v2.9.1 that callback reads the PATCH's body reader without
// synchronisation (a data race the race detector reports). Holders without a body (HEAD,
// DELETE) are asked through tusd's callback as usual.
type interruptingLocker struct{ tusd.Locker }

func (l interruptingLocker) NewLock(id string) (tusd.Lock, error) {
	lock, err := l.Locker.NewLock(id)
	if err != nil {
		return nil, err
	}
	return interruptingLock{lock}, nil
}

type interruptingLock struct{ lock tusd.Lock }

func (l interruptingLock) Lock(ctx context.Context, requestRelease func()) error {
	if interrupt, ok := ctx.Value(interruptKey).(func()); ok {
		requestRelease = interrupt
	}
	return l.lock.Lock(ctx, requestRelease)
}

func (l interruptingLock) Unlock() error { return l.lock.Unlock() }

// interruptibleBody is a PATCH body that another request can cut short.
type interruptibleBody struct {
	io.ReadCloser
	rc      *http.ResponseController
	stopped atomic.Bool
}

func (b *interruptibleBody) Read(p []byte) (int, error) {
	if b.stopped.Load() {
		return 0, tusd.ErrUploadInterrupted
	}
	return b.ReadCloser.Read(p)
}

// interrupt makes every further read fail; the read deadline wakes one that waits for a
// client that went silent.
func (b *interruptibleBody) interrupt() {
	b.stopped.Store(true)
	_ = b.rc.SetReadDeadline(time.Now())
}

var hexSHA256 = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

func (u *uploads) handlerFor(projectID, envID string) (*tusd.UnroutedHandler, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if h, ok := u.handlers[envID]; ok {
		return h, nil
	}
	h, err := tusd.NewUnroutedHandler(tusd.Config{
		StoreComposer:           u.composer,
		BasePath:                "/api/v2/apps/" + projectID + "/environments/" + envID + "/uploads/",
		MaxSize:                 u.c.cfg.maxUpload(),
		DisableDownload:         true,
		DisableConcatenation:    true,
		Cors:                    &tusd.CorsConfig{Disable: true},
		Logger:                  xslog.New(xslog.NewTextHandler(io.Discard, nil)), // we log ourselves, without headers
		PreUploadCreateCallback: u.preCreate,
		PreFinishResponseCallback: func(hook tusd.HookEvent) (tusd.HTTPResponse, error) {
			return tusd.HTTPResponse{}, u.finish(hook.Context, hook.Upload.ID)
		},
		PreUploadTerminateCallback: func(hook tusd.HookEvent) (tusd.HTTPResponse, error) {
			_, err := u.c.db.ExecContext(hook.Context, `DELETE FROM uploads WHERE upload_id = ? AND finished = 0`, hook.Upload.ID)
			return tusd.HTTPResponse{}, err
		},
	})
	if err != nil {
		return nil, fmt.Errorf("upload handler: %w", err)
	}
	u.handlers[envID] = h
	return h, nil
}

// preCreate names the upload (a UUID: it becomes the snapshot id) and records it.
func (u *uploads) preCreate(hook tusd.HookEvent) (tusd.HTTPResponse, tusd.FileInfoChanges, error) {
	in, ok := hook.Context.Value(intentKey).(uploadIntent)
	if !ok {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, tusd.NewError("ERR_INTERNAL", "upload without checked request", http.StatusInternalServerError)
	}
	id := uuid.NewString()
	_, err := u.c.db.ExecContext(hook.Context, `INSERT INTO uploads(`+uploadCols+`) VALUES(?,?,?,?,?,?,?,?)`,
		id, in.envID, in.user, in.filename, in.sha, hook.Upload.Size, 0, u.c.nowUTC().UnixMilli())
	if err != nil {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, fmt.Errorf("record upload: %w", err)
	}
	u.c.log.Info("upload created", "env", in.envID, "upload", id, "size", hook.Upload.Size, "file", in.filename)
	return tusd.HTTPResponse{}, tusd.FileInfoChanges{ID: id}, nil
}

// finish turns a complete upload into a queued "Uploaded snapshot" and starts its check.
// Idempotent: a second call finds the snapshot already there.
func (u *uploads) finish(ctx context.Context, id string) error {
	now := u.c.nowUTC()
	var started bool
	err := u.c.inTx(context.WithoutCancel(ctx), func(tx *sql.Tx) error {
		up, err := uploadTable.get(ctx, tx, id)
		if err != nil {
			return fmt.Errorf("finish upload %s: %w", id, err)
		}
		if _, err := tx.Exec(`UPDATE uploads SET finished = 1 WHERE upload_id = ?`, id); err != nil {
			return err
		}
		res, err := tx.Exec(`INSERT OR IGNORE INTO snapshots(`+snapCols+`) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			id, up.EnvID, stateQueued, "", commentUploaded, "", kindUploaded, contentFull, "", up.Size,
			now.UnixMilli(), nil, nil, ms(expiresAt(kindUploaded, now)))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		started = n > 0
		return nil
	})
	if err != nil {
		return err
	}
	if started {
		u.c.log.Info("upload finished", "upload", id)
		u.c.spawn("upload check "+id, func(ctx context.Context) { u.check(ctx, id) })
	}
	return nil
}

// handleUploads checks credentials, permissions and the request, then hands it to tusd.
func (c *Cloud) handleUploads(w http.ResponseWriter, r *http.Request) {
	e, ok := c.v2LicensedEnv(w, r, msgFreeAppNoUploads)
	if !ok {
		return
	}
	h, err := c.uploads.handlerFor(e.ProjectID, e.EnvID)
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	i := strings.Index(r.URL.Path, "/uploads/")
	rest := strings.Trim(r.URL.Path[i+len("/uploads/"):], "/")
	if rest == "" {
		switch r.Method {
		case http.MethodOptions:
			h.Middleware(http.NotFoundHandler()).ServeHTTP(w, r)
		case http.MethodPost:
			c.createUpload(w, r, h, e)
		default:
			w.Header().Set("Allow", "POST, OPTIONS")
			writeError(w, newAPIError(http.StatusMethodNotAllowed, codeInvalidParameters, "Create an upload with POST (tus 1.0)."))
		}
		return
	}
	up, err := uploadTable.get(r.Context(), c.db, strings.ToLower(rest))
	if isNoRow(err) || (err == nil && up.EnvID != e.EnvID) {
		writeError(w, newAPIError(http.StatusNotFound, codeNotFound,
			fmt.Sprintf("Upload %q was not found in this environment.", rest)))
		return
	}
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	if up.Finished {
		c.finishedUpload(w, r, up)
		return
	}
	// tusd takes the upload id from the path.
	r2 := r.Clone(r.Context())
	r2.URL.Path, r2.URL.RawPath = "/"+up.ID, ""
	var next http.HandlerFunc
	switch r.Method {
	case http.MethodHead:
		next = h.HeadFile
	case http.MethodPatch:
		next = h.PatchFile
		body := &interruptibleBody{ReadCloser: r.Body, rc: http.NewResponseController(w)}
		r2.Body = body
		r2 = r2.WithContext(context.WithValue(r2.Context(), interruptKey, body.interrupt))
	case http.MethodDelete:
		next = h.DelFile
	default:
		w.Header().Set("Allow", "HEAD, PATCH, DELETE")
		writeError(w, newAPIError(http.StatusMethodNotAllowed, codeInvalidParameters,
			"An upload answers HEAD (offset), PATCH (bytes) and DELETE (cancel)."))
		return
	}
	h.Middleware(next).ServeHTTP(w, r2)
}

func (c *Cloud) createUpload(w http.ResponseWriter, r *http.Request, h *tusd.UnroutedHandler, e envRow) {
	meta := tusd.ParseMetadataHeader(r.Header.Get("Upload-Metadata"))
	filename := strings.TrimSpace(meta["filename"])
	sha := strings.ToLower(strings.TrimSpace(meta["sha256"]))
	if filename == "" || !hexSHA256.MatchString(sha) {
		writeError(w, newAPIError(http.StatusBadRequest, codeInvalidParameters,
			"Upload-Metadata must carry filename and sha256 (the file's SHA-256 in hex), each base64-encoded as tus 1.0 says."))
		return
	}
	size, err := strconv.ParseInt(r.Header.Get("Upload-Length"), 10, 64)
	if err != nil || size < 0 {
		writeError(w, newAPIError(http.StatusBadRequest, codeInvalidParameters,
			"Upload-Length must give the file's size in bytes."))
		return
	}
	if max := c.cfg.maxUpload(); max > 0 && size > max {
		writeError(w, newAPIError(http.StatusRequestEntityTooLarge, codeUploadTooLarge,
			fmt.Sprintf("The file is %d bytes; this server accepts uploads up to %d bytes.", size, max)))
		return
	}
	// The length is known before any byte is sent: refuse at once what the disk cannot hold,
	// instead of failing hours into the upload.
	release, refused, err := c.uploads.reserve(r.Context(), size)
	switch {
	case err != nil:
		c.internalError(w, r, err)
		return
	case refused != "":
		writeError(w, newAPIError(http.StatusInsufficientStorage, codeInsufficientStorage, refused))
		return
	}
	defer release()
	in := uploadIntent{envID: e.EnvID, user: userFrom(r.Context()), filename: filename, sha: sha}
	r = r.WithContext(context.WithValue(r.Context(), intentKey, in))
	h.Middleware(http.HandlerFunc(h.PostFile)).ServeHTTP(w, r)
}

// finishedUpload answers tus requests for an upload whose bytes all arrived (its file has
// moved on to become a snapshot): HEAD reports the full offset, a PATCH at the end is a no-op.
func (c *Cloud) finishedUpload(w http.ResponseWriter, r *http.Request, up uploadRow) {
	size := strconv.FormatInt(up.Size, 10)
	w.Header().Set("Tus-Resumable", "1.0.0")
	w.Header().Set("Cache-Control", "no-store")
	switch r.Method {
	case http.MethodHead:
		w.Header().Set("Upload-Offset", size)
		w.Header().Set("Upload-Length", size)
		w.WriteHeader(http.StatusOK)
	case http.MethodPatch:
		if r.Header.Get("Upload-Offset") != size {
			writeError(w, newAPIError(http.StatusConflict, codeInvalidParameters,
				"This upload is complete; its offset is "+size+"."))
			return
		}
		w.Header().Set("Upload-Offset", size)
		w.WriteHeader(http.StatusNoContent)
	default:
		writeError(w, newAPIError(http.StatusBadRequest, codeNotAllowed,
			"This upload is complete and became a snapshot: delete the snapshot instead."))
	}
}

// check inspects a finished upload and completes or fails its snapshot.
func (u *uploads) check(ctx context.Context, id string) {
	c := u.c
	s, err := snapTable.get(ctx, c.db, id)
	if err != nil || (s.State != stateQueued && s.State != stateRunning) {
		return
	}
	up, err := uploadTable.get(ctx, c.db, id)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		c.failSnapshot(ctx, id, "The upload's record is missing: upload the file again.")
		return
	}
	d := c.jobDuration(up.Size)
	if !sleepCtx(ctx, d/4) {
		return
	}
	if c.exec(ctx, `UPDATE snapshots SET state = ?, status_message = ?, updated_at = ? WHERE snapshot_id = ?`,
		stateRunning, msgUploadChecking, ms(c.nowUTC()), id) != nil {
		return
	}
	path := filepath.Join(u.dir, id)
	blob, content, model, size, reason := u.accept(ctx, path, up)
	if ctx.Err() != nil {
		return
	}
	if reason != "" {
		u.removeFiles(id)
		c.failSnapshot(ctx, id, reason)
		return
	}
	u.removeFiles(id)
	if !sleepCtx(ctx, d-d/4) {
		return
	}
	now := c.nowUTC()
	_ = c.exec(ctx, `UPDATE snapshots SET state = ?, status_message = ?, model_version = ?, blob = ?, size = ?,
		content = ?, updated_at = ?, finished_at = ? WHERE snapshot_id = ?`,
		stateCompleted, msgUploadCompleted, model, blob, size, content, ms(now), ms(now), id)
	c.log.Info("upload accepted", "snapshot", id, "content", content, "bytes", size)
}

// accept checks the uploaded file and moves it into blobs/. reason says why it was refused.
func (u *uploads) accept(ctx context.Context, path string, up uploadRow) (blob, content, model string, size int64, reason string) {
	rep, err := archive.Inspect(ctx, path, nil)
	if err != nil {
		return "", "", "", 0, "The uploaded file could not be read: " + err.Error() + ". Upload it again."
	}
	sum := strings.ToLower(rep.SHA256) // Inspect hashes every regular file it reads
	if sum != up.SHA256 {
		return "", "", "", 0, fmt.Sprintf("The uploaded file is damaged: its SHA-256 is %s, but the file sent had %s. Upload it again.", sum, up.SHA256)
	}
	if !rep.Restorable {
		why := strings.Join(rep.Problems, " ")
		if why == "" {
			why = "it is not a backup that Mendix Cloud can restore."
		}
		return "", "", "", 0, "This file cannot be restored: " + why
	}
	switch rep.Kind {
	case archive.KindFullSnapshot:
		blob, size, err = u.c.adoptBlob(path, sum, ".tar.gz")
		content, model = contentFull, rep.ModelVersion
	case archive.KindDatabaseOnly:
		content, model = contentDatabase, rep.ModelVersion
		if isGzip(path) {
			blob, size, err = u.c.storeBlob(func(w io.Writer) error { return gunzipTo(path, w) }, ".backup")
		} else {
			blob, size, err = u.c.adoptBlob(path, sum, ".backup")
		}
	default:
		return "", "", "", 0, fmt.Sprintf("This file cannot be restored: it holds %s, not a full snapshot or a database backup.", rep.Kind)
	}
	if err != nil {
		u.c.log.Error("store upload", "upload", up.ID, "err", err)
		return "", "", "", 0, "The uploaded file could not be stored: " + err.Error() + ". Try again."
	}
	return blob, content, model, size, ""
}

func (u *uploads) removeFiles(id string) {
	for _, p := range []string{filepath.Join(u.dir, id), filepath.Join(u.dir, id+".info")} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			u.c.log.Warn("remove upload file", "file", p, "err", err)
		}
	}
}

// resume finishes what the last run left: uploads whose bytes all arrived but whose
// snapshot was not made or not checked.
func (u *uploads) resume() error {
	c := u.c
	pending, err := queryAll(c.ctx, c.db, scanUpload, `SELECT `+uploadCols+` FROM uploads u WHERE u.finished = 0
		OR NOT EXISTS (SELECT 1 FROM snapshots s WHERE s.snapshot_id = u.upload_id)
		OR EXISTS (SELECT 1 FROM snapshots s WHERE s.snapshot_id = u.upload_id AND s.state IN (?, ?))`, stateQueued, stateRunning)
	if err != nil {
		return fmt.Errorf("find unfinished uploads: %w", err)
	}
	for _, up := range pending {
		if !up.Finished {
			tu, err := u.store.GetUpload(c.ctx, up.ID)
			if err != nil {
				continue // never started, or cancelled: nothing to finish
			}
			info, err := tu.GetInfo(c.ctx)
			if err != nil || info.Offset != info.Size {
				continue // resumable by the client
			}
		}
		var exists int
		if err := c.db.QueryRowContext(c.ctx, `SELECT COUNT(*) FROM snapshots WHERE snapshot_id = ?`, up.ID).Scan(&exists); err != nil {
			return fmt.Errorf("find the snapshot of upload %s: %w", up.ID, err)
		}
		if exists > 0 {
			id := up.ID
			c.spawn("upload check "+id, func(ctx context.Context) { u.check(ctx, id) })
			continue
		}
		if err := u.finish(c.ctx, up.ID); err != nil {
			return err
		}
	}
	return nil
}

// isGzip reports whether the file starts with the gzip magic number.
func isGzip(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var magic [2]byte
	_, err = io.ReadFull(f, magic[:])
	return err == nil && magic == [2]byte{0x1f, 0x8b}
}

func gunzipTo(path string, w io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, zr)
	return err
}
