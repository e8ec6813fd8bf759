package restore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"restoredesk/core/cloud"
	"restoredesk/core/journal"
	"restoredesk/core/wording"
)

// Managing backups: edit a backup's comment, delete a manual backup. Like every action
// they go request → plan (the rules below) → confirmation → run → journal.

// Manage actions.
const (
	StepComment StepKind = "comment" // a backup's comment changed
	StepDelete  StepKind = "delete"  // a backup deleted
)

var (
	// ErrNotManual: only backups someone made (manual, safety, uploaded) can be deleted.
	ErrNotManual = errors.New("only manual backups can be deleted")
	// ErrBackupInUse: the backup is being restored, or is the safety backup of a run
	// still going on.
	ErrBackupInUse = errors.New("the backup is in use by a run")
)

// maxComment bounds a comment; the API documents none, and the Portal shows one line.
const maxComment = 500

// ManageRequest is a change to one backup the user asked for.
type ManageRequest struct {
	Profile    string
	Target     Target // the app and environment the backup belongs to
	SnapshotID string
	Delete     bool   // delete the backup; otherwise set its comment
	Comment    string // the new comment (when not Delete)
	// Confirm is the environment's name as typed: deleting a production backup needs it.
	Confirm string
}

// ManagePlan is shown before the backup is changed.
type ManagePlan struct {
	Outline    // its one step (Step), notes and confirmation
	Request    ManageRequest
	Snapshot   *cloud.Snapshot
	Kind       cloud.SnapshotKind
	Production bool
	// ConfirmationRequired: a production backup is deleted and Request.Confirm does not
	// name the environment.
	ConfirmationRequired bool
	Step                 Step
}

// ConfirmWith records what the user typed and reports whether it confirms the plan.
func (p *ManagePlan) ConfirmWith(typed string) bool {
	p.Request.Confirm = typed
	p.ConfirmationRequired = p.needsConfirmation()
	return !p.ConfirmationRequired
}

// needsConfirmation asks the production rule (rules.go): deleting a production backup
// takes away a way back, so it needs the environment's name like a restore there.
func (p *ManagePlan) needsConfirmation() bool {
	return !confirms(p.Request.Confirm, nameToType(p.Request.Target, p.Production, p.Request.Delete))
}

// backupEditor is what managing needs of the cloud beyond Cloud.
type backupEditor interface {
	UpdateSnapshotComment(ctx context.Context, projectID, envID, snapshotID, comment string) (*cloud.Snapshot, error)
	DeleteSnapshot(ctx context.Context, projectID, envID, snapshotID string) error
}

// PlanManage checks a change to a backup against the rules and says what it will do.
func (e *Engine) PlanManage(ctx context.Context, req ManageRequest) (*ManagePlan, error) {
	t := req.Target
	mode := t.Env.Mode
	bad := func(s, next string) error { return planErr(s, next, ErrInvalidRequest) }
	switch {
	case t.App.ProjectID == "" || t.Env.EnvironmentID == "" || mode == "":
		return nil, bad("Choose the app and environment the backup belongs to.", "")
	case strings.TrimSpace(req.SnapshotID) == "":
		return nil, bad("Choose the backup.", "")
	}
	if !req.Delete {
		if err := checkComment(req.Comment); err != nil {
			return nil, err
		}
	}
	snap, err := readRetry(ctx, e, func() (*cloud.Snapshot, error) {
		return e.cloud.GetSnapshot(ctx, t.App.ProjectID, t.Env.EnvironmentID, req.SnapshotID)
	})
	if err != nil {
		if errors.Is(err, cloud.ErrNotFound) {
			return nil, planErr(fmt.Sprintf("The backup %s was not found in %s: it may have expired or been deleted.", req.SnapshotID, mode),
				"Refresh the list of backups and choose one from it.", err)
		}
		return nil, planErr(fmt.Sprintf("Restore Desk could not read the backup %s: %s.", req.SnapshotID, cause(err)), "", err)
	}
	p := &ManagePlan{Request: req, Snapshot: snap, Kind: cloud.KindOf(*snap), Production: isProduction(t)}
	label := fmt.Sprintf("the %s backup of %s", p.Kind, when(snapshotTime(snap), e.now()))
	if req.Delete {
		if err := e.deletable(ctx, p); err != nil {
			return nil, err
		}
		p.Step = Step{Kind: StepDelete, Title: fmt.Sprintf("Delete %s from %s", label, mode)}
		p.Notes = append(p.Notes, fmt.Sprintf("%s will be deleted from Mendix Cloud. This cannot be undone.", wording.UpperFirst(label)))
		if p.Kind == cloud.KindSafety {
			p.Notes = append(p.Notes, "It is a safety backup Restore Desk made before a restore: once it is deleted, that restore can no longer be undone.")
		}
		p.ConfirmationRequired = p.needsConfirmation()
		if p.ConfirmationRequired {
			p.Notes = append(p.Notes, fmt.Sprintf("%s is a production environment: type its name, %s, to confirm.", mode, mode))
		}
		p.Steps = []Step{p.Step}
		p.Confirm = needsName(nameToType(t, p.Production, true), fmt.Sprintf("%s is a production environment.", mode), "delete the backup")
		return p, nil
	}
	p.Step = Step{Kind: StepComment, Title: fmt.Sprintf("Set the comment of %s in %s", label, mode)}
	if strings.TrimSpace(req.Comment) == "" {
		p.Notes = append(p.Notes, "The comment will be removed.")
	} else {
		p.Notes = append(p.Notes, fmt.Sprintf("The comment %q will replace %q.", req.Comment, snap.Comment))
	}
	p.Steps = []Step{p.Step}
	return p, nil
}

// checkComment refuses what a backup list cannot show: control characters, overlong text.
func checkComment(c string) error {
	if !utf8.ValidString(c) {
		return planErr("The comment is not valid text: it holds bytes that are not UTF-8 (often from a program that saved it in another encoding).",
			"Type the comment again, or paste it from a program that saves text as UTF-8.", ErrInvalidRequest)
	}
	if strings.IndexFunc(c, unicode.IsControl) >= 0 {
		return planErr("The comment holds control characters (a line break, a tab or an escape).",
			"Write the comment on one line, with letters, digits and punctuation only.", ErrInvalidRequest)
	}
	if n := utf8.RuneCountInString(c); n > maxComment {
		return planErr(fmt.Sprintf("The comment is %d characters long; at most %d fit.", n, maxComment),
			"Shorten the comment.", ErrInvalidRequest)
	}
	return nil
}

// deletable holds the rules of deleting: a backup someone made (not an automatic one),
// finished, and not in use by a run that is still going on.
func (e *Engine) deletable(ctx context.Context, p *ManagePlan) error {
	s := p.Snapshot
	if p.Kind.Automatic() {
		return planErr(
			fmt.Sprintf("This is a %s backup: Mendix Cloud makes and removes automatic backups itself, so only manual backups can be deleted.", p.Kind),
			"Choose a manual backup, or leave this one: it expires by itself.", ErrNotManual)
	}
	if !s.State.Done() {
		return planErr(fmt.Sprintf("The backup is still being made (%s), so it cannot be deleted yet.", jobLabel(s.State)),
			"Wait until it has finished, then delete it.", ErrTargetBusy)
	}
	return e.notInUse(ctx, s.SnapshotID)
}

// notInUse refuses a backup that a run still going on (followed now, or interrupted and
// not yet resumed) restores, uploaded or keeps as its safety backup. The cloud refuses a
// backup being restored too; this also covers runs that have not reached the cloud yet,
// and says which run.
func (e *Engine) notInUse(ctx context.Context, snapshotID string) error {
	runs, err := e.journal.List(jctx(ctx), journal.Filter{})
	if err != nil {
		return planErr("Restore Desk could not read its journal, so it cannot tell whether a run still uses this backup. Nothing was changed.",
			"Check that Restore Desk may read its data folder, then try again.", err)
	}
	for _, r := range runs {
		if r.Status.Finished() {
			continue
		}
		if r.SnapshotID == snapshotID || r.UploadSnapshotID == snapshotID || r.SafetySnapshotID == snapshotID {
			return planErr(fmt.Sprintf("Run %d (%s of %s) still uses this backup, so it cannot be deleted now.", r.ID, r.Kind, r.Target()),
				fmt.Sprintf("Wait until run %d has finished (the history shows it), then delete the backup.", r.ID), ErrBackupInUse)
		}
	}
	return nil
}

// RunManage carries out a confirmed plan as a journaled run of one step.
func (e *Engine) RunManage(ctx context.Context, p *ManagePlan, onEvent func(Event)) (*Result, error) {
	if p == nil || p.Snapshot == nil {
		return nil, planErr("There is no plan to run.", "Make a plan first.", ErrInvalidRequest)
	}
	req, mode := p.Request, p.Request.Target.Env.Mode
	if p.needsConfirmation() {
		p.ConfirmationRequired = true
		summary := fmt.Sprintf("%s is a production environment: type its name, %s, to confirm deleting the backup. Nothing was changed.", mode, mode)
		if c := strings.TrimSpace(req.Confirm); c != "" {
			summary = fmt.Sprintf("The confirmation %q does not match %s. Nothing was changed.", c, mode)
		}
		return nil, &RunError{Summary: summary, Next: fmt.Sprintf("Type %s exactly (any capitalisation) to delete it.", mode), Err: ErrConfirmationRequired}
	}
	ed, ok := e.cloud.(backupEditor)
	if !ok {
		return nil, planErr("This connection cannot change backups.", "", ErrInvalidRequest)
	}
	if req.Delete {
		// Checked again: a run may have started using it since the plan was made.
		if err := e.notInUse(ctx, req.SnapshotID); err != nil {
			return nil, err
		}
	}
	t := req.Target
	kind, verb := journal.KindComment, "change the comment of the backup"
	if req.Delete {
		kind, verb = journal.KindDelete, "delete the backup"
	}
	jr := &journal.Run{
		Kind: kind, Profile: req.Profile, Username: e.cloud.Username(), SnapshotID: req.SnapshotID,
		AppID: t.App.AppID, AppName: t.App.Name, ProjectID: t.App.ProjectID, EnvID: t.Env.EnvironmentID,
		Mode: mode, Production: p.Production, FreeApp: IsFreeApp(t),
		Steps: []journal.Step{{Kind: string(p.Step.Kind), Title: p.Step.Title}},
	}
	id, release, err := e.begin(ctx, jr, verb)
	if err != nil {
		return nil, err
	}
	defer release()
	r := e.newRunner(id, jr, onEvent)
	r.titles[p.Step.Kind] = p.Step.Title
	err = r.stepWith(ctx, p.Step.Kind, func(ctx context.Context) (string, error) {
		cctx, cancel := shield(ctx)
		defer cancel()
		if req.Delete {
			if err := ed.DeleteSnapshot(cctx, t.App.ProjectID, t.Env.EnvironmentID, req.SnapshotID); err != nil {
				return "", &RunError{Summary: fmt.Sprintf("Mendix Cloud did not delete the backup: %s.", cause(err)), Err: err}
			}
			return fmt.Sprintf("%s is deleted from %s.", wording.UpperFirst(backupByDate(p.Snapshot)), mode), nil
		}
		s, err := ed.UpdateSnapshotComment(cctx, t.App.ProjectID, t.Env.EnvironmentID, req.SnapshotID, req.Comment)
		if err != nil {
			return "", &RunError{Summary: fmt.Sprintf("Mendix Cloud did not change the comment: %s.", cause(err)), Err: err}
		}
		r.res.Backup = s
		return fmt.Sprintf("%s now has the comment %q.", wording.UpperFirst(backupByDate(p.Snapshot)), s.Comment), nil
	})
	return r.finish(ctx, err)
}
