package localcloud

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Archive downloads: a completed archive's url points at this server, signed and valid for
// eight hours after completion like Mendix Cloud's links. The link carries no credentials
// and needs none (peers fetch the real links without Mendix headers).

const downloadValidity = 8 * time.Hour

func (c *Cloud) signDownload(archiveID string, expires int64) string {
	m := hmac.New(sha256.New, c.secret)
	fmt.Fprintf(m, "%s\n%d", archiveID, expires)
	return hex.EncodeToString(m.Sum(nil))
}

func (c *Cloud) archiveJSON(r *http.Request, a archiveRow) v2Archive {
	out := v2Archive{
		ArchiveID:     a.ID,
		SnapshotID:    a.SnapshotID,
		DataType:      a.DataType,
		State:         a.State,
		StatusMessage: nullString(a.StatusMessage),
		CreatedAt:     isoTime(a.CreatedAt),
		UpdatedAt:     isoTime(a.UpdatedAt),
		FinishedAt:    isoTime(a.FinishedAt),
	}
	if a.State == stateCompleted && a.File != "" {
		exp := a.FinishedAt.Add(downloadValidity).Unix()
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		u := fmt.Sprintf("%s://%s/downloads/%s/%s?expires=%d&signature=%s", scheme, r.Host, a.ID,
			url.PathEscape(a.Filename), exp, c.signDownload(a.ID, exp))
		out.URL = &u
	}
	return out
}

func (c *Cloud) handleDownload(w http.ResponseWriter, r *http.Request) {
	id := strings.ToLower(r.PathValue("archiveID"))
	q := r.URL.Query()
	exp, err := strconv.ParseInt(q.Get("expires"), 10, 64)
	if err != nil || !hmac.Equal([]byte(c.signDownload(id, exp)), []byte(q.Get("signature"))) {
		writeError(w, newAPIError(http.StatusForbidden, codeNoAccess,
			"This download link is not valid: copy the complete url of the archive."))
		return
	}
	if c.now().Unix() > exp {
		writeError(w, newAPIError(http.StatusForbidden, codeNoAccess,
			"This download link expired (links are valid for 8 hours): request a new archive of the snapshot."))
		return
	}
	a, err := getArchive(r.Context(), c.db, id)
	if isNoRow(err) || (err == nil && (a.State != stateCompleted || a.File == "")) {
		writeError(w, newAPIError(http.StatusNotFound, codeNotFound, "This archive no longer exists."))
		return
	}
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	f, err := os.Open(filepath.Join(c.dir, filepath.FromSlash(a.File)))
	if err != nil {
		writeError(w, newAPIError(http.StatusNotFound, codeNotFound, "The archive's file is gone: its snapshot was deleted."))
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	ctype := "application/gzip"
	if strings.HasSuffix(a.Filename, ".backup") {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", a.Filename))
	// ServeContent answers Range requests, so download managers can resume.
	http.ServeContent(w, r, a.Filename, info.ModTime(), f)
}

// removeFile removes a file given relative to the data directory.
func removeFile(dir, rel string) error {
	err := os.Remove(filepath.Join(dir, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
