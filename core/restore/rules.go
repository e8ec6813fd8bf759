package restore

import (
	"fmt"
	"strings"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
)

// The rules of a run live here, once: what a Free App is, when a safety backup is
// possible, when production needs its name typed, which options a plan allows, whether
// a restore can be undone, which backups can be restored. Front ends ask the plan
// (Plan.Allows, Plan.ConfirmationRequired, Plan.ConfirmWith, Plan.Irreversible,
// StepKind.Cancellable, journal.Run.CanUndo, Restorable) and draw the answer; they never
// restate a rule. A new rule goes here, and into the plan as a field or method the front
// ends can read.

// IsFreeApp is the engine's (and so the plan's) verdict on a target; see cloud.IsFreeApp.
func IsFreeApp(t Target) bool {
	return t.freeApp || cloud.IsFreeApp(t.App, []cloud.Environment{t.Env})
}

// CheckUploadTarget says, without asking the cloud, why no archive can be uploaded to t
// (a *RunError), or returns nil: Mendix Cloud restores a Free App only from its own
// backups. Front ends ask it before they offer to choose a file.
func CheckUploadTarget(t Target) error {
	if !IsFreeApp(t) {
		return nil
	}
	return planErr(
		"A Free App cannot receive an uploaded archive: Mendix Cloud restores a Free App only from its own backups.",
		"Pick one of the app's backups instead, or upload the archive to an environment of a licensed app.",
		ErrFreeAppUpload)
}

// isProduction reports whether t is a production environment, whose restore needs its
// name typed.
func isProduction(t Target) bool { return t.Env.IsProduction() }

// safetyBackupPossible is the safety-backup rule: Mendix Cloud makes no backups of a Free
// App on request, so a restore into one cannot be undone; every other target can have one.
func safetyBackupPossible(freeApp bool) bool { return !freeApp }

// Allows says which of the user's options a plan allows, so that a front end offers
// exactly these; changing one means planning again.
type Allows struct {
	SafetyBackup bool // a safety backup can be made first (false: a Free App)
	DBOnly       bool // the database alone can be restored
	Start        bool // the environment can be started afterwards
	// ConfirmName is the name the user must type to confirm ("" when none is needed).
	ConfirmName string
}

// Restorable is the completed-backup rule: only a completed backup can be restored or
// downloaded (one still being made, or failed, has no data to give).
func Restorable(s cloud.Snapshot) bool { return s.State == cloud.StateCompleted }

// restores reports whether the plan replaces the target's data: a restore, not a start,
// stop or backup, nor an upload alone.
func (p *Plan) restores() bool {
	return p.Request.Action == "" && !(p.Request.Source.File != "" && p.Request.Options.UploadOnly)
}

// IrreversibleReason says why running a plan loses the target's current data for good.
type IrreversibleReason int

const (
	// Reversible: the plan replaces no data, or makes a safety backup first.
	Reversible IrreversibleReason = iota
	// IrreversibleFreeApp: Mendix Cloud makes no safety backup of a Free App.
	IrreversibleFreeApp
	// IrreversibleNoSafetyBackup: a safety backup was possible but not chosen.
	IrreversibleNoSafetyBackup
)

// Irreversible says whether the plan's restore cannot be undone, and why: it replaces the
// target's data and makes no safety backup first.
func (p *Plan) Irreversible() IrreversibleReason {
	switch {
	case !p.restores() || p.safetyBackup():
		return Reversible
	case !safetyBackupPossible(p.FreeApp):
		return IrreversibleFreeApp
	}
	return IrreversibleNoSafetyBackup
}

// applyRules sets what the rules say of the plan's target as the cloud reported it; asked
// is the target as requested (its Free App facts may be richer).
func (p *Plan) applyRules(asked Target) {
	t := p.Request.Target
	p.FreeApp = IsFreeApp(asked) || IsFreeApp(t)
	p.Production = isProduction(t)
	restores := p.restores()
	p.Allows = Allows{
		SafetyBackup: restores && safetyBackupPossible(p.FreeApp),
		DBOnly:       restores,
		Start:        restores,
	}
	p.Allows.ConfirmName = p.confirmName()
	if !p.Allows.SafetyBackup {
		p.Request.Options.SafetyBackup = false // the notes say why
	}
}

// safetyBackup reports whether the run makes a safety backup first.
func (p *Plan) safetyBackup() bool { return p.Request.Options.SafetyBackup && p.Allows.SafetyBackup }

// ConfirmWith records what the user typed (UI) or passed (--confirm) and reports whether it
// confirms this plan: for production it must name the environment (any case); other
// targets need no typed name.
func (p *Plan) ConfirmWith(typed string) bool {
	p.Request.Options.Confirm = strings.TrimSpace(typed)
	p.ConfirmationRequired = p.needsConfirmation()
	return !p.ConfirmationRequired
}

// needsConfirmation is the production rule: a plan that changes a production environment's
// data, or takes it down (a stop), needs its name typed (any case). An upload alone, a
// start or a backup neither, so they need none.
func (p *Plan) needsConfirmation() bool {
	return !confirms(p.Request.Options.Confirm, p.confirmName())
}

// confirmName is the name a plan needs typed, "" when none: production, and any
// environment whose data would be replaced by what looks like another app's (the
// wrong-app rule: a typed name, not a mere yes, because the mistake is not undone by a
// safety backup once the other customer's data has been seen).
func (p *Plan) confirmName() string {
	changesData := p.restores()
	if changesData && p.Fit.NeedsTypedName() {
		return p.Request.Target.Env.Mode
	}
	return nameToType(p.Request.Target, p.Production, changesData || p.Request.Action == journal.KindStop)
}

// nameToType is the production rule itself: what must be typed before an action that
// replaces data or takes the environment down (takesDown) on t; "" when nothing needs to be.
func nameToType(t Target, production, takesDown bool) string {
	if takesDown && (production || isProduction(t)) {
		return t.Env.Mode
	}
	return ""
}

// ConfirmReason is the plain sentence that says why the plan needs the environment's name
// typed: the source looks like another app's data (that comes first), or the target is
// production; "" when no name is needed.
func (p *Plan) ConfirmReason() string {
	mode := p.Request.Target.Env.Mode
	switch {
	case p.confirmName() == "":
		return ""
	case p.Fit.NeedsTypedName() && len(p.Fit.Warnings) > 0:
		return p.Fit.Warnings[0]
	}
	return fmt.Sprintf("%s is a production environment.", mode)
}

// confirms reports whether typed confirms name ("" needs no confirmation).
func confirms(typed, name string) bool {
	return name == "" || strings.EqualFold(strings.TrimSpace(typed), name)
}

// confirmationError refuses an unconfirmed action on production: nothing was done.
func confirmationError(mode, typed, what string) error {
	summary := fmt.Sprintf("%s is a production environment: type its name, %s, to confirm %s. Nothing was changed.", mode, mode, what)
	if c := strings.TrimSpace(typed); c != "" {
		summary = fmt.Sprintf("The confirmation %q does not match %s. Nothing was changed.", c, mode)
	}
	return &RunError{Summary: summary, Next: fmt.Sprintf("Type %s exactly (any capitalisation) to confirm.", mode), Err: ErrConfirmationRequired}
}
