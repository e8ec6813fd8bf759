package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/cloud"
)

// iconColour is the theme colour an icon is drawn in.
func iconColour(t *testing.T, r fyne.Resource) fyne.ThemeColorName {
	t.Helper()
	tr, ok := r.(*theme.ThemedResource)
	if !ok {
		t.Fatalf("icon %s does not follow the theme", r.Name())
	}
	return tr.ThemeColorName()
}

// The environments' status badges keep their words in the theme's text colour (readable
// on light and dark backgrounds alike; the old grey "Stopped" was not on a dark one) and
// carry the status colour on an icon: success for Running, text colour for Stopped and
// nothing deployed, error colour for a status Restore Desk does not know.
func TestEnvironmentBadges_WordsInTextColourStatusOnTheIcon(t *testing.T) {
	h := newHarness(t)
	h.demo()
	h.open("orderdesk", "Production")
	want := map[string]fyne.ThemeColorName{"Test": theme.ColorNameForeground, "Acceptance": theme.ColorNameForeground,
		"Production": theme.ColorNameSuccess}
	h.on(func() {
		seen := 0
		for _, o := range test.LaidOutObjects(h.u.lists.envs.list) {
			row, ok := o.(*fyne.Container)
			if !ok || len(row.Objects) != 2 {
				continue
			}
			mode, ok := row.Objects[0].(*widget.Label)
			badge, isBadge := row.Objects[1].(*fyne.Container)
			if !ok || !isBadge || want[mode.Text] == "" {
				continue
			}
			seen++
			words := badge.Objects[1].(*widget.Label)
			if words.Importance != widget.MediumImportance {
				t.Errorf("%s: the status words %q are not in the text colour", mode.Text, words.Text)
			}
			if got := iconColour(t, badge.Objects[0].(*widget.Icon).Resource); got != want[mode.Text] {
				t.Errorf("%s (%s): icon in %s, want %s", mode.Text, words.Text, got, want[mode.Text])
			}
		}
		if seen != 3 {
			t.Fatalf("%d status badges on screen, want 3", seen)
		}
	})
	for status, colour := range map[cloud.EnvStatus]fyne.ThemeColorName{
		cloud.StatusEmpty: theme.ColorNameForeground, "Starting": theme.ColorNameError, "": theme.ColorNameError,
	} {
		if got := iconColour(t, envStatusIcon(status)); got != colour {
			t.Errorf("%q: icon in %s, want %s", status, got, colour)
		}
	}
}
