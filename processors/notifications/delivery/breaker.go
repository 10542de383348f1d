package delivery

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/novatrek/support/processors/notifications/provider"
)

// ErrCircuitOpen is returned instead of calling a provider whose circuit is open. It is
// retryable: the job is Nacked and comes back after the Nack delay.
var ErrCircuitOpen = errors.New("provider circuit open")

// breakerSender is the per-provider circuit breaker: after failures consecutive retryable
// failures it stops calling the provider for openFor, then lets one trial call through
// (half-open); its success closes the circuit, its failure opens it again. Permanent
// refusals are the message's fault, not the provider's, and count as successes.
//
// It wraps a Sender rather than a Watermill handler (Watermill's CircuitBreaker middleware
// breaks a whole handler) because one lane carries jobs of every provider.
type breakerSender struct {
	provider.Sender
	failures int
	openFor  time.Duration
	now      func() time.Time

	mu        sync.Mutex
	fails     int
	openUntil time.Time
	trial     bool // a half-open trial call is out

	// rejected counts the calls refused because the circuit was open.
	rejected atomic.Int64
	// onState, if set, is told after every call whether the circuit is open (the metric).
	onState func(open bool)
}

func newBreaker(s provider.Sender, failures int, openFor time.Duration) *breakerSender {
	return &breakerSender{Sender: s, failures: failures, openFor: openFor, now: time.Now}
}

func (b *breakerSender) Send(ctx context.Context, m provider.Message) (provider.Result, error) {
	if err := b.allow(); err != nil {
		return provider.Result{}, err
	}
	res, err := b.Sender.Send(ctx, m)
	b.record(err)
	return res, err
}

func (b *breakerSender) allow() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fails < b.failures {
		return nil
	}
	if b.now().Before(b.openUntil) || b.trial {
		b.rejected.Add(1)
		return &provider.Retryable{Err: fmt.Errorf("%s: %w", b.Name(), ErrCircuitOpen)}
	}
	b.trial = true
	return nil
}

func (b *breakerSender) record(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.trial = false
	if b.onState != nil {
		defer func() { b.onState(b.fails >= b.failures) }()
	}
	if _, retryable := provider.RetryAfter(err); !retryable || errors.Is(err, context.Canceled) {
		b.fails = 0
		return
	}
	b.fails++
	if b.fails >= b.failures {
		b.openUntil = b.now().Add(b.openFor)
	}
}

// open reports whether the circuit is open (for tests and metrics).
func (b *breakerSender) open() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.fails >= b.failures
}
