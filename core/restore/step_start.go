package restore

import (
	"context"
	"errors"
	"fmt"
	"restoredesk/core/cloud"
	"strings"
)

func (r *runner) doStart(ctx context.Context) (string, error) {
	mode := r.t.mode
	notStarted := func(summary, next string, err error) error {
		return &RunError{Summary: summary, Next: next, Err: err}
	}
	var job *cloud.StartJob
	var err error
	for attempt := 0; ; attempt++ {
		cctx, cancel := shield(ctx)
		job, err = r.e.cloud.StartEnvironment(cctx, r.t.appID, r.t.mode, true)
		cancel()
		// Asking to start twice is harmless: the second answer is ALREADY_STARTED or
		// APP_ALREADY_HAS_A_STARTING_JOB, both handled below.
		if err == nil || !transient(err) || attempt >= 3 || ctx.Err() != nil {
			break
		}
		if serr := cloud.Sleep(ctx, r.e.poll); serr != nil {
			break
		}
	}
	switch {
	case err == nil:
	case errors.Is(err, cloud.ErrAlreadyStarted):
		r.alreadyDone = true
		r.markStarted(ctx)
		return fmt.Sprintf("%s was already running.", mode), nil
	case errors.Is(err, cloud.ErrBusy):
		// A start is already under way: follow the environment instead of the job.
		job = nil
	case ctx.Err() != nil:
		return "", notStarted(fmt.Sprintf("Starting %s was cancelled.", mode), "", fmt.Errorf("%w: %w", ErrCancelled, err))
	case transient(err):
		// Uncertain answers: one of the requests may have started it; its status tells.
		job = nil
	default:
		return "", notStarted(fmt.Sprintf("%s%s could not be started: %s.", r.startPrefix(), mode, cause(err)), "", err)
	}
	if job != nil {
		if err := r.followStartJob(ctx, job.JobID); err != nil {
			if ctx.Err() != nil {
				return "", notStarted(fmt.Sprintf("Restore Desk stopped following the start of %s; it may still be starting.", mode), "Look at its status in a minute.", fmt.Errorf("%w: %w", ErrCancelled, err))
			}
			if errors.Is(err, ErrStartTimeout) {
				return "", notStarted(fmt.Sprintf("%s%s did not start within %s.", r.startPrefix(), mode, r.e.startTimeout),
					fmt.Sprintf("Look at %s in the Mendix Portal and at the app's logs.", mode), err)
			}
			if !errors.Is(err, cloud.ErrNotFound) {
				return "", notStarted(fmt.Sprintf("%s%s did not start: %s.", r.startPrefix(), mode, cause(err)), "", err)
			}
			// NO_SUCH_STARTJOB: the job is gone; the environment's status tells the rest.
		}
	}
	if err := r.waitStatus(ctx, StepStart, cloud.StatusRunning, r.e.startTimeout); err != nil {
		if ctx.Err() != nil {
			return "", notStarted(fmt.Sprintf("Restore Desk stopped following the start of %s; it may still be starting.", mode), "Look at its status in a minute.", fmt.Errorf("%w: %w", ErrCancelled, err))
		}
		return "", notStarted(fmt.Sprintf("%s%s did not start: %s.", r.startPrefix(), mode, cause(err)),
			fmt.Sprintf("Look at %s in the Mendix Portal and at the app's logs.", mode), err)
	}
	r.markStarted(ctx)
	return fmt.Sprintf("%s is started.", mode), nil
}

// startPrefix opens a start failure's sentence: after a restore, the user must hear that
// the restore itself worked.
func (r *runner) startPrefix() string {
	if r.restored {
		return "The restore is done, but "
	}
	return ""
}

func (r *runner) markStarted(ctx context.Context) {
	r.started = true
	r.journalErr("started", r.e.journal.SetStartedEnv(jctx(ctx), r.id, true))
}

// followStartJob polls a start job until Started.
func (r *runner) followStartJob(ctx context.Context, jobID string) error {
	started := &cloud.StartJobStatus{Status: cloud.StartStarted}
	last := ""
	_, err := poll(ctx, r, pollSpec[*cloud.StartJobStatus]{
		get: func(ctx context.Context) (*cloud.StartJobStatus, error) {
			st, err := r.e.cloud.GetStartJob(ctx, r.t.appID, r.t.mode, jobID)
			if errors.Is(err, cloud.ErrAlreadyStarted) {
				return started, nil
			}
			return st, err
		},
		seen: func(st *cloud.StartJobStatus) (bool, error) {
			if st != started && st.Status != last {
				r.emit(Event{Step: StepStart, Type: EventProgress, State: st.Status, Message: fmt.Sprintf("%s is %s.", r.t.mode, strings.ToLower(st.Status))})
				last = st.Status
			}
			return st.Status == cloud.StartStarted, nil
		},
		limit:   r.e.startTimeout,
		timeout: func(*cloud.StartJobStatus) error { return ErrStartTimeout },
	})
	return err
}

func (r *runner) doVerify(ctx context.Context) (string, error) {
	env, err := r.getEnv(ctx)
	if err != nil {
		return "", &RunError{Summary: fmt.Sprintf("Restore Desk could not read the status of %s: %s.", r.t.mode, cause(err)), Err: err}
	}
	if env.Status != cloud.StatusRunning {
		return "", &RunError{
			Summary: fmt.Sprintf("%s was started but now reports %s.", r.t.mode, env.Status.Label()),
			Next:    fmt.Sprintf("Look at %s in the Mendix Portal and at the app's logs.", r.t.mode),
			Err:     ErrStartTimeout,
		}
	}
	return fmt.Sprintf("%s is running.", r.t.mode), nil
}
