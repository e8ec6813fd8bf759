package localcloud

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// Backups API v2 (cloud-api.md §3): snapshots, archives, restores.

// v2Env resolves {projectID}/{envID} to an environment on which the user has API rights and
// Access to Backups: 404 ENVIRONMENT_NOT_FOUND when it does not exist in that app (or the user
// is not on the app's team), 403 NO_ACCESS when a right is missing.
func (c *Cloud) v2Env(w http.ResponseWriter, r *http.Request) (appRow, envRow, bool) {
	projectID := strings.ToLower(r.PathValue("projectID"))
	envID := strings.ToLower(r.PathValue("envID"))
	e, err := envTable.get(r.Context(), c.db, envID)
	if err == nil && e.ProjectID != projectID {
		err = errNoRow
	}
	var a appRow
	if err == nil {
		a, err = appTable.get(r.Context(), c.db, projectID)
	}
	var acc access
	if err == nil {
		acc, err = envAccess(r.Context(), c.db, userFrom(r.Context()), e)
		if err == nil && !acc.member {
			err = errNoRow
		}
	}
	switch {
	case isNoRow(err):
		writeError(w, newAPIError(http.StatusNotFound, codeEnvNotFound,
			fmt.Sprintf("Environment %q was not found in app %q, or you are not on the app's team.", envID, projectID)))
		return a, e, false
	case err != nil:
		c.internalError(w, r, err)
		return a, e, false
	}
	if apiErr := acc.refusal(true); apiErr != nil {
		writeError(w, apiErr)
		return a, e, false
	}
	return a, e, true
}

// liveSnapshot is the snapshot snapID of envID, unless it does not exist or has expired.
func (c *Cloud) liveSnapshot(ctx context.Context, q querier, envID, snapID string) (snapRow, error) {
	s, err := snapTable.get(ctx, q, strings.ToLower(snapID))
	if err != nil {
		return s, err
	}
	if s.EnvID != envID || c.expired(s) {
		return s, errNoRow
	}
	return s, nil
}

func (c *Cloud) expired(s snapRow) bool {
	return !s.ExpiresAt.IsZero() && !s.ExpiresAt.After(c.now())
}

func snapshotNotFound(id string) *apiError {
	return newAPIError(http.StatusNotFound, codeNotFound, fmt.Sprintf("Snapshot %q was not found in this environment.", id))
}

// v2Snapshot resolves {snapshotID} to a live snapshot of e, answering 404 NOT_FOUND when
// there is none.
func (c *Cloud) v2Snapshot(w http.ResponseWriter, r *http.Request, e envRow) (snapRow, bool) {
	s, err := c.liveSnapshot(r.Context(), c.db, e.EnvID, r.PathValue("snapshotID"))
	if isNoRow(err) {
		writeError(w, snapshotNotFound(r.PathValue("snapshotID")))
		return s, false
	}
	if err != nil {
		c.internalError(w, r, err)
		return s, false
	}
	return s, true
}

// v2LicensedEnv resolves the environment as v2Env does and refuses a Free App's with
// 400 NOT_ALLOWED and refusal (a Free App takes no manual backups, no uploads).
func (c *Cloud) v2LicensedEnv(w http.ResponseWriter, r *http.Request, refusal string) (envRow, bool) {
	a, e, ok := c.v2Env(w, r)
	if ok && a.Free {
		writeError(w, newAPIError(http.StatusBadRequest, codeNotAllowed, refusal))
		return e, false
	}
	return e, ok
}

// v2EnvSnapshot resolves {projectID}/{envID}/{snapshotID} as v2Env and v2Snapshot do.
func (c *Cloud) v2EnvSnapshot(w http.ResponseWriter, r *http.Request) (envRow, snapRow, bool) {
	_, e, ok := c.v2Env(w, r)
	if !ok {
		return e, snapRow{}, false
	}
	s, ok := c.v2Snapshot(w, r, e)
	return e, s, ok
}

func queryInt(r *http.Request, name string, def int) (int, *apiError) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, newAPIError(http.StatusBadRequest, codeInvalidParameters,
			fmt.Sprintf("%s must be a whole number of 0 or more, not %q.", name, v))
	}
	return n, nil
}

func (c *Cloud) handleListSnapshots(w http.ResponseWriter, r *http.Request) {
	_, e, ok := c.v2Env(w, r)
	if !ok {
		return
	}
	offset, apiErr := queryInt(r, "offset", 0)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	limit, apiErr := queryInt(r, "limit", 100)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	// Expired backups are gone, as on Mendix Cloud.
	if err := c.purgeExpired(r.Context(), e.EnvID); err != nil {
		c.log.Warn("purge expired snapshots", "env", e.EnvID, "err", err)
	}
	now := c.now().UTC().UnixMilli()
	page := v2SnapshotPage{Snapshots: []v2Snapshot{}, Offset: offset, Limit: limit}
	err := c.db.QueryRowContext(r.Context(), `SELECT COUNT(*) FROM snapshots WHERE env_id = ?
		AND (expires_at IS NULL OR expires_at > ?)`, e.EnvID, now).Scan(&page.Total)
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	snaps, err := queryAll(r.Context(), c.db, scanSnap, `SELECT `+snapCols+` FROM snapshots WHERE env_id = ?
		AND (expires_at IS NULL OR expires_at > ?) ORDER BY created_at DESC, snapshot_id DESC LIMIT ? OFFSET ?`,
		e.EnvID, now, limit, offset)
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	for _, s := range snaps {
		page.Snapshots = append(page.Snapshots, snapJSON(s))
	}
	writeJSON(w, http.StatusOK, page)
}

// purgeExpired deletes the expired snapshots of an environment and their files.
func (c *Cloud) purgeExpired(ctx context.Context, envID string) error {
	ids, err := queryAll(ctx, c.db, scanString, `SELECT snapshot_id FROM snapshots WHERE env_id = ?
		AND expires_at IS NOT NULL AND expires_at <= ?`, envID, c.now().UTC().UnixMilli())
	if err != nil {
		return err
	}
	for _, id := range ids {
		var inUse *apiError // kept until its restore or archive is done; a later list purges it
		if err := c.deleteSnapshot(ctx, id); err != nil && !errors.As(err, &inUse) {
			return err
		}
	}
	return nil
}

type commentBody struct {
	Comment *string `json:"comment"`
}

// readComment parses {"comment": "..."}; an empty body is allowed when optional.
func readComment(r *http.Request, required bool) (*string, *apiError) {
	var cb commentBody
	if apiErr := readJSONBody(r, &cb, `{"comment": "Before the spring release"}`); apiErr != nil {
		return nil, apiErr
	}
	if required && cb.Comment == nil {
		return nil, newAPIError(http.StatusBadRequest, codeInvalidParameters, `The body must carry "comment".`)
	}
	if cb.Comment != nil && len(*cb.Comment) > 1000 {
		return nil, newAPIError(http.StatusBadRequest, codeInvalidParameters, "The comment is longer than 1000 characters.")
	}
	return cb.Comment, nil
}

func (c *Cloud) handleCreateSnapshot(w http.ResponseWriter, r *http.Request) {
	e, ok := c.v2LicensedEnv(w, r, msgFreeAppNoBackups)
	if !ok {
		return
	}
	comment, apiErr := readComment(r, false)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	text := commentManual
	if comment != nil && strings.TrimSpace(*comment) != "" {
		text = *comment
	}
	now := c.nowUTC()
	s := snapRow{
		ID: uuid.NewString(), EnvID: e.EnvID, State: stateQueued, Comment: text, Kind: kindManual, Content: contentFull,
		CreatedAt: now, ExpiresAt: expiresAt(kindManual, now),
	}
	err := c.inTx(r.Context(), func(tx *sql.Tx) error {
		if err := envBusy(r.Context(), tx, e.EnvID); err != nil {
			return err
		}
		return insertSnapshot(r.Context(), tx, s)
	})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.log.Info("snapshot requested", "env", e.EnvID, "snapshot", s.ID)
	c.spawn("snapshot "+s.ID, func(ctx context.Context) { c.runSnapshot(ctx, s.ID) })
	writeJSON(w, http.StatusOK, snapJSON(s))
}

func insertSnapshot(ctx context.Context, q querier, s snapRow) error {
	_, err := q.ExecContext(ctx, `INSERT INTO snapshots(`+snapCols+`) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		s.ID, s.EnvID, s.State, s.StatusMessage, s.Comment, s.ModelVersion, s.Kind, s.Content, s.Blob, s.Size,
		s.CreatedAt.UnixMilli(), ms(s.UpdatedAt), ms(s.FinishedAt), ms(s.ExpiresAt))
	if err != nil {
		return fmt.Errorf("insert snapshot: %w", err)
	}
	return nil
}

func (c *Cloud) handleGetSnapshot(w http.ResponseWriter, r *http.Request) {
	_, s, ok := c.v2EnvSnapshot(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, snapJSON(s))
}

func (c *Cloud) handleUpdateSnapshot(w http.ResponseWriter, r *http.Request) {
	_, e, ok := c.v2Env(w, r)
	if !ok {
		return
	}
	comment, apiErr := readComment(r, true)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	var s snapRow
	err := c.inTx(r.Context(), func(tx *sql.Tx) error {
		var err error
		s, err = c.liveSnapshot(r.Context(), tx, e.EnvID, r.PathValue("snapshotID"))
		if err != nil {
			return err
		}
		// The documented behaviour: the comment changes, updated_at does not.
		if _, err := tx.ExecContext(r.Context(), `UPDATE snapshots SET comment = ? WHERE snapshot_id = ?`, *comment, s.ID); err != nil {
			return err
		}
		s.Comment = *comment
		return nil
	})
	if isNoRow(err) {
		writeError(w, snapshotNotFound(r.PathValue("snapshotID")))
		return
	}
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, snapJSON(s))
}

func (c *Cloud) handleDeleteSnapshot(w http.ResponseWriter, r *http.Request) {
	e, s, ok := c.v2EnvSnapshot(w, r)
	if !ok {
		return
	}
	if err := c.deleteSnapshot(r.Context(), s.ID); err != nil {
		c.fail(w, r, err)
		return
	}
	c.log.Info("snapshot deleted", "env", e.EnvID, "snapshot", s.ID)
	w.WriteHeader(http.StatusNoContent)
}

// deleteSnapshot removes a snapshot, its archives and any file no other snapshot uses. A
// snapshot still being made, or used by a running restore or archive, is kept: the error
// is then an *apiError that says so.
func (c *Cloud) deleteSnapshot(ctx context.Context, snapID string) error {
	var files []string
	err := c.inTx(ctx, func(tx *sql.Tx) error {
		s, err := snapTable.get(ctx, tx, snapID)
		if err != nil {
			return err
		}
		if s.State == stateQueued || s.State == stateRunning {
			return newAPIError(http.StatusBadRequest, codeNotAllowed,
				"This snapshot is still being created: delete it after it has finished.")
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM restores WHERE source_snapshot_id = ? AND state IN (?, ?))
			+ (SELECT COUNT(*) FROM archives WHERE snapshot_id = ? AND state IN (?, ?))`,
			s.ID, stateQueued, stateRunning, s.ID, stateQueued, stateRunning).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return newAPIError(http.StatusBadRequest, codeNotAllowed,
				"This snapshot is being restored or prepared for download: delete it after that has finished.")
		}
		files, err = queryAll(ctx, tx, scanString, `SELECT file FROM archives WHERE snapshot_id = ? AND file LIKE 'archives/%'`, s.ID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM archives WHERE snapshot_id = ?`, s.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM snapshots WHERE snapshot_id = ?`, s.ID); err != nil {
			return err
		}
		if s.Blob != "" {
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM snapshots WHERE blob = ?`, s.Blob).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				files = append(files, "blobs/"+s.Blob)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := removeFile(c.dir, f); err != nil {
			c.log.Warn("remove snapshot file", "file", f, "err", err)
		}
	}
	return nil
}

func (c *Cloud) handleCreateArchive(w http.ResponseWriter, r *http.Request) {
	_, e, ok := c.v2Env(w, r)
	if !ok {
		return
	}
	dataType := r.URL.Query().Get("data_type")
	if dataType == "" {
		dataType = dataFilesAndDatabase
	}
	if dataType != dataFilesAndDatabase && dataType != dataDatabaseOnly {
		writeError(w, newAPIError(http.StatusBadRequest, codeUnsupported,
			fmt.Sprintf("data_type %q is not supported: use %s or %s.", dataType, dataDatabaseOnly, dataFilesAndDatabase)))
		return
	}
	s, ok := c.v2Snapshot(w, r, e)
	if !ok {
		return
	}
	if s.State != stateCompleted {
		writeError(w, newAPIError(http.StatusBadRequest, codeNotAllowed,
			"Only a completed snapshot can be downloaded; this one is "+s.State+"."))
		return
	}
	now := c.nowUTC()
	a := archiveRow{ID: uuid.NewString(), SnapshotID: s.ID, EnvID: e.EnvID, DataType: dataType,
		State: stateQueued, CreatedAt: now}
	_, err := c.db.ExecContext(r.Context(), `INSERT INTO archives(`+archiveCols+`) VALUES(?,?,?,?,?,?,?,?,?,?,?)`,
		a.ID, a.SnapshotID, a.EnvID, a.DataType, a.State, a.StatusMessage, "", "", now.UnixMilli(), nil, nil)
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	c.spawn("archive "+a.ID, func(ctx context.Context) { c.runArchive(ctx, a.ID) })
	writeJSON(w, http.StatusOK, c.archiveJSON(r, a))
}

func (c *Cloud) handleGetArchive(w http.ResponseWriter, r *http.Request) {
	_, s, ok := c.v2EnvSnapshot(w, r)
	if !ok {
		return
	}
	a, err := archiveTable.get(r.Context(), c.db, strings.ToLower(r.PathValue("archiveID")))
	if isNoRow(err) || (err == nil && a.SnapshotID != s.ID) {
		writeError(w, newAPIError(http.StatusNotFound, codeNotFound,
			fmt.Sprintf("Archive %q of snapshot %q was not found.", r.PathValue("archiveID"), s.ID)))
		return
	}
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	if c.archiveRead(w, &a) {
		return
	}
	writeJSON(w, http.StatusOK, c.archiveJSON(r, a))
}

// Archive data types.
const (
	dataFilesAndDatabase = "files_and_database"
	dataDatabaseOnly     = "database_only"
)

func (c *Cloud) handleCreateRestore(w http.ResponseWriter, r *http.Request) {
	a, e, ok := c.v2Env(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	srcID := strings.ToLower(strings.TrimSpace(q.Get("source_snapshot_id")))
	if srcID == "" {
		writeError(w, newAPIError(http.StatusBadRequest, codeInvalidParameters,
			"source_snapshot_id is required: the id of the snapshot to restore."))
		return
	}
	dbOnly := false
	if v := q.Get("db_only"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeError(w, newAPIError(http.StatusBadRequest, codeInvalidParameters,
				fmt.Sprintf("db_only must be true or false, not %q.", v)))
			return
		}
		dbOnly = b
	}
	user := userFrom(r.Context())
	now := c.nowUTC()
	rr := restoreRow{ID: uuid.NewString(), SourceSnapshotID: srcID, TargetEnvID: e.EnvID, DBOnly: dbOnly,
		Username: user, State: stateQueued, CreatedAt: now}
	err := c.inTx(r.Context(), func(tx *sql.Tx) error {
		e, err := envTable.get(r.Context(), tx, e.EnvID)
		if err != nil {
			return err
		}
		src, err := snapTable.get(r.Context(), tx, srcID)
		if err == nil {
			err = c.restoreSourceRefusal(r.Context(), tx, user, a, e, src)
		}
		if isNoRow(err) {
			return newAPIError(http.StatusBadRequest, codeNotFound, msgSourceNotFound)
		}
		if err != nil {
			return err
		}
		if err := envBusy(r.Context(), tx, e.EnvID); err != nil {
			return err
		}
		starting, err := startPending(r.Context(), tx, e.EnvID)
		if err != nil {
			return err
		}
		if starting {
			return newAPIError(http.StatusBadRequest, codeEnvBusy, msgEnvBusyStart)
		}
		switch e.Status {
		case statusRunning:
			return newAPIError(http.StatusBadRequest, codeNotAllowed, msgStopFirst)
		case statusEmpty:
			// Mendix Cloud needs a database on the node: deploy first.
			return newAPIError(http.StatusBadRequest, codeNotAllowed,
				"Nothing is deployed to this environment: deploy the app before restoring a backup into it.")
		}
		rr.SourceEnvID = src.EnvID
		_, err = tx.ExecContext(r.Context(), `INSERT INTO restores(`+restoreCols+`) VALUES(?,?,?,?,?,?,?,?,?,?,?)`,
			rr.ID, rr.SourceSnapshotID, rr.SourceEnvID, rr.TargetEnvID, b2i(rr.DBOnly), rr.Username, rr.State,
			rr.StatusMessage, now.UnixMilli(), nil, nil)
		return err
	})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.log.Info("restore requested", "env", e.EnvID, "restore", rr.ID, "source", srcID, "dbOnly", dbOnly)
	c.spawn("restore "+rr.ID, func(ctx context.Context) { c.runRestore(ctx, rr.ID) })
	writeJSON(w, http.StatusOK, restoreJSON(rr))
}

// restoreSourceRefusal checks the source snapshot: it must belong to an environment of the
// same app that the user may read backups of, not be expired, and be completed. A source the
// user may not see is errNoRow, like one that does not exist.
func (c *Cloud) restoreSourceRefusal(ctx context.Context, q querier, user string, a appRow, target envRow, src snapRow) error {
	srcEnv, err := envTable.get(ctx, q, src.EnvID)
	if err != nil {
		return err
	}
	if srcEnv.ProjectID != a.ProjectID || c.expired(src) {
		return errNoRow
	}
	if a.Free && srcEnv.EnvID != target.EnvID {
		return errNoRow // Free Apps restore their own backups only
	}
	acc, err := envAccess(ctx, q, user, srcEnv)
	if err != nil {
		return err
	}
	if !acc.backups {
		return errNoRow
	}
	if src.State != stateCompleted {
		return newAPIError(http.StatusBadRequest, codeNotAllowed, msgNotRightState)
	}
	return nil
}

func (c *Cloud) handleGetRestore(w http.ResponseWriter, r *http.Request) {
	_, e, ok := c.v2Env(w, r)
	if !ok {
		return
	}
	rr, err := restoreTable.get(r.Context(), c.db, strings.ToLower(r.PathValue("restoreID")))
	if isNoRow(err) || (err == nil && rr.TargetEnvID != e.EnvID) {
		writeError(w, newAPIError(http.StatusBadRequest, codeNotFound, msgRestoreNotFound))
		return
	}
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, restoreJSON(rr))
}
