package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

// maxResponse bounds how much of an answer is read: the providers' answers are a few
// hundred bytes; anything bigger is not theirs.
const maxResponse = 1 << 20

// Caller sends one HTTP request to a provider and turns what went wrong on the way into
// the package's error classes. The provider clients share it; it is exported so that a new
// provider can too. Build it with NewCaller; it is safe for concurrent use.
type Caller struct {
	// Provider names the provider in errors and log lines, e.g. "sendgrid".
	Provider string
	// Client sends the requests; NewHTTPClient if nil.
	Client *http.Client
	// Timeout bounds one attempt, reading the answer included; DefaultTimeout if 0.
	Timeout time.Duration
	// Logger gets one Debug line per attempt (never a secret, never a recipient); discarded
	// if nil.
	Logger *slog.Logger
	// Now is the clock used to read Retry-After dates; time.Now if nil.
	Now func() time.Time
}

// Response is a provider's answer, its body read.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// Do sends req under the attempt timeout and reads the answer. A request that got no
// answer returns a *Retryable, also matching ErrOutcomeUnknown unless the connection was
// never made; a context canceled by the caller returns its error unchanged (the caller is
// shutting down, which is not the provider's failure). Error texts are scrubbed of secrets.
func (c *Caller) Do(req *http.Request, ref string, secrets ...Secret) (*Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), c.timeout())
	defer cancel()
	req = req.WithContext(ctx)
	start := c.now()

	resp, err := c.client().Do(req)
	if err != nil {
		return nil, c.transportError(req.Context(), ref, start, err, secrets)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		// The provider answered a status but the body broke off: for a 2xx the message was
		// accepted, and the caller decides from StatusCode alone.
		body = nil
	}
	c.logger().LogAttrs(ctx, slog.LevelDebug, "provider call",
		slog.String("provider", c.Provider), slog.String("ref", ref),
		slog.Int("status", resp.StatusCode), slog.Duration("took", c.now().Sub(start)))
	return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

func (c *Caller) transportError(ctx context.Context, ref string, start time.Time, err error, secrets []Secret) error {
	c.logger().LogAttrs(ctx, slog.LevelDebug, "provider call failed",
		slog.String("provider", c.Provider), slog.String("ref", ref),
		slog.Duration("took", c.now().Sub(start)), slog.String("error", Redact(err.Error(), secrets...)))
	if errors.Is(err, context.Canceled) && ctx.Err() == context.Canceled {
		return RedactError(fmt.Errorf("%s: call canceled: %w", c.Provider, err), secrets...)
	}
	clean := RedactError(fmt.Errorf("%s: no answer: %w", c.Provider, err), secrets...)
	if neverSent(err) {
		return &Retryable{Err: clean}
	}
	return &Retryable{Err: &unknownOutcome{err: clean}}
}

// neverSent reports whether err happened before a byte of the request could reach the
// provider (no connection), so a retry cannot duplicate the message.
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

type unknownOutcome struct{ err error }

func (u *unknownOutcome) Error() string {
	return u.err.Error() + " (the provider may have accepted it)"
}
func (u *unknownOutcome) Unwrap() error { return u.err }
func (u *unknownOutcome) Is(target error) bool {
	return target == ErrOutcomeUnknown
}

// Classify turns a non-2xx answer into an error: 429, 408 and 5xx are *Retryable with the
// answer's Retry-After, 401 is *Retryable matching ErrUnauthorized, any other status is
// permanent. perr describes the answer (its Provider and StatusCode are filled in here).
func (c *Caller) Classify(resp *Response, perr *Error) error {
	perr.Provider = c.Provider
	perr.StatusCode = resp.StatusCode
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests, s == http.StatusRequestTimeout, s >= 500:
		after, _ := ParseRetryAfter(resp.Header.Get("Retry-After"), c.now())
		return &Retryable{After: after, Err: perr}
	case s == http.StatusUnauthorized:
		return &Retryable{Err: fmt.Errorf("%w: %w", ErrUnauthorized, perr)}
	default:
		return Permanent(perr)
	}
}

// NewCaller returns a copy of c with its defaults filled in.
func NewCaller(c Caller) *Caller {
	if c.Client == nil {
		c.Client = NewHTTPClient()
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &c
}

func (c *Caller) client() *http.Client   { return c.Client }
func (c *Caller) timeout() time.Duration { return c.Timeout }
func (c *Caller) logger() *slog.Logger   { return c.Logger }

func (c *Caller) now() time.Time { return c.Now() }

// Snippet returns the start of an unexpected answer body, short enough for an error text.
func Snippet(b []byte) string {
	const max = 200
	s := strings.TrimSpace(string(b))
	if len(s) > max {
		s = s[:max] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}
