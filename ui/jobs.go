package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/restore"
)

// presentEvery is how often the jobs panel redraws running jobs: about ten times a second,
// whatever rate the workers report at.
const presentEvery = 100 * time.Millisecond

// outcome is how a job ended.
type outcome int

const (
	outcomeRunning outcome = iota
	outcomeCompleted
	outcomeFailed
	outcomeCancelled
)

// jobStep is one step of a job as shown.
type jobStep struct {
	kind    restore.StepKind
	title   string
	status  string // pending, running, done, failed
	message string
}

// jobState is what workers write and the presenter draws. Guarded by jobsPanel.mu.
type jobState struct {
	title       string
	steps       []jobStep
	started     time.Time
	finished    time.Time
	bytes       restore.Progress // of the running step's transfer or scan; Total 0: none
	jobState    string           // the cloud job's state and message (restore, backup, start)
	jobMessage  string
	outcome     outcome
	err         error
	result      *restore.Result
	cancellable bool
}

// clone copies st deep enough to be drawn while workers go on writing the original.
func (st jobState) clone() jobState {
	st.steps = slices.Clone(st.steps)
	return st
}

// job is one entry of the jobs panel: a restore run, an upload, a backup being made.
type job struct {
	st      jobState         // guarded by jobsPanel.mu
	dirty   bool             // guarded by jobsPanel.mu
	counter *restore.Counter // guarded by jobsPanel.mu; the running step's bytes
	cancel  context.CancelFunc
	done    chan struct{} // closed once the final state is recorded and sent to be drawn

	card *jobCard // UI goroutine only
}

// jobsPanel lists the jobs of this session with their steps and progress. Workers only
// record events (event, finish); a presenter goroutine draws the changes at most every
// presentEvery, through UI.do.
type jobsPanel struct {
	u     *UI
	box   *fyne.Container
	empty *widget.Label

	mu      sync.Mutex
	jobs    []*job
	ticking bool
}

func newJobsPanel(u *UI) *jobsPanel {
	p := &jobsPanel{u: u}
	p.empty = widget.NewLabel("No jobs yet. Restores, uploads and backups show their progress here.")
	p.box = container.NewVBox(p.empty)
	return p
}

func (p *jobsPanel) content() fyne.CanvasObject {
	title := widget.NewLabelWithStyle("Jobs", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	clear := widget.NewButtonWithIcon("Clear finished", theme.ContentClearIcon(), p.clearFinished)
	clear.Importance = widget.LowImportance
	return container.NewBorder(container.NewHBox(title, layout.NewSpacer(), clear), nil, nil, nil,
		container.NewVScroll(p.box))
}

// add shows a new job with its planned steps. cancel (may be nil) is offered while a
// step that is safe to interrupt runs. UI goroutine.
func (p *jobsPanel) add(title string, steps []restore.Step, cancel context.CancelFunc) *job {
	j := &job{cancel: cancel, done: make(chan struct{})}
	j.st.title = title
	j.st.started = p.u.deps.Now()
	for _, s := range steps {
		j.st.steps = append(j.st.steps, jobStep{kind: s.Kind, title: s.Title, status: "pending"})
	}
	j.st.cancellable = cancel != nil && len(steps) > 0 && cancellableStep(steps[0].Kind)
	j.card = newJobCard(p.u, j)
	p.box.Remove(p.empty)
	p.box.Objects = slices.Insert(p.box.Objects, 0, fyne.CanvasObject(j.card.content))
	p.box.Refresh()

	p.mu.Lock()
	p.jobs = append(p.jobs, j)
	j.card.draw(j.st.clone())
	start := !p.ticking
	p.ticking = true
	p.mu.Unlock()
	if start {
		p.u.background(p.present)
	}
	return j
}

// cancellableStep reports whether cancelling during step leaves everything as it was:
// nothing has been stopped or replaced yet.
func cancellableStep(k restore.StepKind) bool {
	switch k {
	case restore.StepInspect, restore.StepUpload, restore.StepSafetyBackup:
		return true
	}
	return false
}

// event records a restore event. Any goroutine.
func (p *jobsPanel) event(j *job, e restore.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := &j.st
	i := slices.IndexFunc(st.steps, func(s jobStep) bool { return s.kind == e.Step })
	if i < 0 && e.Step != "" {
		st.steps = append(st.steps, jobStep{kind: e.Step, title: string(e.Step), status: "pending"})
		i = len(st.steps) - 1
	}
	switch e.Type {
	case restore.EventStepStarted:
		st.steps[i].status = "running"
		if e.Title != "" {
			st.steps[i].title = e.Title // the engine's own words, also for steps added on the way
		}
		if e.Message != "" {
			st.steps[i].message = e.Message
		}
		st.bytes, st.jobState, st.jobMessage = restore.Progress{}, "", ""
		j.counter = nil
		st.cancellable = j.cancel != nil && cancellableStep(e.Step)
	case restore.EventProgress:
		if e.Total > 0 {
			if j.counter == nil || st.bytes.Total != e.Total {
				j.counter = restore.NewCounter(e.Done, e.Total, p.u.deps.Now)
			}
			j.counter.Set(e.Done)
			st.bytes.Done, st.bytes.Total = e.Done, e.Total
		}
		if e.State != "" || e.Message != "" {
			st.jobState, st.jobMessage = e.State, e.Message
		}
	case restore.EventMessage:
		if i >= 0 {
			st.steps[i].message = e.Message
		}
	case restore.EventStepDone:
		st.steps[i].status = "done"
		if e.Message != "" {
			st.steps[i].message = e.Message
		}
		st.bytes = restore.Progress{}
		j.counter = nil
	case restore.EventStepFailed:
		st.steps[i].status = "failed"
		if e.Err != nil {
			st.steps[i].message = explainSummary(e.Err)
		} else if e.Message != "" {
			st.steps[i].message = e.Message
		}
	}
	j.dirty = true
}

// finish records how the job ended, draws it and closes j.done. Any goroutine but the UI's.
func (p *jobsPanel) finish(j *job, res *restore.Result, err error) {
	p.mu.Lock()
	st := &j.st
	st.finished = p.u.deps.Now()
	st.result = res
	st.err = err
	st.cancellable = false
	switch {
	case err == nil:
		st.outcome = outcomeCompleted
	case errors.Is(err, restore.ErrCancelled), errors.Is(err, context.Canceled):
		st.outcome = outcomeCancelled
	default:
		st.outcome = outcomeFailed
	}
	for k := range st.steps {
		if st.steps[k].status == "running" && err == nil {
			st.steps[k].status = "done"
		} else if st.steps[k].status == "running" {
			st.steps[k].status = "failed"
		}
	}
	snap := st.clone()
	j.dirty = false
	p.mu.Unlock()
	p.u.do(func() { j.card.draw(snap) })
	close(j.done)
}

// present redraws changed jobs until no job runs.
func (p *jobsPanel) present(ctx context.Context) {
	t := time.NewTicker(presentEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			p.mu.Lock()
			p.ticking = false
			p.mu.Unlock()
			return
		case <-t.C:
		}
		type draw struct {
			j  *job
			st jobState
		}
		var draws []draw
		running := false
		p.mu.Lock()
		for _, j := range p.jobs {
			if j.st.outcome == outcomeRunning {
				running = true
				j.dirty = true // the elapsed time moves on
				if j.counter != nil {
					j.st.bytes = j.counter.Snapshot() // the rate is measured at the presenter's pace
				}
			}
			if j.dirty {
				j.dirty = false
				draws = append(draws, draw{j, j.st.clone()})
			}
		}
		if !running && len(draws) == 0 {
			p.ticking = false
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		p.u.do(func() {
			for _, d := range draws {
				d.j.card.draw(d.st)
			}
		})
	}
}

// clearFinished removes the finished jobs' cards.
func (p *jobsPanel) clearFinished() {
	p.mu.Lock()
	keep := p.jobs[:0]
	var gone []*job
	for _, j := range p.jobs {
		if j.st.outcome == outcomeRunning {
			keep = append(keep, j)
		} else {
			gone = append(gone, j)
		}
	}
	p.jobs = keep
	p.mu.Unlock()
	for _, j := range gone {
		p.box.Remove(j.card.content)
	}
	if len(p.box.Objects) == 0 {
		p.box.Add(p.empty)
	}
	p.box.Refresh()
}

// running counts the jobs that have not finished. Any goroutine.
func (p *jobsPanel) running() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, j := range p.jobs {
		if j.st.outcome == outcomeRunning {
			n++
		}
	}
	return n
}

// snapshot returns j's state. Any goroutine; tests use it.
func (p *jobsPanel) snapshot(j *job) jobState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return j.st.clone()
}

// offerStart adds a button to j's card that starts the environment the run left stopped.
// UI goroutine.
func (p *jobsPanel) offerStart(j *job, label string, start func()) {
	j.card.showStart(label, start)
}

// jobCard draws one job compactly: a title line with the state, elapsed time and
// buttons, then the steps, the progress and how it ended.
type jobCard struct {
	content  *fyne.Container
	title    *widget.Label
	state    *fyne.Container // a badge: "running", "finished 14:02"
	steps    *fyne.Container
	progress *widget.ProgressBar
	info     *widget.Label
	outcome  *widget.Label
	elapsed  *widget.Label
	cancel   *widget.Button
	details  *widget.Button
	start    *widget.Button
	now      func() time.Time
}

func newJobCard(u *UI, j *job) *jobCard {
	c := &jobCard{now: u.deps.Now}
	c.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	c.state = newBadge("")
	c.steps = container.NewVBox()
	c.progress = widget.NewProgressBar()
	c.progress.Hide()
	c.info = widget.NewLabel("")
	c.info.Hide()
	c.outcome = wrapped("")
	c.outcome.Hide()
	c.elapsed = widget.NewLabel("")
	c.cancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() {
		if j.cancel != nil {
			j.cancel()
		}
	})
	c.cancel.Hide()
	c.details = widget.NewButtonWithIcon("What went wrong?", theme.ErrorIcon(), func() {
		u.jobs.mu.Lock()
		err := j.st.err
		u.jobs.mu.Unlock()
		u.showError("The job failed", err)
	})
	c.details.Hide()
	c.start = widget.NewButtonWithIcon("Start", theme.MediaPlayIcon(), nil)
	c.start.Importance = widget.HighImportance
	c.start.Hide()
	head := container.NewHBox(c.title, c.state, layout.NewSpacer(), c.elapsed, c.details, c.start, c.cancel)
	c.content = container.NewVBox(head, c.steps, c.progress, c.info, c.outcome, widget.NewSeparator())
	return c
}

// draw shows st. UI goroutine.
func (c *jobCard) draw(st jobState) {
	c.title.SetText(st.title)
	for len(c.steps.Objects) < len(st.steps) {
		label := widget.NewLabel("")
		label.Truncation = fyne.TextTruncateEllipsis
		c.steps.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.RadioButtonIcon()), nil, label))
	}
	for i, s := range st.steps {
		row := c.steps.Objects[i].(*fyne.Container)
		label := row.Objects[0].(*widget.Label)
		icon := row.Objects[1].(*widget.Icon)
		icon.SetResource(stepIcon(s.status))
		text := s.title
		if s.message != "" {
			text += " — " + s.message
		}
		label.TextStyle.Bold = s.status == "running" // the icon tells the rest
		label.SetText(text)
	}

	end := st.finished
	if st.outcome == outcomeRunning {
		end = c.now()
	}
	c.elapsed.SetText(elapsedText(end.Sub(st.started)))

	switch {
	case st.outcome == outcomeRunning && st.bytes.Total > 0:
		c.progress.Max = 1
		c.progress.SetValue(st.bytes.Fraction())
		c.progress.Show()
		c.info.SetText(bytesProgressText(st.bytes))
		c.info.Show()
	case st.outcome == outcomeRunning && (st.jobState != "" || st.jobMessage != ""):
		c.progress.Hide()
		c.info.SetText(jobStateText(st.jobState, st.jobMessage))
		c.info.Show()
	default:
		c.progress.Hide()
		c.info.Hide()
	}

	if st.cancellable && st.outcome == outcomeRunning {
		c.cancel.Show()
	} else {
		c.cancel.Hide()
	}
	icon, state := outcomeBadge(st.outcome)
	if st.outcome != outcomeRunning {
		state += " " + shortTime(st.finished)
	}
	setBadge(c.state, icon, state)
	// The engine's sentence says what a cancel or failure left behind.
	if st.outcome == outcomeRunning || st.outcome == outcomeCompleted || st.err == nil {
		c.outcome.Hide()
	} else {
		c.outcome.SetText(explainSummary(st.err))
		c.outcome.Show()
	}
	if st.outcome == outcomeFailed {
		c.details.Show()
	}
}

// outcomeBadge is the icon and word of a job's state.
func outcomeBadge(o outcome) (fyne.Resource, string) {
	switch o {
	case outcomeCompleted:
		return theme.NewSuccessThemedResource(theme.ConfirmIcon()), "finished"
	case outcomeCancelled:
		return theme.NewWarningThemedResource(theme.CancelIcon()), "cancelled"
	case outcomeFailed:
		return theme.NewColoredResource(theme.ErrorIcon(), theme.ColorNameError), "failed"
	}
	return theme.NewColoredResource(theme.MediaPlayIcon(), theme.ColorNamePrimary), "running"
}

func (c *jobCard) showStart(label string, start func()) {
	c.start.SetText(label)
	c.start.OnTapped = func() {
		c.start.Hide()
		start()
	}
	c.start.Show()
}

// stepIcon marks a step's status; the step's words stay in the text colour.
func stepIcon(status string) fyne.Resource {
	switch status {
	case "running":
		return theme.NewColoredResource(theme.MediaPlayIcon(), theme.ColorNamePrimary)
	case "done":
		return theme.NewSuccessThemedResource(theme.ConfirmIcon())
	case "failed":
		return theme.NewColoredResource(theme.ErrorIcon(), theme.ColorNameError)
	}
	return theme.RadioButtonIcon()
}

// jobStateText is a cloud job's state and message: "Running: Restoring database".
func jobStateText(state, msg string) string {
	label := map[string]string{"queued": "Queued", "running": "Running", "completed": "Completed", "failed": "Failed"}[state]
	if label == "" {
		label = state
	}
	switch {
	case label == "":
		return msg
	case msg == "":
		return label
	}
	return label + ": " + msg
}

// bytesProgressText is "12 MB of 200 MB · 4.1 MB/s · about 40 s left".
func bytesProgressText(p restore.Progress) string {
	s := fmt.Sprintf("%s of %s", sizeText(p.Done), sizeText(p.Total))
	if p.Rate > 0 {
		s += fmt.Sprintf(" · %s/s", sizeText(int64(p.Rate)))
	}
	if p.ETA > 0 {
		s += " · about " + elapsedText(p.ETA) + " left"
	}
	return s
}
