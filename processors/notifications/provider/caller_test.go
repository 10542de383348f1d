package provider

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func newTestCaller(logs *bytes.Buffer, timeout time.Duration) *Caller {
	var log *slog.Logger
	if logs != nil {
		log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return NewCaller(Caller{Provider: "test", Timeout: timeout, Logger: log})
}

func TestCallerClassify(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := NewCaller(Caller{Provider: "test", Now: func() time.Time { return now }})
	cases := []struct {
		status     int
		retryAfter string
		permanent  bool
		after      time.Duration
		unauth     bool
	}{
		{400, "", true, 0, false},
		{403, "", true, 0, false},
		{404, "", true, 0, false},
		{413, "", true, 0, false},
		{401, "", false, 0, true},
		{408, "", false, 0, false},
		{429, "7", false, 7 * time.Second, false},
		{429, now.Add(time.Minute).Format(http.TimeFormat), false, time.Minute, false},
		{429, "", false, 0, false},
		{500, "", false, 0, false},
		{502, "", false, 0, false},
		{503, "30", false, 30 * time.Second, false},
	}
	for _, tc := range cases {
		h := http.Header{}
		if tc.retryAfter != "" {
			h.Set("Retry-After", tc.retryAfter)
		}
		err := c.Classify(&Response{StatusCode: tc.status, Header: h}, &Error{Message: "m"})
		if IsPermanent(err) != tc.permanent {
			t.Errorf("%d: permanent = %v", tc.status, !tc.permanent)
		}
		if after, ok := RetryAfter(err); ok == tc.permanent || after != tc.after {
			t.Errorf("%d: RetryAfter = %v, %v; want %v", tc.status, after, ok, tc.after)
		}
		if errors.Is(err, ErrUnauthorized) != tc.unauth {
			t.Errorf("%d: ErrUnauthorized = %v", tc.status, !tc.unauth)
		}
		if perr, ok := ProviderError(err); !ok || perr.StatusCode != tc.status || perr.Provider != "test" {
			t.Errorf("%d: provider error %+v", tc.status, perr)
		}
	}
}

func TestCallerTimeoutIsRetryableWithUnknownOutcome(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	var logs bytes.Buffer
	c := newTestCaller(&logs, 50*time.Millisecond)
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL, strings.NewReader("x"))
	_, err := c.Do(req, "ref-1", NewSecret("topsecret-token"))
	if _, ok := RetryAfter(err); !ok {
		t.Fatalf("timeout not retryable: %v", err)
	}
	if !errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("timeout should match ErrOutcomeUnknown and DeadlineExceeded: %v", err)
	}
	if !strings.Contains(logs.String(), "ref-1") {
		t.Fatalf("no debug line for the attempt: %s", logs.String())
	}
}

func TestCallerRefusedConnectionIsRetryableAndNeverSent(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now

	c := newTestCaller(nil, time.Second)
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://"+addr, nil)
	_, err = c.Do(req, "ref")
	if _, ok := RetryAfter(err); !ok {
		t.Fatalf("refused connection not retryable: %v", err)
	}
	if errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("refused connection cannot have reached the provider: %v", err)
	}
}

func TestCallerCanceledIsNotAProviderFailure(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, nil)
	done := make(chan error, 1)
	go func() {
		_, err := newTestCaller(nil, time.Minute).Do(req, "ref")
		done <- err
	}()
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if _, ok := RetryAfter(err); ok {
		t.Fatalf("a caller's cancel is not the provider's failure: %v", err)
	}
}

func TestCallerRedactsSecretsInTransportErrors(t *testing.T) {
	t.Parallel()
	// A URL that cannot be resolved, carrying the secret in its query the way a careless
	// base URL might: the error text quotes the URL.
	secret := NewSecret("tok-0123456789")
	var logs bytes.Buffer
	c := newTestCaller(&logs, time.Second)
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://127.0.0.1:1/x?key="+secret.Reveal(), nil)
	_, err := c.Do(req, "ref", secret)
	if err == nil {
		t.Fatal("expected an error")
	}
	for _, s := range []string{err.Error(), logs.String()} {
		if strings.Contains(s, secret.Reveal()) {
			t.Fatalf("secret leaked: %s", s)
		}
	}
}

func TestSnippet(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 300)
	got := Snippet([]byte(long))
	if len(got) > 210 || !strings.HasSuffix(got, "...") {
		t.Fatalf("snippet %d bytes: %q", len(got), got)
	}
	if Snippet([]byte("  short \n")) != "short" {
		t.Fatal("snippet should trim")
	}
}
