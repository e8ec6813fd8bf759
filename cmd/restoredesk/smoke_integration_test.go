//go:build integration

package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The real binary in a real window (Xvfb, provided by `make test-integration`): the demo
// window appears with its content, and closing it (WM_DELETE_WINDOW, what the close
// button sends) ends the process cleanly with status 0.
func TestIntegrationSmoke_DemoWindowShowsContentAndClosesCleanly(t *testing.T) {
	display := os.Getenv("DISPLAY")
	if display == "" {
		t.Fatal("DISPLAY is not set: run this through `make test-integration` (scripts/with-session.sh starts Xvfb)")
	}
	for _, tool := range []string{"xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run 'make deps'", tool)
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "restoredesk")
	build := exec.Command("go", "build", "-tags", "migrated_fynedo", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}

	cmd := exec.Command(bin, "--demo")
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_DATA_HOME="+filepath.Join(dir, "data"))
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-exited
		}
	}()

	// The title names the profile once the demo account is open.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "xdotool", "search", "--sync", "--name", "Restore Desk — Demo").Output()
	if err != nil {
		t.Fatalf("the window did not appear within 60 s: %v\n%s", err, output.String())
	}
	id := strings.Fields(string(out))[0]

	// Its content: the apps list, toolbar and tables draw many colours; a blank or
	// black window has one or two.
	var colours int
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		shot, err := exec.Command("import", "-window", id, "png:-").Output()
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		img, err := png.Decode(bytes.NewReader(shot))
		if err != nil {
			t.Fatalf("decode screenshot: %v", err)
		}
		if colours = distinctColours(img); colours > 20 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if colours <= 20 {
		t.Fatalf("the window shows %d distinct colours: no content drawn\n%s", colours, output.String())
	}

	win, err := strconv.ParseUint(id, 10, 32)
	if err != nil {
		t.Fatalf("window id %q: %v", id, err)
	}
	if err := sendDeleteWindow(display, uint32(win)); err != nil {
		t.Fatalf("close the window: %v", err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("the process ended with %v after the window closed\n%s", err, output.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the process did not end within 20 s of closing its window\n%s", output.String())
	}
	if s := output.String(); strings.Contains(s, "panic:") || strings.Contains(s, "DATA RACE") {
		t.Errorf("the process printed a panic or race:\n%s", s)
	}
}

func distinctColours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r >> 8, g >> 8, bl >> 8, a >> 8}] = true
		}
	}
	return len(seen)
}

// sendDeleteWindow asks the window to close as a window manager does when its close
// button is pressed: a WM_PROTOCOLS ClientMessage carrying WM_DELETE_WINDOW, sent to the
// client that owns the window. There is no window manager under Xvfb, so the test speaks
// the few bytes of the X11 protocol this takes itself.
func sendDeleteWindow(display string, window uint32) error {
	num := strings.TrimPrefix(display, ":")
	if i := strings.IndexByte(num, '.'); i >= 0 {
		num = num[:i]
	}
	conn, err := net.DialTimeout("unix", "/tmp/.X11-unix/X"+num, 5*time.Second)
	if err != nil {
		return fmt.Errorf("connect to the X server %s: %w", display, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	le := binary.LittleEndian

	// Connection setup: little-endian, protocol 11.0, no authorisation (Xvfb as started
	// by scripts/with-session.sh accepts local clients).
	setup := make([]byte, 12)
	setup[0] = 'l'
	le.PutUint16(setup[2:], 11)
	if _, err := conn.Write(setup); err != nil {
		return err
	}
	head := make([]byte, 8)
	if _, err := io.ReadFull(conn, head); err != nil {
		return fmt.Errorf("X setup: %w", err)
	}
	if _, err := io.CopyN(io.Discard, conn, int64(le.Uint16(head[6:]))*4); err != nil {
		return fmt.Errorf("X setup: %w", err)
	}
	if head[0] != 1 {
		return errors.New("the X server refused the connection")
	}

	internAtom := func(name string) (uint32, error) {
		pad := (4 - len(name)%4) % 4
		req := make([]byte, 8+len(name)+pad)
		req[0] = 16 // InternAtom
		le.PutUint16(req[2:], uint16(len(req)/4))
		le.PutUint16(req[4:], uint16(len(name)))
		copy(req[8:], name)
		if _, err := conn.Write(req); err != nil {
			return 0, err
		}
		reply := make([]byte, 32)
		if _, err := io.ReadFull(conn, reply); err != nil {
			return 0, err
		}
		if reply[0] != 1 {
			return 0, fmt.Errorf("InternAtom %s: X error %d", name, reply[1])
		}
		return le.Uint32(reply[8:]), nil
	}
	protocols, err := internAtom("WM_PROTOCOLS")
	if err != nil {
		return err
	}
	deleteWindow, err := internAtom("WM_DELETE_WINDOW")
	if err != nil {
		return err
	}

	req := make([]byte, 44)
	req[0] = 25 // SendEvent, propagate false
	le.PutUint16(req[2:], 11)
	le.PutUint32(req[4:], window)
	le.PutUint32(req[8:], 0) // no event mask: to the client that created the window
	ev := req[12:]
	ev[0] = 33 // ClientMessage
	ev[1] = 32 // format: 32-bit data
	le.PutUint32(ev[4:], window)
	le.PutUint32(ev[8:], protocols)
	le.PutUint32(ev[12:], deleteWindow)
	le.PutUint32(ev[16:], 0) // CurrentTime
	if _, err := conn.Write(req); err != nil {
		return err
	}
	// A round trip makes sure the server has handled the request before the connection
	// closes: GetInputFocus (opcode 43) answers with a reply.
	sync := []byte{43, 0, 1, 0}
	if _, err := conn.Write(sync); err != nil {
		return err
	}
	reply := make([]byte, 32)
	if _, err := io.ReadFull(conn, reply); err != nil {
		return err
	}
	if reply[0] == 0 {
		return fmt.Errorf("SendEvent: X error %d", reply[1])
	}
	return nil
}

// On a screen smaller than the window's default size (1024×600, a small laptop's), the
// window opens whole on the screen rather than partly off it. The test starts its own
// Xvfb of that size, with no window manager: the window's own size and place are what is
// asserted.
func TestIntegrationSmallScreen_TheWindowOpensWithinTheScreen(t *testing.T) {
	for _, tool := range []string{"Xvfb", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run 'make deps'", tool)
		}
	}
	const screenW, screenH = 1024, 600
	display := ""
	for n := 90; n < 110 && display == ""; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); errors.Is(err, os.ErrNotExist) {
			display = fmt.Sprintf(":%d", n)
		}
	}
	if display == "" {
		t.Fatal("no free X display number between :90 and :109")
	}
	xvfb := exec.Command("Xvfb", display, "-screen", "0", fmt.Sprintf("%dx%dx24", screenW, screenH), "-nolisten", "tcp")
	if err := xvfb.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = xvfb.Process.Kill(); _ = xvfb.Wait() }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat("/tmp/.X11-unix/X" + display[1:]); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Xvfb did not start within 10 s")
		}
	}

	dir := t.TempDir()
	bin := filepath.Join(dir, "restoredesk")
	if out, err := exec.Command("go", "build", "-tags", "migrated_fynedo", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--demo")
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_DATA_HOME="+filepath.Join(dir, "data"))
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	xdo := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		c := exec.CommandContext(ctx, "xdotool", args...)
		c.Env = append(os.Environ(), "DISPLAY="+display)
		out, err := c.Output()
		if err != nil {
			t.Fatalf("xdotool %v: %v\n%s", args, err, output.String())
		}
		return string(out)
	}
	id := strings.Fields(xdo("search", "--sync", "--name", "Restore Desk — Demo"))[0]
	// Fitting happens as the app starts; give it a moment, then read the window's place.
	var x, y, w, h int
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		geo := xdo("getwindowgeometry", "--shell", id)
		vals := map[string]int{}
		for _, line := range strings.Fields(geo) {
			if k, v, ok := strings.Cut(line, "="); ok {
				vals[k], _ = strconv.Atoi(v)
			}
		}
		x, y, w, h = vals["X"], vals["Y"], vals["WIDTH"], vals["HEIGHT"]
		if x >= 0 && y >= 0 && x+w <= screenW && y+h <= screenH {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the window is %dx%d at %d,%d on a %dx%d screen: part of it is off the screen", w, h, x, y, screenW, screenH)
		}
	}
	if w < screenW*3/4 || h < screenH/2 {
		t.Errorf("the window is %dx%d on a %dx%d screen: smaller than it need be", w, h, screenW, screenH)
	}
}
