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

// ErrCircuitOpen is returned instead of calling a provider whose circuit is open. The job
// is acknowledged and its row deferred until the circuit lets a call through again
// (circuitOpenError.until), so the worker moves on to other providers' jobs.
var ErrCircuitOpen = errors.New("provider circuit open")

// circuitOpenError is ErrCircuitOpen with the time the circuit lets a trial call through.
type circuitOpenError struct {
	provider string
	until    time.Time
}

func (e *circuitOpenError) Error() string {
	return fmt.Sprintf("%s: %v until %s", e.provider, ErrCircuitOpen, e.until.UTC().Format(time.RFC3339Nano))
}

func (e *circuitOpenError) Unwrap() error { return ErrCircuitOpen }

// circuitReopens is when the circuit that refused err lets a call through again; false
// when err is not an open circuit's refusal.
func circuitReopens(err error) (time.Time, bool) {
	var c *circuitOpenError
	if errors.As(err, &c) {
		return c.until, true
	}
	return time.Time{}, false
}

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
	b.record(ctx, err)
	return res, err
}

func (b *breakerSender) allow() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fails < b.failures {
		return nil
	}
	if now := b.now(); now.Before(b.openUntil) || b.trial {
		b.rejected.Add(1)
		until := b.openUntil
		if !now.Before(until) { // a trial call is out: its answer decides soon
			until = now.Add(b.openFor / 5)
		}
		return &provider.Retryable{Err: &circuitOpenError{provider: b.Name(), until: until}}
	}
	b.trial = true
	return nil
}

// record counts the call's outcome. A call our own context ended (the job's deadline, a
// shutdown) says nothing about the provider: it only frees the half-open trial slot and
// leaves the failure count and the open period as they were, so a cancelled trial does not
// close the circuit.
func (b *breakerSender) record(ctx context.Context, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.trial = false
	if b.onState != nil {
		defer func() { b.onState(b.fails >= b.failures) }()
	}
	if err != nil && ctx.Err() != nil {
		return
	}
	if _, retryable := provider.RetryAfter(err); !retryable {
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
