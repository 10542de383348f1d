package service

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// HTTPServer serves one handler on one listener until Shutdown.
type HTTPServer struct {
	srv  *http.Server
	ln   net.Listener
	done chan error
	// mu guards states: each open connection's state, for Shutdown to tell a request in
	// progress from a connection that never carried one.
	mu     sync.Mutex
	states map[net.Conn]http.ConnState
}

// ListenHTTP listens on addr (host:port; port 0 picks a free one) and serves h in the
// background. Listening happens before it returns, so a taken port is reported here.
func ListenHTTP(addr string, h http.Handler) (*HTTPServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	s := &HTTPServer{ln: ln, done: make(chan error, 1), states: map[net.Conn]http.ConnState{}}
	s.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ConnState: s.track}
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
// A connection a client opened but never sent a request on (an HTTP client dials ahead and
// parks the spare connection in its pool) has nothing in flight, yet net/http counts it as
// busy for its first 5 seconds; when only such connections outlast ctx, they are closed
// and the stop is clean. A request still running when ctx ends is the error.
func (s *HTTPServer) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close()
		if !s.busy() {
			err = nil
		}
	}
	return errors.Join(err, <-s.done)
}

// track keeps each open connection's state.
func (s *HTTPServer) track(c net.Conn, state http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if state == http.StateClosed || state == http.StateHijacked {
		delete(s.states, c)
		return
	}
	s.states[c] = state
}

// busy reports whether a connection has a request in progress.
func (s *HTTPServer) busy() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.states {
		if st == http.StateActive {
			return true
		}
	}
	return false
}
