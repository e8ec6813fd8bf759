package restore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"restoredesk/core/journal"
	"restoredesk/core/localdb"
)

// A local restore of a cloud backup is one plan and one run: the download of the
// database dump, its check, then the restore of the file it saved (LocalRequest.Cloud).
// A file an earlier run downloaded from the same backup into the same place, whose hash
// still matches, is used again instead of being downloaded a second time.

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

// checkDownloaded hashes a downloaded file (req.DownloadedSHA256 set) and refuses it when
// it differs from what its download wrote: something changed it in between, or the disk
// returns other bytes than it was given. It returns the hash ("" for another file).
func checkDownloaded(ctx context.Context, req LocalRequest) (string, error) {
	if req.DownloadedSHA256 == "" {
		return "", nil
	}
	sha, err := localdb.HashFile(ctx, req.File)
	if err != nil {
		return "", planErr(fmt.Sprintf("The downloaded file %s cannot be read (%v).", req.File, err), "Download the backup again.", err)
	}
	if sha == req.DownloadedSHA256 {
		return sha, nil
	}
	return "", planErr(fmt.Sprintf("The downloaded file %s is not what was downloaded: its SHA-256 on disk is %s, but %s was written. Something changed it, or the disk is failing. Nothing was restored.",
		req.File, sha, req.DownloadedSHA256), "Download the backup again, into another folder.", ErrFileChanged)
}

// planLocalFromCloud plans the download of req.Cloud's database dump and its restore as
// one plan, or the restore alone of an identical earlier download.
func (e *Engine) planLocalFromCloud(ctx context.Context, req LocalRequest, onEvent func(Event)) (*LocalPlan, error) {
	if err := e.PrecheckLocal(ctx, req); err != nil {
		return nil, err
	}
	dreq := LocalDownload(req.Profile, req.Cloud.Target, req.Cloud.SnapshotID, req.Cloud.Output)
	// Planned as if replacing were allowed, to learn the backup and the place without
	// being refused for the file an earlier run left there.
	probe := dreq
	probe.Force = true
	dp, err := e.PlanDownload(ctx, probe)
	if err != nil {
		return nil, err
	}
	// From here on the backup is the one found, even if "latest" names a newer one later.
	dreq.SnapshotID = dp.Snapshot.SnapshotID
	src := *req.Cloud
	src.SnapshotID = dreq.SnapshotID
	p := &LocalPlan{Request: req}
	p.Request.Cloud = &src
	var skipped []string
	for _, d := range e.earlierDownloads(ctx, dp) {
		p.Request.File, p.Request.DownloadedSHA256 = d.path, d.sha
		err := e.planLocalFile(ctx, p, nil)
		if errors.Is(err, ErrFileChanged) {
			skipped = append(skipped, fmt.Sprintf("%s, downloaded by run %d, has changed since, so it is not used.", d.path, d.run))
			continue
		}
		if err != nil {
			return nil, err
		}
		p.ReusedRun = d.run
		p.Steps = localSteps(p.DB)
		p.Notes = append([]string{fmt.Sprintf("%s was downloaded from this backup by run %d and its SHA-256 still matches: it is restored without downloading it again.",
			d.path, d.run)}, localNotes(p.DB)...)
		p.shape()
		return p, nil
	}
	p.Request.File, p.Request.DownloadedSHA256 = req.File, req.DownloadedSHA256
	if dp.plan.Name == "" {
		// Into a folder: under a name that says whose backup it is and when it was made,
		// rather than the archive's own name.
		dreq.Output = filepath.Join(dp.plan.Dir, dp.plan.Fallback)
	}
	if dp, err = e.PlanDownload(ctx, dreq); err != nil {
		return nil, err
	}
	p.Download = dp
	p.Steps = streamSteps(dp, req.Target)
	p.Notes = append(append(skipped, dp.Notes...),
		"The dump is restored as it arrives: its header and table of contents are judged before the database is touched, and the saved file's SHA-256 is checked afterwards. A dump that cannot be restored as it arrives, or whose download ends within about a second (pg_restore then runs parallel jobs on the saved file), is restored once saved.")
	p.shape()
	return p, nil
}

// streams reports whether the plan restores its download as it arrives.
func (p *LocalPlan) streams() bool {
	return slices.ContainsFunc(p.Steps, func(s Step) bool { return s.Kind == StepStreamRestore })
}

// earlier is a file an earlier run downloaded and checked.
type earlier struct {
	path, sha string
	run       int64
}

// earlierDownloads lists the files finished runs downloaded and checked from dp's backup
// that are still there, the best first: one in dp's place, then a database-only file,
// then a full snapshot (which holds the same database). The caller checks each hash
// again before using it.
func (e *Engine) earlierDownloads(ctx context.Context, dp *DownloadPlan) []earlier {
	runs, err := e.journal.List(jctx(ctx), journal.Filter{})
	if err != nil {
		e.log.Warn("journal not readable for earlier downloads", "err", err)
		return nil
	}
	var found []earlier
	var rank []int
	seen := map[string]bool{}
	for _, r := range runs { // newest first
		if r.Kind != journal.KindDownload && r.Kind != KindLocalRestore || r.SnapshotID != dp.Snapshot.SnapshotID ||
			r.FilePath == "" || r.FileSHA256 == "" || !stepIs(r, StepCheck, journal.StepDone) || seen[r.FilePath] {
			continue
		}
		seen[r.FilePath] = true
		if fi, err := os.Lstat(r.FilePath); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		score := 2
		switch {
		case r.FilePath == dp.Path || dp.plan.Name == "" && filepath.Dir(r.FilePath) == dp.plan.Dir && r.DBOnly:
			score = 0
		case r.DBOnly:
			score = 1
		}
		i := len(found)
		for i > 0 && rank[i-1] > score {
			i--
		}
		found = slices.Insert(found, i, earlier{r.FilePath, r.FileSHA256, r.ID})
		rank = slices.Insert(rank, i, score)
	}
	return found
}

// stepIs reports whether run r's step k has status st.
func stepIs(r journal.Run, k StepKind, st journal.StepStatus) bool {
	return slices.ContainsFunc(r.Steps, func(s journal.Step) bool { return s.Kind == string(k) && s.Status == st })
}
