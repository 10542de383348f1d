// Package outbound is the HTTP client a service uses to call a third party (a payment
// provider, a fraud service, an email or SMS gateway): one base URL, an API key, a timeout
// per attempt, retries with jittered backoff that honour Retry-After, and metrics that show
// the dependency's health, labelled with the calling service and the target called:
// novatrek_outbound_requests_total{service,target,outcome} and
// novatrek_outbound_request_duration_seconds{service,target} per attempt, and
// novatrek_outbound_circuit_open{service,target}, 1 after 5 straight failures.
// The circuit is observed only: requests are never short-circuited, so adding it changes
// no behaviour; alert on it.
//
// Only requests that are safe to repeat are retried (see Client.Do): the client packages
// know their API, and mark a repeatable write with an Idempotency-Key.
package outbound

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults.
const (
	DefaultTimeout = 10 * time.Second
	DefaultBackoff = 100 * time.Millisecond
	DefaultMaxWait = 30 * time.Second
)

// Config configures a Client.
type Config struct {
	// Service and Target label the metrics: the calling service ("svc-payments") and the
	// third party this client calls, the Spec's client name ("psp").
	Service, Target string
	// BaseURL is the third party's http(s) base URL. Required.
	BaseURL string
	// Key is the API key or secret; the client package decides how to send it. Never logged.
	Key string
	// Timeout bounds each attempt; DefaultTimeout when 0.
	Timeout time.Duration
	// Retries is how many more attempts a repeatable request gets after a retryable
	// failure (0: none).
	Retries int
	// Backoff is the base of the full-jitter backoff: before retry n the client waits a
	// random time up to Backoff·2ⁿ⁻¹, unless the answer said Retry-After. DefaultBackoff
	// when 0.
	Backoff time.Duration
	// MaxWait is the longest Retry-After honoured; an answer asking more is returned as it
	// is. DefaultMaxWait when 0.
	MaxWait time.Duration
	// Transport carries the requests; a pooled http.Transport when nil.
	Transport http.RoundTripper
	// Metrics registers the client's series; nil for none.
	Metrics prometheus.Registerer
}

// Client calls one third party. It is safe for concurrent use.
type Client struct {
	BaseURL string
	Key     string
	Timeout time.Duration
	Retries int
	// HTTP is the instrumented client (every attempt counted), without retries: Do adds
	// them.
	HTTP *http.Client

	backoff, maxWait time.Duration
	sleep            func(ctx context.Context, d time.Duration) error // a test seam
}

// New checks cfg and returns its Client.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if cfg.BaseURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("outbound: client %s: base URL %q is not an http(s) URL", cfg.Target, cfg.BaseURL)
	}
	if cfg.Timeout < 0 || cfg.Retries < 0 || cfg.Backoff < 0 || cfg.MaxWait < 0 {
		return nil, fmt.Errorf("outbound: client %s: Timeout, Retries, Backoff and MaxWait must not be negative", cfg.Target)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.MaxWait == 0 {
		cfg.MaxWait = DefaultMaxWait
	}
	if cfg.Transport == nil {
		cfg.Transport = &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConns: 256,
			MaxIdleConnsPerHost: 256, IdleConnTimeout: 90 * time.Second}
	}
	t, err := instrument(cfg)
	if err != nil {
		return nil, err
	}
	return &Client{BaseURL: strings.TrimRight(cfg.BaseURL, "/"), Key: cfg.Key, Timeout: cfg.Timeout,
		Retries: cfg.Retries, HTTP: &http.Client{Transport: t}, backoff: cfg.Backoff, maxWait: cfg.MaxWait,
		sleep: sleep}, nil
}

// URL is the base URL joined with path ("/v1/payment_intents").
func (c *Client) URL(path string) string { return c.BaseURL + "/" + strings.TrimLeft(path, "/") }

// Do sends req, each attempt bounded by Timeout. A repeatable request — a GET, HEAD,
// OPTIONS, PUT or DELETE, or any request with an Idempotency-Key header, whose body can be
// sent again — is retried up to Retries times after a transport error or an answer of 429,
// 502, 503 or 504, waiting as the answer's Retry-After says or a jittered backoff. The
// last answer (or error) is returned. The response body must be closed.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	for attempt := 0; ; attempt++ {
		resp, err := c.attempt(req)
		if attempt >= c.Retries || !repeatable(req) || !retryable(ctx, resp, err) {
			return resp, err
		}
		wait, ok := c.wait(resp, attempt)
		if !ok {
			return resp, err
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, err
		}
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, fmt.Errorf("outbound: resend the body: %w", err)
			}
			req = req.Clone(ctx)
			req.Body = body
		}
	}
}

// attempt sends req once under the per-attempt timeout; the timeout stays armed until
// the body is closed.
func (c *Client) attempt(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), c.Timeout)
	resp, err := c.HTTP.Do(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// jitter is a random duration in [0, d].
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d + 1)
}
