package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/internal/platform/idempotency"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/outbox"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
)

// Service is one started definition.
type Service struct {
	Name string
	// API is the service's routes behind the HTTP edge (plus GET /openapi.json); the host
	// serves it beside /healthz, /readyz and /metrics.
	API http.Handler
	// Checks are its readiness probes: its pool, Valkey when it uses it, and the Spec's.
	Checks []service.ReadyCheck

	group  *service.Group
	cancel context.CancelFunc
	done   chan struct{}
	err    error
	pool   *pgxpool.Pool
	// closeState is the bound state's Close (service.Bound), nil when it has none.
	closeState func() error
}

// defaultMaxConns sizes a service's own pool when its Spec does not.
const defaultMaxConns = 16

// Start starts def on h's connections, its schema already migrated (Migrate): the service
// runs until Stop, or until one of its loops fails (Done, then Stop returns the error).
func Start(ctx context.Context, h Host, def service.Definition) (*Service, error) {
	d := def.Describe()
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Service{Name: d.Name, cancel: cancel, done: make(chan struct{}), group: service.NewGroup(runCtx, d.Name)}
	ok := false
	defer func() {
		if !ok {
			cancel()
			if s.closeState != nil {
				_ = s.closeState() // the start's own error is the one to report
			}
			if s.pool != nil {
				s.pool.Close()
			}
		}
	}()

	if err := s.startSpec(ctx, h, def, d); err != nil {
		return nil, err
	}
	go func() { s.err = s.group.Wait(); close(s.done) }()
	ok = true
	return s, nil
}

func (s *Service) startSpec(ctx context.Context, h Host, def service.Definition, d service.Description) error {
	if d.Store.Schema != "" {
		maxConns, err := poolSize(d, h.Getenv)
		if err != nil {
			return err
		}
		if s.pool, err = store.OwnPool(ctx, h.DB, d.Name, maxConns); err != nil {
			return err
		}
		s.Checks = append(s.Checks, service.ReadyCheck{Name: "postgres", Probe: s.pool.Ping})
	}
	env, err := NewEnv(h, d, s.pool)
	if err != nil {
		return err
	}
	if env.Valkey != nil {
		s.Checks = append(s.Checks, service.ReadyCheck{Name: "valkey", Probe: pingValkey(env.Valkey)})
	}
	if d.Store.Seed != nil {
		if err := d.Store.Seed(ctx, s.pool); err != nil {
			return fmt.Errorf("service %s: seed: %w", d.Name, err)
		}
	}
	log, metrics, kafkaOpts := env.Logger, env.Metrics, env.KafkaOpts
	bound, err := def.Bind(ctx, env)
	if err != nil {
		return err
	}
	s.closeState = bound.Close
	s.Checks = append(s.Checks, bound.Checks...)

	// The relay is built first so that the consumer can wake it after its commits (see
	// stream.Config.Outbox).
	var relay *outbox.Relay
	if env.Emit != nil && !h.Tune.SkipRelay {
		ob, err := pgoutbox.New(d.Store.Schema)
		if err != nil {
			return err
		}
		relay, err = outbox.NewRelay(outbox.Config{Store: ob.Store(s.pool), ClientOpts: kafkaOpts,
			PollInterval: h.Tune.RelayPoll, LeaseRetry: h.Tune.RelayPoll, Logger: log, Metrics: metrics})
		if err != nil {
			return fmt.Errorf("service %s: %w", d.Name, err)
		}
	}
	if len(bound.Routes) > 0 && !h.Tune.SkipConsumer {
		cfg := stream.Config{Group: d.Name, ClientOpts: kafkaOpts, Pool: s.pool, Schema: d.Store.Schema,
			Routes: bound.Routes, Serde: h.Serde, MaxBatchRecords: d.Consume.MaxBatchRecords, Linger: d.Consume.Linger,
			MaxAttempts: d.Consume.MaxAttempts, InboxRetention: d.Consume.InboxRetention,
			MinBackoff: h.Tune.MinBackoff, MaxBackoff: h.Tune.MaxBackoff, Logger: log, Metrics: metrics}
		if relay != nil {
			cfg.Outbox = relay
		}
		proc, err := stream.New(cfg)
		if err != nil {
			return fmt.Errorf("service %s: %w", d.Name, err)
		}
		s.goLoop(log, "consumer", proc.Run)
	}
	if relay != nil {
		s.goLoop(log, "outbox relay", relay.Run)
	}
	if s.API, err = s.serve(h, d, bound, log, metrics, env.Now); err != nil {
		return err
	}
	for _, w := range bound.Workers {
		if !slices.Contains(h.Tune.SkipWorkers, w.Name) {
			s.goLoop(log, w.Name, w.Run)
		}
	}
	return nil
}

// serve builds the API handler: routes mounted with auth, policy and keys, the OpenAPI
// document, the edge around them; and starts the keeper's pruning when routes take keys.
func (s *Service) serve(h Host, d service.Description, bound *service.Bound, log *slog.Logger, metrics prometheus.Registerer, now func() time.Time) (http.Handler, error) {
	mux := http.NewServeMux()
	var keeper *idempotency.Keeper
	if d.TakesKeys() {
		var err error
		keeper, err = idempotency.New(idempotency.Config{Pool: s.pool, Schema: d.Store.Schema, Lease: d.Idempotency.Lease,
			Required: d.Idempotency.Required, Now: now, Logger: log})
		if err != nil {
			return nil, err
		}
		s.goLoop(log, "idempotency pruning", func(ctx context.Context) error { return keeper.Run(ctx, 0) })
	}
	auth, dev, err := apiauth.FromGetenv(h.Getenv, callers(d)...)
	if err != nil {
		return nil, fmt.Errorf("service %s: %w", d.Name, err)
	}
	if dev && len(d.Routes) > 0 {
		log.Warn("NOVATREK_API_TOKENS is unset: accepting the public dev tokens dev-<caller> (dev only)", "callers", callers(d))
	}
	routes := make([]httpedge.Route, len(bound.API))
	for i, r := range bound.API {
		routes[i] = httpedge.Route{Pattern: r.Pattern, Perm: r.Access.Perm, Callers: r.Access.Callers,
			Public: r.Access.Public, Key: r.Key, Handler: httpedge.Handler(r.Handle, log)}
	}
	// The route series label the service themselves: they go to the host's registry, not to
	// the service's (which adds service=<Name> to everything it registers).
	mc := httpedge.MountConfig{Service: d.Name, Auth: auth, Keeper: keeper, Logger: log}
	if h.Metrics != nil {
		mc.Metrics = h.Metrics
	}
	if err := httpedge.Mount(mux, mc, routes...); err != nil {
		return nil, fmt.Errorf("service %s: %w", d.Name, err)
	}
	if d.OpenAPI != nil {
		mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(d.OpenAPI)
		})
	}
	edge, err := httpedge.New(httpedge.Config{Logger: log, Metrics: metrics, MaxBody: d.MaxBody})
	if err != nil {
		return nil, err
	}
	return edge.Wrap(mux), nil
}

// goLoop runs fn in the service's group. A loop that returns nil before the service stops
// ends only itself: the service keeps running (its API, its other loops) until Stop, so
// the early end is logged as a warning rather than left to be found as work not done.
func (s *Service) goLoop(log *slog.Logger, name string, fn func(context.Context) error) {
	s.group.Go(name, func(ctx context.Context) error {
		err := fn(ctx)
		if err == nil && ctx.Err() == nil {
			log.Warn("a loop of the service returned before shutdown; the service runs on without it", "loop", name)
		}
		return err
	})
}

// callers are the callers of every route, each once: the dev tokens.
func callers(d service.Description) []string {
	var out []string
	for _, r := range d.Routes {
		for _, c := range r.Access.Callers {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// poolSize is the Spec's MaxConns (default 16), overridden by MaxConnsEnv.
func poolSize(d service.Description, getenv func(string) string) (int32, error) {
	n := d.Store.MaxConns
	if n == 0 {
		n = defaultMaxConns
	}
	if d.Store.MaxConnsEnv != "" {
		if v := getenv(d.Store.MaxConnsEnv); v != "" {
			parsed, err := strconv.ParseInt(v, 10, 32)
			if err != nil || parsed < 2 {
				return 0, fmt.Errorf("%s %q is not an integer of at least 2", d.Store.MaxConnsEnv, v)
			}
			n = int32(parsed)
		}
	}
	if n < 2 {
		return 0, fmt.Errorf("service %s: Store.MaxConns must be at least 2, got %d", d.Name, n)
	}
	return n, nil
}

func pingValkey(v *store.Valkey) func(context.Context) error {
	return func(ctx context.Context) error {
		c, err := v.Client()
		if err != nil {
			return err
		}
		return c.Do(ctx, c.B().Ping().Build()).Error()
	}
}

// Done is closed when the service has stopped: after Stop, or when one of its loops failed.
func (s *Service) Done() <-chan struct{} { return s.done }

// Stop cancels the service's loops and waits for them until ctx ends (the stream commits
// or abandons its batch, the relay and workers return), then closes its state (an
// io.Closer state: a second store's pool) and its pool. It returns
// the first loop failure, or nil after a clean stop. The host shuts its HTTP server down
// first, so no request runs on a closed pool.
func (s *Service) Stop(ctx context.Context) error {
	s.cancel()
	select {
	case <-s.done:
	case <-ctx.Done():
		return fmt.Errorf("service %s: stop: %w", s.Name, ctx.Err())
	}
	var closeErr error
	if s.closeState != nil {
		if err := s.closeState(); err != nil {
			closeErr = fmt.Errorf("service %s: close: %w", s.Name, err)
		}
	}
	if s.pool != nil {
		s.pool.Close()
	}
	if errors.Is(s.err, context.Canceled) {
		return closeErr
	}
	return errors.Join(s.err, closeErr)
}
