package restore

import (
	"context"
	"fmt"
	"restoredesk/core/cloud"
	"restoredesk/core/journal"
)

// Undo plans restoring run runID's safety backup into the same environment (with a new
// safety backup first, so the undo can itself be undone). The caller shows the plan and,
// for production, sets Request.Options.Confirm before Run.
func (e *Engine) Undo(ctx context.Context, runID int64) (*Plan, error) {
	jr, err := e.getRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	if !jr.Status.Finished() {
		return nil, planErr(fmt.Sprintf("Run %d has not finished yet; it can be undone once it has.", runID),
			"Follow it to the end first.", journal.ErrRunInUse)
	}
	if jr.SafetySnapshotID == "" {
		return nil, planErr(fmt.Sprintf("Run %d made no safety backup, so Restore Desk cannot undo it.", runID),
			"Restore an older backup of the environment instead.", ErrNothingToUndo)
	}
	if !jr.CanUndo() {
		return nil, planErr(fmt.Sprintf("Run %d replaced no data, so there is nothing to undo.", runID), "", ErrNothingToUndo)
	}
	if err := e.sameAccount(jr, "undo it"); err != nil {
		return nil, err
	}
	req := Request{
		Profile: jr.Profile,
		Source:  Source{SnapshotID: jr.SafetySnapshotID, SourceEnvID: jr.EnvID},
		Target: Target{
			App: cloud.App{AppID: jr.AppID, Name: jr.AppName, ProjectID: jr.ProjectID},
			Env: cloud.Environment{EnvironmentID: jr.EnvID, Mode: jr.Mode},
		},
		Options: Options{DBOnly: jr.DBOnly, SafetyBackup: true, Start: jr.Start},
	}
	p, err := e.Plan(ctx, req)
	if err != nil {
		return nil, err
	}
	p.UndoOf = runID
	p.Notes = append([]string{fmt.Sprintf("This undoes run %d: %s gets back the data it had just before that run (safety backup %s).",
		runID, jr.Mode, jr.SafetySnapshotID)}, p.Notes...)
	return p, nil
}
