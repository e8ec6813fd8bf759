package ui

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/cloud"
	"restoredesk/core/progress"
	"restoredesk/core/restore"
)

// job is one entry of the jobs panel: a restore run, an upload, a backup being made. Its
// updater (core/progress) paces the drawing and measures rate and ETA; the card only
// prints the updater's view.
type job struct {
	up     *progress.Updater
	feed   func(restore.Event)
	cancel context.CancelFunc
	done   chan struct{} // closed once the final view is recorded and sent to be drawn

	view progress.View // guarded by jobsPanel.mu: the last view printed
	seq  int           // the order jobs were added in

	card *jobCard // UI goroutine only
}

// bodySplit is the share of the window's height the lists get above the jobs panel: on a
// 768-pixel screen it leaves room for a running job's title and three of its steps.
const bodySplit = 0.64

// jobsPanel lists the jobs of this session with their steps and progress. Workers only
// feed events to a job's updater; the updater hands views to the card through UI.do.
type jobsPanel struct {
	now       func() time.Time
	do        func(func())
	showError func(title string, err error)
	box       *fyne.Container
	tools     *fyne.Container // buttons that start jobs of their own (localdb_dialog.go)
	scroll    *container.Scroll
	empty     *widget.Label

	mu   sync.Mutex
	jobs []*job
	seq  int
}

func newJobsPanel(now func() time.Time, do func(func()), showError func(string, error)) *jobsPanel {
	p := &jobsPanel{now: now, do: do, showError: showError, tools: container.NewHBox()}
	p.empty = widget.NewLabel("No jobs yet. Restores, uploads and backups show their progress here.")
	p.box = container.NewVBox(p.empty)
	return p
}

func (p *jobsPanel) content() fyne.CanvasObject {
	title := widget.NewLabelWithStyle("Jobs", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	clear := widget.NewButtonWithIcon("Clear finished", theme.ContentClearIcon(), p.clearFinished)
	clear.Importance = widget.LowImportance
	p.scroll = container.NewVScroll(p.box)
	return container.NewBorder(container.NewHBox(title, layout.NewSpacer(), p.tools, clear), nil, nil, nil, p.scroll)
}

// add shows a new job with its planned steps. cancel (may be nil) is offered while a
// step runs that the engine calls cancellable. UI goroutine.
func (p *jobsPanel) add(title string, steps []restore.Step, cancel context.CancelFunc) *job {
	j := &job{cancel: cancel, done: make(chan struct{})}
	j.card = newJobCard(p, j)
	j.up = progress.NewUpdater(progress.DefaultInterval, p.now, title, restore.PlanSteps(steps), func(v progress.View, final bool) {
		p.mu.Lock()
		j.view = v
		p.mu.Unlock()
		p.do(func() {
			j.card.draw(v)
			if final {
				p.arrange() // a finished job goes below the running ones
			}
		})
	})
	j.feed = restore.Follow(j.up)
	p.mu.Lock()
	p.seq++
	j.seq = p.seq
	p.jobs = append(p.jobs, j)
	j.view = j.up.View()
	first := j.view
	p.mu.Unlock()
	j.card.draw(first)
	p.arrange()
	if p.scroll != nil {
		p.scroll.ScrollToTop() // the new job is on top: show it
	}
	return j
}

// arrange lists the running jobs first, then the finished ones, the newest first in
// each: what goes on now is what an owner looks for. UI goroutine.
func (p *jobsPanel) arrange() {
	p.mu.Lock()
	order := slices.Clone(p.jobs)
	running := map[*job]bool{}
	for _, j := range order {
		running[j] = j.view.State == progress.RunRunning
	}
	p.mu.Unlock()
	slices.SortStableFunc(order, func(a, b *job) int {
		if running[a] != running[b] {
			if running[a] {
				return -1
			}
			return 1
		}
		return b.seq - a.seq
	})
	objs := make([]fyne.CanvasObject, 0, len(order))
	for _, j := range order {
		objs = append(objs, j.card.content)
	}
	if len(objs) == 0 {
		objs = append(objs, p.empty)
	}
	p.box.Objects = objs
	p.box.Refresh()
}

// since makes j's elapsed time count from t, when its run began: a run followed again
// after a restart has been going on since then, not since it was re-attached. UI
// goroutine.
func (p *jobsPanel) since(j *job, t time.Time) {
	if t.IsZero() {
		return
	}
	j.card.since = t
	j.card.draw(p.snapshot(j))
}

// event feeds a restore event to j's updater. Any goroutine.
func (p *jobsPanel) event(j *job, e restore.Event) { j.feed(e) }

// finish records how the job ended, draws it and closes j.done. Any goroutine but the UI's.
func (p *jobsPanel) finish(j *job, res *restore.Result, err error) {
	restore.Finish(j.up, res, err)
	close(j.done)
}

// clearFinished removes the finished jobs' cards.
func (p *jobsPanel) clearFinished() {
	p.mu.Lock()
	p.jobs = slices.DeleteFunc(p.jobs, func(j *job) bool { return j.view.State != progress.RunRunning })
	p.mu.Unlock()
	p.arrange()
}

// running counts the jobs that have not finished. Any goroutine.
func (p *jobsPanel) running() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, j := range p.jobs {
		if j.view.State == progress.RunRunning {
			n++
		}
	}
	return n
}

// snapshot returns the view j last printed. Any goroutine; tests use it.
func (p *jobsPanel) snapshot(j *job) progress.View {
	p.mu.Lock()
	defer p.mu.Unlock()
	return j.view
}

// offerNext adds a button to j's card for the next step after the run (start what it
// left stopped, follow it again). UI goroutine.
func (p *jobsPanel) offerNext(j *job, label string, next func()) {
	j.card.showNext(label, next)
}

// jobCard draws one job's view compactly: a title line with the state, elapsed time and
// buttons, then the steps, the progress and how it ended.
type jobCard struct {
	content  *fyne.Container
	head     *fyne.Container
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
	since    time.Time // when the run began, if before the job was added (re-attached)
	err      error     // of the view last drawn
}

func newJobCard(p *jobsPanel, j *job) *jobCard {
	c := &jobCard{now: p.now}
	c.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	c.state = newBadge("")
	c.steps = container.New(layout.NewCustomPaddedVBoxLayout(0)) // close lines: more of them in view
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
	c.details = widget.NewButtonWithIcon("What went wrong?", theme.ErrorIcon(), func() { p.showError("The job failed", c.err) })
	c.details.Hide()
	c.start = widget.NewButtonWithIcon("Start", theme.MediaPlayIcon(), nil)
	c.start.Importance = widget.HighImportance
	c.start.Hide()
	c.head = wrapRow(c.title, c.state, layout.NewSpacer(), c.elapsed, c.details, c.start, c.cancel) // wraps on a narrow window
	c.content = container.NewVBox(c.head, c.steps, c.progress, c.info, c.outcome, widget.NewSeparator())
	return c
}

// draw prints v. UI goroutine.
func (c *jobCard) draw(v progress.View) {
	c.title.SetText(v.Title)
	c.err = v.Err
	for len(c.steps.Objects) < len(v.Steps) {
		label := widget.NewLabel("")
		label.Truncation = fyne.TextTruncateEllipsis
		c.steps.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.RadioButtonIcon()), nil, label))
	}
	for i, s := range v.Steps {
		row := c.steps.Objects[i].(*fyne.Container)
		label := row.Objects[0].(*widget.Label)
		icon := row.Objects[1].(*widget.Icon)
		icon.SetResource(stepIconOf(s.State, v.State))
		label.TextStyle.Bold = s.State == progress.StepRunning // the icon tells the rest
		label.SetText(stepText(s))
	}
	if !c.since.IsZero() && c.since.Before(v.Started) {
		v.Started = c.since
	}
	c.elapsed.SetText(elapsedText(v.Elapsed(c.now())))

	running := v.State == progress.RunRunning
	switch {
	case running && v.Bytes.Total > 0:
		c.progress.Max = 1
		c.progress.SetValue(v.Bytes.Fraction())
		c.progress.Show()
		c.info.SetText(bytesText(v.Bytes))
		c.info.Show()
	case running && (v.JobState != "" || v.JobMessage != ""):
		c.progress.Hide()
		c.info.SetText(jobStateText(v.JobState, v.JobMessage))
		c.info.Show()
	default:
		c.progress.Hide()
		c.info.Hide()
	}
	if v.Cancellable && running {
		c.cancel.Show()
	} else {
		c.cancel.Hide()
	}
	icon, state := runBadge(v.State)
	if !running {
		state += " " + shortTime(v.Finished)
	}
	setBadge(c.state, icon, state)
	// The engine's sentence says what a cancel or failure left behind.
	if running || v.State == progress.RunCompleted || v.Err == nil {
		c.outcome.Hide()
	} else {
		c.outcome.SetText(explainSummary(v.Err))
		c.outcome.Show()
	}
	if v.State == progress.RunFailed {
		c.details.Show()
	}
	c.head.Refresh() // the title, badge and time change width: lay the row out again
}

// stepText is a step's line: its title, what was said about it, and its bytes once done.
func stepText(s progress.Step) string {
	text := s.Title
	if s.Message != "" {
		text += " — " + s.Message
	}
	return text
}

// runBadge is the icon and word of a run's state.
func runBadge(s progress.RunState) (fyne.Resource, string) {
	switch s {
	case progress.RunCompleted:
		return theme.NewSuccessThemedResource(theme.ConfirmIcon()), s.Label()
	case progress.RunCancelled:
		return theme.NewWarningThemedResource(theme.CancelIcon()), s.Label()
	case progress.RunFailed:
		return theme.NewColoredResource(theme.ErrorIcon(), theme.ColorNameError), s.Label()
	}
	return theme.NewColoredResource(theme.MediaPlayIcon(), theme.ColorNamePrimary), s.Label()
}

func (c *jobCard) showNext(label string, next func()) {
	c.start.SetText(label)
	c.start.OnTapped = func() {
		c.start.Hide()
		next()
	}
	c.start.Show()
}

// stepIcon marks a step's state; the step's words stay in the text colour.
func stepIcon(s progress.StepState) fyne.Resource {
	switch s {
	case progress.StepRunning:
		return theme.NewColoredResource(theme.MediaPlayIcon(), theme.ColorNamePrimary)
	case progress.StepDone:
		return theme.NewSuccessThemedResource(theme.ConfirmIcon())
	case progress.StepFailed:
		return theme.NewColoredResource(theme.ErrorIcon(), theme.ColorNameError)
	}
	return theme.RadioButtonIcon()
}

// jobStateText is a cloud job's state and message: "Running: Restoring database".
func jobStateText(state, msg string) string {
	label := state
	if cloud.JobState(state).Known() {
		label = cloud.JobState(state).Label()
	}
	switch {
	case label == "":
		return msg
	case msg == "":
		return label
	}
	return label + ": " + msg
}

// bytesText is "12 MB of 200 MB · 4.1 MB/s · about 40 s left".
func bytesText(b progress.Bytes) string {
	s := fmt.Sprintf("%s of %s", progress.Size(b.Done), progress.Size(b.Total))
	if r := progress.Rate(b.Rate); r != "" {
		s += " · " + r
	}
	if b.ETA > 0 {
		s += " · about " + elapsedText(b.ETA) + " left"
	}
	return s
}

// offerAction adds a button to j's card for what can be done with the job's result
// ("Show in folder"); it stays while the card does. UI goroutine.
func (p *jobsPanel) offerAction(j *job, label string, icon fyne.Resource, fn func()) *widget.Button {
	b := widget.NewButtonWithIcon(label, icon, fn)
	j.card.head.Add(b)
	j.card.head.Refresh()
	return b
}

// stepIconOf is a step's icon in a run: the step a cancelled run stopped at shows the
// cancelled icon, not an error.
func stepIconOf(s progress.StepState, run progress.RunState) fyne.Resource {
	if s == progress.StepFailed && run == progress.RunCancelled {
		return theme.NewWarningThemedResource(theme.CancelIcon())
	}
	return stepIcon(s)
}
