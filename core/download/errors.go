package download

import (
	"errors"
	"fmt"
	"net/url"
)

// Sentinel errors; callers branch on them with errors.Is. The messages never hold the
// archive link: it is a credential for as long as it is valid.
var (
	// ErrLinkRefused: the storage host answered 401/403, usually because the link expired
	// (links are valid for eight hours). A new archive gives a new link.
	ErrLinkRefused = errors.New("the archive link was refused (it may have expired)")
	// ErrLinkGone: the storage host no longer has the archive (404/410).
	ErrLinkGone = errors.New("the archive is no longer on the storage host")
	// ErrBadLink: the link cannot be used safely: not an http(s) address, plain http to
	// another computer, or redirected from https to http.
	ErrBadLink = errors.New("the archive link cannot be used safely")
	// ErrExists: the destination file exists and replacing it was not asked for.
	ErrExists = errors.New("the file already exists")
	// ErrNoSpace: the disk has too little free space for the download, or filled up.
	ErrNoSpace = errors.New("not enough free disk space")
	// ErrFolder: the destination folder is missing, not a folder, not writable, or vanished.
	ErrFolder = errors.New("the destination folder cannot be used")
	// ErrBadResponse: the storage host answered something a download cannot use.
	ErrBadResponse = errors.New("the storage host sent an unusable answer")
	// ErrBusy: another download is writing the same file.
	ErrBusy = errors.New("another download is writing this file")
)

// hostOf names the storage host of a link for messages and logs: scheme and host only,
// because the path and the query of a signed link are the secret part.
func hostOf(u *url.URL) string {
	if u == nil || u.Host == "" {
		return "the storage host"
	}
	return "the storage host " + u.Scheme + "://" + u.Host
}

// stripURL turns a net/http client error, whose text holds the full link, into one that
// names only the host. The cause stays reachable through errors.Is/As.
func stripURL(u *url.URL, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &linkError{where: hostOf(u), op: ue.Op, err: ue.Err}
	}
	return err
}

// linkError is a transport error without the link.
type linkError struct {
	where, op string
	err       error
}

func (e *linkError) Error() string { return fmt.Sprintf("%s %s: %v", e.op, e.where, e.err) }
func (e *linkError) Unwrap() error { return e.err }
