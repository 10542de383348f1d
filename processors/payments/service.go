// Package payments is svc-payments: deposits and partner commissions with fraud screening
// before every authorization, refunds under a published policy, chargebacks, a double-entry
// ledger reconciled daily, and payment.processed / payment.refunded / payment-dispute.*
// events through the transactional outbox.
//
// Its API is synchronous because its callers need an answer ("Process deposit payment" and
// "Process commission" are Async: No in the domain spec). It consumes
// reservation.status-changed: a cancellation evaluates the refund policy for the
// reservation's deposits and refunds automatically where the policy says so.
//
// Providers: a Stripe-shaped PSP client (package psp) and a fraud-screening client (package
// fraud). When PAYMENTS_PSP_URL or PAYMENTS_FRAUD_URL is unset the service starts the local
// fakes (packages pspfake and fraudfake) inside its own process, on 127.0.0.1 ports of
// their own, and says so in a warning: that is how `novatrek dev` and the tests run. See
// Config.
package payments

import (
	"context"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/dev/fakes/fraudfake"
	"github.com/novatrek/support/internal/dev/fakes/pspfake"
	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/idempotency"
	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/outbox"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
	"github.com/novatrek/support/processors/payments/fraud"
	"github.com/novatrek/support/processors/payments/psp"
	"github.com/novatrek/support/schemas"
)

// ServiceName is the service's name in topics.yaml and its consumer group.
const ServiceName = "svc-payments"

// Schema is the PostgreSQL schema the service owns.
const Schema = "payments"

// Service is svc-payments.
type Service struct {
	cfg    Config
	cfgErr error
}

var _ service.Service = (*Service)(nil)

// New returns the service configured from the environment (ConfigFromEnv); a malformed
// variable is reported when it runs.
func New() *Service {
	cfg, err := ConfigFromEnv()
	return &Service{cfg: cfg, cfgErr: err}
}

// NewWithConfig returns the service with an explicit configuration.
func NewWithConfig(cfg Config) *Service { return &Service{cfg: cfg} }

func (s *Service) Name() string   { return ServiceName }
func (s *Service) Schema() string { return Schema }

// Migrations are the stream runtime's inbox, the outbox, the idempotency keys and the
// service's own tables.
func (s *Service) Migrations() []migrate.Set {
	return []migrate.Set{stream.Migrations(), pgoutbox.Migrations(), idempotency.Migrations(), Migrations()}
}

// Run serves the API on deps.HTTP and runs the outbox relay, the reservation consumer, the
// refund worker, the recovery loop, idempotency-key pruning and the daily reconciliation
// until ctx ends. The first of them to fail stops the others.
func (s *Service) Run(ctx context.Context, deps service.Deps) error {
	if s.cfgErr != nil {
		return s.cfgErr
	}
	cfg := s.cfg
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return err
	}
	if err := deps.RequireStore("payments"); err != nil {
		return err
	}
	if err := checkTopology(deps.Topology); err != nil {
		return err
	}
	log := deps.Logger

	pool, err := service.OwnPool(ctx, deps.DB, ServiceName, cfg.DBMaxConns)
	if err != nil {
		return err
	}
	defer pool.Close()

	pspURL, stopPSP, err := providerURL(cfg.PSPURL, "PAYMENTS_PSP_URL", "payment provider", pspfake.New().Handler(), deps)
	if err != nil {
		return err
	}
	defer stopPSP()
	fraudURL, stopFraud, err := providerURL(cfg.FraudURL, "PAYMENTS_FRAUD_URL", "fraud screening", fraudfake.New().Handler(), deps)
	if err != nil {
		return err
	}
	defer stopFraud()

	c, a, err := build(cfg, pool, deps, pspURL, fraudURL)
	if err != nil {
		return err
	}
	a.register(deps.HTTP)

	relay, err := outbox.NewRelay(outbox.Config{Store: c.outbox.Store(pool), ClientOpts: deps.KafkaOpts, Logger: log, Metrics: deps.Metrics})
	if err != nil {
		return err
	}
	proc, err := stream.New(stream.Config{
		Group: ServiceName, ClientOpts: deps.KafkaOpts, Pool: pool, Schema: Schema, Serde: deps.Serde,
		Routes: []stream.Route{stream.Handle[schemas.ReservationStatusChanged](TopicReservationStatus, c.onReservationStatusChanged)},
		Logger: log, Metrics: deps.Metrics,
	})
	if err != nil {
		return err
	}

	g := service.NewGroup(ctx, ServiceName)
	g.Go("outbox relay", relay.Run)
	g.Go("reservation consumer", proc.Run)
	g.Go("refund worker", func(ctx context.Context) error { return c.runRefundWorker(ctx, cfg.RefundPoll) })
	g.Go("recovery", func(ctx context.Context) error { return c.runRecovery(ctx, cfg.RecoveryInterval, cfg.RecoveryAge) })
	g.Go("reconciliation", func(ctx context.Context) error { return c.runReconciliation(ctx, cfg.ReconcileInterval) })
	g.Go("idempotency pruning", func(ctx context.Context) error { return a.keeper.Run(ctx, 0) })
	log.InfoContext(ctx, "payments service running", "psp", config.Redact(pspURL), "fraud", config.Redact(fraudURL))
	return g.Wait()
}

// build wires the core and the API; tests call it to run the API without the loops.
func build(cfg Config, pool *pgxpool.Pool, deps service.Deps, pspURL, fraudURL string) (*core, *api, error) {
	log := deps.Logger
	pspClient, err := psp.New(psp.Config{BaseURL: pspURL, APIKey: cfg.PSPAPIKey, Timeout: cfg.PSPTimeout})
	if err != nil {
		return nil, nil, err
	}
	fraudClient, err := fraud.New(fraud.Config{URL: fraudURL, APIKey: cfg.FraudAPIKey, Timeout: cfg.FraudTimeout,
		Budget: cfg.FraudBudget, MaxAttempts: cfg.FraudAttempts})
	if err != nil {
		return nil, nil, err
	}
	ob, err := pgoutbox.New(Schema)
	if err != nil {
		return nil, nil, err
	}
	m, err := newMetrics(deps.Metrics)
	if err != nil {
		return nil, nil, err
	}
	c := &core{pool: pool, psp: pspClient, fraud: fraudClient, outbox: ob, enc: deps.Serde, log: log, now: cfg.Now, m: m, hooks: cfg.hooks}
	auth := cfg.Auth
	if auth == nil {
		var dev bool
		if auth, dev, err = apiauth.FromEnv(devCallers...); err != nil {
			return nil, nil, err
		}
		if dev {
			log.Warn("NOVATREK_API_TOKENS is unset: accepting the public dev tokens dev-<caller> (dev only)", "callers", devCallers)
		}
	}
	keeper, err := idempotency.New(idempotency.Config{Pool: pool, Schema: Schema, Lease: cfg.IdempotencyLease,
		Required: true, Now: cfg.Now, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	return c, &api{core: c, auth: auth, keeper: keeper, log: log}, nil
}

// providerURL returns url, or starts the fake h on a free local port when url is empty.
func providerURL(url, env, what string, fake http.Handler, deps service.Deps) (string, func(), error) {
	if url != "" {
		return url, func() {}, nil
	}
	srv, err := service.ListenHTTP("127.0.0.1:0", fake)
	if err != nil {
		return "", nil, fmt.Errorf("payments: start the fake %s: %w", what, err)
	}
	deps.Logger.Warn(env+" is unset: using the built-in fake "+what+" (dev only: no real money or screening)", "url", "http://"+srv.Addr())
	return "http://" + srv.Addr(), func() { _ = srv.Shutdown(context.Background()) }, nil
}

// checkTopology makes sure topics.yaml agrees with the topics this code uses.
func checkTopology(t *topology.Topology) error {
	if err := t.CheckRoles(ServiceName, []string{TopicReservationStatus},
		[]string{TopicPaymentProcessed, TopicPaymentRefunded, TopicDisputeOpened, TopicDisputeUpdated}); err != nil {
		return fmt.Errorf("payments: %w", err)
	}
	return nil
}
