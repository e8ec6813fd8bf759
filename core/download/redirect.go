package download

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"restoredesk/core/cloud"
)

// An archive link is a credential for as long as it is valid: it must never travel
// unencrypted across a network, nor reach another host as a Referer header when the
// storage host redirects.

// maxRedirects bounds a chain of redirects, as net/http's default does.
const maxRedirects = 10

// checkLink refuses a link that is not http(s), or plain http to a host that is not this
// computer (the embedded cloud serves plain http on loopback).
func checkLink(u *url.URL) error {
	switch {
	case u == nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return fmt.Errorf("%w: it is not an http or https address", ErrBadLink)
	case u.Scheme == "http" && !cloud.IsLoopbackHost(u.Hostname()):
		return fmt.Errorf("%w: it is a plain http address of %s, another computer, so it would travel unencrypted; ask for a new archive, and tell Mendix Support if the link is plain http again",
			ErrBadLink, u.Hostname())
	}
	return nil
}

// errRedirect marks a redirect refused by redirectRules: asking again would be refused
// the same way.
var errRedirect = errors.New("redirect refused")

// redirectRules is the CheckRedirect of every client a download uses: no Referer (it
// would carry the signed link to the next host), never from https to http, never plain
// http to another computer.
func redirectRules(req *http.Request, via []*http.Request) error {
	req.Header.Del("Referer")
	if len(via) >= maxRedirects {
		return fmt.Errorf("%w: %w: the storage host redirected %d times", errRedirect, ErrBadResponse, len(via))
	}
	if prev := via[len(via)-1].URL; prev.Scheme == "https" && req.URL.Scheme != "https" {
		return fmt.Errorf("%w: %w: the storage host redirected it from https to %s://%s", errRedirect, ErrBadLink, req.URL.Scheme, req.URL.Host)
	}
	if err := checkLink(req.URL); err != nil {
		return fmt.Errorf("%w: the storage host redirected to it: %w", errRedirect, err)
	}
	return nil
}

// withRedirectRules is c (nil: the package's own client) with redirectRules, whatever
// rules c had.
func withRedirectRules(c *http.Client) *http.Client {
	if c == nil {
		return defaultClient()
	}
	cc := *c
	cc.CheckRedirect = redirectRules
	return &cc
}
