package devprovider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Server is a Provider listening on the loopback interface.
type Server struct {
	*Provider
	URL string // the issuer: http://127.0.0.1:PORT
	srv *http.Server
}

// Start listens on addr (a loopback address; port 0 picks a free one), sets
// cfg.Issuer to the address it got and serves the provider there until ctx
// ends or Close is called.
func Start(ctx context.Context, addr string, cfg Config) (*Server, error) {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("devprovider: %q is not a loopback address: the development provider stays on this machine", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("devprovider: %w", err)
	}
	cfg.Issuer = "http://" + ln.Addr().String()
	p, err := New(cfg)
	if err != nil {
		ln.Close()
		return nil, err
	}
	s := &Server{Provider: p, URL: cfg.Issuer, srv: &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && cfg.Log != nil {
			cfg.Log.Error("development OpenID provider stopped", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		s.Close()
	}()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// KeysURL is where the provider publishes its key set (its discovery
// document says the same).
func (s *Server) KeysURL() string { return s.URL + "/keys" }
