package cloud

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// App is one entry of Deploy API v1 GET /apps.
type App struct {
	AppID     string `json:"AppId"`
	Name      string `json:"Name"`
	ProjectID string `json:"ProjectId"`
	URL       string `json:"Url"`
}

// EnvStatus is an environment's v1 Status. Unknown strings are kept as they came and
// reported as unknown: they are never taken to mean Stopped.
type EnvStatus string

// Documented v1 status values.
const (
	StatusRunning EnvStatus = "Running"
	StatusStopped EnvStatus = "Stopped"
	StatusEmpty   EnvStatus = "Empty" // nothing deployed
)

// envStatusLabels are the documented values as a person reads them.
var envStatusLabels = map[EnvStatus]string{StatusRunning: "Running", StatusStopped: "Stopped", StatusEmpty: "Nothing deployed"}

// Known reports whether s is one of the documented values.
func (s EnvStatus) Known() bool { _, ok := envStatusLabels[s]; return ok }

// Label is the status as a person reads it; unknown values say so and keep the raw text.
func (s EnvStatus) Label() string { return label(s, envStatusLabels) }

// label is a documented value's label, or "Unknown" with the raw text kept.
func label[T ~string](s T, known map[T]string) string {
	if l, ok := known[s]; ok {
		return l
	}
	if s == "" {
		return "Unknown"
	}
	return fmt.Sprintf("Unknown (%s)", string(s))
}

// FlexBool accepts a JSON boolean or the strings "true"/"false" (an old doc example of
// Environment.Production used a string).
type FlexBool bool

// UnmarshalJSON implements json.Unmarshaler.
func (b *FlexBool) UnmarshalJSON(data []byte) error {
	s := strings.Trim(strings.TrimSpace(string(data)), `"`)
	if s == "" || s == "null" {
		*b = false
		return nil
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("not a boolean: %s", data)
	}
	*b = FlexBool(v)
	return nil
}

// Environment is one entry of GET /apps/{AppId}/environments. Free App (Sandbox)
// environments lack the version fields.
type Environment struct {
	EnvironmentID     string    `json:"EnvironmentId"`
	Mode              string    `json:"Mode"`
	Status            EnvStatus `json:"Status"`
	URL               string    `json:"Url"`
	ModelVersion      string    `json:"ModelVersion,omitempty"`
	MendixVersion     string    `json:"MendixVersion,omitempty"`
	Production        FlexBool  `json:"Production"`
	Instances         int       `json:"Instances,omitempty"`
	MemoryPerInstance int       `json:"MemoryPerInstance,omitempty"`
	TotalMemory       int       `json:"TotalMemory,omitempty"`
	RuntimeLayer      string    `json:"RuntimeLayer,omitempty"`
}

// IsProduction reports whether restoring here needs the typed production confirmation.
func (e Environment) IsProduction() bool {
	return bool(e.Production) || strings.EqualFold(e.Mode, "Production")
}

// JobState is the state of a v2 snapshot, archive or restore job.
type JobState string

// Documented v2 job states (lowercase on the wire).
const (
	StateQueued    JobState = "queued"
	StateRunning   JobState = "running"
	StateCompleted JobState = "completed"
	StateFailed    JobState = "failed"
)

// Done reports whether the job reached a final state.
func (s JobState) Done() bool { return s == StateCompleted || s == StateFailed }

// jobStateLabels are the documented states as a person reads them.
var jobStateLabels = map[JobState]string{StateQueued: "Queued", StateRunning: "Running", StateCompleted: "Completed", StateFailed: "Failed"}

// Known reports whether s is a documented state.
func (s JobState) Known() bool { _, ok := jobStateLabels[s]; return ok }

// Label is the state as a person reads it; unknown values say so and keep the raw text.
func (s JobState) Label() string { return label(s, jobStateLabels) }

// Snapshot is a Backups API v2 snapshot (a backup). Times are zero while null.
type Snapshot struct {
	SnapshotID    string    `json:"snapshot_id"`
	State         JobState  `json:"state"`
	StatusMessage string    `json:"status_message"`
	Comment       string    `json:"comment"`
	ModelVersion  string    `json:"model_version,omitempty"`
	CreatedAt     time.Time `json:"created_at,omitzero"`
	UpdatedAt     time.Time `json:"updated_at,omitzero"`
	FinishedAt    time.Time `json:"finished_at,omitzero"`
	ExpiresAt     time.Time `json:"expires_at,omitzero"`
	// Kind is filled by the client that read the snapshot (see KindOf); never sent.
	Kind SnapshotKind `json:"-"`
}

// SnapshotPage is one page of GET P/snapshots.
type SnapshotPage struct {
	Snapshots []Snapshot `json:"snapshots"`
	Total     int        `json:"total"`
	Offset    int        `json:"offset"`
	Limit     int        `json:"limit"`
}

// ListOptions pages a list call (API defaults: offset 0, limit 100).
type ListOptions struct {
	Offset int
	Limit  int
}

// DataType selects what an archive holds.
type DataType string

// Archive data types.
const (
	DataFilesAndDatabase DataType = "files_and_database"
	DataDatabaseOnly     DataType = "database_only"
)

// Archive is a downloadable archive of a snapshot.
type Archive struct {
	ArchiveID     string    `json:"archive_id"`
	SnapshotID    string    `json:"snapshot_id"`
	DataType      DataType  `json:"data_type"`
	State         JobState  `json:"state"`
	StatusMessage string    `json:"status_message"`
	CreatedAt     time.Time `json:"created_at,omitzero"`
	UpdatedAt     time.Time `json:"updated_at,omitzero"`
	FinishedAt    time.Time `json:"finished_at,omitzero"`
	URL           string    `json:"url,omitempty"` // filled once completed; valid 8 hours
}

// RestoreRequest is the query of POST P/restores.
type RestoreRequest struct {
	SourceSnapshotID string // required; may belong to any environment of the same app
	DBOnly           bool   // restore the database only, leaving file documents as they are
}

// Restore is a Backups API v2 restore job.
type Restore struct {
	RestoreID           string    `json:"restore_id"`
	SourceSnapshotID    string    `json:"source_snapshot_id"`
	SourceEnvironmentID string    `json:"source_environment_id"`
	TargetEnvironmentID string    `json:"target_environment_id"`
	State               JobState  `json:"state"`
	StatusMessage       string    `json:"status_message"`
	CreatedAt           time.Time `json:"created_at,omitzero"`
	UpdatedAt           time.Time `json:"updated_at,omitzero"`
	FinishedAt          time.Time `json:"finished_at,omitzero"`
}

// StartJob is the answer of POST .../{Mode}/start.
type StartJob struct {
	JobID string `json:"JobId"`
}

// Start job statuses (v1).
const (
	StartStarting = "Starting"
	StartStarted  = "Started"
)

// StartJobStatus is the answer of GET .../{Mode}/start/{JobId}.
type StartJobStatus struct {
	Status string `json:"Status"`
}

// EpochMillis is a v1 time: a JSON number of milliseconds since the epoch (null → zero).
type EpochMillis struct{ time.Time }

// UnmarshalJSON implements json.Unmarshaler.
func (t *EpochMillis) UnmarshalJSON(data []byte) error {
	s := strings.Trim(strings.TrimSpace(string(data)), `"`)
	if s == "" || s == "null" {
		t.Time = time.Time{}
		return nil
	}
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("not epoch milliseconds: %s", data)
	}
	t.Time = time.UnixMilli(ms).UTC()
	return nil
}

// MarshalJSON implements json.Marshaler.
func (t EpochMillis) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UnixMilli())
}

// SnapshotV1 is a deprecated Backups API v1 snapshot (times in epoch milliseconds). Only
// parsed, never requested: the v1 backups endpoints may be retired.
type SnapshotV1 struct {
	SnapshotID   string      `json:"SnapshotID"`
	Comment      string      `json:"Comment"`
	State        string      `json:"State"`
	CreatedOn    EpochMillis `json:"CreatedOn"`
	ExpiresOn    EpochMillis `json:"ExpiresOn"`
	ModelVersion string      `json:"ModelVersion"`
}

// UploadMeta describes a file sent through the upload extension.
type UploadMeta struct {
	Filename string
	Size     int64
	SHA256   string // hex; checked by the server against what it received
}

// Upload is a created (possibly unfinished) upload. Its snapshot appears under
// SnapshotID once the upload finished and the server checked it.
type Upload struct {
	URL        string // absolute URL of the tus resource; persist it to resume later
	SnapshotID string // equals the last path segment of URL
}

// The decoders below make the models tolerant of what the contract leaves open: v2 times
// may be null, empty or lack a zone, and Environment's undocumented numeric fields may come
// as strings. A field the client cannot read must not hide a whole environment list.

// flexTime decodes a v2 time: ISO-8601 (with or without zone, any fraction), null or ""
// (zero), or epoch milliseconds as a number.
type flexTime struct{ time.Time }

var flexTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
}

func (t *flexTime) UnmarshalJSON(data []byte) error {
	s := strings.TrimSpace(string(data))
	if s == "null" || s == `""` || s == "" {
		t.Time = time.Time{}
		return nil
	}
	if s[0] != '"' {
		var em EpochMillis
		if err := em.UnmarshalJSON(data); err != nil {
			return fmt.Errorf("not a time: %s", data)
		}
		t.Time = em.Time
		return nil
	}
	var str string
	if err := json.Unmarshal(data, &str); err != nil {
		return err
	}
	for _, layout := range flexTimeLayouts {
		if v, err := time.Parse(layout, str); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return fmt.Errorf("not a time: %q", str)
}

// UnmarshalJSON implements json.Unmarshaler (tolerant times).
func (s *Snapshot) UnmarshalJSON(data []byte) error {
	type plain Snapshot
	return decodeTimed(data, (*plain)(s), map[string]*time.Time{
		"created_at": &s.CreatedAt, "updated_at": &s.UpdatedAt, "finished_at": &s.FinishedAt, "expires_at": &s.ExpiresAt,
	})
}

// UnmarshalJSON implements json.Unmarshaler (tolerant times).
func (a *Archive) UnmarshalJSON(data []byte) error {
	type plain Archive
	return decodeTimed(data, (*plain)(a), map[string]*time.Time{
		"created_at": &a.CreatedAt, "updated_at": &a.UpdatedAt, "finished_at": &a.FinishedAt,
	})
}

// UnmarshalJSON implements json.Unmarshaler (tolerant times).
func (r *Restore) UnmarshalJSON(data []byte) error {
	type plain Restore
	return decodeTimed(data, (*plain)(r), map[string]*time.Time{
		"created_at": &r.CreatedAt, "updated_at": &r.UpdatedAt, "finished_at": &r.FinishedAt,
	})
}

// decodeTimed is the one tolerant decoder of the v2 models: the members named in times
// (matched as encoding/json matches, ignoring case) are read as flexTime into their
// fields, and the rest of the object into plain, a method-less copy of the model's type.
func decodeTimed(data []byte, plain any, times map[string]*time.Time) error {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		return err
	}
	rest := make(map[string]json.RawMessage, len(members))
	for key, raw := range members {
		dst := timeField(times, key)
		if dst == nil {
			rest[key] = raw
			continue
		}
		var t flexTime
		if err := t.UnmarshalJSON(raw); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		*dst = t.Time
	}
	remaining, err := json.Marshal(rest)
	if err != nil {
		return err
	}
	return json.Unmarshal(remaining, plain)
}

func timeField(times map[string]*time.Time, key string) *time.Time {
	for name, dst := range times {
		if strings.EqualFold(name, key) {
			return dst
		}
	}
	return nil
}

// flexInt decodes a number, a numeric string, or anything else as 0: the fields using it
// are informational extras nobody documented.
type flexInt int

func (n *flexInt) UnmarshalJSON(data []byte) error {
	s := strings.Trim(strings.TrimSpace(string(data)), `"`)
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		*n = flexInt(v)
		return nil
	}
	*n = 0
	return nil
}

// UnmarshalJSON implements json.Unmarshaler (tolerant extras).
func (e *Environment) UnmarshalJSON(data []byte) error {
	type plain Environment
	aux := struct {
		*plain
		Instances         flexInt `json:"Instances"`
		MemoryPerInstance flexInt `json:"MemoryPerInstance"`
		TotalMemory       flexInt `json:"TotalMemory"`
	}{plain: (*plain)(e)}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	e.Instances, e.MemoryPerInstance, e.TotalMemory = int(aux.Instances), int(aux.MemoryPerInstance), int(aux.TotalMemory)
	return nil
}
