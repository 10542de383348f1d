package provider

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxRetryAfter caps the wait a provider may ask for, so a bogus header (a date years
// away) cannot park a message for good: the caller retries after at most an hour.
const MaxRetryAfter = time.Hour

// ParseRetryAfter reads an HTTP Retry-After value (RFC 9110 §10.2.3): either delay-seconds
// or an HTTP-date, relative to now. It returns 0 and false for an empty or malformed value;
// a date in the past gives 0 and true (retry now). The result is capped at MaxRetryAfter.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return clampWait(t.Sub(now)), true
}

// ParseResetEpoch reads a rate-limit reset given as Unix seconds (SendGrid's
// X-RateLimit-Reset) as a wait relative to now, capped like ParseRetryAfter.
func ParseResetEpoch(v string, now time.Time) (time.Duration, bool) {
	secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || secs <= 0 {
		return 0, false
	}
	return clampWait(time.Unix(secs, 0).Sub(now)), true
}

func clampWait(d time.Duration) time.Duration {
	switch {
	case d < 0:
		return 0
	case d > MaxRetryAfter:
		return MaxRetryAfter
	}
	return d
}
