package outbound

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// repeatable reports whether req may be sent again: its method is idempotent by HTTP's
// definition, or it carries an Idempotency-Key (the third party deduplicates it); and its
// body, if any, can be produced again.
func repeatable(req *http.Request) bool {
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return false
	}
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return req.Header.Get("Idempotency-Key") != ""
}

// retryable reports whether an attempt failed in a way another attempt may not: a
// transport error or timeout of the attempt (not of the caller's context), or an answer
// that says "later".
func retryable(ctx context.Context, resp *http.Response, err error) bool {
	if err != nil {
		return ctx.Err() == nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// wait is how long to wait before retry attempt+1: the answer's Retry-After (seconds or an
// HTTP date) when it has one — false when that is longer than MaxWait, so the answer is
// returned — else a full-jitter backoff.
func (c *Client) wait(resp *http.Response, attempt int) (time.Duration, bool) {
	if resp != nil {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return d, d <= c.maxWait
		}
	}
	return jitter(c.backoff << min(attempt, 16)), true
}

// retryAfter parses a Retry-After value.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
