package stream

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	const min, max = 100 * time.Millisecond, 2 * time.Second
	for attempt := 1; attempt <= 40; attempt++ {
		ceiling := min << min64(attempt-1, 10)
		if ceiling > max {
			ceiling = max
		}
		for range 50 {
			d := backoff(attempt, min, max)
			if d < min || d > ceiling {
				t.Fatalf("attempt %d: backoff %s outside [%s, %s]", attempt, d, min, ceiling)
			}
		}
	}
	if d := backoff(1, min, max); d != min {
		t.Errorf("first retry waits %s, want the minimum %s", d, min)
	}
	if d := backoff(5, 0, max); d != 0 {
		t.Errorf("zero minimum gives %s, want 0", d)
	}
}

func min64(a, b int) int {
	if a < b {
		return a
	}
	return b
}
