package cloud

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"
)

// LinkValidity is how long an archive's download link works after the archive completed
// (docs/cloud-api.md §3, Downloading).
const LinkValidity = 8 * time.Hour

// ErrLinkUnusable: the cloud answered a link that is not a web address a person may be
// given (not http or https, plain http to another computer, or characters a real link
// never holds).
var ErrLinkUnusable = errors.New("the download link is not usable")

// Link is an archive's signed download link, handed over on request only. Anyone who
// holds it can download the backup until it expires, so it is a credential: it prints as
// "[download link]" (fmt, slog, JSON), so that no log line, error or journal text can
// show it by accident; Reveal gives it to the one who asked.
type Link struct {
	raw string
	// Expires is when the link stops working (LinkValidity after the archive completed).
	Expires time.Time
}

const linkMask = "[download link]"

// String hides the link.
func (l Link) String() string { return linkMask }

// GoString hides the link from %#v.
func (l Link) GoString() string { return linkMask }

// LogValue hides the link from structured logs.
func (l Link) LogValue() slog.Value { return slog.StringValue(linkMask) }

// MarshalJSON hides the link from JSON; a front end that prints it on request writes
// Reveal's value itself.
func (l Link) MarshalJSON() ([]byte, error) { return []byte(`"` + linkMask + `"`), nil }

// Reveal is the link itself, for the one who asked for it.
func (l Link) Reveal() string { return l.raw }

// IsZero reports whether there is no link.
func (l Link) IsZero() bool { return l.raw == "" }

// LinkOf is archive a's download link with its expiry, checked: an https address (plain
// http only to this computer, as the embedded cloud serves), printable ASCII only, so that
// showing it can never forge a line or hide a part of it. The error never holds the link.
func LinkOf(a *Archive) (Link, error) {
	if a == nil || a.URL == "" {
		return Link{}, fmt.Errorf("%w: the archive has no link yet", ErrLinkUnusable)
	}
	for i := 0; i < len(a.URL); i++ {
		if c := a.URL[i]; c <= ' ' || c >= 0x7f {
			return Link{}, fmt.Errorf("%w: it holds a character a web address never holds (byte %d)", ErrLinkUnusable, i)
		}
	}
	u, err := url.Parse(a.URL)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return Link{}, fmt.Errorf("%w: it is not an http or https address", ErrLinkUnusable)
	case u.User != nil:
		return Link{}, fmt.Errorf("%w: it carries a user name or password", ErrLinkUnusable)
	case u.Scheme == "http" && !IsLoopbackHost(u.Hostname()):
		return Link{}, fmt.Errorf("%w: it is a plain http address of %s, another computer, so the backup would travel unencrypted", ErrLinkUnusable, u.Hostname())
	}
	ready := a.FinishedAt
	if ready.IsZero() {
		ready = a.UpdatedAt
	}
	l := Link{raw: a.URL}
	if !ready.IsZero() {
		l.Expires = ready.Add(LinkValidity)
	}
	return l, nil
}
