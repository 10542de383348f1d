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
// fraud), at PAYMENTS_PSP_URL and PAYMENTS_FRAUD_URL. The service starts no fakes: `novatrek
// dev` and `novatrek run` start internal/dev/fakes' PSP and fraud service when those are unset
// and hand their URLs over; the tests start their own. See Config.
package payments

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/idempotency"
	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/outbound"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/internal/platform/worker"
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

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations is the service's own set; the stream, outbox and idempotency sets come first.
var migrations = migrate.Dir("payments", migrationFiles, "migrations")

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

// NewWithConfig returns the service with an explicit configuration (checked when it runs).
func NewWithConfig(cfg Config) *Service { return &Service{cfg: cfg} }

func (s *Service) Name() string   { return ServiceName }
func (s *Service) Schema() string { return Schema }

// Migrations are the stream runtime's inbox, the outbox, the idempotency keys and the
// service's own tables.
func (s *Service) Migrations() []migrate.Set {
	return []migrate.Set{stream.Migrations(), pgoutbox.Migrations(), idempotency.Migrations(), migrations}
}

// Run serves the API on deps.HTTP and runs the outbox relay, the reservation consumer, the
// refund worker, the recovery loop, idempotency-key pruning and the daily reconciliation
// until ctx ends. The first of them to fail stops the others.
func (s *Service) Run(ctx context.Context, deps service.Deps) error {
	if s.cfgErr != nil {
		return s.cfgErr
	}
	cfg := s.cfg
	if err := cfg.validate(); err != nil {
		return err
	}
	if err := cfg.requireProviders(); err != nil {
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

	c, a, err := build(cfg, pool, deps, cfg.PSPURL, cfg.FraudURL)
	if err != nil {
		return err
	}
	a.register(deps.HTTP)

	ob, err := pgoutbox.New(Schema)
	if err != nil {
		return err
	}
	relay, err := outbox.NewRelay(outbox.Config{Store: ob.Store(pool), ClientOpts: deps.KafkaOpts, Logger: log, Metrics: deps.Metrics})
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
	g.Go("refund worker", c.refundWorker(cfg.RefundPoll))
	g.Go("recovery", worker.Every("recovery", cfg.RecoveryInterval, log,
		func(ctx context.Context) error { return c.recoverStuck(ctx, cfg.RecoveryAge) }))
	g.Go("reconciliation", worker.Every("reconciliation", cfg.ReconcileInterval, log, c.reconcileRecent))
	g.Go("idempotency pruning", func(ctx context.Context) error { return a.keeper.Run(ctx, 0) })
	log.InfoContext(ctx, "payments service running", "psp", config.Redact(cfg.PSPURL), "fraud", config.Redact(cfg.FraudURL))
	return g.Wait()
}

// outboundMetrics is nil: deps.Metrics carries the constant label service=<name>, which
// outbound's series declare as a variable label, so registering them there fails. The
// runner's Env (issue 12) has the same registerer; until outbound registers under it, the
// PSP and fraud attempts are not counted (as before this client existed).
var outboundMetrics prometheus.Registerer

// build wires the core and the API; tests call it to run the API without the loops.
func build(cfg Config, pool *pgxpool.Pool, deps service.Deps, pspURL, fraudURL string) (*core, *api, error) {
	log := deps.Logger
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	pspOut, err := outbound.New(outbound.Config{Service: ServiceName, Name: "psp", BaseURL: pspURL, Key: cfg.PSPAPIKey,
		Timeout: cfg.PSPTimeout, Retries: psp.DefaultRetries, Metrics: outboundMetrics})
	if err != nil {
		return nil, nil, err
	}
	pspClient, err := psp.New(psp.Config{Endpoint: pspOut})
	if err != nil {
		return nil, nil, err
	}
	fraudOut, err := outbound.New(outbound.Config{Service: ServiceName, Name: "fraud", BaseURL: fraudURL, Key: cfg.FraudAPIKey,
		Timeout: cfg.FraudTimeout, Metrics: outboundMetrics})
	if err != nil {
		return nil, nil, err
	}
	fraudClient, err := fraud.New(fraud.Config{Endpoint: fraudOut, Budget: cfg.FraudBudget, MaxAttempts: cfg.FraudAttempts})
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
	emitter, err := outbox.NewEmitter(outbox.EmitterConfig[pgoutbox.Execer]{Producer: ServiceName, Topics: produces,
		Topology: deps.Topology, Encoder: deps.Serde, Outbox: ob, Now: cfg.Now})
	if err != nil {
		return nil, nil, err
	}
	c := &core{pool: pool, psp: pspClient, fraud: fraudClient, emitter: emitter, log: log, now: cfg.Now, m: m, hooks: cfg.hooks}
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
	keeper, err := idempotency.New(idempotency.Config{Pool: pool, Schema: Schema, Lease: idempotencyLease,
		Required: true, Now: cfg.Now, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	return c, &api{core: c, auth: auth, keeper: keeper, log: log}, nil
}

// checkTopology makes sure topics.yaml agrees with the topics this code uses.
func checkTopology(t *topology.Topology) error {
	if err := t.CheckRoles(ServiceName, []string{TopicReservationStatus}, produces); err != nil {
		return fmt.Errorf("payments: %w", err)
	}
	return nil
}
