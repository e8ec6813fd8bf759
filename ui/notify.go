package ui

import "fyne.io/fyne/v2"

// notify sends a desktop notification, so that someone who looked away while a long
// restore ran learns how it ended.
func (u *UI) notify(title, body string) {
	u.app.SendNotification(fyne.NewNotification(title, body))
}
