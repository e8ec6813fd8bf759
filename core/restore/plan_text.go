package restore

import (
	"fmt"
	"slices"
	"time"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/progress"
)

// steps lists what a run will do, each step only when it applies.
func steps(p *Plan) []Step {
	req := p.Request
	mode := req.Target.Env.Mode
	var out []Step
	add := func(k StepKind, title string) { out = append(out, Step{Kind: k, Title: title}) }
	if f := req.Source.File; f != "" {
		add(StepInspect, fmt.Sprintf("Check %s (integrity, layout, PostgreSQL dump version)", fileName(f)))
		add(StepUpload, fmt.Sprintf("Upload %s (%s) to %s, where it becomes a backup", fileName(f), progress.Size(p.fileSize), mode))
		if req.Options.UploadOnly {
			return out
		}
	}
	if p.safetyBackup() {
		add(StepSafetyBackup, fmt.Sprintf("Make a safety backup of %s, so this restore can be undone", mode))
	}
	if req.Target.Env.Status == cloud.StatusRunning {
		add(StepStop, defaultTitle(StepStop, mode))
	}
	what := "the backup"
	if req.Source.File != "" {
		what = "the uploaded backup"
	} else if p.Snapshot != nil {
		what = "the backup of " + snapshotTime(p.Snapshot).Local().Format("2 Jan 15:04")
		if p.SourceMode != mode {
			what = p.SourceMode + "'s backup of " + snapshotTime(p.Snapshot).Local().Format("2 Jan 15:04")
		}
	}
	if req.Options.DBOnly {
		add(StepRestore, fmt.Sprintf("Restore the database only from %s into %s", what, mode))
	} else {
		add(StepRestore, fmt.Sprintf("Restore %s into %s", what, mode))
	}
	add(StepWait, defaultTitle(StepWait, mode))
	if req.Options.Start {
		add(StepStart, defaultTitle(StepStart, mode))
		add(StepVerify, defaultTitle(StepVerify, mode))
	}
	return out
}

// notes are the plan's sentences: what is replaced and since when, what cannot be done.
func notes(p *Plan, now time.Time) []string {
	req := p.Request
	mode := req.Target.Env.Mode
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }

	if req.Source.File != "" && req.Options.UploadOnly {
		add("%s will be checked and uploaded to %s, where it becomes a backup you can restore later. Uploading it stops and replaces nothing.", fileName(req.Source.File), mode)
		return out
	}
	data := mode + "'s data"
	if req.Options.DBOnly {
		data = mode + "'s database"
	}
	switch {
	case req.Source.File != "":
		dumped := ""
		if p.Archive != nil && !p.Archive.DumpedAt.IsZero() {
			dumped = fmt.Sprintf(" (its database was dumped on %s)", p.Archive.DumpedAt.Format("2 Jan 2006 15:04"))
		}
		add("%s will be replaced by the contents of %s%s. Everything now in %s will be lost.", data, fileName(req.Source.File), dumped, mode)
	case p.SourceMode != mode:
		add("%s will be replaced by the backup %s made on %s. Everything now in %s will be lost.", data, p.SourceMode, when(snapshotTime(p.Snapshot), now), mode)
	default:
		add("%s will be replaced by the backup of %s. Changes made since then will be lost.", data, when(snapshotTime(p.Snapshot), now))
	}
	if req.Options.DBOnly {
		add("Only the database is restored: %s's file documents stay as they are, so some may no longer match the database.", mode)
	}
	switch {
	case !p.Allows.SafetyBackup:
		add("This is a Free App: Mendix Cloud cannot make a safety backup of it, so this restore cannot be undone from Restore Desk. Free Apps cannot receive uploaded archives either.")
	case req.Options.SafetyBackup:
		add("A safety backup of %s is made first, so you can undo this restore.", mode)
	default:
		add("No safety backup will be made, so this restore cannot be undone from Restore Desk.")
	}
	switch {
	case req.Target.Env.Status == cloud.StatusRunning && req.Options.Start:
		add("%s is running: it is stopped before the restore (its users are offline meanwhile) and started again afterwards.", mode)
	case req.Target.Env.Status == cloud.StatusRunning:
		add("%s is running: it is stopped before the restore, and stays stopped afterwards until you start it.", mode)
	case req.Options.Start:
		add("%s is stopped; it is started after the restore.", mode)
	default:
		add("%s is stopped and stays stopped after the restore.", mode)
	}
	if req.Source.File != "" && req.Target.Env.Status == cloud.StatusRunning {
		add("%s is stopped only after the file was checked and uploaded: a bad file never causes downtime.", mode)
	}
	switch {
	case p.ConfirmationRequired && p.Fit.NeedsTypedName():
		out = append(out, p.Fit.Next)
	case p.ConfirmationRequired:
		add("%s is a production environment, so this restore is confirmed by typing its name, %s.", mode, mode)
	}
	return out
}

// shape fills the plan's outline from its rules: the steps and notes are set already;
// the wrong-app guard's findings are its warnings, read before anything else.
func (p *Plan) shape() {
	mode := p.Request.Target.Env.Mode
	p.Warnings = slices.Clone(p.Fit.Warnings)
	p.WarningsLead = p.Fit.NeedsTypedName()
	p.Undoable = p.restores() && p.safetyBackup()
	switch {
	case p.restores():
		p.Confirm = needsName(p.confirmName(), p.ConfirmReason(), "restore into "+mode)
	case p.Request.Action == journal.KindStop && p.confirmName() != "":
		p.Confirm = needsName(p.confirmName(), p.ConfirmReason()+" Stopping it takes the app offline for its users.", "stop "+mode)
	default:
		p.Confirm = Confirmation{Kind: ConfirmNone}
	}
	p.Choices = p.choices()
	if c, ok := p.restoreAfterUpload(); ok {
		p.Choices = append(p.Choices, c)
	}
	p.StopsRunning = p.restores() && slices.ContainsFunc(p.Steps, func(s Step) bool { return s.Kind == StepStop })
}
