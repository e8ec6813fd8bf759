package localcloud_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
)

// An authenticated tus PATCH whose body drips one byte every 200 ms (its 1000 bytes would
// take over three minutes) is cut off once a window (1 s here) passed without 64 KiB: the
// client gets an answer or a closed connection within seconds, and the upload is free
// for the next request.
func TestADrippingBodyCannotHoldAHandler(t *testing.T) {
	t.Parallel()
	s, a := startDemo(t, localcloudtest.WithBodyWindow(time.Second))
	base := demoV2(localcloud.DemoAppOrderDesk, "Test")
	loc := a.createUpload(base, 1000, "slow.backup", sha(bytes.Repeat([]byte("x"), 1000)))
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "PATCH %s HTTP/1.1\r\nHost: %s\r\nTus-Resumable: 1.0.0\r\nMendix-Username: %s\r\nMendix-ApiKey: %s\r\n"+
		"Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: 1000\r\n\r\n",
		u.RequestURI(), u.Host, localcloud.DemoUsername, localcloud.DemoAPIKey)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for range 1000 {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if _, err := conn.Write([]byte("x")); err != nil {
				return
			}
		}
	}()
	start := time.Now()
	if err := conn.SetReadDeadline(start.Add(15 * time.Second)); err != nil {
		t.Fatal(err)
	}
	// An answer, or the connection closed: either way the handler let go.
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the dripping PATCH still held its handler after %v", time.Since(start).Round(time.Millisecond))
	}
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusNoContent {
			t.Fatalf("the dripping PATCH was accepted as complete")
		}
	}
	// The upload's lock is free: HEAD answers at once with what arrived (far from all).
	r := a.tus("HEAD", loc, nil, nil)
	off, err := strconv.Atoi(r.header.Get("Upload-Offset"))
	if r.status != http.StatusOK || err != nil || off >= 1000 {
		t.Errorf("HEAD after the cut: %d, offset %q", r.status, r.header.Get("Upload-Offset"))
	}
}

// A real upload that takes several windows (8 MiB sent steadily over about 3 s, the
// window 1 s) is never cut off by the pacing.
func TestASteadyUploadNeverHitsTheBodyWindow(t *testing.T) {
	t.Parallel()
	_, a := startDemo(t, localcloudtest.WithBodyWindow(time.Second))
	base := demoV2(localcloud.DemoAppOrderDesk, "Test")
	data := bytes.Repeat([]byte("steady upload bytes "), (8<<20)/20)
	loc := a.createUpload(base, len(data), "steady.backup", sha(data))
	pr, pw := io.Pipe()
	go func() {
		for off := 0; off < len(data); off += 256 << 10 {
			time.Sleep(90 * time.Millisecond)
			if _, err := pw.Write(data[off:min(off+256<<10, len(data))]); err != nil {
				return
			}
		}
		pw.Close()
	}()
	req, err := http.NewRequest(http.MethodPatch, loc, pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(data))
	for k, v := range map[string]string{"Tus-Resumable": "1.0.0", "Mendix-Username": localcloud.DemoUsername,
		"Mendix-ApiKey": localcloud.DemoAPIKey, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"} {
		req.Header.Set(k, v)
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if took := time.Since(start); resp.StatusCode != http.StatusNoContent || resp.Header.Get("Upload-Offset") != strconv.Itoa(len(data)) {
		t.Fatalf("steady upload over %v: %d, offset %q", took, resp.StatusCode, resp.Header.Get("Upload-Offset"))
	}
}

// Two uploads side by side are promised the disk's space together: on a real 400 MiB
// tmpfs (256 MiB of it kept free), one 100 MiB upload is taken, a second one while the
// first has written nothing is refused for the space the first still needs.
func TestUploadsInProgressShareTheFreeSpace(t *testing.T) {
	t.Parallel()
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=400m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s)", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { _ = exec.Command("umount", mnt).Run() })
	s, err := localcloud.Start(localcloud.Config{DataDir: filepath.Join(mnt, "cloud"), Demo: true, NoSync: true, JobDelay: time.Millisecond}, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	a := demoAPI(t, s)
	base := demoV2(localcloud.DemoAppOrderDesk, "Test")
	meta := tusMeta("big.backup", sha([]byte("x")))
	post := func() response {
		return a.tus("POST", a.base+base+"/uploads/", map[string]string{"Upload-Length": strconv.Itoa(100 << 20), "Upload-Metadata": meta}, nil)
	}
	if r := post(); r.status != http.StatusCreated {
		t.Fatalf("first 100 MiB upload on a 400 MiB disk: %d %s", r.status, r.body)
	}
	r := post()
	if code, _ := r.errorCode(); r.status != http.StatusInsufficientStorage || code != "INSUFFICIENT_STORAGE" || !strings.Contains(string(r.body), "uploads in progress") {
		t.Errorf("second 100 MiB upload while the first needs its space: %d %s", r.status, r.body)
	}
}
