package restore

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"restoredesk/core/cloud"
	"restoredesk/core/explain"
)

// when says a backup's moment as a person reads it: "12 Nov 02:00 (2 weeks ago)", in local
// time, with the year only when it is not this year's.
func when(t, now time.Time) string {
	if t.IsZero() {
		return "an unknown time"
	}
	lt := t.Local()
	layout := "2 Jan 15:04"
	if lt.Year() != now.Local().Year() {
		layout = "2 Jan 2006 15:04"
	}
	return fmt.Sprintf("%s (%s)", lt.Format(layout), humanize.RelTime(t, now, "ago", "from now"))
}

// snapshotTime is when a snapshot's data was taken: its creation time.
func snapshotTime(s *cloud.Snapshot) time.Time {
	if s == nil {
		return time.Time{}
	}
	if !s.CreatedAt.IsZero() {
		return s.CreatedAt
	}
	return s.FinishedAt
}

func fileName(path string) string { return filepath.Base(path) }

// cause is the plain sentence of an underlying error, without its trailing period, to
// embed in a longer sentence.
func cause(err error) string {
	return strings.TrimSuffix(explain.Explain(err).Summary, ".")
}

// jobLabel is a job state inside a sentence: "queued", "running", "completed".
func jobLabel(s cloud.JobState) string { return strings.ToLower(s.Label()) }
