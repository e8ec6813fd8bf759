package restore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
)

// Busy means wait: an environment that a run here is working on, or that Mendix Cloud is
// making a backup of or restoring into, gets no restore, upload, stop or start until that
// has finished. Two runs on one environment would undo each other's work (a start in the
// middle of a restore, a safety backup of half-restored data).

// BusyCloud is what busy detection reads of the cloud; *cloud.Client satisfies it.
type BusyCloud interface {
	ListSnapshots(ctx context.Context, projectID, envID string, opt cloud.ListOptions) (*cloud.SnapshotPage, error)
	GetRestore(ctx context.Context, projectID, envID, restoreID string) (*cloud.Restore, error)
}

// BusyWith says what holds an environment.
type BusyWith string

// What can hold an environment.
const (
	BusyRun     BusyWith = "run"     // a run of Restore Desk (this window, another one, restorectl)
	BusyBackup  BusyWith = "backup"  // Mendix Cloud is making a backup (nightly, manual, safety)
	BusyRestore BusyWith = "restore" // Mendix Cloud is restoring into it
)

// Busy is what holds an environment, since when and until about when.
type Busy struct {
	With    BusyWith
	RunID   int64        // the journal's run (BusyRun, and BusyRestore when a run submitted it)
	RunKind journal.Kind // what that run does
	JobID   string       // the backup's snapshot id or the restore's id in the cloud
	Since   time.Time
	Until   time.Time // expected end from earlier runs or backups; zero when unknown
	Summary string    // plain sentence: which, since when, until when
	Next    string
}

// Err is the refusal a plan or action returns: a *RunError around ErrTargetBusy.
func (b *Busy) Err() error {
	return &RunError{Summary: b.Summary, Next: b.Next, Err: fmt.Errorf("%w: held by a %s", ErrTargetBusy, b.With)}
}

// BusyCheck finds what holds environments. The zero value is not usable; see NewBusyCheck.
type BusyCheck struct {
	cloud   BusyCloud
	journal *journal.Journal
	now     func() time.Time
}

// NewBusyCheck returns a check that reads c and j; now is the clock (time.Now when nil).
func NewBusyCheck(c BusyCloud, j *journal.Journal, now func() time.Time) *BusyCheck {
	if now == nil {
		now = time.Now
	}
	return &BusyCheck{cloud: c, journal: j, now: now}
}

// Check reports what holds t's environment, or nil when nothing does. except is a run of
// the caller's own that does not count (0: none). An error means it could not be told:
// callers refuse then too, since nothing may be sent into an environment that may be busy.
func (b *BusyCheck) Check(ctx context.Context, t Target, except int64) (*Busy, error) {
	mode := t.Env.Mode
	runs, err := b.journal.List(ctx, journal.Filter{AppID: t.App.AppID})
	if err != nil {
		return nil, fmt.Errorf("busy check of %s: %w", mode, err)
	}
	mine := slices.DeleteFunc(runs, func(r journal.Run) bool {
		return !sameEnv(r, t) || r.ID == except
	})
	abandoned, err := b.journal.Unfinished(ctx)
	if err != nil {
		return nil, fmt.Errorf("busy check of %s: %w", mode, err)
	}
	isAbandoned := func(id int64) bool {
		return slices.ContainsFunc(abandoned, func(r journal.Run) bool { return r.ID == id })
	}

	// A run being followed right now holds the environment, whatever step it is at;
	// runs that only read from the cloud (see readsOnly) hold nothing.
	for _, r := range mine {
		if r.Status != journal.StatusRunning || isAbandoned(r.ID) || readsOnly(r.Kind) {
			continue
		}
		until := expectedEnd(r.StartedAt, runDurations(mine, r.Kind))
		return &Busy{With: BusyRun, RunID: r.ID, RunKind: r.Kind, Since: r.StartedAt, Until: until,
			Summary: fmt.Sprintf("%s is busy: %s started in Restore Desk %s is still running%s.",
				mode, runLabel(r.Kind), clockAt(r.StartedAt, b.now()), untilText(until, b.now())),
			Next: "Wait until it has finished (its progress and history show when), then try again. Nothing was sent.",
		}, nil
	}

	if t.App.ProjectID == "" || t.Env.EnvironmentID == "" {
		return nil, nil // without the ids the cloud cannot be asked; the plan reads them first
	}
	// An interrupted run may have left a restore going in the cloud; nobody else lists
	// restores (the API has no list of them), so ask about the ones the journal knows.
	for _, r := range mine {
		if r.Status != journal.StatusRunning || r.RestoreID == "" {
			continue
		}
		rs, err := b.cloud.GetRestore(ctx, t.App.ProjectID, t.Env.EnvironmentID, r.RestoreID)
		if err != nil {
			if errors.Is(err, cloud.ErrNotFound) {
				continue
			}
			return nil, fmt.Errorf("busy check of %s: read restore %s: %w", mode, r.RestoreID, err)
		}
		if rs.State != cloud.StateQueued && rs.State != cloud.StateRunning {
			continue
		}
		since := rs.CreatedAt
		if since.IsZero() {
			since = r.RestoreSubmittedAt
		}
		until := expectedEnd(since, stepDurations(mine, string(StepWait)))
		return &Busy{With: BusyRestore, RunID: r.ID, RunKind: r.Kind, JobID: rs.RestoreID, Since: since, Until: until,
			Summary: fmt.Sprintf("%s is busy: Mendix Cloud is restoring a backup into it, started %s%s.",
				mode, clockAt(since, b.now()), untilText(until, b.now())),
			Next: "Wait until that restore has finished; Restore Desk offers to follow it again from History. Nothing was sent.",
		}, nil
	}

	page, err := b.cloud.ListSnapshots(ctx, t.App.ProjectID, t.Env.EnvironmentID, cloud.ListOptions{Limit: 20})
	if err != nil {
		return nil, fmt.Errorf("busy check of %s: list backups: %w", mode, err)
	}
	var took []time.Duration
	for _, s := range page.Snapshots {
		if s.State == cloud.StateCompleted && !s.CreatedAt.IsZero() && s.FinishedAt.After(s.CreatedAt) {
			took = append(took, s.FinishedAt.Sub(s.CreatedAt))
		}
	}
	for _, s := range page.Snapshots {
		if s.State != cloud.StateQueued && s.State != cloud.StateRunning {
			continue
		}
		until := expectedEnd(s.CreatedAt, took)
		return &Busy{With: BusyBackup, JobID: s.SnapshotID, Since: s.CreatedAt, Until: until,
			Summary: fmt.Sprintf("%s is busy: Mendix Cloud is making a backup of it, started %s%s. It does not restore, upload, stop or start while a backup runs.",
				mode, clockAt(s.CreatedAt, b.now()), untilText(until, b.now())),
			Next: "Wait until that backup has finished, then try again. Nothing was sent.",
		}, nil
	}
	return nil, nil
}

// readsOnly reports whether runs of kind only read from the cloud: a download fetches a
// backup's archive (a link request only has it built) and a local restore writes to a
// database on this computer, so none is in the way of a restore, stop or start of the
// environment the backup came from.
func readsOnly(k journal.Kind) bool {
	return k == journal.KindDownload || k == journal.KindDownloadLink || k == KindTableRead || k == KindLocalRestore || k == KindRowsRestore
}

// sameEnv: runs are matched by environment id, or by mode for runs recorded without one.
func sameEnv(r journal.Run, t Target) bool {
	if r.EnvID != "" && t.Env.EnvironmentID != "" {
		return r.EnvID == t.Env.EnvironmentID
	}
	return r.AppID == t.App.AppID && r.Mode == t.Env.Mode
}

// runDurations are how long earlier completed runs of kind took.
func runDurations(runs []journal.Run, kind journal.Kind) []time.Duration {
	var out []time.Duration
	for _, r := range runs {
		if r.Kind == kind && r.Status == journal.StatusCompleted && r.FinishedAt.After(r.StartedAt) {
			out = append(out, r.FinishedAt.Sub(r.StartedAt))
		}
	}
	return out
}

// stepDurations are how long the step kind took in earlier runs.
func stepDurations(runs []journal.Run, kind string) []time.Duration {
	var out []time.Duration
	for _, r := range runs {
		for _, s := range r.Steps {
			if s.Kind == kind && s.Status == journal.StepDone && s.Duration() > 0 {
				out = append(out, s.Duration())
			}
		}
	}
	return out
}

// expectedEnd is since plus the median of earlier durations (a slow outlier does not
// move it); zero when too little is known: one or two earlier runs are no measure.
func expectedEnd(since time.Time, took []time.Duration) time.Time {
	if since.IsZero() || len(took) < minMeasured {
		return time.Time{}
	}
	s := slices.Clone(took)
	slices.Sort(s)
	return since.Add(s[len(s)/2])
}

// minMeasured is how many earlier durations an expected end needs.
const minMeasured = 3

// untilText finishes a busy sentence: "; it should be done around 19:08", or nothing when
// unknown or once that moment has passed: the run then takes longer than the earlier
// ones, and how much longer nothing measured says ("any moment now" was said at step 1
// of 3).
func untilText(until, now time.Time) string {
	if until.IsZero() || !until.After(now) {
		return ""
	}
	return "; it should be done around " + until.Local().Format("15:04")
}

// clockAt is "at 19:02" today, "on 29 Nov at 19:02" otherwise.
func clockAt(t, now time.Time) string {
	if t.IsZero() {
		return "a moment ago"
	}
	lt, ln := t.Local(), now.Local()
	if lt.YearDay() == ln.YearDay() && lt.Year() == ln.Year() {
		return "at " + lt.Format("15:04")
	}
	return "on " + lt.Format("2 Jan") + " at " + lt.Format("15:04")
}

// runLabel is a run's kind in a sentence: "a restore".
func runLabel(k journal.Kind) string {
	switch k {
	case journal.KindRestore:
		return "a restore"
	case journal.KindUpload:
		return "an upload"
	case journal.KindUndo:
		return "an undo of a restore"
	case journal.KindStart:
		return "a start"
	case journal.KindStop:
		return "a stop"
	case journal.KindBackup:
		return "a manual backup"
	}
	return "a run"
}
