package delivery

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"sync"

	"github.com/ThreeDotsLabs/watermill"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/valkeystream"
	"github.com/novatrek/support/processors/notifications/provider"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is this package's migration set ("delivery"): delivery_members references the
// intake's notifications table, so it comes after "notifications" (intake.Migrations).
var Migrations = migrate.Dir("delivery", migrationFiles, "migrations", "notifications")

// Delivery is the dispatcher, sweeper and workers of svc-notifications.
type Delivery struct {
	cfg     Config
	streams Streams
	senders map[provider.Channel]provider.Sender
	// channels are the senders' channels, for claim's lease statement.
	channels []string
	pub      *valkeystream.Publisher
	logger   watermill.LoggerAdapter
	metrics  *metrics // nil without Config.Registerer
}

// New checks cfg and wraps each Sender in its throttle and circuit breaker.
func New(cfg Config) (*Delivery, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	logger := libraryLogger(cfg.Logger)
	pub, err := valkeystream.NewPublisher(valkeystream.PublisherConfig{Client: cfg.Valkey}, logger)
	if err != nil {
		return nil, fmt.Errorf("delivery: publisher: %w", err)
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	d := &Delivery{cfg: cfg, streams: StreamsFor(cfg.StreamPrefix), pub: pub, logger: logger, metrics: m, senders: map[provider.Channel]provider.Sender{}}
	for ch, s := range cfg.Senders {
		b := newBreaker(newThrottle(m.timed(s), cfg.RatePerSecond, cfg.RateBurst), cfg.BreakerFailures, cfg.BreakerOpenFor)
		if m != nil {
			name := s.Name()
			b.onState = func(open bool) { m.breaker(name, open) }
			m.breaker(name, false)
		}
		d.senders[ch] = b
		d.channels = append(d.channels, string(ch))
	}
	return d, nil
}

// Run dispatches, sweeps and delivers until ctx ends; it returns nil then, or the first
// error that stopped a part (the others are stopped too).
func (d *Delivery) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	router, err := d.newRouter()
	if err != nil {
		return err
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	fail := func(err error) {
		if err != nil && ctx.Err() == nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
		cancel()
	}
	wg.Go(func() { fail(router.Run(ctx)) })
	wg.Go(func() { fail(d.dispatchLoop(ctx)) })
	wg.Wait()
	_ = d.pub.Close()
	return errors.Join(errs...)
}
