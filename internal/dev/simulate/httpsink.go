package simulate

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
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
	base   string
	client *http.Client
}

// callTimeout bounds one call, so a hung service slows the simulator, never stops it.
const callTimeout = 5 * time.Second

// NewHTTPSink returns a sink calling the API at base (scheme and host, optionally a path
// prefix), with client (nil: a client with a 5 s timeout).
func NewHTTPSink(base string, client *http.Client) (*HTTPSink, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("simulate: API URL %q: want http(s)://host[:port][/prefix]", base)
	}
	if client == nil {
		client = &http.Client{Timeout: callTimeout}
	}
	return &HTTPSink{base: strings.TrimRight(base, "/"), client: client}, nil
}

// Call sends c with the caller's dev token and a JSON body.
func (h *HTTPSink) Call(ctx context.Context, c Call) error {
	var body io.Reader
	if c.Body != nil {
		body = bytes.NewReader(c.Body)
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, h.base+c.Path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", c.Method, c.Path, err)
	}
	req.Header.Set("Authorization", "Bearer dev-"+c.Caller)
	if c.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", c.Method, c.Path, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s as %s: %s: %s", c.Method, c.Path, c.Caller, resp.Status, strings.TrimSpace(string(answer)))
	}
	return nil
}
