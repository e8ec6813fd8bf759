package download

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// OpenPrefix asks the storage host for the first limit bytes of an archive link (a Range
// request, which storage hosts and the embedded cloud answer with 206) and returns them as
// a stream, for a reader that needs only the start of a file (a dump's table of
// contents). A host that ignores Range sends the whole file: the stream still ends after
// limit bytes, and closing it drops the rest unread. Nothing is written to disk. The link
// gets the same care as in Fetch: checked before use, never in an error, never sent with
// Mendix headers, redirects held to the same rules. Errors wrap ErrLinkRefused,
// ErrLinkGone, ErrBadLink or ErrBadResponse, or are the transport's (without the link).
func (f *Fetcher) OpenPrefix(ctx context.Context, link string, limit int64) (io.ReadCloser, error) {
	u, err := url.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("%w: it is not a web address", ErrBadLink)
	}
	if err := checkLink(u); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, fmt.Errorf("%w: no bytes asked for", ErrBadResponse)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: it is not a web address", ErrBadLink) // err would quote the link
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Range", fmt.Sprintf("bytes=0-%d", limit-1))
	where := hostOf(u)
	resp, err := withRedirectRules(f.Client).Do(req)
	if err != nil {
		return nil, fmt.Errorf("read the start of the archive from %s: %w", where, stripURL(u, err))
	}
	switch code := resp.StatusCode; {
	case code == http.StatusOK, code == http.StatusPartialContent:
		if code == http.StatusPartialContent {
			if start, _, ok := contentRange(resp.Header.Get("Content-Range")); !ok || start != 0 {
				resp.Body.Close()
				return nil, fmt.Errorf("read the start of the archive from %s: %w: a part other than the start was sent", where, ErrBadResponse)
			}
		}
		return prefixBody{Reader: io.LimitReader(resp.Body, limit), Closer: resp.Body}, nil
	case code == http.StatusRequestedRangeNotSatisfiable:
		resp.Body.Close()
		return nil, fmt.Errorf("read the start of the archive from %s: %w: the archive is empty (HTTP 416)", where, ErrBadResponse)
	}
	resp.Body.Close()
	err = fmt.Errorf("%w: HTTP %d", ErrBadResponse, resp.StatusCode)
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		err = fmt.Errorf("%w (HTTP %d)", ErrLinkRefused, resp.StatusCode)
	case http.StatusNotFound, http.StatusGone:
		err = fmt.Errorf("%w (HTTP %d)", ErrLinkGone, resp.StatusCode)
	}
	return nil, fmt.Errorf("read the start of the archive from %s: %w", where, err)
}

// prefixBody is the limited stream that closes the whole response.
type prefixBody struct {
	io.Reader
	io.Closer
}
