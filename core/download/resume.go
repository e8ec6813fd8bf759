package download

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// validator identifies one version of the object behind a link. It is kept next to the
// .part in a small sidecar so a later run (with a new link to the same backup) can tell
// whether the .part belongs to the object it serves. It never holds the link.
type validator struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	Size         int64  `json:"size"`
}

// validatorOf reads the validator of a 200 or 206 answer; total is the object's size.
func validatorOf(resp *http.Response, total int64) validator {
	return validator{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), Size: total}
}

// ifRange is the If-Range value that makes the host send the rest only if the object is
// unchanged: a strong ETag, else Last-Modified; empty when neither can be trusted, and
// then nothing is resumed.
func (v validator) ifRange() string {
	if v.ETag != "" && !strings.HasPrefix(v.ETag, "W/") {
		return v.ETag
	}
	if v.ETag == "" && v.LastModified != "" {
		return v.LastModified
	}
	return ""
}

// same reports whether o is the same object as v.
func (v validator) same(o validator) bool {
	if v.ifRange() == "" || v.Size != o.Size {
		return false
	}
	if v.ETag != "" {
		return v.ETag == o.ETag
	}
	return v.LastModified == o.LastModified
}

func partPath(final string) string    { return final + ".part" }
func sidecarPath(final string) string { return final + ".part.json" }

// loadResume returns the validator and size of a .part left by an earlier run, or ok false
// when there is none that could be continued. Neither file is read through a link.
func loadResume(final string) (v validator, size int64, ok bool) {
	f, err := openRegular(sidecarPath(final), os.O_RDONLY)
	if err != nil {
		return validator{}, 0, false
	}
	b, err := io.ReadAll(io.LimitReader(f, 4<<10))
	_ = f.Close()
	if err != nil || json.Unmarshal(b, &v) != nil || v.ifRange() == "" {
		return validator{}, 0, false
	}
	fi, err := os.Lstat(partPath(final))
	if err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 || fi.Size() > v.Size {
		return validator{}, 0, false
	}
	return v, fi.Size(), true
}

// saveResume writes the sidecar (owner-only: it says what is being downloaded) through a
// new file renamed into place, so that whatever sat under its name (a planted link) is
// replaced, never written through.
func saveResume(final string, v validator) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(final), ".restoredesk-sidecar-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), sidecarPath(final))
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
	}
	return err
}

// dropResume removes the sidecar; a missing one is fine.
// A sidecar that cannot be removed only costs a restart from zero later: its validator
// will not match another object.
func dropResume(final string) { _ = os.Remove(sidecarPath(final)) }

// contentRange parses "bytes start-end/total" of a 206 answer.
func contentRange(s string) (start, total int64, ok bool) {
	s, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, false
	}
	rng, tot, found := strings.Cut(s, "/")
	if !found {
		return 0, 0, false
	}
	a, _, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, false
	}
	start, err1 := strconv.ParseInt(a, 10, 64)
	total, err2 := strconv.ParseInt(tot, 10, 64)
	if err1 != nil || err2 != nil || start < 0 || total <= start {
		return 0, 0, false
	}
	return start, total, true
}
