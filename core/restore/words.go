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

// moment is a moment as an owner reads it, in local time: "Sat 5 Dec 10:02", with the
// year when it is not this year's.
func moment(t, now time.Time) string {
	lt := t.Local()
	if lt.Year() != now.Local().Year() {
		return lt.Format("Mon 2 Jan 2006 15:04")
	}
	return lt.Format("Mon 2 Jan 15:04")
}

// backupByDate names a backup by its kind and when it was made, never by its id: "the
// nightly backup of Fri 4 Dec 2026 00:26". The year is always there: the words may be
// read long after (a backup's comment).
func backupByDate(s *cloud.Snapshot) string {
	if s == nil {
		return "the backup"
	}
	kind := "backup"
	if k := cloud.KindOf(*s); k != "" {
		kind = strings.ToLower(k.Label()) + " backup"
	}
	t := snapshotTime(s)
	if t.IsZero() {
		return "the " + kind
	}
	return "the " + kind + " of " + t.Local().Format("Mon 2 Jan 2006 15:04")
}

// restoring names what the run restores, for the safety backup's comment: the backup by
// its kind and date, or the uploaded file's name.
func (r *runner) restoring() string {
	switch {
	case r.source != nil:
		return backupByDate(r.source)
	case r.filePath != "":
		return fileName(r.filePath)
	}
	return "a backup"
}
