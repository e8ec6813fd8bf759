package cloud

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// Deploy API v1: apps, environments, start and stop (base /api/1).

func (c *Client) v1Path(appID string, rest ...string) (string, error) {
	app, err := seg("app id", appID)
	if err != nil {
		return "", err
	}
	return c.apiPath(append([]string{"api", "1", "apps", app}, rest...)...), nil
}

func (c *Client) envPath(appID, mode string, rest ...string) (string, error) {
	m, err := seg("environment mode", mode)
	if err != nil {
		return "", err
	}
	return c.v1Path(appID, append([]string{"environments", m}, rest...)...)
}

// ListApps: GET /api/1/apps.
func (c *Client) ListApps(ctx context.Context) ([]App, error) {
	var apps []App
	_, err := c.do(ctx, call{op: "list apps", method: http.MethodGet, path: c.apiPath("api", "1", "apps")}, &apps)
	if err != nil {
		return nil, err
	}
	return apps, nil
}

// GetApp: GET /api/1/apps/{AppId}.
func (c *Client) GetApp(ctx context.Context, appID string) (*App, error) {
	op := fmt.Sprintf("get app %s", appID)
	p, err := c.v1Path(appID)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var app App
	if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: p}, &app); err != nil {
		return nil, err
	}
	return &app, nil
}

// ListEnvironments: GET /api/1/apps/{AppId}/environments.
func (c *Client) ListEnvironments(ctx context.Context, appID string) ([]Environment, error) {
	op := fmt.Sprintf("list environments of %s", appID)
	p, err := c.v1Path(appID, "environments")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var envs []Environment
	if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: p}, &envs); err != nil {
		return nil, err
	}
	return envs, nil
}

// GetEnvironment: GET /api/1/apps/{AppId}/environments/{Mode}.
func (c *Client) GetEnvironment(ctx context.Context, appID, mode string) (*Environment, error) {
	op := fmt.Sprintf("get environment %s of %s", mode, appID)
	p, err := c.envPath(appID, mode)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var env Environment
	if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: p}, &env); err != nil {
		return nil, err
	}
	return &env, nil
}

// StartEnvironment: POST .../{Mode}/start with {"AutoSyncDb": autoSyncDB}. Poll GetStartJob
// with the returned JobId until Started.
//
// When the environment already runs the API answers 200 with errorCode ALREADY_STARTED and
// no job: StartEnvironment then returns a nil job and an error matching ErrAlreadyStarted,
// which callers treat as success (there is nothing to poll). A broken connection after
// the request went out returns *AmbiguousError: look at GetEnvironment before starting again.
func (c *Client) StartEnvironment(ctx context.Context, appID, mode string, autoSyncDB bool) (*StartJob, error) {
	op := fmt.Sprintf("start %s of %s", mode, appID)
	p, err := c.envPath(appID, mode, "start")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	body := struct {
		AutoSyncDb bool `json:"AutoSyncDb"`
	}{autoSyncDB}
	raw, err := c.do(ctx, call{op: op, method: http.MethodPost, path: p, body: body}, nil)
	if err != nil {
		return nil, err
	}
	var ans struct {
		JobID        string `json:"JobId"`
		ErrorCode    string `json:"errorCode"`
		ErrorMessage string `json:"errorMessage"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		return nil, fmt.Errorf("%s: the server's answer (%d bytes) is not the expected JSON: %w", op, len(raw), err)
	}
	if ans.ErrorCode == "ALREADY_STARTED" {
		return nil, fmt.Errorf("%s: %w", op, ErrAlreadyStarted)
	}
	if ans.JobID == "" {
		if ans.ErrorCode != "" {
			return nil, fmt.Errorf("%s: the server answered %s: %s", op, ans.ErrorCode, boundText(c.redact(ans.ErrorMessage), maxErrorMessage))
		}
		return nil, fmt.Errorf("%s: the server's answer has no JobId", op)
	}
	return &StartJob{JobID: ans.JobID}, nil
}

// GetStartJob: GET .../{Mode}/start/{JobId}. Status is "Starting" until "Started"; a failed
// start comes back as an *APIError with the failure's code (e.g. DB_SYNC_FAILED).
func (c *Client) GetStartJob(ctx context.Context, appID, mode, jobID string) (*StartJobStatus, error) {
	op := fmt.Sprintf("get start job of %s of %s", mode, appID)
	job, err := seg("start job id", jobID)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	p, err := c.envPath(appID, mode, "start", job)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var st StartJobStatus
	if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: p}, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// StopEnvironment: POST .../{Mode}/stop. Poll GetEnvironment until Stopped (whether stop is
// synchronous is undocumented). The answer's body is ignored.
func (c *Client) StopEnvironment(ctx context.Context, appID, mode string) error {
	op := fmt.Sprintf("stop %s of %s", mode, appID)
	p, err := c.envPath(appID, mode, "stop")
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	_, err = c.do(ctx, call{op: op, method: http.MethodPost, path: p}, nil)
	return err
}
