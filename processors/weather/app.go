package weather

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/valkey-io/valkey-go"

	"github.com/novatrek/support/internal/platform/outbound"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/outbox"
	"github.com/novatrek/support/processors/weather/nws"
)

// app is svc-weather's state: the provider client, the caches in front of it and the store.
type app struct {
	cfg      Config
	db       *pgxpool.Pool
	emit     *outbox.Emitter[store.Execer]
	provider *nws.Client
	fetch    *fetcher
	now      func() time.Time
	log      *slog.Logger

	grid, conditions, forecast *source
	// refreshed queues the cells whose forecast this instance fetched anew.
	refreshed chan Point
}

// deps are what an app is built from; New takes them from the Env, and the tests build a
// second instance from the same ones to prove coalescing across instances.
type deps struct {
	cfg       Config
	db        *pgxpool.Pool
	emit      *outbox.Emitter[store.Execer]
	http      *outbound.Client
	vk        valkey.Client
	keyPrefix string
	metrics   prometheus.Registerer
	log       *slog.Logger
	now       func() time.Time
}

func newApp(ctx context.Context, env service.Env) (*app, error) {
	var cfg Config
	if err := env.Load(&cfg); err != nil {
		return nil, err
	}
	c := env.Outbound("provider")
	vk, err := env.Valkey.Client()
	if err != nil {
		return nil, err
	}
	return build(deps{cfg: cfg, db: env.DB, emit: env.Emit, http: c, vk: vk, keyPrefix: env.Valkey.KeyPrefix,
		metrics: env.Metrics, log: env.Logger, now: env.Now})
}

func build(d deps) (*app, error) {
	m, err := newMetrics(d.metrics)
	if err != nil {
		return nil, err
	}
	a := &app{cfg: d.cfg, db: d.db, emit: d.emit, now: d.now, log: d.log, refreshed: make(chan Point, 64),
		provider: &nws.Client{HTTP: d.http, UserAgent: d.cfg.UserAgent, Now: d.now}}
	a.fetch = &fetcher{cfg: d.cfg, cache: valkeyCache{vk: d.vk, prefix: d.keyPrefix, decoded: newDecoded()}, lock: locker{vk: d.vk},
		budget: &budget{vk: d.vk, key: d.keyPrefix + "weather:budget", burst: d.cfg.BudgetBurst, perHour: d.cfg.BudgetPerHour, log: d.log, m: m},
		now:    d.now, log: d.log, m: m}
	a.sources()
	return a, nil
}

// Close waits for the refreshes under way (a stale read's background refresh too) to
// write down what they learnt after answering, so that the runner closes the pool after
// the records, not before. It returns as soon as they are done, and waits at most a lock
// lease: the platform calls a state's Close as an io.Closer, without Stop's context, so
// Stop's deadline does not bound it (that would need a context in service.Bound.Close).
func (a *app) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.LockLease)
	defer cancel()
	return a.fetch.flights.settle(ctx)
}
