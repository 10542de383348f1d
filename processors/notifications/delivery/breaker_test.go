package delivery

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/novatrek/support/processors/notifications/provider"
)

// downSender is a provider that is down: every call fails retryably, or with the caller's
// context error once that has ended.
type downSender struct{ calls int }

func (s *downSender) Name() string              { return "down" }
func (s *downSender) Channel() provider.Channel { return provider.Email }
func (s *downSender) Send(ctx context.Context, _ provider.Message) (provider.Result, error) {
	s.calls++
	if err := ctx.Err(); err != nil {
		return provider.Result{}, err
	}
	return provider.Result{}, &provider.Retryable{Err: errors.New("503")}
}

// TestCancelledTrialKeepsCircuitOpen: a half-open trial call that our own context cancels
// says nothing about the provider. It frees the trial slot and leaves the circuit open; the
// refusal names the time the circuit lets a call through.
func TestCancelledTrialKeepsCircuitOpen(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	s := &downSender{}
	b := newBreaker(s, 2, time.Minute)
	b.now = func() time.Time { return now }
	ctx := context.Background()
	for range 2 {
		_, _ = b.Send(ctx, provider.Message{})
	}
	_, err := b.Send(ctx, provider.Message{})
	if !errors.Is(err, ErrCircuitOpen) || !b.open() {
		t.Fatalf("after 2 failures: err %v, open %v; want the circuit open", err, b.open())
	}
	if until, ok := circuitReopens(err); !ok || !until.Equal(now.Add(time.Minute)) {
		t.Fatalf("refusal says the circuit reopens at %v (%v), want %v", until, ok, now.Add(time.Minute))
	}

	now = now.Add(2 * time.Minute) // half-open: one trial call
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := b.Send(cancelled, provider.Message{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("trial call: err %v, want the cancellation", err)
	}
	if !b.open() {
		t.Fatal("a cancelled trial call closed the circuit")
	}
	calls := s.calls
	if _, err := b.Send(ctx, provider.Message{}); errors.Is(err, ErrCircuitOpen) || s.calls != calls+1 {
		t.Fatalf("after the cancelled trial: err %v; want the next call let through as the trial", err)
	}
	if !b.open() {
		t.Fatal("the failed trial closed the circuit")
	}
}
