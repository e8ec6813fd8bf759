package ui

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"restoredesk/core/journal"
	"restoredesk/core/restore"
)

// The window's words for what a plan says: its steps, whether it can be undone, its title.

// planHas reports whether plan has a step of kind.
func planHas(plan *restore.Plan, kind restore.StepKind) bool {
	return slices.ContainsFunc(plan.Steps, func(s restore.Step) bool { return s.Kind == kind })
}

// stepsText numbers a plan's steps, one a line.
func stepsText(steps []restore.Step) string {
	var b strings.Builder
	for i, s := range steps {
		fmt.Fprintf(&b, "%d. %s\n", i+1, s.Title)
	}
	return strings.TrimRight(b.String(), "\n")
}

// irreversibleText words the plan's answer to whether its restore can be undone: the
// bold sentence of one that cannot; "" otherwise.
func irreversibleText(p *restore.Plan) string {
	mode := p.Request.Target.Env.Mode
	switch p.Irreversible() {
	case restore.IrreversibleFreeApp:
		return fmt.Sprintf("This cannot be undone: Mendix Cloud makes no safety backup of a Free App, so what %s holds now is lost for good.", mode)
	case restore.IrreversibleNoSafetyBackup:
		return fmt.Sprintf("This cannot be undone: without a safety backup, what %s holds now is lost for good.", mode)
	}
	return ""
}

// planTitle names a run: "Restore Order Desk · Production", "Upload a.backup to …".
func planTitle(plan *restore.Plan) string {
	t := plan.Request.Target
	where := t.App.Name + " · " + t.Env.Mode
	switch {
	case plan.Request.Action == journal.KindStart:
		return "Start " + where
	case plan.Request.Action == journal.KindStop:
		return "Stop " + where
	case plan.Request.Action == journal.KindBackup:
		return "Back up " + where
	case plan.UndoOf != 0:
		return "Undo the restore of " + where
	case plan.Request.Source.File != "" && plan.Request.Options.UploadOnly:
		return "Upload " + filepath.Base(plan.Request.Source.File) + " to " + where
	case plan.Request.Source.File != "":
		return "Upload and restore " + filepath.Base(plan.Request.Source.File) + " into " + where
	}
	return "Restore " + where
}

// momentText says what the plan's backup holds: the data as it was when the backup was
// made, told in the user's zone (now's) with the age as a hint; "" without a backup.
func momentText(p *restore.Plan, now time.Time) string {
	s := p.Snapshot
	if s == nil || s.CreatedAt.IsZero() {
		return ""
	}
	mode := cmp.Or(p.SourceMode, p.Request.Target.Env.Mode)
	return fmt.Sprintf("The backup holds %s's data as it was on %s (%s).", mode, madeText(s.CreatedAt, now), ageText(s.CreatedAt, now))
}
