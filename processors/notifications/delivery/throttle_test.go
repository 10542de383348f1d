package delivery

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/novatrek/support/processors/notifications/provider"
)

// TestThrottleCancelledCallerGivesBackItsSlot: a caller whose context ends while it waits
// for the throttle gives its slot back, so the next caller waits for one slot, not two.
// (The hand-kept "next slot" this replaced kept the cancelled caller's slot reserved.)
func TestThrottleCancelledCallerGivesBackItsSlot(t *testing.T) {
	t.Parallel()
	s := &downSender{}
	th := newThrottle(s, 1.0/3600, 1) // one call an hour: any wait is visible in the bucket
	_, _ = th.Send(context.Background(), provider.Message{})
	if s.calls != 1 {
		t.Fatalf("first call: %d provider calls, want 1 (the bucket starts full)", s.calls)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := th.Send(ctx, provider.Message{})
		done <- err
	}()
	for th.limiter.Tokens() > -0.5 { // until the waiting caller holds the next slot
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: err %v, want context.Canceled", err)
	}
	if s.calls != 1 {
		t.Fatalf("the cancelled caller reached the provider (%d calls)", s.calls)
	}
	if tokens := th.limiter.Tokens(); tokens < -0.5 {
		t.Fatalf("after the cancellation the bucket holds %.2f tokens: the cancelled caller's slot was not given back", tokens)
	}
	next := th.limiter.Reserve()
	defer next.Cancel()
	if d := next.Delay(); d > time.Hour {
		t.Fatalf("the next caller waits %s, want at most one slot (1h)", d)
	}
}

// TestThrottleBurst: RateBurst calls go at once; the one after them waits for the rate, and
// a caller whose deadline comes before its slot is refused at once instead of sleeping.
func TestThrottleBurst(t *testing.T) {
	t.Parallel()
	s := &downSender{}
	th := newThrottle(s, 1.0/3600, 3)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i := range 3 {
		if _, err := th.Send(ctx, provider.Message{}); errors.Is(err, context.DeadlineExceeded) || s.calls != i+1 {
			t.Fatalf("call %d of the burst: err %v, %d provider calls", i+1, err, s.calls)
		}
	}
	if _, err := th.Send(ctx, provider.Message{}); err == nil || s.calls != 3 {
		t.Fatalf("call 4, an hour before its slot with a minute's deadline: err %v, %d provider calls; want refused", err, s.calls)
	}
}

// TestConfigRejectsNonPositiveBurst: a burst below one would let no call through.
func TestConfigRejectsNonPositiveBurst(t *testing.T) {
	t.Parallel()
	cfg := Config{RateBurst: -1}
	cfg.setDefaults()
	if err := cfg.validate(); err == nil {
		t.Fatal("RateBurst -1 accepted")
	}
}
