package main

import (
	"fyne.io/fyne/v2"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// titleBarRoom is what a window manager's title bar and frame take above the window's
// content, in Fyne units: kept free when the window is fitted to the screen.
const titleBarRoom = 40

// fitToScreen shrinks the window to the primary screen's work area (the screen less its
// panels, and a title bar) once the app has started, when its first size does not fit:
// the default size fits 1280×800, while a laptop of 1366×768 at 125 % offers about
// 1093×580, and the rest of the window would be off the screen. The window is never made
// smaller than its content needs (Fyne holds it to that) nor larger than it was asked.
// Fyne's desktop driver runs on GLFW; OnStarted runs on the main thread, where GLFW may be
// asked, once the window exists and its scale is known.
func fitToScreen(a fyne.App, w fyne.Window) {
	a.Lifecycle().SetOnStarted(func() {
		m := glfw.GetPrimaryMonitor()
		s := w.Canvas().Scale()
		if m == nil || s <= 0 {
			return
		}
		_, _, pw, ph := m.GetWorkarea()
		if pw <= 0 || ph <= 0 {
			return
		}
		size := w.Canvas().Size()
		fit := fyne.NewSize(min(size.Width, float32(pw)/s), min(size.Height, float32(ph)/s-titleBarRoom))
		if fit != size {
			w.Resize(fit)
			w.CenterOnScreen()
		}
	})
}
