package localcloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// Server serves a Cloud over HTTP on a TCP address (loopback by default).
type Server struct {
	cloud    *Cloud
	ln       net.Listener
	srv      *http.Server
	done     chan struct{}
	requests tracker // handlers under way; Close waits for them before closing the cloud
	// bodyWindow: a request body brings MinBodyBytes in every window this long, or ends.
	bodyWindow time.Duration
}

// Start opens the cloud in cfg.DataDir and serves it on addr. An empty addr means
// 127.0.0.1 on a free port; an address without a host (":8080") binds 127.0.0.1 too, so the
// cloud is only reachable from this machine unless a host is named explicitly.
func Start(cfg Config, addr string) (*Server, error) {
	host, port, err := net.SplitHostPort(addr)
	switch {
	case addr == "":
		host, port = "127.0.0.1", "0"
	case err != nil:
		return nil, fmt.Errorf("start local cloud: address %q is not host:port: %w", addr, err)
	case host == "":
		host = "127.0.0.1"
	}
	c, err := Open(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("start local cloud: listen on %s: %w", net.JoinHostPort(host, port), err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		c.log.Warn("local cloud reachable from other machines", "addr", ln.Addr().String())
	}
	s := &Server{cloud: c, ln: ln, done: make(chan struct{}), bodyWindow: cfg.bodyWindow()}
	// No read or write timeout for a whole request: uploads and downloads of big archives
	// take long. Headers must come at once, an idle connection is closed, and a body is
	// paced (pacedBody): it ends when it stops bringing bytes at a crawl's rate.
	s.srv = &http.Server{Handler: s.track(c.Handler()), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.log.Error("local cloud server stopped", "err", err)
		}
	}()
	c.log.Info("local cloud listening", "url", s.URL())
	return s, nil
}

// URL is the base URL of the API, e.g. http://127.0.0.1:8080 (paths start with /api/...).
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Cloud is the served cloud, for seeding and inspection.
func (s *Server) Cloud() *Cloud { return s.cloud }

// Close stops serving (waiting briefly for requests under way, then cutting them off) and
// closes the cloud. Once it returns no request or job touches the data directory any more,
// so the caller may delete it.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		// Closing the connections ends the handlers still running: their reads fail and
		// their contexts are cancelled.
		err = s.srv.Close()
	}
	<-s.done
	s.requests.closeAndWait()
	return errors.Join(err, s.cloud.Close())
}

// track counts the requests being served, so Close can wait for them: http.Server.Close
// does not wait for handlers, and an upload handler may still be writing its file.
func (s *Server) track(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.requests.start() {
			writeError(w, newAPIError(http.StatusServiceUnavailable, codeServiceUnavailable, "The local cloud is shutting down."))
			return
		}
		defer s.requests.done()
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = newPacedBody(r.Body, http.NewResponseController(w), s.bodyWindow)
		}
		next.ServeHTTP(w, r)
	})
}

// errSlowBody ends a request whose body came too slowly.
var errSlowBody = errors.New("the request body arrived too slowly")

// pacedBody ends a body that brings fewer than MinBodyBytes in a window: a client
// dripping a byte every few seconds could otherwise hold a handler (and an upload's lock)
// for ever. The read deadline cuts a body that goes silent; it is pushed back each time a
// window's bytes arrived. (tusd sets its own deadline per read on its PATCHes; the count
// here still ends a dripping one.)
type pacedBody struct {
	io.ReadCloser
	rc     *http.ResponseController
	window time.Duration
	start  time.Time
	n      int64
}

func newPacedBody(body io.ReadCloser, rc *http.ResponseController, window time.Duration) *pacedBody {
	p := &pacedBody{ReadCloser: body, rc: rc, window: window, start: time.Now()}
	_ = rc.SetReadDeadline(p.start.Add(window))
	return p
}

func (p *pacedBody) Read(b []byte) (int, error) {
	n, err := p.ReadCloser.Read(b)
	p.n += int64(n)
	now := time.Now()
	switch {
	case err == io.EOF:
		_ = p.rc.SetReadDeadline(time.Time{}) // the body is in: the handler may take its time
	case err != nil:
	case p.n >= MinBodyBytes:
		p.start, p.n = now, 0
		_ = p.rc.SetReadDeadline(now.Add(p.window))
	case now.Sub(p.start) > p.window:
		// Whatever waits on the connection stops now, and the body is closed unread, so
		// net/http closes the connection instead of waiting for the rest of it.
		_ = p.rc.SetReadDeadline(now)
		_ = p.ReadCloser.Close()
		return n, errSlowBody
	}
	return n, err
}
