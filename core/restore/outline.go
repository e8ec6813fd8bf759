package restore

import (
	"slices"

	"restoredesk/core/cloud"
)

// One plan contract. Every plan the engine makes (Plan for a restore, upload, undo, start,
// stop or manual backup; ManagePlan; DownloadPlan; LocalPlan, which may start with a
// download) embeds an Outline, and so satisfies Planned: front ends draw the outline and
// confirm through it, and word nothing the outline does not say.

// Planned is what every plan is to a front end.
type Planned interface {
	// Shape is the plan's outline: steps, notes, warnings, confirmation, choices.
	Shape() *Outline
	// ConfirmWith records what the user typed (or passed) and reports whether it confirms
	// the plan; a plan whose Confirm.Kind is not ConfirmName is confirmed by anything.
	ConfirmWith(typed string) bool
}

// ConfirmKind is the confirmation a plan needs before it runs.
type ConfirmKind int

const (
	// ConfirmNone: the plan runs as it is (it replaces and deletes nothing).
	ConfirmNone ConfirmKind = iota
	// ConfirmYes: a plain yes (it replaces or deletes something that a yes may risk).
	ConfirmYes
	// ConfirmName: the name Confirmation.Name typed, any capitalisation.
	ConfirmName
)

// Confirmation says what confirms a plan, and why.
type Confirmation struct {
	Kind ConfirmKind
	// Name is what must be typed (ConfirmName): the environment's name.
	Name string
	// Reason is the plain sentence that says why the name is needed ("Production is a
	// production environment."); "" unless ConfirmName.
	Reason string
	// Verb is what confirming does, to finish a question: "restore into Production",
	// "delete the backup", "stop Production".
	Verb string
}

// ChoiceName names a choice a plan allows.
type ChoiceName string

// The choices of the plans.
const (
	OptSafetyBackup ChoiceName = "safety_backup" // Plan: a safety backup first
	OptDBOnly       ChoiceName = "db_only"       // Plan, DownloadPlan: the database only
	OptStart        ChoiceName = "start"         // Plan: start the environment afterwards
	OptForce        ChoiceName = "force"         // DownloadPlan: replace a file of the same name
	OptCreate       ChoiceName = "create"        // LocalPlan: create the database
	OptReplace      ChoiceName = "replace"       // LocalPlan: replace a database's content
)

// Choice is one option a plan allows: what a new plan starts with, and what this one holds.
// Changing one means planning again.
type Choice struct {
	Name    ChoiceName
	Default bool
	Set     bool
}

// Outline is the shape every plan has.
type Outline struct {
	Steps []Step
	// Notes are plain sentences: what is replaced and since when, what stays, what cannot
	// be done.
	Notes []string
	// Warnings are read first, before the steps: the source looks like another app's data,
	// or was made with another model version.
	Warnings []string
	// WarningsLead: a warning is why the plan needs the name typed (another app's data), so
	// it is read before anything else; otherwise the first note (what is replaced) leads
	// and the warnings follow it. See Reading.
	WarningsLead bool
	Confirm      Confirmation
	Choices      []Choice
	// Undoable: once run, the plan's changes can be undone from Restore Desk (a safety
	// backup is made first). False for plans that replace nothing, too.
	Undoable bool
	// StopsRunning: the plan stops a running environment on the way to what was asked (a
	// restore into it), so a front end asks once more before it runs the plan, as the
	// Portal's "Stop Application" does. A plan whose purpose is the stop asks nothing more:
	// its confirmation already is that question.
	StopsRunning bool
}

// Shape returns the outline itself: embedding an Outline makes a plan Planned.
func (o *Outline) Shape() *Outline { return o }

// Reading is the plan's sentences in the order a front end shows them: warnings and notes
// together, led as WarningsLead says.
func (o *Outline) Reading() []string {
	if o.WarningsLead || len(o.Notes) == 0 {
		return slices.Concat(o.Warnings, o.Notes)
	}
	return slices.Concat(o.Notes[:1], o.Warnings, o.Notes[1:])
}

// Choice returns the plan's choice name and whether the plan allows it.
func (o *Outline) Choice(name ChoiceName) (Choice, bool) {
	for _, c := range o.Choices {
		if c.Name == name {
			return c, true
		}
	}
	return Choice{}, false
}

// needsName is the confirmation of a name typed, with its reason, or of a plain yes.
func needsName(name, reason, verb string) Confirmation {
	if name == "" {
		return Confirmation{Kind: ConfirmYes, Verb: verb}
	}
	return Confirmation{Kind: ConfirmName, Name: name, Reason: reason, Verb: verb}
}

// choices are the options a restore plan allows, with what a new plan starts with
// (defaults) and what this one holds.
func (p *Plan) choices() []Choice {
	def, o := p.defaults(), p.Request.Options
	var out []Choice
	if p.Allows.SafetyBackup {
		out = append(out, Choice{Name: OptSafetyBackup, Default: def.SafetyBackup, Set: o.SafetyBackup})
	}
	if p.Allows.DBOnly {
		out = append(out, Choice{Name: OptDBOnly, Default: def.DBOnly, Set: o.DBOnly})
	}
	if p.Allows.Start {
		out = append(out, Choice{Name: OptStart, Default: def.Start, Set: o.Start})
	}
	return out
}

// defaults are the options a new restore plan starts with: a safety backup wherever one
// can be made, files as well as the database, and a target that was running started
// again afterwards (it was stopped only because a restore needs it stopped). The target's
// status is as the plan read it from the cloud.
func (p *Plan) defaults() Options {
	return Options{
		SafetyBackup: p.Allows.SafetyBackup,
		Start:        p.Allows.Start && p.Request.Target.Env.Status == cloud.StatusRunning,
	}
}

// startFromDefaults replaces the request's choices with the defaults when the request
// asks for them (Options.Defaults); the rest of the request stays.
func (p *Plan) startFromDefaults() {
	o := &p.Request.Options
	if !o.Defaults {
		return
	}
	d := p.defaults()
	o.SafetyBackup, o.DBOnly, o.Start, o.Defaults = d.SafetyBackup, d.DBOnly, d.Start, false
}
