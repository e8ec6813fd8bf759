package localcloud

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"regexp"

	"github.com/google/uuid"
)

// Deploy API v1 (cloud-api.md §2): apps, environments, start and stop.

// validAppID is the form of an AppId: a sub-domain label.
var validAppID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,62}$`)

func (c *Cloud) handleListApps(w http.ResponseWriter, r *http.Request) {
	apps, err := queryAll(r.Context(), c.db, scanApp, `SELECT `+appCols+` FROM apps WHERE project_id IN (
		SELECT e.project_id FROM permissions p JOIN environments e ON e.env_id = p.env_id WHERE p.username = ?)
		ORDER BY name COLLATE NOCASE, app_id`, userFrom(r.Context()))
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	out := make([]v1App, 0, len(apps))
	for _, a := range apps {
		out = append(out, appJSON(a))
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
	if apiErr := acc.refusal(false); apiErr != nil {
		writeError(w, apiErr)
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
	envs, err := queryAll(r.Context(), c.db, scanEnv, `SELECT `+envCols+` FROM environments WHERE project_id = ?
		ORDER BY position, mode`, a.ProjectID)
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	out := make([]v1Environment, 0, len(envs))
	for _, e := range envs {
		out = append(out, envJSON(a, e))
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
	if apiErr := readJSONBody(r, &req, `{"AutoSyncDb": true}`); apiErr != nil {
		writeError(w, apiErr)
		return
	}
	jobID := uuid.NewString()
	err := c.inTx(r.Context(), func(tx *sql.Tx) error {
		e, err := envTable.get(r.Context(), tx, e.EnvID)
		if err != nil {
			return err
		}
		if err := startRefusal(r.Context(), tx, e); err != nil {
			return err
		}
		_, err = tx.ExecContext(r.Context(), `INSERT INTO start_jobs(job_id, env_id, auto_sync_db, status, created_at)
			VALUES(?, ?, ?, ?, ?)`, jobID, e.EnvID, b2i(req.AutoSyncDB), startStarting, ms(c.nowUTC()))
		return err
	})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.log.Info("start requested", "env", e.EnvID, "job", jobID, "autoSyncDb", req.AutoSyncDB)
	c.spawn("start "+jobID, func(ctx context.Context) { c.runStart(ctx, jobID) })
	writeJSON(w, http.StatusOK, map[string]string{"JobId": jobID})
}

// startRefusal is the *apiError that says why e cannot be started now, or nil.
func startRefusal(ctx context.Context, q querier, e envRow) error {
	switch {
	case e.Status == statusEmpty:
		return newAPIError(http.StatusInternalServerError, codeNoMDA,
			"No app has been deployed to this environment: deploy a package before starting it.")
	case e.Status == statusRunning && e.StopDue.IsZero():
		return newAPIError(http.StatusOK, codeAlreadyStarted, "The environment is already running.")
	case !e.StopDue.IsZero():
		return newAPIError(http.StatusBadRequest, codeEnvBusy, msgEnvBusyStop)
	}
	starting, err := startPending(ctx, q, e.EnvID)
	if err != nil {
		return err
	}
	if starting {
		return newAPIError(http.StatusInternalServerError, codeAlreadyStarting,
			"The environment is already being started: follow the running start job.")
	}
	return envBusy(ctx, q, e.EnvID)
}

func (c *Cloud) handleStartStatus(w http.ResponseWriter, r *http.Request) {
	_, e, ok := c.v1Env(w, r)
	if !ok {
		return
	}
	job, err := startJobTable.get(r.Context(), c.db, r.PathValue("jobID"))
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
	var due bool
	err := c.inTx(r.Context(), func(tx *sql.Tx) error {
		e, err := envTable.get(r.Context(), tx, e.EnvID)
		if err != nil {
			return err
		}
		starting, err := startPending(r.Context(), tx, e.EnvID)
		if err != nil {
			return err
		}
		if starting {
			return newAPIError(http.StatusBadRequest, codeEnvBusy, msgEnvBusyStart)
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
		c.fail(w, r, err)
		return
	}
	if due {
		c.log.Info("stop requested", "env", e.EnvID)
		c.spawn("stop "+e.EnvID, func(ctx context.Context) { c.runStop(ctx, e.EnvID) })
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// startPending reports whether a start job of the environment is still under way.
func startPending(ctx context.Context, q querier, envID string) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM start_jobs WHERE env_id = ? AND status = ?`,
		envID, startStarting).Scan(&n); err != nil {
		return false, fmt.Errorf("count running start jobs: %w", err)
	}
	return n > 0, nil
}

// envBusy is the *apiError that says the environment is busy (a restore or a backup under
// way), or nil.
func envBusy(ctx context.Context, q querier, envID string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM restores WHERE target_env_id = ? AND state IN (?, ?)`,
		envID, stateQueued, stateRunning).Scan(&n); err != nil {
		return fmt.Errorf("count running restores: %w", err)
	}
	if n > 0 {
		return newAPIError(http.StatusBadRequest, codeEnvBusy, msgEnvBusyRestore)
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM snapshots WHERE env_id = ? AND state IN (?, ?) AND kind != ?`,
		envID, stateQueued, stateRunning, kindUploaded).Scan(&n); err != nil {
		return fmt.Errorf("count running backups: %w", err)
	}
	if n > 0 {
		return newAPIError(http.StatusBadRequest, codeEnvBusy, msgEnvBusySnapshot)
	}
	return nil
}
