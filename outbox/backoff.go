package outbox

import (
	"math/rand/v2"
	"time"
)

// backoff is a capped exponential delay with jitter, reset after a success. Jitter keeps
// several relays of one store (leader and standbys) from hammering a recovering database in
// step.
type backoff struct {
	min, max time.Duration
	next     time.Duration
}

func newBackoff(min, max time.Duration) *backoff {
	return &backoff{min: min, max: max, next: min}
}

// Next returns the delay to wait now and doubles the following one, up to max.
func (b *backoff) Next() time.Duration {
	d := b.next
	b.next = min(b.next*2, b.max)
	// Full range [d/2, d]: never less than half, so the cap still spaces attempts out.
	return d/2 + rand.N(d/2+1)
}

// Reset makes the next delay the minimum again.
func (b *backoff) Reset() { b.next = b.min }
