package localcloud

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Server serves a Cloud over HTTP on a TCP address (loopback by default).
type Server struct {
	cloud *Cloud
	ln    net.Listener
	srv   *http.Server
	done  chan struct{}
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
	s := &Server{
		cloud: c,
		ln:    ln,
		// No write timeout: uploads and downloads of big archives take long. tusd bounds
		// idle reads itself.
		srv:  &http.Server{Handler: c.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute},
		done: make(chan struct{}),
	}
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

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Cloud is the served cloud, for seeding and inspection.
func (s *Server) Cloud() *Cloud { return s.cloud }

// Close stops serving (waiting briefly for requests under way) and closes the cloud.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = s.srv.Close()
	}
	<-s.done
	return errors.Join(err, s.cloud.Close())
}
