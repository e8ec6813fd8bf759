package download

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"restoredesk/core/archive"
	"restoredesk/core/cloud"
)

// Cloud is what a download needs of the Mendix Cloud API (*cloud.Client has it).
type Cloud interface {
	ListAllSnapshots(ctx context.Context, projectID, envID string) ([]cloud.Snapshot, error)
	GetSnapshot(ctx context.Context, projectID, envID, snapshotID string) (*cloud.Snapshot, error)
	CreateArchive(ctx context.Context, projectID, envID, snapshotID string, dataType cloud.DataType) (*cloud.Archive, error)
	GetArchive(ctx context.Context, projectID, envID, snapshotID, archiveID string) (*cloud.Archive, error)
}

// Latest stands for the newest completed backup of the environment.
const Latest = "latest"

// Target is the backup to download and where to.
type Target struct {
	ProjectID, EnvironmentID string
	// AppName and EnvironmentName make the file name when the link names none.
	AppName, EnvironmentName string
	SnapshotID               string // or Latest
	DBOnly                   bool
	// Output is a folder or a file name; empty means the current folder.
	Output string
	Force  bool
}

// Plan is what a download will do, checked before anything is asked of the cloud.
type Plan struct {
	Target   Target
	Snapshot cloud.Snapshot
	DataType cloud.DataType
	Dir      string
	// Name is the file name chosen by the user; empty means the one the link gives, else
	// Fallback.
	Name     string
	Fallback string
}

// Path is where the file goes, or the folder when the name comes from the link.
func (p *Plan) Path() string {
	if p.Name == "" {
		return p.Dir
	}
	return filepath.Join(p.Dir, p.Name)
}

// MakePlan checks that the backup exists and is completed, that the destination folder
// exists and is writable, and that no file is replaced unasked.
func MakePlan(ctx context.Context, c Cloud, t Target) (*Plan, error) {
	p := &Plan{Target: t, DataType: cloud.DataFilesAndDatabase}
	if t.DBOnly {
		p.DataType = cloud.DataDatabaseOnly
	}
	if err := p.destination(); err != nil {
		return nil, err
	}
	snap, err := findSnapshot(ctx, c, t)
	if err != nil {
		return nil, err
	}
	p.Snapshot = *snap
	p.Fallback = FallbackName(t.AppName, t.EnvironmentName, snap.CreatedAt, t.DBOnly)
	return p, nil
}

func (p *Plan) destination() error {
	out := p.Target.Output
	if out == "" {
		out = "."
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrFolder, out, err)
	}
	fi, err := os.Stat(abs)
	switch {
	case err == nil && fi.IsDir():
		p.Dir = abs
	case strings.HasSuffix(out, string(filepath.Separator)) || strings.HasSuffix(out, "/"):
		p.Dir = abs // a folder was meant: CheckFolder says what is wrong with it
	default:
		p.Dir, p.Name = filepath.Dir(abs), filepath.Base(abs)
	}
	if p.Name != "" {
		// Before the folder's check: a device's folder (/dev) must not even get a probe file.
		if err := checkTarget(abs, p.Target.Force); err != nil {
			return err
		}
	}
	return CheckFolder(p.Dir)
}

// ErrNotCompleted: the backup is not completed (still being made, or failed).
var ErrNotCompleted = errors.New("the backup is not completed")

func findSnapshot(ctx context.Context, c Cloud, t Target) (*cloud.Snapshot, error) {
	if strings.EqualFold(t.SnapshotID, Latest) {
		all, err := c.ListAllSnapshots(ctx, t.ProjectID, t.EnvironmentID)
		if err != nil {
			return nil, err
		}
		var done []cloud.Snapshot
		for _, s := range all {
			if s.State == cloud.StateCompleted {
				done = append(done, s)
			}
		}
		if len(done) == 0 {
			return nil, fmt.Errorf("%w: environment %s has no completed backup; make one first", ErrNotCompleted, t.EnvironmentName)
		}
		newest := slices.MaxFunc(done, func(a, b cloud.Snapshot) int { return a.CreatedAt.Compare(b.CreatedAt) })
		return &newest, nil
	}
	s, err := c.GetSnapshot(ctx, t.ProjectID, t.EnvironmentID, t.SnapshotID)
	if err != nil {
		return nil, err
	}
	if s.State != cloud.StateCompleted {
		msg := ""
		if s.StatusMessage != "" {
			msg = " (" + s.StatusMessage + ")"
		}
		return nil, fmt.Errorf("%w: backup %s is %s%s; choose a completed backup", ErrNotCompleted,
			s.SnapshotID, strings.ToLower(s.State.Label()), msg)
	}
	return s, nil
}

// Stage is a part of a download run, for presenters.
type Stage string

// Stages of a run.
const (
	StageArchive Stage = "archive" // requesting and waiting for the archive
	StageFetch   Stage = "fetch"
	StageCheck   Stage = "check"
)

// Hooks let a presenter follow a run; every field may be nil.
type Hooks struct {
	// Stage is called when a stage starts, and with notes (a refused link renewed).
	Stage func(stage Stage, message string)
	// Job is called when the archive's state or status message changes.
	Job func(state cloud.JobState, message string)
	// Progress counts the bytes of the fetch.
	Progress Counter
	// Checked counts the bytes of the inspection.
	Checked Counter
	// Note is called with what a presenter should say about a wait: the cloud asked to
	// wait (rate limited), or reports an archive state this program does not know.
	Note func(message string)
}

func (h Hooks) stage(s Stage, msg string) {
	if h.Stage != nil {
		h.Stage(s, msg)
	}
}

func (h Hooks) note(msg string) {
	if h.Note != nil {
		h.Note(msg)
	}
}

// Runner runs download plans, one stage at a time (Archive, Fetch, Check) or all at once
// (Run).
type Runner struct {
	Cloud   Cloud
	Fetcher *Fetcher
	// PollEvery is the first wait between archive status requests; zero means 2 s. The
	// wait grows by half each time, up to MaxPoll (zero: 15 × PollEvery).
	PollEvery time.Duration
	MaxPoll   time.Duration
	// Sleep waits between requests of the archive wait; nil means cloud.Sleep. Tests
	// record the waits instead of taking them.
	Sleep func(ctx context.Context, d time.Duration) error
	Log   *slog.Logger
}

// Outcome is a finished download.
type Outcome struct {
	Path      string
	Size      int64
	SHA256    string
	ArchiveID string
	Resumed   int64
	// Renewed: the first link was refused and a new archive was requested.
	Renewed bool
	// Report is the inspection of the saved file; Report.Restorable is the verdict.
	Report *archive.Report
}

// ErrArchiveFailed: the cloud could not prepare the archive.
var ErrArchiveFailed = errors.New("the cloud could not prepare the archive")

func (r *Runner) log() *slog.Logger {
	if r.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Log
}

// Run requests the archive, waits for it, fetches it (requesting a new archive once if the
// link is refused), and inspects the saved file. The link never leaves this package.
func (r *Runner) Run(ctx context.Context, p *Plan, h Hooks) (*Outcome, error) {
	h.stage(StageArchive, "Requesting an archive")
	a, err := r.Archive(ctx, p, h)
	if err != nil {
		return nil, err
	}
	h.stage(StageFetch, "Downloading")
	out, err := r.Fetch(ctx, p, a, h)
	if err != nil {
		return nil, err
	}
	h.stage(StageCheck, "Checking "+filepath.Base(out.Path))
	if out.Report, err = r.Check(ctx, out, h.Checked); err != nil {
		return nil, err
	}
	return out, nil
}

// Fetch downloads archive a (from Archive) to the plan's destination. A refused link
// (expired) gets one new archive, and the download continues from what it has.
func (r *Runner) Fetch(ctx context.Context, p *Plan, a *cloud.Archive, h Hooks) (*Outcome, error) {
	return r.FetchTo(ctx, p, a, h, nil)
}

// FetchTo is Fetch that also hands the bytes to tee (nil: none) as they are saved. Across
// a new archive the tee is the same: it gets each byte once (see Tee).
func (r *Runner) FetchTo(ctx context.Context, p *Plan, a *cloud.Archive, h Hooks, tee *Tee) (*Outcome, error) {
	f := r.Fetcher
	if f == nil {
		f = &Fetcher{Log: r.Log}
	}
	out := &Outcome{ArchiveID: a.ArchiveID}
	prog := &runCounter{to: h.Progress}
	for {
		prog.restart()
		res, err := f.Fetch(ctx, Request{URL: a.URL, Dir: p.Dir, Name: p.Name, Fallback: p.Fallback, Force: p.Target.Force, Tee: tee}, prog)
		if errors.Is(err, ErrLinkRefused) && !out.Renewed {
			out.Renewed = true
			r.log().Info("download link refused; requesting a new archive", "snapshot", p.Snapshot.SnapshotID, "archive", a.ArchiveID)
			h.stage(StageArchive, "The download link was refused (it may have expired): requesting a new archive")
			if a, err = r.Archive(ctx, p, h); err != nil {
				return nil, err
			}
			out.ArchiveID = a.ArchiveID
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("download backup %s: %w", p.Snapshot.SnapshotID, err)
		}
		out.Path, out.Size, out.SHA256, out.Resumed = res.Path, res.Size, res.SHA256, res.Resumed
		return out, nil
	}
}

// Check inspects the saved file (core/archive) and compares its SHA-256 with the one
// computed while downloading.
func (r *Runner) Check(ctx context.Context, out *Outcome, checked Counter) (*archive.Report, error) {
	var onCheck archive.Progress
	if checked != nil {
		var last int64
		checked.SetTotal(out.Size)
		onCheck = func(done, _ int64) { checked.Add(done - last); last = done }
	}
	// A backup Mendix Cloud made is never refused for its dump's format (the upload limit
	// is for uploads): checked as a download.
	rep, err := archive.InspectWith(ctx, out.Path, archive.Options{Use: archive.ForDownload}, onCheck)
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", out.Path, err)
	}
	if rep.SHA256 != "" && rep.SHA256 != out.SHA256 {
		return nil, fmt.Errorf("check %s: the file on disk (SHA-256 %s) differs from what was downloaded (%s); the disk may be failing: download again to another folder",
			out.Path, rep.SHA256, out.SHA256)
	}
	return rep, nil
}

func archiveStatus(a *cloud.Archive) string {
	s := "Archive " + strings.ToLower(a.State.Label())
	if a.StatusMessage != "" {
		s += ": " + a.StatusMessage
	}
	return s
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// runCounter passes a fetch's counts on; a second fetch (after a new archive) counts from
// zero again, so its counts replace the first one's instead of adding to them.
type runCounter struct {
	to    Counter
	added int64
}

func (c *runCounter) SetTotal(n int64) {
	if c.to != nil {
		c.to.SetTotal(n)
	}
}

func (c *runCounter) Add(n int64) {
	c.added += n
	if c.to != nil {
		c.to.Add(n)
	}
}

func (c *runCounter) restart() {
	if c.added != 0 {
		c.Add(-c.added)
	}
}

// FindSnapshot is the completed backup t names (its id, or Latest), for a request that
// needs no destination folder (a download link).
func FindSnapshot(ctx context.Context, c Cloud, t Target) (*cloud.Snapshot, error) {
	return findSnapshot(ctx, c, t)
}
