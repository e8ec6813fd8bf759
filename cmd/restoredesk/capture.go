package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver"

	"restoredesk/ui"
)

// windowCapture saves what the X server shows of w. Fyne's own Canvas.Capture reads the
// OpenGL front buffer, which Mesa's software renderer under Xvfb leaves empty (every
// pixel transparent), so on X11 the window is read back from the X server with
// ImageMagick's import (installed by `make deps`); elsewhere Canvas.Capture is used.
func windowCapture(w fyne.Window) ui.Capture {
	return func(ctx context.Context, path string) error {
		var handle uintptr
		fyne.DoAndWait(func() {
			if nw, ok := w.(driver.NativeWindow); ok {
				nw.RunNative(func(c any) {
					if x, ok := c.(driver.X11WindowContext); ok {
						handle = x.WindowHandle
					}
				})
			}
		})
		if handle == 0 {
			var img image.Image
			fyne.DoAndWait(func() { img = w.Canvas().Capture() })
			return writePNG(path, img)
		}
		if _, err := exec.LookPath("import"); err != nil {
			return errors.New("screenshots of an X11 window need ImageMagick's import; run 'make deps'")
		}
		out, err := exec.CommandContext(ctx, "import", "-window", fmt.Sprintf("0x%x", handle), "png:"+path).CombinedOutput()
		if err != nil {
			return fmt.Errorf("import: %w: %s", err, out)
		}
		return nil
	}
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
