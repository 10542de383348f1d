package delivery

import (
	"context"
	"sync"
	"time"

	"github.com/novatrek/support/processors/notifications/provider"
)

// throttleSender limits the calls to one provider to a rate, spacing them evenly: the
// providers' own rate limits are per account, not per worker, so the limit lives with the
// Sender that all workers of the process share. (Watermill's Throttle middleware limits a
// handler, and a lane carries every provider.)
type throttleSender struct {
	provider.Sender
	every time.Duration

	mu   sync.Mutex
	next time.Time
}

func newThrottle(s provider.Sender, perSecond float64) *throttleSender {
	return &throttleSender{Sender: s, every: time.Duration(float64(time.Second) / perSecond)}
}

func (t *throttleSender) Send(ctx context.Context, m provider.Message) (provider.Result, error) {
	if err := t.wait(ctx); err != nil {
		return provider.Result{}, err
	}
	return t.Sender.Send(ctx, m)
}

// wait reserves the next slot and sleeps until it.
func (t *throttleSender) wait(ctx context.Context) error {
	t.mu.Lock()
	now := time.Now()
	slot := now
	if t.next.After(now) {
		slot = t.next
	}
	t.next = slot.Add(t.every)
	t.mu.Unlock()
	if d := slot.Sub(now); d > 0 {
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
	}
	return nil
}
