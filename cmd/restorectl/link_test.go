package main

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// download --print-url prints a fresh link on stdout and nothing else there; the link
// works (a plain GET brings the backup) and appears nowhere else: not on stderr with
// debug logs on, not in the history, not in any file of the journal's folder.
func TestDownloadPrintURLPrintsALinkOnlyOnStdout(t *testing.T) {
	srv, id := downloadServer(t, fullBackupFixture, false)
	dir := t.TempDir()
	env := map[string]string{"RESTOREDESK_POLL_INTERVAL": "5ms", "RESTOREDESK_LOG": "debug", "RESTOREDESK_JOURNAL": filepath.Join(dir, "journal.db")}
	code, out, errs := ctl(t, srv.URL(), env, "download", "customerportal", "Acceptance", id, "--print-url")
	if code != exitOK {
		t.Fatalf("download --print-url exit %d:\n%s\n%s", code, out, errs)
	}
	link := strings.TrimSuffix(out, "\n")
	if strings.Contains(link, "\n") || !strings.HasPrefix(link, srv.URL()+"/downloads/") || !strings.Contains(link, "signature=") {
		t.Fatalf("stdout is not one link:\n%s", out)
	}
	noLink(t, errs)
	for _, want := range []string{"1. Ask Mendix Cloud for an archive of the backup", "works for 8 hours",
		"Anyone who has it can download the backup", "it works until"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET the link: %d %v", resp.StatusCode, err)
	}
	if want, err := os.ReadFile(fullBackupFixture); err != nil || !bytes.Equal(body, want) {
		t.Fatalf("the link brought %d bytes, not the backup (%v)", len(body), err)
	}

	_, sig, _ := strings.Cut(link, "signature=")
	files := 0
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(raw, []byte(sig)) {
			t.Errorf("%s holds the link's signature", path)
		}
		return nil
	})
	if err != nil || files == 0 {
		t.Fatalf("scan the journal's folder: %d files, %v", files, err)
	}
	for _, args := range [][]string{{"history", "--csv"}, {"history", "--json"}} {
		code, hist, herr := ctl(t, "", env, args...)
		noLink(t, hist, herr)
		if code != exitOK || !strings.Contains(hist, "download_link") || !strings.Contains(hist, "completed") {
			t.Errorf("%v lacks the link run:\n%s", args, hist)
		}
	}
}

// Under --json stdout holds one JSON object with the link and its expiry; --output and
// --force make no sense with --print-url and are refused before anything is asked.
func TestDownloadPrintURLAsJSONAndItsMistakes(t *testing.T) {
	srv, id := downloadServer(t, dumpFixture, true)
	code, out, errs := ctl(t, srv.URL(), fastPoll, "download", "customerportal", "Acceptance", "latest", "--db-only", "--print-url", "--json")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s\n%s", code, out, errs)
	}
	var rep linkReport
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil || dec.More() {
		t.Fatalf("stdout is not one JSON object (%v):\n%s", err, out)
	}
	if rep.SnapshotID != id || !strings.Contains(rep.URL, "signature=") || rep.RunID == 0 ||
		time.Until(rep.ExpiresAt) < 7*time.Hour || time.Until(rep.ExpiresAt) > 9*time.Hour {
		t.Errorf("report = %+v", rep)
	}
	noLink(t, errs)
	for _, extra := range [][]string{{"--output", t.TempDir()}, {"--force"}} {
		args := append([]string{"download", "customerportal", "Acceptance", id, "--print-url"}, extra...)
		code, _, errs := ctl(t, srv.URL(), fastPoll, args...)
		if code != exitUsage || !strings.Contains(errs, "--print-url downloads nothing") {
			t.Errorf("%v: exit %d\n%s", extra, code, errs)
		}
	}
}
