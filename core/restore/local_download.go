package restore

import (
	"errors"
	"fmt"

	"restoredesk/core/archive"
)

// A local restore of a cloud backup is two runs: a download, then the restore of the
// file it saved. Both front ends build them from here, so the desktop app and restorectl
// fetch the same thing, accept the same files and check the same hash.

// ErrFileChanged: the file a local restore was planned from is not the file just
// downloaded (its SHA-256 differs).
var ErrFileChanged = errors.New("the downloaded file changed on disk")

// LocalDownload is the download that starts a local restore of a cloud backup: the
// database dump only, since pg_restore needs nothing else, saved in dir ("" for the
// current folder).
func LocalDownload(profile string, t Target, snapshotID, dir string) DownloadRequest {
	return DownloadRequest{Profile: profile, Target: t, SnapshotID: snapshotID, DBOnly: true, Output: dir}
}

// LocalSource is the file a download hands on to a local restore, and the SHA-256 it was
// written with (for LocalRequest.DownloadedSHA256). A dump Mendix Cloud could not
// restore (a newer archive version) may still restore locally: the local plan judges the
// file, so that refusal does not stop it here. Any other failure does.
func LocalSource(res *DownloadResult, err error) (path, sha string, _ error) {
	if res == nil || res.Path == "" {
		if err == nil {
			err = errors.New("the download saved no file")
		}
		return "", "", err
	}
	if err != nil && !errors.Is(err, ErrNotRestorable) {
		return "", "", err
	}
	return res.Path, res.SHA256, nil
}

// checkDownloaded refuses a file that differs from what its download wrote: something
// changed it in between, or the disk returns other bytes than it was given.
func checkDownloaded(req LocalRequest, rep *archive.Report) error {
	if req.DownloadedSHA256 == "" || rep == nil || rep.SHA256 == req.DownloadedSHA256 {
		return nil
	}
	return planErr(fmt.Sprintf("The downloaded file %s is not what was downloaded: its SHA-256 on disk is %s, but %s was written. Something changed it, or the disk is failing. Nothing was restored.",
		req.File, rep.SHA256, req.DownloadedSHA256), "Download the backup again, into another folder.", ErrFileChanged)
}
