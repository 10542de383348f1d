package simulate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/novatrek/support/internal/platform/outbound"
)

// CallSink makes the simulated domains' synchronous API calls (HTTPSink in practice).
type CallSink interface {
	// Call makes c and returns why it failed, if it did.
	Call(ctx context.Context, c Call) error
}

// HTTPSink sends calls to one service at a base URL (in novatrek dev, "http://127.0.0.1:8080/
// <service>": the service whose Spec declares the call's route, see Routes), authenticated
// with the caller's dev token ("Bearer dev-<caller>", which the service accepts while
// NOVATREK_API_TOKENS is unset). Any 2xx is success; anything else, including the 404 of a
// service that is not there, is an error naming the status and the start of the answer.
type HTTPSink struct {
	base string
	// client sends each request, retrying one that is safe to repeat (an idempotent method
	// or an Idempotency-Key) after a timeout or a 429/502/503/504: a call the neighbours'
	// workflows build on (a location set up before check-ins name it) must not be lost to
	// one slow answer on a busy laptop.
	client *outbound.Client
	saved  savedIDs // the ids calls saved (Call.Save)
}

// callTimeout bounds one attempt of a call, so a hung service slows the simulator, never
// stops it; callRetries and callBackoff are the retries of a call safe to repeat.
const (
	callTimeout = 5 * time.Second
	callRetries = 3
	callBackoff = 250 * time.Millisecond
)

// NewHTTPSink returns a sink calling the API at base (scheme and host, optionally a path
// prefix).
func NewHTTPSink(base string) (*HTTPSink, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("simulate: API URL %q: want http(s)://host[:port][/prefix]", base)
	}
	client, err := outbound.New(outbound.Config{Service: "simulator", Target: "api", BaseURL: base,
		Timeout: callTimeout, Retries: callRetries, Backoff: callBackoff})
	if err != nil {
		return nil, err
	}
	return &HTTPSink{base: strings.TrimRight(base, "/"), client: client, saved: savedIDs{ids: map[string]string{}}}, nil
}

// Call sends c (Copies times at once, when set) with the caller's dev token or c.Token.
func (h *HTTPSink) Call(ctx context.Context, c Call) error {
	var err error
	for _, p := range []*string{&c.Path, &c.IfMatch} {
		if *p, err = h.saved.fill(*p); err != nil {
			return fmt.Errorf("%s %s: %w", c.Method, c.Path, err)
		}
	}
	if c.Upload != nil {
		if err := h.postFile(ctx, c.Upload); err != nil {
			return fmt.Errorf("%s %s: %w", c.Method, c.Path, err)
		}
	}
	if c.Copies <= 1 {
		return h.send(ctx, c)
	}
	errs := make([]error, c.Copies)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { errs[i] = h.send(ctx, c) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// send makes one copy of c, reading the ETag first when c.IfMatch.
func (h *HTTPSink) send(ctx context.Context, c Call) error {
	for attempt := 1; ; attempt++ {
		var etag string
		if c.IfMatch != "" {
			resp, err := h.do(ctx, Call{Method: http.MethodGet, Path: c.IfMatch, Caller: c.Caller, Token: c.Token})
			if err != nil {
				return err
			}
			if etag = resp.Header.Get("ETag"); etag == "" {
				return fmt.Errorf("GET %s as %s: no ETag", c.IfMatch, c.Caller)
			}
		}
		resp, err := h.do(ctx, c, "If-Match", etag)
		var refused *refusal
		switch {
		case errors.As(err, &refused) && refused.status == http.StatusPreconditionFailed && c.IfMatch != "" && attempt < maxIfMatchAttempts:
			continue // another writer came first: read the new revision and try again
		case errors.As(err, &refused) && c.Expect != 0 && refused.status == c.Expect:
			return fmt.Errorf("%w: %w", ErrExpected, err)
		case err != nil:
			return err
		}
		if c.Save != "" {
			h.saved.keep(c.Save, resp)
		}
		return nil
	}
}

// maxIfMatchAttempts bounds the read-and-retry of a call that keeps losing the race.
const maxIfMatchAttempts = 5

// do sends c with the header pairs that are set; an answer other than 2xx is a *refusal.
func (h *HTTPSink) do(ctx context.Context, c Call, header ...string) (*answer, error) {
	var body io.Reader
	if c.Body != nil && c.Method != http.MethodGet {
		body = bytes.NewReader(c.Body)
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, h.base+c.Path, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", c.Method, c.Path, err)
	}
	token := "dev-" + c.Caller
	if c.Token != "" {
		token = c.Token
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.IdempotencyKey != "" && c.Method != http.MethodGet {
		req.Header.Set("Idempotency-Key", c.IdempotencyKey)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] != "" {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", c.Method, c.Path, err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return nil, &refusal{status: resp.StatusCode, text: fmt.Sprintf("%s %s as %s: %s: %.300s",
			c.Method, c.Path, c.Caller, resp.Status, strings.TrimSpace(string(text)))}
	}
	return &answer{Header: resp.Header, body: text}, nil
}

// answer is a 2xx response, read.
type answer struct {
	Header http.Header
	body   []byte
}

// refusal is a non-2xx answer.
type refusal struct {
	status int
	text   string
}

func (r *refusal) Error() string { return r.text }

// Status is the HTTP status of the answer that made a call fail, and false when the call
// failed without one (no answer, a network error).
func Status(err error) (int, bool) {
	var refused *refusal
	if errors.As(err, &refused) {
		return refused.status, true
	}
	return 0, false
}
