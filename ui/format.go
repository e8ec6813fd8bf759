package ui

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Formats of times as the UI shows them. Exact times are in the user's local zone.
// madeLayout is when something was made as an owner reads it first (weekday, day, month,
// time); madeText adds the year, as the exact layout, only when it is not this year's.
const (
	exactTimeLayout = "Mon 2 Jan 2006 15:04"
	shortTimeLayout = "2 Jan 15:04"
	madeLayout      = "Mon 2 Jan 15:04"
)

// relativeTime says how long ago (or from now) t is, the way people say it: "just now",
// "5 minutes ago", "yesterday", "3 days ago", "2 weeks ago", "in 3 months".
func relativeTime(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		s = plural(int(d/time.Minute), "minute")
	case d < 24*time.Hour:
		s = plural(int(d/time.Hour), "hour")
	case d < 48*time.Hour:
		if future {
			return "tomorrow"
		}
		return "yesterday"
	case d < 14*24*time.Hour:
		s = plural(int(d/(24*time.Hour)), "day")
	case d < 60*24*time.Hour:
		s = plural(int(d/(7*24*time.Hour)), "week")
	case d < 365*24*time.Hour:
		s = plural(int(math.Round(float64(d)/float64(30*24*time.Hour))), "month")
	default:
		s = plural(int(d/(365*24*time.Hour)), "year")
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// exactTime is t in the local zone, e.g. "Tue 12 Nov 2026 02:00".
func exactTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Local().Format(exactTimeLayout)
}

// shortTime is t in the local zone without weekday and year, e.g. "12 Nov 02:00".
func shortTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Local().Format(shortTimeLayout)
}

// madeText is t in the zone of now (the user's: the clock's times carry it), as a date
// and time first: "Fri 5 Dec 00:26", with the year when it is another year's.
func madeText(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	t = t.In(now.Location())
	if t.Year() != now.Year() {
		return t.Format(exactTimeLayout)
	}
	return t.Format(madeLayout)
}

// ageText is a hint of how old t is, after its date: in hours up to two days, so last
// night's backup (10 h ago) and the one before (34 h ago) never both read as "yesterday"
// and "hours ago"; then in days, weeks, months as relativeTime says them.
func ageText(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case t.IsZero():
		return "—"
	case d < 0 || d >= 48*time.Hour:
		return relativeTime(t, now)
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	}
	return fmt.Sprintf("%d h ago", int(d/time.Hour))
}

// madeInZone is madeText with the year and the zone's name: "Fri 5 Dec 2026 00:26 CET",
// for details that say exactly when.
func madeInZone(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(now.Location()).Format(exactTimeLayout + " MST")
}

// madeWithAge is madeText with ageText after it: "Fri 5 Dec 00:26 · 10 h ago".
func madeWithAge(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return madeText(t, now) + " · " + ageText(t, now)
}

// elapsedText is a duration as a clock would show it: "42 s", "3 min 05 s", "1 h 02 min".
func elapsedText(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	d = d.Round(time.Second)
	h := int(d / time.Hour)
	m := int(d % time.Hour / time.Minute)
	s := int(d % time.Minute / time.Second)
	switch {
	case h > 0:
		return fmt.Sprintf("%d h %02d min", h, m)
	case m > 0:
		return fmt.Sprintf("%d min %02d s", m, s)
	}
	return fmt.Sprintf("%d s", s)
}

// sentence starts s with a capital letter and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// countText is "1 app", "3 apps".
func countText(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
