package valkeystream

import (
	"context"
	"time"
)

// Retry pacing after a failed server call: 50ms, doubling, capped at 5s.
const (
	backoffFirst = 50 * time.Millisecond
	backoffMax   = 5 * time.Second
)

// backoff is the wait before retry number attempt (0-based).
func backoff(attempt int) time.Duration {
	d := backoffFirst
	for range min(attempt, 16) {
		d *= 2
		if d >= backoffMax {
			return backoffMax
		}
	}
	return d
}

// sleepCtx waits d or until ctx is done; it reports whether the whole wait passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
