package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/dustin/go-humanize"

	"restoredesk/core/restore"
)

func resMessage(res *restore.LocalResult) string {
	if res == nil {
		return ""
	}
	return res.Message
}

// localReport is the completeness report of a local restore.
type localReport struct {
	dialog  dialog.Dialog
	summary string
	connect *widget.Label // the psql command to copy; nil when the restore did not get that far
}

// showLocalReport shows how the restore ended: every row arrived, or the tables that
// differ, and pg_restore's errors summarised. UI goroutine.
func showLocalReport(k *kit, title string, res *restore.LocalResult, err error) *localReport {
	r := &localReport{}
	body := container.NewVBox()
	look, text := widget.DangerImportance, explainSummary(err)
	if res != nil && res.Check != nil {
		text = res.Check.Summary()
		switch {
		case err == nil && res.Complete():
			look = widget.SuccessImportance
		case res.Complete():
			text = explainSummary(err) // every row arrived, yet something was not restored
		}
	}
	r.summary = text
	head := wrapped(text)
	head.TextStyle.Bold = true
	body.Add(statusRow(widget.NewIcon(nil), look, head))
	if res != nil && res.Check != nil {
		form := widget.NewForm()
		for _, t := range res.Check.Tables {
			state := fmt.Sprintf("%s of %s rows arrived", humanize.Comma(t.DBRows), humanize.Comma(t.DumpRows))
			switch {
			case !t.Differs():
				state = fmt.Sprintf("%s rows: all arrived", humanize.Comma(t.DumpRows))
			case t.Missing:
				state = fmt.Sprintf("missing (%s rows in the dump)", humanize.Comma(t.DumpRows))
			}
			form.Append(t.Schema+"."+t.Name, widget.NewLabel(state))
		}
		body.Add(form)
		if res.Check.Duration >= time.Second {
			body.Add(wrapped(fmt.Sprintf("Rows counted in %s.", elapsedText(res.Check.Duration))))
		}
	}
	if res != nil && res.Restore != nil && len(res.Restore.Errors) > 0 {
		body.Add(wrapped("pg_restore: " + res.Restore.Summary))
	}
	if res != nil && res.Message != "" && res.Message != text {
		body.Add(wrapped(res.Message))
	}
	if res != nil && res.Connect != "" {
		r.connect = widget.NewLabel(res.Connect)
		r.connect.Selectable = true
		r.connect.TextStyle.Monospace = true
		cmd := res.Connect
		copyBtn := widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() { k.app.Clipboard().SetContent(cmd) })
		body.Add(widget.NewLabelWithStyle("Open the database with psql (it asks for the password):", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		body.Add(container.NewBorder(nil, nil, nil, copyBtn, r.connect))
	}
	d := dialog.NewCustom(title, "Close", container.NewVScroll(body), k.win)
	d.Resize(fyne.NewSize(640, 460))
	d.Show()
	r.dialog = d
	k.shown(r)
	return r
}
