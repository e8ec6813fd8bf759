// Command plainlist is the yardstick of scripts/idle-cpu.sh: a plain Fyne window with a
// list and nothing else, whose idle CPU Restore Desk's is compared with.
package main

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := app.NewWithID("io.restoredesk.plainlist")
	w := a.NewWindow("Plain list")
	items := make([]string, 200)
	for i := range items {
		items[i] = fmt.Sprintf("Item %d", i+1)
	}
	l := widget.NewList(func() int { return len(items) },
		func() fyne.CanvasObject { return widget.NewLabel("Item 000") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(items[i]) })
	w.SetContent(l)
	w.Resize(fyne.NewSize(1200, 700))
	w.ShowAndRun()
}
