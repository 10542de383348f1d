package service

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// HTTPServer serves one handler on one listener until Shutdown.
type HTTPServer struct {
	srv  *http.Server
	ln   net.Listener
	done chan error
}

// ListenHTTP listens on addr (host:port; port 0 picks a free one) and serves h in the
// background. Listening happens before it returns, so a taken port is reported here.
func ListenHTTP(addr string, h http.Handler) (*HTTPServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	s := &HTTPServer{
		srv:  &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second},
		ln:   ln,
		done: make(chan error, 1),
	}
	go func() {
		err := s.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	return s, nil
}

// Addr is the address actually listened on, e.g. 127.0.0.1:8080.
func (s *HTTPServer) Addr() string { return s.ln.Addr().String() }

// Shutdown stops accepting connections and waits for in-flight requests until ctx is done.
func (s *HTTPServer) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close()
	}
	return errors.Join(err, <-s.done)
}
