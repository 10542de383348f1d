// Package nws is svc-weather's client of a weather provider with the shape of the US
// National Weather Service API: a point resolves to a forecast office grid, the grid has an
// hourly forecast and observation stations, a station its latest observation, and active
// alerts are CAP messages. It turns answers into metric values and refuses an answer that
// does not have the API's shape (ErrMalformed), so nothing malformed reaches a cache.
// Timeouts, retries with jitter and Retry-After are the outbound client's; the freshness
// an answer declares (Cache-Control max-age, else Expires) comes back with it.
package nws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"strconv"
	"strings"
	"time"

	"github.com/novatrek/support/internal/platform/outbound"
)

// ErrMalformed is the error of an answer that is not the API's JSON of the expected shape.
var ErrMalformed = errors.New("nws: malformed answer")

// MaxBody bounds an answer's size; a week of hourly periods is about 100 KiB.
const MaxBody = 4 << 20

// StatusError is a refusing answer after the outbound client's retries.
type StatusError struct {
	Status int
	// RetryAfter is the answer's Retry-After, 0 when it had none.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string { return fmt.Sprintf("nws: provider answered %d", e.Status) }

// Client calls the provider. UserAgent identifies us: the NWS refuses anonymous clients.
type Client struct {
	HTTP      *outbound.Client
	UserAgent string
	// Now is the clock Expires is read against.
	Now func() time.Time
}

// get fetches path (relative to the base URL, or an absolute link the API gave) into v and
// returns how long the answer says it stays fresh (0: it does not say). An absolute link is
// followed on the configured provider, its path only: links are stored with the grid (in
// Valkey and forecast_cache), and one kept from an earlier provider address (a dev fake on
// another port, a moved endpoint) must not outlive the configuration.
func (c *Client) get(ctx context.Context, path string, v any) (time.Duration, error) {
	url := c.HTTP.URL(path)
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		u, err := neturl.Parse(path)
		if err != nil {
			return 0, fmt.Errorf("%w: link %q: %v", ErrMalformed, path, err)
		}
		url = c.HTTP.URL(u.RequestURI())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, fmt.Errorf("nws: %w", err)
	}
	req.Header.Set("User-Agent", c.UserAgent)
	req.Header.Set("Accept", "application/geo+json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, fmt.Errorf("nws: GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return 0, &StatusError{Status: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, MaxBody))
	if err := dec.Decode(v); err != nil {
		return 0, fmt.Errorf("%w: GET %s: %v", ErrMalformed, path, err)
	}
	return freshness(resp.Header, c.now()), nil
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// freshness reads Cache-Control max-age (preferred, as HTTP says), else Expires; no-store
// and no-cache say 0.
func freshness(h http.Header, now time.Time) time.Duration {
	for _, d := range strings.Split(h.Get("Cache-Control"), ",") {
		d = strings.TrimSpace(strings.ToLower(d))
		if d == "no-store" || d == "no-cache" {
			return 0
		}
		if v, ok := strings.CutPrefix(d, "max-age="); ok {
			if s, err := strconv.Atoi(v); err == nil && s >= 0 {
				return time.Duration(s) * time.Second
			}
		}
	}
	if t, err := http.ParseTime(h.Get("Expires")); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func retryAfter(v string) time.Duration {
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}
