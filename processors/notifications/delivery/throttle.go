package delivery

import (
	"context"

	"golang.org/x/time/rate"

	"github.com/novatrek/support/processors/notifications/provider"
)

// throttleSender limits the calls to one provider to a rate: the providers' own rate limits
// are per account, not per worker, so the limit lives with the Sender that all workers of
// the process share. (Watermill's Throttle middleware limits a handler, and a lane carries
// every provider.)
//
// It is a token bucket (golang.org/x/time/rate) rather than a hand-kept "next slot": a
// caller whose context ends while it waits gives its token back (Limiter.Wait cancels its
// reservation), so later sends never wait on slots nobody uses.
type throttleSender struct {
	provider.Sender
	limiter *rate.Limiter
}

// newThrottle allows perSecond calls a second on average and up to burst at once.
func newThrottle(s provider.Sender, perSecond float64, burst int) *throttleSender {
	return &throttleSender{Sender: s, limiter: rate.NewLimiter(rate.Limit(perSecond), burst)}
}

func (t *throttleSender) Send(ctx context.Context, m provider.Message) (provider.Result, error) {
	if err := t.limiter.Wait(ctx); err != nil {
		return provider.Result{}, err
	}
	return t.Sender.Send(ctx, m)
}
