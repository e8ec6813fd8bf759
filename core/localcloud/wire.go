package localcloud

import (
	"encoding/json"
	"time"
)

// The JSON shapes on the wire: v1 PascalCase, v2 snake_case (cloud-api.md §2, §3).

type v1App struct {
	AppID     string `json:"AppId"`
	Name      string `json:"Name"`
	ProjectID string `json:"ProjectId"`
	URL       string `json:"Url"`
}

// v1Environment omits the version fields for Free App (Sandbox) environments, as observed.
type v1Environment struct {
	Status            string `json:"Status"`
	EnvironmentID     string `json:"EnvironmentId"`
	Mode              string `json:"Mode"`
	URL               string `json:"Url"`
	ModelVersion      string `json:"ModelVersion,omitempty"`
	MendixVersion     string `json:"MendixVersion,omitempty"`
	Production        bool   `json:"Production"`
	Instances         int    `json:"Instances,omitempty"`
	MemoryPerInstance int    `json:"MemoryPerInstance,omitempty"`
	TotalMemory       int    `json:"TotalMemory,omitempty"`
	RuntimeLayer      string `json:"RuntimeLayer,omitempty"`
}

// isoTime is a v2 time: ISO-8601 UTC with milliseconds, null while unset.
type isoTime time.Time

const isoLayout = "2006-01-02T15:04:05.000Z"

func (t isoTime) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(tt.UTC().Format(isoLayout))
}

// nullString is a v2 string that is null while unset (the documented queued examples show
// status_message and model_version as null).
type nullString string

func (s nullString) MarshalJSON() ([]byte, error) {
	if s == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(s))
}

type v2Snapshot struct {
	SnapshotID    string     `json:"snapshot_id"`
	State         string     `json:"state"`
	StatusMessage nullString `json:"status_message"`
	Comment       string     `json:"comment"`
	ModelVersion  nullString `json:"model_version"`
	CreatedAt     isoTime    `json:"created_at"`
	UpdatedAt     isoTime    `json:"updated_at"`
	FinishedAt    isoTime    `json:"finished_at"`
	ExpiresAt     isoTime    `json:"expires_at"`
}

// MarshalJSON leaves model_version out of failed snapshots, as observed on Mendix Cloud.
func (s v2Snapshot) MarshalJSON() ([]byte, error) {
	type plain v2Snapshot
	if s.State != stateFailed {
		return json.Marshal(plain(s))
	}
	return json.Marshal(struct {
		SnapshotID    string     `json:"snapshot_id"`
		State         string     `json:"state"`
		StatusMessage nullString `json:"status_message"`
		Comment       string     `json:"comment"`
		CreatedAt     isoTime    `json:"created_at"`
		UpdatedAt     isoTime    `json:"updated_at"`
		FinishedAt    isoTime    `json:"finished_at"`
		ExpiresAt     isoTime    `json:"expires_at"`
	}{s.SnapshotID, s.State, s.StatusMessage, s.Comment, s.CreatedAt, s.UpdatedAt, s.FinishedAt, s.ExpiresAt})
}

type v2SnapshotPage struct {
	Snapshots []v2Snapshot `json:"snapshots"`
	Total     int          `json:"total"`
	Offset    int          `json:"offset"`
	Limit     int          `json:"limit"`
}

type v2Archive struct {
	ArchiveID     string     `json:"archive_id"`
	SnapshotID    string     `json:"snapshot_id"`
	DataType      string     `json:"data_type"`
	State         string     `json:"state"`
	StatusMessage nullString `json:"status_message"`
	CreatedAt     isoTime    `json:"created_at"`
	UpdatedAt     isoTime    `json:"updated_at"`
	FinishedAt    isoTime    `json:"finished_at"`
	URL           *string    `json:"url"`
}

type v2Restore struct {
	RestoreID           string     `json:"restore_id"`
	SourceSnapshotID    string     `json:"source_snapshot_id"`
	SourceEnvironmentID string     `json:"source_environment_id"`
	TargetEnvironmentID string     `json:"target_environment_id"`
	State               string     `json:"state"`
	StatusMessage       nullString `json:"status_message"`
	CreatedAt           isoTime    `json:"created_at"`
	UpdatedAt           isoTime    `json:"updated_at"`
	FinishedAt          isoTime    `json:"finished_at"`
}

func appJSON(a appRow) v1App {
	return v1App{AppID: a.AppID, Name: a.Name, ProjectID: a.ProjectID, URL: a.URL}
}

func envJSON(app appRow, e envRow) v1Environment {
	out := v1Environment{
		Status:        e.Status,
		EnvironmentID: e.EnvID,
		Mode:          e.Mode,
		URL:           e.URL,
		Production:    e.Production,
	}
	if !app.Free {
		out.ModelVersion = e.ModelVersion
		out.MendixVersion = e.MendixVersion
		out.RuntimeLayer = e.RuntimeLayer
		out.Instances = e.Instances
		out.MemoryPerInstance = e.MemoryPerInstance
		out.TotalMemory = e.Instances * e.MemoryPerInstance
	}
	return out
}

func snapJSON(s snapRow) v2Snapshot {
	return v2Snapshot{
		SnapshotID:    s.ID,
		State:         s.State,
		StatusMessage: nullString(s.StatusMessage),
		Comment:       s.Comment,
		ModelVersion:  nullString(s.ModelVersion),
		CreatedAt:     isoTime(s.CreatedAt),
		UpdatedAt:     isoTime(s.UpdatedAt),
		FinishedAt:    isoTime(s.FinishedAt),
		ExpiresAt:     isoTime(s.ExpiresAt),
	}
}

func restoreJSON(r restoreRow) v2Restore {
	return v2Restore{
		RestoreID:           r.ID,
		SourceSnapshotID:    r.SourceSnapshotID,
		SourceEnvironmentID: r.SourceEnvID,
		TargetEnvironmentID: r.TargetEnvID,
		State:               r.State,
		StatusMessage:       nullString(r.StatusMessage),
		CreatedAt:           isoTime(r.CreatedAt),
		UpdatedAt:           isoTime(r.UpdatedAt),
		FinishedAt:          isoTime(r.FinishedAt),
	}
}

// v2 job states (lowercase on the wire) and v1 statuses.
const (
	stateQueued    = "queued"
	stateRunning   = "running"
	stateCompleted = "completed"
	stateFailed    = "failed"

	statusRunning = "Running"
	statusStopped = "Stopped"
	statusEmpty   = "Empty"

	startStarting = "Starting"
	startStarted  = "Started"
	startFailed   = "Failed" // kept internally; the wire answers with the error code instead
)

// Snapshot kinds (internal: the API has no type field) drive retention.
const (
	kindNightly  = "nightly"
	kindWeekly   = "weekly"
	kindMonthly  = "monthly"
	kindManual   = "manual"
	kindUploaded = "uploaded"
)

// Snapshot contents.
const (
	contentFull     = "full"     // gzip → tar with .metadata, db/db.backup, tree/...
	contentDatabase = "database" // a raw custom-format dump
)

// Texts of the snapshot life cycle (examples from the docs where they exist).
const (
	commentNightly  = "Automatically created nightly snapshot"
	commentWeekly   = "Automatically created weekly snapshot"
	commentMonthly  = "Automatically created monthly snapshot"
	commentManual   = "Manually created snapshot"
	commentUploaded = "Uploaded snapshot"

	msgSnapshotRunning   = "Creating backup"
	msgSnapshotCompleted = "Completed backup creation"
	msgUploadChecking    = "Checking the uploaded file"
	msgUploadCompleted   = "Completed extraction"
	msgArchiveRunning    = "Preparing download archive"
	msgArchiveCompleted  = "Done preparing download archive"
	msgRestoreCompleted  = "Restore completed"
)

// commentFor is the comment a backup of kind gets when nobody wrote one: an automatic
// backup says which one it is, so the comment and the kind the portal shows agree.
func commentFor(kind string) string {
	switch kind {
	case kindWeekly:
		return commentWeekly
	case kindMonthly:
		return commentMonthly
	case kindManual:
		return commentManual
	case kindUploaded:
		return commentUploaded
	}
	return commentNightly
}
