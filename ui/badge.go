package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/cloud"
)

// Status colours go on icons, not on words. As text, the theme's success and warning
// colours are too light to read on a light background and its low-importance grey too dark
// on a dark one. An icon in the status's theme colour beside words in the text colour reads
// well in both variants (and under a user's own theme), and tells the status by its shape
// as well as by its colour.

// newBadge is a status as lists and job cards show it: an icon, then words.
func newBadge(text string) *fyne.Container {
	return container.New(layout.NewCustomPaddedHBoxLayout(0), widget.NewIcon(nil), widget.NewLabel(text))
}

// setBadge shows icon and text in a badge made by newBadge.
func setBadge(b *fyne.Container, icon fyne.Resource, text string) {
	b.Objects[0].(*widget.Icon).SetResource(icon)
	b.Objects[1].(*widget.Label).SetText(text)
}

// envStatusIcon marks an environment's status: running in the success colour, stopped and
// nothing deployed in the text colour (normal states, not warnings), anything else, which
// Restore Desk cannot vouch for, in the error colour.
func envStatusIcon(s cloud.EnvStatus) fyne.Resource {
	switch s {
	case cloud.StatusRunning:
		return theme.NewSuccessThemedResource(theme.MediaPlayIcon())
	case cloud.StatusStopped:
		return theme.MediaStopIcon()
	case cloud.StatusEmpty:
		return theme.ContentRemoveIcon()
	}
	return theme.NewColoredResource(theme.QuestionIcon(), theme.ColorNameError)
}

// importanceIcon is the icon that carries a message's status colour; nil for a plain one.
func importanceIcon(imp widget.Importance) fyne.Resource {
	switch imp {
	case widget.SuccessImportance:
		return theme.NewSuccessThemedResource(theme.ConfirmIcon())
	case widget.WarningImportance:
		return theme.NewWarningThemedResource(theme.WarningIcon())
	case widget.DangerImportance:
		return theme.NewColoredResource(theme.ErrorIcon(), theme.ColorNameError)
	}
	return nil
}

// statusRow puts the icon of imp (see importanceIcon) before text, a label that may wrap.
func statusRow(icon *widget.Icon, imp widget.Importance, text *widget.Label) *fyne.Container {
	setStatusIcon(icon, imp)
	return container.NewBorder(nil, nil, icon, nil, text)
}

// setStatusIcon shows the icon of imp, or hides icon for a plain message.
func setStatusIcon(icon *widget.Icon, imp widget.Importance) {
	res := importanceIcon(imp)
	icon.SetResource(res)
	if res == nil {
		icon.Hide()
	} else {
		icon.Show()
	}
}
