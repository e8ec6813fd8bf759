package ui

import (
	"context"

	"fyne.io/fyne/v2"
)

// notify sends a desktop notification, so that someone who looked away while a long
// restore ran learns how it ended. It is sent in the background: on Linux it is a D-Bus
// call that waits for the notification daemon, which must never hold up the window.
func (k *kit) notify(title, body string) {
	n := fyne.NewNotification(title, body)
	k.background(func(context.Context) { k.app.SendNotification(n) })
}
