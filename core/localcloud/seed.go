package localcloud

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Seeding and inspection for tests of other packages (and for the demo). These are Go calls,
// not HTTP endpoints: the API stays exactly the documented one.

// idNamespace makes default ProjectIds and EnvironmentIds deterministic (UUIDv5 of names).
var idNamespace = uuid.MustParse("6f1d5f0e-3c0b-4f53-9a43-5b1f6a2d7c10")

// ProjectID is the ProjectId an app seeded without one gets (the demo apps included).
func ProjectID(appID string) string {
	return uuid.NewSHA1(idNamespace, []byte("app/"+strings.ToLower(appID))).String()
}

// EnvironmentID is the EnvironmentId an environment seeded without one gets.
func EnvironmentID(appID, mode string) string {
	return uuid.NewSHA1(idNamespace, []byte("env/"+strings.ToLower(appID)+"/"+strings.ToLower(mode))).String()
}

// AppSpec describes an app to seed.
type AppSpec struct {
	AppID     string // sub-domain, e.g. "customerportal"; required
	Name      string // default: AppID
	ProjectID string // default: ProjectID(AppID)
	URL       string // default: https://<AppID>.mendixcloud.com, Free Apps https://<AppID>-sandbox.mxapps.io
	Free      bool   // a Free App: one Sandbox environment, no manual backups, no uploads
	// Team members get API Rights and Access to Backups on every environment (unless an
	// environment's Access says otherwise for them).
	Team []string
	// Environments default to Test, Acceptance (Stopped) and Production (Running) for a
	// licensed app, and one Sandbox (Running) for a Free App.
	Environments []EnvSpec
}

// EnvSpec describes an environment to seed.
type EnvSpec struct {
	Mode string // Test, Acceptance, Production, Sandbox or a flexible name; required
	// Production sets Mendix's Production flag on a flexible environment (one named
	// Production has it anyway): whether it is production is the flag, not the name.
	Production    bool
	EnvironmentID string // default: EnvironmentID(AppID, Mode)
	// Status is Running, Stopped or Empty (nothing deployed); default Running for
	// Production and Sandbox, Stopped otherwise.
	Status        string
	URL           string // default from the app's URL and the mode
	ModelVersion  string // default 1.0.0.1
	MendixVersion string // default 10.24.2.74553
	// NoData leaves the environment without a data folder: cheap, for benchmarks with many
	// environments. Otherwise it starts with the fixture's database and files.
	NoData bool
	// Access sets exact rights for some users on this environment (overriding Team).
	Access []Access
}

// Access is one user's rights on one environment.
type Access struct {
	Username  string
	APIRights bool
	Backups   bool // Access to Backups; without API Rights it grants nothing
}

// App is a seeded app.
type App struct {
	AppID, Name, ProjectID, URL string
	Free                        bool
	Environments                []Environment
}

// Environment is a seeded environment.
type Environment struct {
	EnvironmentID, Mode, Status, URL, ModelVersion string
	Production                                     bool
}

// Env returns the environment with the mode (any case), or false.
func (a App) Env(mode string) (Environment, bool) {
	for _, e := range a.Environments {
		if strings.EqualFold(e.Mode, mode) {
			return e, true
		}
	}
	return Environment{}, false
}

// AddAccount adds a user (or replaces the API key of an existing one).
func (c *Cloud) AddAccount(username, apiKey string) error {
	return addAccount(c.ctx, c.db, username, apiKey)
}

// AddApp seeds one app with its environments, team and data.
func (c *Cloud) AddApp(spec AppSpec) (App, error) {
	apps, err := c.AddApps([]AppSpec{spec})
	if err != nil {
		return App{}, err
	}
	return apps[0], nil
}

// AddApps seeds many apps in one transaction (300 apps × 3 environments without data take
// well under a second).
func (c *Cloud) AddApps(specs []AppSpec) ([]App, error) {
	ctx := context.WithoutCancel(c.ctx)
	out := make([]App, 0, len(specs))
	var withData []Environment
	err := c.inTx(ctx, func(tx *sql.Tx) error {
		for _, spec := range specs {
			app, data, err := insertApp(ctx, tx, spec)
			if err != nil {
				return err
			}
			out = append(out, app)
			withData = append(withData, data...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, e := range withData {
		if err := c.seedEnvData(e.EnvironmentID, e.ModelVersion); err != nil {
			return nil, fmt.Errorf("seed data of environment %s: %w", e.Mode, err)
		}
	}
	return out, nil
}

func insertApp(ctx context.Context, tx *sql.Tx, spec AppSpec) (App, []Environment, error) {
	if !validAppID.MatchString(spec.AppID) {
		return App{}, nil, fmt.Errorf("add app: AppID %q is not a sub-domain label", spec.AppID)
	}
	app := App{AppID: spec.AppID, Name: spec.Name, ProjectID: strings.ToLower(spec.ProjectID), URL: spec.URL, Free: spec.Free}
	if app.Name == "" {
		app.Name = spec.AppID
	}
	if app.ProjectID == "" {
		app.ProjectID = ProjectID(spec.AppID)
	}
	if app.URL == "" {
		app.URL = "https://" + spec.AppID + ".mendixcloud.com"
		if spec.Free {
			app.URL = "https://" + spec.AppID + "-sandbox.mxapps.io"
		}
	}
	envs := spec.Environments
	if len(envs) == 0 {
		if spec.Free {
			envs = []EnvSpec{{Mode: "Sandbox"}}
		} else {
			envs = []EnvSpec{{Mode: "Test"}, {Mode: "Acceptance"}, {Mode: "Production"}}
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO apps(`+appCols+`) VALUES(?,?,?,?,?)`,
		app.ProjectID, app.AppID, app.Name, app.URL, b2i(app.Free)); err != nil {
		return App{}, nil, fmt.Errorf("add app %s: %w", spec.AppID, err)
	}
	var withData []Environment
	for i, es := range envs {
		if es.Mode == "" {
			return App{}, nil, fmt.Errorf("add app %s: environment %d has no Mode", spec.AppID, i+1)
		}
		e := Environment{EnvironmentID: strings.ToLower(es.EnvironmentID), Mode: es.Mode, Status: es.Status,
			URL: es.URL, ModelVersion: es.ModelVersion, Production: es.Production || strings.EqualFold(es.Mode, "Production")}
		if e.EnvironmentID == "" {
			e.EnvironmentID = EnvironmentID(spec.AppID, es.Mode)
		}
		if e.Status == "" {
			e.Status = statusStopped
			if e.Production || strings.EqualFold(es.Mode, "Sandbox") {
				e.Status = statusRunning
			}
		}
		if e.Status != statusRunning && e.Status != statusStopped && e.Status != statusEmpty {
			return App{}, nil, fmt.Errorf("add app %s: status %q is not Running, Stopped or Empty", spec.AppID, e.Status)
		}
		if e.URL == "" {
			e.URL = envURL(app, es.Mode)
		}
		if e.ModelVersion == "" {
			e.ModelVersion = "1.0.0.1"
		}
		mx := es.MendixVersion
		if mx == "" {
			mx = "10.24.2.74553"
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO environments(env_id, project_id, mode, position, url, status, production,
			model_version, mendix_version, runtime_layer, instances, memory_per_instance) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)`,
			e.EnvironmentID, app.ProjectID, e.Mode, i, e.URL, e.Status, b2i(e.Production), e.ModelVersion, mx,
			"Ubuntu 22.04", 1, 1024)
		if err != nil {
			return App{}, nil, fmt.Errorf("add environment %s/%s: %w", spec.AppID, es.Mode, err)
		}
		rights := map[string]Access{}
		for _, u := range spec.Team {
			rights[strings.ToLower(u)] = Access{Username: u, APIRights: true, Backups: true}
		}
		for _, a := range es.Access {
			rights[strings.ToLower(a.Username)] = a
		}
		for _, a := range rights {
			if _, err := tx.ExecContext(ctx, `INSERT INTO permissions(env_id, username, api, backups) VALUES(?,?,?,?)`,
				e.EnvironmentID, a.Username, b2i(a.APIRights), b2i(a.Backups)); err != nil {
				return App{}, nil, fmt.Errorf("add permission for %s: %w", a.Username, err)
			}
		}
		app.Environments = append(app.Environments, e)
		if !es.NoData {
			withData = append(withData, e)
		}
	}
	return app, withData, nil
}

// envURL follows Mendix Cloud's pattern: production on the app's URL, others on -test/-accp.
func envURL(app App, mode string) string {
	if app.Free || strings.EqualFold(mode, "Production") {
		return app.URL
	}
	suffix := strings.ToLower(mode)
	switch suffix {
	case "acceptance":
		suffix = "accp"
	case "test":
		suffix = "test"
	}
	host := strings.TrimPrefix(app.URL, "https://")
	name, domain, _ := strings.Cut(host, ".")
	return "https://" + name + "-" + suffix + "." + domain
}

// seedEnvData gives an environment the fixture's database and files as its live data.
func (c *Cloud) seedEnvData(envID, modelVersion string) error {
	staging, err := c.newStaging(envID)
	if err != nil {
		return err
	}
	if _, err := c.disk.extractFull(c.ctx, bytes.NewReader(fixtureSnapshot), staging, extractOptions{}); err != nil {
		_ = os.RemoveAll(staging)
		return fmt.Errorf("unpack the fixture snapshot: %w", err)
	}
	if err := c.disk.writeMetadata(staging, modelVersion, 3*time.Second, "9240576"); err != nil {
		_ = os.RemoveAll(staging)
		return err
	}
	return c.commitGen(envID, staging)
}

// writeEnvData makes entries the environment's live data.
func (c *Cloud) writeEnvData(envID string, entries []memEntry) error {
	staging, err := c.newStaging(envID)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := c.disk.writeEntry(bytes.NewReader(e.body), filepath.Join(staging, filepath.FromSlash(e.name))); err != nil {
			_ = os.RemoveAll(staging)
			return err
		}
	}
	return c.commitGen(envID, staging)
}

// SnapshotSpec describes a snapshot to seed with AddSnapshot.
type SnapshotSpec struct {
	Kind          SnapshotKind // default KindManual; KindAutomatic picks nightly/weekly/monthly from CreatedAt
	Comment       string       // default by kind (e.g. "Manually created snapshot")
	CreatedAt     time.Time    // default now
	ModelVersion  string       // default the environment's model version
	Failed        bool         // a failed snapshot: no archive, no model_version
	StatusMessage string       // default by state
	// ArchivePath makes the snapshot from this file as it is, unchecked (a full snapshot
	// .tar.gz, or a raw database dump with DatabaseOnly): for tests of damaged or hostile
	// archives. Empty packs the environment's current data.
	ArchivePath  string
	DatabaseOnly bool
}

// SnapshotRecord is a snapshot as stored.
type SnapshotRecord struct {
	SnapshotID, EnvironmentID, State, StatusMessage, Comment, ModelVersion string
	Kind                                                                   SnapshotKind
	DatabaseOnly                                                           bool
	Size                                                                   int64
	CreatedAt, FinishedAt, ExpiresAt                                       time.Time
}

// AddSnapshot adds a finished snapshot to an environment, synchronously.
func (c *Cloud) AddSnapshot(envID string, spec SnapshotSpec) (SnapshotRecord, error) {
	ctx := context.WithoutCancel(c.ctx)
	env, err := envTable.get(ctx, c.db, strings.ToLower(envID))
	if err != nil {
		return SnapshotRecord{}, fmt.Errorf("add snapshot: environment %s: %w", envID, err)
	}
	created := spec.CreatedAt.UTC().Truncate(time.Millisecond)
	if created.IsZero() {
		created = c.nowUTC()
	}
	kind := string(spec.Kind)
	switch spec.Kind {
	case "":
		kind = kindManual
	case KindAutomatic:
		kind = automaticKind(created)
	}
	s := snapRow{ID: uuid.NewString(), EnvID: env.EnvID, Kind: kind, Comment: spec.Comment, CreatedAt: created,
		ModelVersion: spec.ModelVersion, Content: contentFull, StatusMessage: spec.StatusMessage}
	if s.Comment == "" {
		s.Comment = commentFor(kind)
	}
	if s.ModelVersion == "" {
		s.ModelVersion = env.ModelVersion
	}
	finished := created.Add(2 * time.Minute)
	s.UpdatedAt, s.FinishedAt, s.ExpiresAt = finished, finished, expiresAt(kind, created)
	if spec.Failed {
		s.State, s.ModelVersion = stateFailed, ""
		if s.StatusMessage == "" {
			s.StatusMessage = "Creating the backup failed: the database did not respond in time."
		}
	} else {
		s.State = stateCompleted
		if s.StatusMessage == "" {
			s.StatusMessage = msgSnapshotCompleted
			if kind == kindUploaded {
				s.StatusMessage = msgUploadCompleted
			}
		}
		switch {
		case spec.ArchivePath != "":
			ext := ".tar.gz"
			if spec.DatabaseOnly {
				ext, s.Content = ".backup", contentDatabase
			}
			s.Blob, s.Size, err = c.storeBlob(func(w io.Writer) error {
				f, err := os.Open(spec.ArchivePath)
				if err != nil {
					return err
				}
				defer f.Close()
				_, err = io.Copy(w, f)
				return err
			}, ext)
		default:
			gen, gerr := c.currentGen(env.EnvID)
			if gerr != nil || gen == "" {
				return SnapshotRecord{}, fmt.Errorf("add snapshot: environment %s has no data to pack", envID)
			}
			s.Blob, s.Size, err = c.storeBlob(func(w io.Writer) error {
				return packGen(ctx, gen, s.ModelVersion, created, w)
			}, ".tar.gz")
		}
		if err != nil {
			return SnapshotRecord{}, fmt.Errorf("add snapshot: %w", err)
		}
	}
	if err := insertSnapshot(ctx, c.db, s); err != nil {
		return SnapshotRecord{}, err
	}
	return snapRecord(s), nil
}

func snapRecord(s snapRow) SnapshotRecord {
	return SnapshotRecord{SnapshotID: s.ID, EnvironmentID: s.EnvID, State: s.State, StatusMessage: s.StatusMessage,
		Comment: s.Comment, ModelVersion: s.ModelVersion, Kind: SnapshotKind(s.Kind), DatabaseOnly: s.Content == contentDatabase,
		Size: s.Size, CreatedAt: s.CreatedAt, FinishedAt: s.FinishedAt, ExpiresAt: s.ExpiresAt}
}

// Snapshots lists an environment's snapshots as stored, newest first (expired ones included
// until a list request purges them).
func (c *Cloud) Snapshots(envID string) ([]SnapshotRecord, error) {
	snaps, err := queryAll(context.WithoutCancel(c.ctx), c.db, scanSnap, `SELECT `+snapCols+` FROM snapshots
		WHERE env_id = ? ORDER BY created_at DESC, snapshot_id DESC`, strings.ToLower(envID))
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	var out []SnapshotRecord
	for _, s := range snaps {
		out = append(out, snapRecord(s))
	}
	return out, nil
}

// RestoreRecord is one restore as submitted (every accepted POST .../restores).
type RestoreRecord struct {
	RestoreID, SourceSnapshotID, SourceEnvironmentID, TargetEnvironmentID string
	DBOnly                                                                bool
	Username, State, StatusMessage                                        string
	CreatedAt, FinishedAt                                                 time.Time
}

// Restores lists every restore accepted for the environment (refused requests are not
// restores), oldest first: tests use it to prove that no restore was submitted twice.
func (c *Cloud) Restores(envID string) []RestoreRecord {
	restores, err := queryAll(context.WithoutCancel(c.ctx), c.db, scanRestore, `SELECT `+restoreCols+` FROM restores
		WHERE target_env_id = ? ORDER BY seq`, strings.ToLower(envID))
	if err != nil {
		c.log.Error("list restores", "err", err)
		return nil
	}
	var out []RestoreRecord
	for _, r := range restores {
		out = append(out, RestoreRecord{RestoreID: r.ID, SourceSnapshotID: r.SourceSnapshotID,
			SourceEnvironmentID: r.SourceEnvID, TargetEnvironmentID: r.TargetEnvID, DBOnly: r.DBOnly,
			Username: r.Username, State: r.State, StatusMessage: r.StatusMessage, CreatedAt: r.CreatedAt,
			FinishedAt: r.FinishedAt})
	}
	return out
}

// EnvironmentStatus is the environment's v1 Status (Running, Stopped or Empty).
func (c *Cloud) EnvironmentStatus(envID string) (string, error) {
	e, err := envTable.get(context.WithoutCancel(c.ctx), c.db, strings.ToLower(envID))
	if err != nil {
		return "", fmt.Errorf("environment %s: %w", envID, err)
	}
	return e.Status, nil
}

// SetEnvironmentStatus sets the environment's status at once (Running, Stopped or Empty).
func (c *Cloud) SetEnvironmentStatus(envID, status string) error {
	if status != statusRunning && status != statusStopped && status != statusEmpty {
		return fmt.Errorf("set status: %q is not Running, Stopped or Empty", status)
	}
	res, err := c.db.ExecContext(context.WithoutCancel(c.ctx), `UPDATE environments SET status = ?, stop_due = NULL WHERE env_id = ?`,
		status, strings.ToLower(envID))
	if err != nil {
		return fmt.Errorf("set status of %s: %w", envID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("set status: environment %s not found", envID)
	}
	return nil
}

// EnvironmentDigest is a SHA-256 over every folder and file (name, size, content) of the
// environment's live data: equal digests mean byte-for-byte equal data.
func (c *Cloud) EnvironmentDigest(envID string) (string, error) {
	// A restore may swap in a new generation, and remove the old one, while it is read:
	// a digest counts only when the generation it read was current from start to end
	// (generations only move forward, and an old one is removed after the swap).
	for attempt := 0; ; attempt++ {
		gen, err := c.currentGen(strings.ToLower(envID))
		if err != nil {
			return "", err
		}
		d, err := digestDir(gen)
		after, aerr := c.currentGen(strings.ToLower(envID))
		swapped := aerr == nil && after != gen
		switch {
		case attempt >= 10:
			return d, err
		case swapped, err != nil && errors.Is(err, fs.ErrNotExist):
			continue
		}
		return d, err
	}
}

// EnvironmentDataDir is the folder of the environment's live data ("" when it has none), for
// tests that look at single files. Never write into it.
func (c *Cloud) EnvironmentDataDir(envID string) (string, error) {
	return c.currentGen(strings.ToLower(envID))
}

// BulkAppSpecs makes n licensed apps (app001, app002, ...) with Test, Acceptance and
// Production environments without data, with team as members: an account of a size
// support staff see, cheap to seed (for benchmarks).
func BulkAppSpecs(n int, team ...string) []AppSpec {
	specs := make([]AppSpec, n)
	for i := range specs {
		id := fmt.Sprintf("app%03d", i+1)
		specs[i] = AppSpec{AppID: id, Name: fmt.Sprintf("App %03d", i+1), Team: team, Environments: []EnvSpec{
			{Mode: "Test", NoData: true}, {Mode: "Acceptance", NoData: true}, {Mode: "Production", NoData: true},
		}}
	}
	return specs
}
