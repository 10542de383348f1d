package stream

import (
	"math/rand/v2"
	"time"
)

// backoff returns the wait before retry number attempt (1-based): capped exponential with
// full jitter, uniformly random in [min, min(max, min*2^(attempt-1))]. Jitter spreads the
// retries of many partitions (and members) that failed together, e.g. when the store came
// back, so they do not stampede it.
func backoff(attempt int, min, max time.Duration) time.Duration {
	if min <= 0 {
		return 0
	}
	ceiling := min
	for i := 1; i < attempt && ceiling < max; i++ {
		ceiling *= 2
	}
	if ceiling > max {
		ceiling = max
	}
	if ceiling <= min {
		return min
	}
	return min + rand.N(ceiling-min+1)
}
