package restore

import (
	"context"
	"errors"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
)

// The engine's side of the wrong-app guard: what it knows of the target and of the source
// for CheckFit, and what the guard's verdict makes of an upload's choices.

// fit is the wrong-app guard's verdict on a planned restore's source. A source nothing
// vouches for (a file, a backup uploaded to the environment) has its tables compared with
// those of the target's newest backup of its own, learned the first time (target_tables.go).
func (e *Engine) fit(ctx context.Context, p *Plan) FitCheck {
	t := p.Request.Target
	side := AppSide{AppID: t.App.AppID, AppName: t.App.Name, Mode: t.Env.Mode, ModelVersion: t.Env.ModelVersion,
		Databases: e.knownDatabases(ctx, t)}
	var src SourceSide
	skip := ""
	switch {
	case p.Archive != nil:
		src = SourceSide{What: fileName(p.Request.Source.File), ModelVersion: p.Archive.ModelVersion, DatabaseName: p.Archive.DatabaseName,
			Unvouched: true, Tables: fileTables(p.Request.Source.File)}
	case p.Snapshot != nil:
		what := "the backup of " + snapshotTime(p.Snapshot).Local().Format("2 Jan 15:04")
		if p.SourceMode != "" && p.SourceMode != t.Env.Mode {
			what = p.SourceMode + "'s backup of " + snapshotTime(p.Snapshot).Local().Format("2 Jan 15:04")
		}
		// planSnapshot accepts only snapshots of the target's own app.
		src = SourceSide{What: what, AppID: t.App.AppID, ModelVersion: p.Snapshot.ModelVersion}
		if cloud.KindOf(*p.Snapshot) == cloud.KindUploaded {
			// An uploaded backup holds whatever file was uploaded: its app is not vouched for.
			src.Unvouched, skip = true, p.Snapshot.SnapshotID
			of := t
			if id := p.Request.Source.SourceEnvID; id != "" && id != t.Env.EnvironmentID {
				of.Env = cloud.Environment{EnvironmentID: id, Mode: p.SourceMode}
			}
			src.Tables = e.backupTables(ctx, p.Request.Profile, of, *p.Snapshot, what)
		}
	default:
		return FitCheck{}
	}
	if src.Unvouched {
		side.Tables = e.targetTables(ctx, p.Request.Profile, t, skip)
	}
	return CheckFit(side, src)
}

// knownDatabases are the dump database names of the files earlier runs restored into t's
// environment (completed restores of uploads; an upload alone put nothing there). A
// journal that cannot be read gives none: the model version still decides.
func (e *Engine) knownDatabases(ctx context.Context, t Target) []string {
	runs, err := e.journal.List(ctx, journal.Filter{AppID: t.App.AppID})
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			e.log.Warn("journal not readable for the wrong-app guard", "err", err)
		}
		return nil
	}
	var out []string
	for _, r := range runs {
		if sameEnv(r, t) && r.Kind == journal.KindUpload && !r.UploadOnly && r.Status == journal.StatusCompleted && r.DumpDatabase != "" {
			out = append(out, r.DumpDatabase)
		}
	}
	return out
}

// OptRestoreAfterUpload is the choice of an upload alone to restore the environment from
// the uploaded file afterwards (which is planned, and confirmed, on its own).
const OptRestoreAfterUpload ChoiceName = "restore_after_upload"

// restoreAfterUpload is that choice of an upload-only plan: on by default, except for a
// file the wrong-app guard doubts (another app's data, or no way to tell), which is never
// restored by a default.
func (p *Plan) restoreAfterUpload() (Choice, bool) {
	if p.Request.Source.File == "" || !p.Request.Options.UploadOnly || p.Request.Action != "" {
		return Choice{}, false
	}
	return Choice{Name: OptRestoreAfterUpload, Default: !p.Fit.NeedsTypedName()}, true
}
