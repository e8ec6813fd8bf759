package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"restoredesk/core/explain"
)

// explainOf explains err in plain words.
func explainOf(err error) explain.Explanation { return explain.Explain(err) }

// explainSummary is the plain-words sentence for err, for labels with little room.
func explainSummary(err error) string {
	if err == nil {
		return ""
	}
	return explainOf(err).Summary
}

// explainLine is an error's summary and next step in one line.
func explainLine(err error) string {
	ex := explainOf(err)
	if ex.NextStep == "" {
		return ex.Summary
	}
	return ex.Summary + " " + ex.NextStep
}

// errorDialog shows an error in plain words, what to do next, the technical detail one
// click away, and a button that copies everything support needs.
type errorDialog struct {
	dialog  *dialog.CustomDialog
	summary *widget.Label
	next    *widget.Label
	detail  *widget.Label
	copy    *widget.Button
}

// showError shows err under title. UI goroutine.
func (k *kit) showError(title string, err error) *errorDialog {
	ex := explainOf(err)
	d := &errorDialog{}
	d.summary = wrapped(ex.Summary)
	d.summary.TextStyle.Bold = true
	d.next = wrapped(ex.NextStep)
	d.detail = wrapped(ex.Detail)
	d.detail.Selectable = true
	details := widget.NewAccordion(widget.NewAccordionItem("Details", d.detail))
	d.copy = widget.NewButtonWithIcon("Copy for support", theme.ContentCopyIcon(), nil)
	d.copy.OnTapped = func() {
		k.app.Clipboard().SetContent(ex.SupportText())
		d.copy.SetText("Copied")
	}
	body := container.NewVBox(d.summary)
	if strings.TrimSpace(ex.NextStep) != "" {
		body.Add(d.next)
	}
	if ex.Handoff != nil {
		// The way on is the Mendix Portal: its steps and a button come before the details.
		body.Add(k.handoffBox(*ex.Handoff))
	}
	body.Add(details)
	body.Add(container.NewHBox(d.copy))
	d.dialog = dialog.NewCustom(title, "Close", body, k.win)
	d.dialog.SetIcon(theme.ErrorIcon())
	d.dialog.Resize(fyne.NewSize(560, 0))
	d.dialog.Show()
	closeOnEscape(k.win, d.dialog)
	return d
}

// showMessage tells the user something in a sentence or two. UI goroutine.
func (k *kit) showMessage(title, text string) dialog.Dialog {
	d := dialog.NewCustom(title, "OK", wrapped(text), k.win)
	d.Resize(fyne.NewSize(480, 0))
	d.Show()
	closeOnEscape(k.win, d)
	return d
}
