package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"restoredesk/core/archive/benchfiles"
	"restoredesk/core/cloud"
	"restoredesk/core/localcloud"
	"restoredesk/core/localcloud/localcloudtest"
)

// BenchmarkUploadCommand times `restorectl upload customerportal Test FILE` of the bench
// snapshot (112 MB; core/archive/benchfiles) against the embedded cloud on loopback: the
// inspection of the file, the plan, the journal, the tus upload and the cloud's own check
// of what arrived. The baseline moves the same bytes to the same server as plainly as
// net/http can: one tus POST and one PATCH whose body is the file (io.Copy underneath),
// with the SHA-256 the server asks for computed once beforehand, then a wait for the
// cloud's check. Both end with a completed backup in the cloud.
func BenchmarkUploadCommand(b *testing.B) {
	path := benchfiles.Snapshot(b)
	sum := fileSHA256(b, path)
	srv := localcloudtest.Start(b)
	project, env := localcloud.ProjectID(localcloud.DemoAppCustomerPortal), localcloud.EnvironmentID(localcloud.DemoAppCustomerPortal, "Test")
	c := demoClient(b, srv.URL())
	vars := benchEnv(b)
	ours, base := contest(b,
		func() error {
			return ctlBench(vars, exitOK, "upload", "customerportal", "Test", path, "--api-url", srv.URL())
		},
		func() error {
			id, err := plainUpload(srv.URL(), project, env, path, sum)
			for err == nil {
				var s *cloud.Snapshot
				if s, err = c.GetSnapshot(context.Background(), project, env, id); err == nil && s.State.Done() {
					if s.State != cloud.StateCompleted {
						err = fmt.Errorf("the cloud's check of the plain upload: %s", s.StatusMessage)
					}
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			return err
		})
	reportRatio(b, "restorectl upload", "plain tus POST + PATCH", ours, base)
}

// BenchmarkDownloadCommand times `restorectl download customerportal Acceptance ID` of the
// bench snapshot from the embedded cloud on loopback: the archive request and its wait,
// the fetch (SHA-256 while writing, the file synced before its rename) and the check of
// the saved file. The baseline is a plain GET of an archive link of the same backup into
// a file (net/http, io.Copy): no hash, no sync, no check.
func BenchmarkDownloadCommand(b *testing.B) {
	path := benchfiles.Snapshot(b)
	srv := localcloudtest.Start(b, localcloudtest.WithStrictDownloads())
	env := localcloud.EnvironmentID(localcloud.DemoAppCustomerPortal, "Acceptance")
	snap, err := srv.Cloud().AddSnapshot(env, localcloud.SnapshotSpec{ArchivePath: path})
	if err != nil {
		b.Fatal(err)
	}
	link := archiveLink(b, srv.URL(), env, snap.SnapshotID)
	vars := benchEnv(b)
	out := b.TempDir()
	ours, base := contest(b,
		func() error {
			dir, err := os.MkdirTemp(out, "ours-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			return ctlBench(vars, exitOK, "download", "customerportal", "Acceptance", snap.SnapshotID, "--output", dir, "--api-url", srv.URL())
		},
		func() error { return plainGet(link, filepath.Join(out, "plain.tar.gz"), false) })
	reportRatio(b, "restorectl download", "plain GET", ours, base)
	// Where the difference goes: the same GET with the file synced, as the fetcher
	// leaves it, and the check of the saved file, which reads it once more.
	synced := bestOf(b, func() error { return plainGet(link, filepath.Join(out, "synced.tar.gz"), true) })
	check := bestOf(b, func() error { return ctlBench(nil, exitOK, "inspect", filepath.Join(out, "synced.tar.gz")) })
	b.ReportMetric(synced.Seconds(), "get+sync-s")
	b.ReportMetric(check.Seconds(), "inspect-s")
	b.Logf("of which: plain GET with the file synced %.3fs, inspection of the saved file %.3fs", synced.Seconds(), check.Seconds())
}

// benchEnv is the environment of the commands: the demo account, a journal of their own,
// and the poll interval of the tests (the embedded cloud's jobs take a millisecond).
func benchEnv(b *testing.B) map[string]string {
	return map[string]string{"MENDIX_USERNAME": localcloud.DemoUsername, "MENDIX_API_KEY": localcloud.DemoAPIKey,
		"RESTOREDESK_JOURNAL": filepath.Join(b.TempDir(), "journal.db"), "RESTOREDESK_POLL_INTERVAL": "5ms"}
}

func fileSHA256(b *testing.B, path string) string {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		b.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func authorize(req *http.Request) {
	req.Header.Set("Mendix-Username", localcloud.DemoUsername)
	req.Header.Set("Mendix-ApiKey", localcloud.DemoAPIKey)
	req.Header.Set("Tus-Resumable", "1.0.0")
}

// plainUpload: tus creation, then the whole file in one PATCH; it returns the upload's
// id, which is the id of the backup it becomes.
func plainUpload(base, project, env, file, sum string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	create, err := http.NewRequest(http.MethodPost, base+"/api/v2/apps/"+project+"/environments/"+env+"/uploads/", nil)
	if err != nil {
		return "", err
	}
	authorize(create)
	create.Header.Set("Upload-Length", strconv.FormatInt(fi.Size(), 10))
	create.Header.Set("Upload-Metadata", "filename "+base64.StdEncoding.EncodeToString([]byte(filepath.Base(file)))+
		",sha256 "+base64.StdEncoding.EncodeToString([]byte(sum)))
	res, err := http.DefaultClient.Do(create)
	if err != nil {
		return "", err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("tus POST: %s", res.Status)
	}
	baseURL, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	loc, err := baseURL.Parse(res.Header.Get("Location"))
	if err != nil {
		return "", err
	}
	patch, err := http.NewRequest(http.MethodPatch, loc.String(), f)
	if err != nil {
		return "", err
	}
	authorize(patch)
	patch.ContentLength = fi.Size()
	patch.Header.Set("Upload-Offset", "0")
	patch.Header.Set("Content-Type", "application/offset+octet-stream")
	res, err = http.DefaultClient.Do(patch)
	if err != nil {
		return "", err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		return "", fmt.Errorf("tus PATCH: %s", res.Status)
	}
	return path.Base(loc.Path), nil
}

// archiveLink asks the cloud for an archive of the backup and returns its link.
func archiveLink(b *testing.B, base, env, snapshot string) string {
	c := demoClient(b, base)
	ctx := context.Background()
	project := localcloud.ProjectID(localcloud.DemoAppCustomerPortal)
	a, err := c.CreateArchive(ctx, project, env, snapshot, cloud.DataFilesAndDatabase)
	for err == nil && a.URL == "" && a.State != cloud.StateFailed {
		time.Sleep(5 * time.Millisecond)
		a, err = c.GetArchive(ctx, project, env, snapshot, a.ArchiveID)
	}
	if err != nil || a.URL == "" {
		b.Fatalf("archive of the bench snapshot: %v %+v", err, a)
	}
	return a.URL
}

func demoClient(b *testing.B, base string) *cloud.Client {
	c, err := cloud.New(base, cloud.Credentials{Username: localcloud.DemoUsername, APIKey: localcloud.DemoAPIKey})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// plainGet saves what link answers into path, synced to disk when sync is true.
func plainGet(link, path string, sync bool) error {
	res, err := http.Get(link)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET: %s", res.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return err
	}
	if sync {
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}
