package cloud

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Backups API v2: snapshots, archives and restores under
// /api/v2/apps/{ProjectId}/environments/{EnvironmentId}.

// SnapshotPageSize is the page size ListAllSnapshots asks for (the API's default).
const SnapshotPageSize = 100

// maxSnapshotPages bounds ListAllSnapshots whatever total the server claims.
const maxSnapshotPages = 10000

func (c *Client) v2Path(projectID, envID string, rest ...string) (string, error) {
	p, err := seg("project id", projectID)
	if err != nil {
		return "", err
	}
	e, err := seg("environment id", envID)
	if err != nil {
		return "", err
	}
	return c.apiPath(append([]string{"api", "v2", "apps", p, "environments", e}, rest...)...), nil
}

func (c *Client) snapshotPath(projectID, envID, snapshotID string, rest ...string) (string, error) {
	s, err := seg("snapshot id", snapshotID)
	if err != nil {
		return "", err
	}
	return c.v2Path(projectID, envID, append([]string{"snapshots", s}, rest...)...)
}

// ListSnapshots: one page of GET /api/v2/apps/{ProjectId}/environments/{EnvironmentId}/snapshots.
// A zero Limit leaves the page size to the server (100).
func (c *Client) ListSnapshots(ctx context.Context, projectID, envID string, opt ListOptions) (*SnapshotPage, error) {
	op := fmt.Sprintf("list backups of environment %s", envID)
	p, err := c.v2Path(projectID, envID, "snapshots")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if opt.Offset < 0 || opt.Limit < 0 {
		return nil, fmt.Errorf("%s: offset and limit must not be negative", op)
	}
	q := url.Values{"offset": {strconv.Itoa(opt.Offset)}}
	if opt.Limit > 0 {
		q.Set("limit", strconv.Itoa(opt.Limit))
	}
	var page SnapshotPage
	if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: p, query: q}, &page); err != nil {
		return nil, err
	}
	for i := range page.Snapshots {
		c.setKind(&page.Snapshots[i])
	}
	return &page, nil
}

// ListAllSnapshots follows the pages until offset+len >= total. A snapshot that shows up on
// two pages (the list shifted while paging) is kept once. A server that sends an empty page
// before reaching its own total gets an error instead of an endless loop.
func (c *Client) ListAllSnapshots(ctx context.Context, projectID, envID string) ([]Snapshot, error) {
	var (
		all    []Snapshot
		seen   = map[string]bool{}
		offset int
	)
	for range maxSnapshotPages {
		page, err := c.ListSnapshots(ctx, projectID, envID, ListOptions{Offset: offset, Limit: SnapshotPageSize})
		if err != nil {
			return nil, err
		}
		for _, s := range page.Snapshots {
			if s.SnapshotID != "" && seen[s.SnapshotID] {
				continue
			}
			seen[s.SnapshotID] = true
			all = append(all, s)
		}
		if offset+len(page.Snapshots) >= page.Total {
			return all, nil
		}
		if len(page.Snapshots) == 0 {
			return nil, fmt.Errorf("list backups of environment %s: the server sent an empty page at offset %d although it reports %d backups; the list would be incomplete", envID, offset, page.Total)
		}
		offset += len(page.Snapshots)
	}
	return nil, fmt.Errorf("list backups of environment %s: more than %d pages; giving up", envID, maxSnapshotPages)
}

// GetSnapshot: GET P/snapshots/{SnapshotId}.
func (c *Client) GetSnapshot(ctx context.Context, projectID, envID, snapshotID string) (*Snapshot, error) {
	op := fmt.Sprintf("get backup %s", snapshotID)
	p, err := c.snapshotPath(projectID, envID, snapshotID)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var s Snapshot
	if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: p}, &s); err != nil {
		return nil, err
	}
	c.setKind(&s)
	return &s, nil
}

// CreateSnapshot: POST P/snapshots with {"comment": comment} ({} when comment is empty).
// The snapshot comes back queued; poll GetSnapshot. On *AmbiguousError list the snapshots
// before creating another one.
func (c *Client) CreateSnapshot(ctx context.Context, projectID, envID, comment string) (*Snapshot, error) {
	op := fmt.Sprintf("create backup of environment %s", envID)
	p, err := c.v2Path(projectID, envID, "snapshots")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	body := struct {
		Comment string `json:"comment,omitempty"`
	}{comment}
	var s Snapshot
	if _, err := c.do(ctx, call{op: op, method: http.MethodPost, path: p, body: body}, &s); err != nil {
		return nil, err
	}
	c.setKind(&s)
	return &s, nil
}

// UpdateSnapshotComment: PUT P/snapshots/{SnapshotId} with {"comment": comment}.
func (c *Client) UpdateSnapshotComment(ctx context.Context, projectID, envID, snapshotID, comment string) (*Snapshot, error) {
	op := fmt.Sprintf("update comment of backup %s", snapshotID)
	p, err := c.snapshotPath(projectID, envID, snapshotID)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	body := struct {
		Comment string `json:"comment"`
	}{comment}
	var s Snapshot
	if _, err := c.do(ctx, call{op: op, method: http.MethodPut, path: p, body: body}, &s); err != nil {
		return nil, err
	}
	c.setKind(&s)
	return &s, nil
}

// DeleteSnapshot: DELETE P/snapshots/{SnapshotId}.
func (c *Client) DeleteSnapshot(ctx context.Context, projectID, envID, snapshotID string) error {
	op := fmt.Sprintf("delete backup %s", snapshotID)
	p, err := c.snapshotPath(projectID, envID, snapshotID)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	_, err = c.do(ctx, call{op: op, method: http.MethodDelete, path: p}, nil)
	return err
}

// CreateArchive: POST P/snapshots/{SnapshotId}/archives?data_type=... (an empty dataType
// leaves the server's default, files_and_database). Poll GetArchive until its URL is set.
func (c *Client) CreateArchive(ctx context.Context, projectID, envID, snapshotID string, dataType DataType) (*Archive, error) {
	op := fmt.Sprintf("create archive of backup %s", snapshotID)
	p, err := c.snapshotPath(projectID, envID, snapshotID, "archives")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var q url.Values
	if dataType != "" {
		q = url.Values{"data_type": {string(dataType)}}
	}
	var a Archive
	if _, err := c.do(ctx, call{op: op, method: http.MethodPost, path: p, query: q}, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// GetArchive: GET P/snapshots/{SnapshotId}/archives/{ArchiveId}.
func (c *Client) GetArchive(ctx context.Context, projectID, envID, snapshotID, archiveID string) (*Archive, error) {
	op := fmt.Sprintf("get archive %s", archiveID)
	a, err := seg("archive id", archiveID)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	p, err := c.snapshotPath(projectID, envID, snapshotID, "archives", a)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var ar Archive
	if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: p}, &ar); err != nil {
		return nil, err
	}
	return &ar, nil
}

// CreateRestore: POST P/restores?source_snapshot_id=...&db_only=... into environment envID
// (no body). The environment must be stopped: a running one is refused (IsStillRunning).
// On *AmbiguousError do not call it again: look at the environment's restores/state first.
func (c *Client) CreateRestore(ctx context.Context, projectID, envID string, req RestoreRequest) (*Restore, error) {
	op := fmt.Sprintf("restore backup %s into environment %s", req.SourceSnapshotID, envID)
	if _, err := seg("source snapshot id", req.SourceSnapshotID); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	p, err := c.v2Path(projectID, envID, "restores")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	q := url.Values{
		"source_snapshot_id": {req.SourceSnapshotID},
		"db_only":            {strconv.FormatBool(req.DBOnly)},
	}
	var r Restore
	if _, err := c.do(ctx, call{op: op, method: http.MethodPost, path: p, query: q}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// GetRestore: GET P/restores/{RestoreId}.
func (c *Client) GetRestore(ctx context.Context, projectID, envID, restoreID string) (*Restore, error) {
	op := fmt.Sprintf("get restore %s", restoreID)
	id, err := seg("restore id", restoreID)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	p, err := c.v2Path(projectID, envID, "restores", id)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var r Restore
	if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: p}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
