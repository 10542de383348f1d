package delivery

import (
	"errors"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/novatrek/support/internal/platform/valkeystream"
)

// errPoison marks a job no retry can help (see the package doc); only those go to PoisonTopic.
var errPoison = errors.New("undeliverable job")

// newRouter builds the workers: EmergencyWorkers handlers on the emergency lane and
// RoutineWorkers on the routine lane (Config.StreamPrefix names both), each its own subscription (consumer) of ConsumerGroup.
func (d *Delivery) newRouter() (*message.Router, error) {
	sub, err := valkeystream.NewSubscriber(valkeystream.SubscriberConfig{
		Client:          d.cfg.Valkey,
		ConsumerGroup:   ConsumerGroup,
		ClaimMinIdle:    d.cfg.ClaimMinIdle,
		ClaimInterval:   max(d.cfg.ClaimMinIdle/3, time.Millisecond),
		NackResendDelay: d.cfg.NackResendDelay,
		// One handler holds one job at a time; reading ahead would park jobs behind a slow one.
		ReadCount:           1,
		ConsumerIdleTimeout: max(valkeystream.DefaultConsumerIdleTimeout, 3*d.cfg.ClaimMinIdle),
	}, d.logger)
	if err != nil {
		return nil, fmt.Errorf("delivery: subscriber: %w", err)
	}
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: d.cfg.HandlerTimeout}, d.logger)
	if err != nil {
		return nil, fmt.Errorf("delivery: router: %w", err)
	}
	poison, err := middleware.PoisonQueueWithFilter(d.pub, d.streams.Poison, func(err error) bool {
		return errors.Is(err, errPoison)
	})
	if err != nil {
		return nil, fmt.Errorf("delivery: poison queue: %w", err)
	}
	// Timeout is outermost: it cancels the message's context when it returns, so inside
	// Retry every retry would start canceled (watermill issue #467), and inside PoisonQueue
	// the poison publish, which uses the message's context, would fail and Nack the job
	// forever. Outermost, HandlerTimeout bounds the whole job, retries included.
	// settle, inside PoisonQueue and outside Retry, turns what Retry gives up on into a
	// deferred row and an acknowledged job (or a failed row and a poison job), so a job never
	// comes back to the same worker by a Nack (settle.go).
	router.AddMiddleware(
		middleware.Timeout(d.cfg.HandlerTimeout),
		poison,
		d.settle,
		middleware.Retry{
			MaxRetries:      d.cfg.MaxRetries,
			InitialInterval: d.cfg.RetryInterval,
			MaxInterval:     d.cfg.MaxRetryAfter,
			Multiplier:      2,
			ShouldRetry: func(p middleware.RetryParams) bool {
				// An open circuit or a poison job: retrying here only spins; settle (a
				// deferral) or the poison queue handle it; a leased row is another worker's for now.
				return !errors.Is(p.Err, ErrCircuitOpen) && !errors.Is(p.Err, errPoison) && !errors.Is(p.Err, errLeased)
			},
			Logger: d.logger,
		}.Middleware,
		middleware.Recoverer,
	)
	for i := range d.cfg.EmergencyWorkers {
		router.AddNoPublisherHandler(fmt.Sprintf("deliver-emergency-%d", i), d.streams.Emergency, sub, d.handle)
	}
	for i := range d.cfg.RoutineWorkers {
		router.AddNoPublisherHandler(fmt.Sprintf("deliver-routine-%d", i), d.streams.Routine, sub, d.handle)
	}
	return router, nil
}
