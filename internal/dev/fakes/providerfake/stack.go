package providerfake

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// Path prefixes of the fakes on a Stack.
const (
	SendGridPrefix = "/sendgrid"
	TwilioPrefix   = "/twilio"
	FCMPrefix      = "/fcm"
)

// StackConfig configures the three fakes of a Stack.
type StackConfig struct {
	SendGrid SendGridConfig
	Twilio   TwilioConfig
	FCM      FCMConfig
}

// Stack is the three fakes behind one handler, each under its prefix: a client's BaseURL
// is the stack's URL plus the prefix (see URLs).
type Stack struct {
	SendGrid *SendGrid
	Twilio   *Twilio
	FCM      *FCM
	mux      *http.ServeMux
}

// NewStack builds the three fakes.
func NewStack(cfg StackConfig) (*Stack, error) {
	sg, err := NewSendGrid(cfg.SendGrid)
	if err != nil {
		return nil, err
	}
	fcm, err := NewFCM(cfg.FCM)
	if err != nil {
		return nil, err
	}
	s := &Stack{SendGrid: sg, Twilio: NewTwilio(cfg.Twilio), FCM: fcm, mux: http.NewServeMux()}
	s.mux.Handle(SendGridPrefix+"/", http.StripPrefix(SendGridPrefix, sg))
	s.mux.Handle(TwilioPrefix+"/", http.StripPrefix(TwilioPrefix, s.Twilio))
	s.mux.Handle(FCMPrefix+"/", http.StripPrefix(FCMPrefix, fcm))
	return s, nil
}

// ServeHTTP routes by prefix.
func (s *Stack) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close stops the fakes' background callbacks.
func (s *Stack) Close() {
	s.SendGrid.Close()
	s.Twilio.Close()
}

// URLs are the clients' base URLs for a Stack served at a root URL.
type URLs struct {
	SendGrid string // sendgrid.Config.BaseURL
	Twilio   string // twilio.Config.BaseURL
	FCM      string // fcm.Config.BaseURL
	FCMToken string // the token_uri of the FCM fake's service account
}

// URLs returns the base URLs under root, e.g. "http://127.0.0.1:8025".
func (s *Stack) URLs(root string) URLs {
	root = strings.TrimRight(root, "/")
	return URLs{
		SendGrid: root + SendGridPrefix,
		Twilio:   root + TwilioPrefix,
		FCM:      root + FCMPrefix,
		FCMToken: root + FCMPrefix + "/token",
	}
}

// Server is a Stack listening on a TCP address, for `novatrek dev`.
type Server struct {
	*Stack
	// URL is the root URL, e.g. "http://127.0.0.1:8025".
	URL string
	srv *http.Server
	err chan error
}

// Listen builds a Stack and serves it on addr ("127.0.0.1:0" picks a free port) until
// Close.
func Listen(addr string, cfg StackConfig) (*Server, error) {
	st, err := NewStack(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("providerfake: listen on %s: %w", addr, err)
	}
	s := &Server{
		Stack: st,
		URL:   "http://" + ln.Addr().String(),
		srv:   &http.Server{Handler: st, ReadHeaderTimeout: 10 * time.Second},
		err:   make(chan error, 1),
	}
	go func() { s.err <- s.srv.Serve(ln) }()
	return s, nil
}

// BaseURLs returns the clients' base URLs.
func (s *Server) BaseURLs() URLs { return s.Stack.URLs(s.URL) }

// Close stops accepting requests, waits (until ctx ends) for those in flight, and stops
// the callbacks. Held (hanging) requests are released first.
func (s *Server) Close(ctx context.Context) error {
	s.SendGrid.Heal()
	s.Twilio.Heal()
	s.FCM.Heal()
	err := s.srv.Shutdown(ctx)
	s.Stack.Close()
	if serveErr := <-s.err; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("providerfake: serve: %w", serveErr)
	}
	return err
}
