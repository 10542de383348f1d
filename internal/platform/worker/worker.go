// Package worker gives a service's background loops their skeleton, so a worker is only its
// round: Every runs it on a timer, OnNotify when PostgreSQL signals new rows (and on a poll
// as a fallback). Both return a func(ctx) error, the shape service.Worker and the runner's
// group take.
//
// A round's error is logged and the next round runs as usual: rounds work on rows that stay
// in the store, so a failed round (a lost connection, a provider outage) is retried by the
// next one instead of stopping the service. A round that must stop the service returns
// nothing of the kind; it is a worker of its own.
package worker

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/store"
)

// Round is one pass of a worker over its due work.
type Round func(ctx context.Context) error

// Every runs round at once and then every interval until ctx ends; it returns nil then.
func Every(name string, interval time.Duration, log *slog.Logger, round Round) func(context.Context) error {
	return func(ctx context.Context) error {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			run(ctx, name, log, round)
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}
}

// OnNotify runs round at once, then whenever a NOTIFY arrives on channel (see store.Listen)
// and at least every poll, until ctx ends; it returns nil then. Notifications that arrive
// during a round coalesce into one more round.
func OnNotify(name string, pool *pgxpool.Pool, channel string, poll time.Duration, log *slog.Logger, round Round) func(context.Context) error {
	return func(ctx context.Context) error {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		wake := make(chan struct{}, 1)
		listening := make(chan struct{})
		go func() {
			defer close(listening)
			store.Listen(ctx, pool, channel, log, wake)
		}()
		defer func() { cancel(); <-listening }()
		t := time.NewTicker(poll)
		defer t.Stop()
		for {
			run(ctx, name, log, round)
			select {
			case <-ctx.Done():
				return nil
			case <-wake:
			case <-t.C:
			}
		}
	}
}

// run runs one round unless ctx already ended, logging its error.
func run(ctx context.Context, name string, log *slog.Logger, round Round) {
	if ctx.Err() != nil {
		return
	}
	if err := round(ctx); err != nil && ctx.Err() == nil {
		log.ErrorContext(ctx, name+": round failed; the next one retries", "err", err)
	}
}
