package restore

import (
	"context"
	"fmt"
	"strconv"
	"strings"

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
	lead := []string{fmt.Sprintf("This undoes run %d, the restore of %s: %s gets back the data it had just before that run, kept in the safety backup taken then.",
		runID, moment(jr.StartedAt, e.now()), jr.Mode)}
	if later := e.laterRestores(ctx, jr); len(later) > 0 {
		lead = append(lead, fmt.Sprintf("It also reverts what %s put into %s after run %d.", runsText(later), jr.Mode, runID))
	}
	p.Notes = append(lead, p.Notes...)
	return p, nil
}

// laterRestores are the runs that sent a restore into jr's environment after jr: undoing
// jr puts back data from before them too.
func (e *Engine) laterRestores(ctx context.Context, jr *journal.Run) []int64 {
	runs, err := e.journal.List(jctx(ctx), journal.Filter{AppID: jr.AppID})
	if err != nil {
		e.log.Warn("journal not readable for the undo plan", "err", err)
		return nil
	}
	t := Target{App: cloud.App{AppID: jr.AppID}, Env: cloud.Environment{EnvironmentID: jr.EnvID, Mode: jr.Mode}}
	var out []int64
	for _, r := range runs {
		if r.ID > jr.ID && sameEnv(r, t) && (r.RestoreID != "" || !r.RestoreSubmittedAt.IsZero()) {
			out = append([]int64{r.ID}, out...) // oldest first
		}
	}
	return out
}

// runsText is "run 12", "runs 12 and 14", "runs 12, 14 and 15".
func runsText(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	if len(s) == 1 {
		return "run " + s[0]
	}
	return "runs " + strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}
