// Package download brings a backup home: it asks Mendix Cloud for an archive of a
// snapshot, fetches the archive's link with plain net/http (no Mendix credentials: the
// link is its own credential), resumes safely, checks disk space, hashes while writing,
// and inspects the saved file with core/archive.
package download

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"
)

const (
	bufSize = 1 << 20
	bufs    = 4 // buffers in flight between the network, the file and the hash
	// writebackEvery is how many written bytes are handed to the disk at a time while
	// downloading (see startWriteback).
	writebackEvery    = 32 << 20
	defaultRetries    = 5
	defaultRetryDelay = 500 * time.Millisecond
	defaultStall      = 60 * time.Second
	// spaceReserve stays free besides the download: a disk filled to the last byte breaks
	// other programs.
	spaceReserve = 16 << 20
	userAgent    = "RestoreDesk"
)

// Counter receives the byte counts of a download. Work code only adds: SetTotal once the
// size is known, Add for every chunk written (negative only when the host sent a changed
// object and the download starts over). The shared progress pipeline satisfies it.
type Counter interface {
	SetTotal(total int64)
	Add(n int64)
}

type nopCounter struct{}

func (nopCounter) SetTotal(int64) {}
func (nopCounter) Add(int64)      {}

// Fetcher downloads archive links. The zero value is ready to use.
type Fetcher struct {
	// Client sends the requests; nil means a client of this package's own. Whatever it is,
	// it must not add headers of its own: the requests carry no Mendix credentials.
	Client *http.Client
	// FreeSpace reports the bytes that may still be written in a folder (negative: unknown);
	// nil means the operating system's answer.
	FreeSpace func(dir string) (int64, error)
	// Log receives debug lines (host, sizes, offsets: never the link); nil discards them.
	Log *slog.Logger
	// Retries bounds consecutive attempts that bring no new byte; zero means 5.
	Retries int
	// RetryDelay is the first wait between such attempts (doubling); zero means 0.5 s.
	RetryDelay time.Duration
	// StallTimeout ends an attempt that receives nothing for this long; zero means 60 s.
	StallTimeout time.Duration
}

// Request says what to fetch and where to put it.
type Request struct {
	// URL is the archive link. It is a secret while valid: it is never logged, never
	// written anywhere and never part of an error.
	URL string
	// Dir is the destination folder; it must exist.
	Dir string
	// Name is the file name; empty means the one the link gives (Content-Disposition or
	// URL path), else Fallback.
	Name     string
	Fallback string
	// Force replaces an existing file of that name; otherwise the download stops before
	// fetching anything.
	Force bool
	// Tee, when set, gets the bytes as they are saved (see Tee).
	Tee *Tee
}

// Result is a finished download.
type Result struct {
	Path   string
	Size   int64
	SHA256 string
	// Resumed is the number of bytes taken from a .part an earlier run left.
	Resumed int64
	// Reconnects counts the attempts after the first one.
	Reconnects int
}

var defaultClient = sync.OnceValue(func() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// A transparently decompressed answer would break byte offsets and the hash.
	tr.DisableCompression = true
	tr.ResponseHeaderTimeout = time.Minute
	return &http.Client{Transport: tr, CheckRedirect: redirectRules}
})

// Fetch downloads req.URL into req.Dir through <name>.part, renamed to <name> once
// complete and synced. A dropped connection resumes with Range and If-Range; a .part left
// by an earlier run is continued when the host serves the same object (its validator is
// kept beside the .part in <name>.part.json) and started over otherwise. On cancel the
// .part stays for the next run. errors.Is tells ErrLinkRefused (ask for a new archive),
// ErrExists, ErrNoSpace, ErrFolder, ErrLinkGone and ErrBadResponse apart.
func (f *Fetcher) Fetch(ctx context.Context, req Request, cnt Counter) (*Result, error) {
	link, err := url.Parse(req.URL)
	if err != nil {
		return nil, fmt.Errorf("%w: it is not a web address", ErrBadLink)
	}
	if err := checkLink(link); err != nil {
		return nil, err
	}
	if err := CheckFolder(req.Dir); err != nil {
		return nil, err
	}
	if cnt == nil {
		cnt = nopCounter{}
	}
	t := &transfer{f: f, req: req, link: link, where: hostOf(link), cnt: cnt, total: -1,
		pipe: newHashPipe(bufs, bufSize), name: safeName(req.Name), client: withRedirectRules(f.Client), log: f.Log}
	defer t.pipe.close()
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	defer t.closePart()
	if t.name != "" {
		t.adopt()
	}
	return t.run(ctx)
}

// CheckFolder reports whether dir exists, is a folder, and takes a new file.
func CheckFolder(dir string) error {
	if dir == "" {
		return fmt.Errorf("%w: no folder given", ErrFolder)
	}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: %s does not exist; create it or choose another folder", ErrFolder, dir)
	case err != nil:
		return fmt.Errorf("%w: %s: %v", ErrFolder, dir, err)
	case !fi.IsDir():
		return fmt.Errorf("%w: %s is a file, not a folder; choose a folder", ErrFolder, dir)
	}
	probe, err := os.CreateTemp(dir, ".restoredesk-write-check-*")
	if err != nil {
		return fmt.Errorf("%w: cannot write in %s (%v); choose a folder you can write to", ErrFolder, dir, errors.Unwrap(err))
	}
	name := probe.Name()
	_ = probe.Close()
	_ = os.Remove(name)
	return nil
}
