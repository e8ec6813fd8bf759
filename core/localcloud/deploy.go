package localcloud

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"

	"github.com/google/uuid"
)

// Deploy API v1 (cloud-api.md §2): apps, environments, start and stop.

// validAppID is the form of an AppId: a sub-domain label.
var validAppID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,62}$`)

func (c *Cloud) handleListApps(w http.ResponseWriter, r *http.Request) {
	rows, err := c.db.QueryContext(r.Context(), `SELECT `+appCols+` FROM apps WHERE project_id IN (
		SELECT e.project_id FROM permissions p JOIN environments e ON e.env_id = p.env_id WHERE p.username = ?)
		ORDER BY name COLLATE NOCASE, app_id`, userFrom(r.Context()))
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	defer rows.Close()
	out := []v1App{}
	for rows.Next() {
		a, err := scanApp(rows)
		if err != nil {
			c.internalError(w, r, err)
			return
		}
		out = append(out, appJSON(a))
	}
	if err := rows.Err(); err != nil {
		c.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// v1App resolves {appID} to an app the user is on the team of.
func (c *Cloud) v1App(w http.ResponseWriter, r *http.Request) (appRow, bool) {
	appID := r.PathValue("appID")
	if !validAppID.MatchString(appID) {
		writeError(w, newAPIError(http.StatusBadRequest, codeInvalidAppID,
			fmt.Sprintf("%q is not a valid AppId: use the app's sub-domain, e.g. calc.", appID)))
		return appRow{}, false
	}
	a, err := scanApp(c.db.QueryRowContext(r.Context(), `SELECT `+appCols+` FROM apps WHERE app_id = ?`, appID))
	if err == nil {
		var member bool
		member, err = isMember(r.Context(), c.db, userFrom(r.Context()), a.ProjectID)
		if err == nil && !member {
			err = sql.ErrNoRows
		}
	}
	if isNoRow(err) {
		writeError(w, newAPIError(http.StatusNotFound, codeAppNotFound,
			fmt.Sprintf("App %q was not found, or you are not on its team.", appID)))
		return appRow{}, false
	}
	if err != nil {
		c.internalError(w, r, err)
		return appRow{}, false
	}
	return a, true
}

// v1Env resolves {appID}/{mode} (Mode matched in any case) to an environment on which the
// user has API rights.
func (c *Cloud) v1Env(w http.ResponseWriter, r *http.Request) (appRow, envRow, bool) {
	a, ok := c.v1App(w, r)
	if !ok {
		return a, envRow{}, false
	}
	mode := r.PathValue("mode")
	e, err := scanEnv(c.db.QueryRowContext(r.Context(), `SELECT `+envCols+` FROM environments
		WHERE project_id = ? AND mode = ?`, a.ProjectID, mode))
	if isNoRow(err) {
		writeError(w, newAPIError(http.StatusNotFound, codeEnvNotFound,
			fmt.Sprintf("App %q has no environment %q.", a.AppID, mode)))
		return a, e, false
	}
	if err != nil {
		c.internalError(w, r, err)
		return a, e, false
	}
	acc, err := envAccess(r.Context(), c.db, userFrom(r.Context()), e)
	if err != nil {
		c.internalError(w, r, err)
		return a, e, false
	}
	if !acc.api {
		writeError(w, newAPIError(http.StatusForbidden, codeNoAccess, msgNoAPIAccess))
		return a, e, false
	}
	return a, e, true
}

func (c *Cloud) handleGetApp(w http.ResponseWriter, r *http.Request) {
	if a, ok := c.v1App(w, r); ok {
		writeJSON(w, http.StatusOK, appJSON(a))
	}
}

func (c *Cloud) handleListEnvironments(w http.ResponseWriter, r *http.Request) {
	a, ok := c.v1App(w, r)
	if !ok {
		return
	}
	rows, err := c.db.QueryContext(r.Context(), `SELECT `+envCols+` FROM environments WHERE project_id = ?
		ORDER BY position, mode`, a.ProjectID)
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	defer rows.Close()
	out := []v1Environment{}
	for rows.Next() {
		e, err := scanEnv(rows)
		if err != nil {
			c.internalError(w, r, err)
			return
		}
		out = append(out, envJSON(a, e))
	}
	if err := rows.Err(); err != nil {
		c.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (c *Cloud) handleGetEnvironment(w http.ResponseWriter, r *http.Request) {
	if a, e, ok := c.v1Env(w, r); ok {
		writeJSON(w, http.StatusOK, envJSON(a, e))
	}
}

type startRequest struct {
	AutoSyncDB bool `json:"AutoSyncDb"`
}

func (c *Cloud) handleStart(w http.ResponseWriter, r *http.Request) {
	_, e, ok := c.v1Env(w, r)
	if !ok {
		return
	}
	var req startRequest
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil {
		writeError(w, newAPIError(http.StatusBadRequest, codeInvalidParameters, "The request body could not be read."))
		return
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			writeError(w, newAPIError(http.StatusBadRequest, codeInvalidParameters,
				`The body must be JSON like {"AutoSyncDb": true}.`))
			return
		}
	}
	jobID := uuid.NewString()
	var apiErr *apiError
	err = c.inTx(r.Context(), func(tx *sql.Tx) error {
		e, err := getEnv(r.Context(), tx, e.EnvID)
		if err != nil {
			return err
		}
		if apiErr = c.startRefusal(r.Context(), tx, e); apiErr != nil {
			return nil
		}
		_, err = tx.ExecContext(r.Context(), `INSERT INTO start_jobs(job_id, env_id, auto_sync_db, status, created_at)
			VALUES(?, ?, ?, ?, ?)`, jobID, e.EnvID, b2i(req.AutoSyncDB), startStarting, ms(c.nowUTC()))
		return err
	})
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	c.log.Info("start requested", "env", e.EnvID, "job", jobID, "autoSyncDb", req.AutoSyncDB)
	c.spawn("start "+jobID, func(ctx context.Context) { c.runStart(ctx, jobID) })
	writeJSON(w, http.StatusOK, map[string]string{"JobId": jobID})
}

// startRefusal says why e cannot be started now, or nil.
func (c *Cloud) startRefusal(ctx context.Context, q querier, e envRow) *apiError {
	switch {
	case e.Status == statusEmpty:
		return newAPIError(http.StatusInternalServerError, codeNoMDA,
			"No app has been deployed to this environment: deploy a package before starting it.")
	case e.Status == statusRunning && e.StopDue.IsZero():
		return newAPIError(http.StatusOK, codeAlreadyStarted, "The environment is already running.")
	case !e.StopDue.IsZero():
		return newAPIError(http.StatusBadRequest, codeEnvBusy, msgEnvBusyStop)
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM start_jobs WHERE env_id = ? AND status = ?`,
		e.EnvID, startStarting).Scan(&n); err != nil {
		return newAPIError(http.StatusInternalServerError, codeInternal, msgInternalStoreFail)
	}
	if n > 0 {
		return newAPIError(http.StatusInternalServerError, codeAlreadyStarting,
			"The environment is already being started: follow the running start job.")
	}
	if busy, msg := envBusy(ctx, q, e.EnvID); busy {
		return newAPIError(http.StatusBadRequest, codeEnvBusy, msg)
	}
	return nil
}

func (c *Cloud) handleStartStatus(w http.ResponseWriter, r *http.Request) {
	_, e, ok := c.v1Env(w, r)
	if !ok {
		return
	}
	job, err := getStartJob(r.Context(), c.db, r.PathValue("jobID"))
	if isNoRow(err) || (err == nil && job.EnvID != e.EnvID) {
		writeError(w, newAPIError(http.StatusNotFound, codeNoSuchStartJob,
			fmt.Sprintf("There is no start job %q for this environment.", r.PathValue("jobID"))))
		return
	}
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	if job.Status == startFailed {
		writeError(w, newAPIError(http.StatusInternalServerError, job.ErrorCode, job.ErrorMessage))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"Status": job.Status})
}

func (c *Cloud) handleStop(w http.ResponseWriter, r *http.Request) {
	_, e, ok := c.v1Env(w, r)
	if !ok {
		return
	}
	var apiErr *apiError
	var due bool
	err := c.inTx(r.Context(), func(tx *sql.Tx) error {
		e, err := getEnv(r.Context(), tx, e.EnvID)
		if err != nil {
			return err
		}
		var starting int
		if err := tx.QueryRowContext(r.Context(), `SELECT COUNT(*) FROM start_jobs WHERE env_id = ? AND status = ?`,
			e.EnvID, startStarting).Scan(&starting); err != nil {
			return err
		}
		if starting > 0 {
			apiErr = newAPIError(http.StatusBadRequest, codeEnvBusy, msgEnvBusyStart)
			return nil
		}
		if e.Status != statusRunning || !e.StopDue.IsZero() {
			return nil // stopped, empty, or already stopping: nothing to do
		}
		due = true
		_, err = tx.ExecContext(r.Context(), `UPDATE environments SET stop_due = ? WHERE env_id = ?`,
			ms(c.nowUTC().Add(c.jobDuration(0))), e.EnvID)
		return err
	})
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	if due {
		c.log.Info("stop requested", "env", e.EnvID)
		c.spawn("stop "+e.EnvID, func(ctx context.Context) { c.runStop(ctx, e.EnvID) })
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// envBusy reports whether a restore or a backup is under way on the environment.
func envBusy(ctx context.Context, q querier, envID string) (bool, string) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM restores WHERE target_env_id = ? AND state IN (?, ?)`,
		envID, stateQueued, stateRunning).Scan(&n)
	if err != nil || n > 0 {
		return true, msgEnvBusyRestore
	}
	err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM snapshots WHERE env_id = ? AND state IN (?, ?) AND kind != ?`,
		envID, stateQueued, stateRunning, kindUploaded).Scan(&n)
	if err != nil || n > 0 {
		return true, msgEnvBusySnapshot
	}
	return false, ""
}
