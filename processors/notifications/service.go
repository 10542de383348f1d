// Package notifications is svc-notifications: it turns the domain's events and the
// "Async: Yes" notification requests into notifications (package intake), delivers them by
// email, SMS, push and in-app (package delivery, plugged in through Config.Delivery),
// keeps versioned templates (package template) and channel preferences (package
// preference), and serves the API: notification status with its delivery log, the in-app
// inbox, template publishing and rollback, preferences, and the providers' signed status
// webhooks.
package notifications

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/topology"
	"github.com/novatrek/support/outbox"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
	"github.com/novatrek/support/processors/notifications/contact"
	"github.com/novatrek/support/processors/notifications/delivery"
	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/processors/notifications/preference"
	"github.com/novatrek/support/processors/notifications/provider/inapp"
	"github.com/novatrek/support/processors/notifications/template"
)

// ServiceName is the service's name in topics.yaml and its consumer group.
const ServiceName = intake.Group

// Schema is the PostgreSQL schema the service owns.
const Schema = intake.Schema

// Stage is a pipeline stage run beside the intake until ctx ends; the delivery stage
// (dispatcher and Watermill workers) is one. It returns nil after a clean stop.
type Stage func(ctx context.Context, env StageEnv) error

// StageEnv is what Run hands a Stage.
type StageEnv struct {
	// Deps are the service's dependencies (logger, metrics, Valkey, serde, Kafka options).
	Deps service.Deps
	// Pool is the service's own pool on Schema.
	Pool *pgxpool.Pool
	// Providers are the resolved provider endpoints and credentials (the fakes' in dev).
	Providers Providers
	// InApp is the in-app inbox, the in-app channel's sender.
	InApp *inapp.Store
	// Emit publishes the delivery status events.
	Emit *intake.Emitter
}

// Service is svc-notifications.
type Service struct {
	cfg    Config
	cfgErr error
}

var _ service.Service = (*Service)(nil)

// New returns the service configured from the environment (ConfigFromEnv), with the
// delivery stage of package delivery (DeliveryStage, DeliveryOptionsFromEnv); a malformed
// variable is reported when it runs.
func New() *Service {
	cfg, err := ConfigFromEnv()
	cfg.Delivery = DeliveryStage(DeliveryOptionsFromEnv())
	return &Service{cfg: cfg, cfgErr: err}
}

// NewWithConfig returns the service with an explicit configuration.
func NewWithConfig(cfg Config) *Service { return &Service{cfg: cfg} }

func (s *Service) Name() string   { return ServiceName }
func (s *Service) Schema() string { return Schema }

// ownSets are the service's own migration sets, in no particular order: each names the sets
// it builds on (After) and migrate.Compose orders them.
var ownSets = []migrate.Set{template.Migrations, preference.Migrations, intake.Migrations,
	contact.Migrations, delivery.Migrations, inapp.Migrations, Migrations}

// Migrations are the stream inbox and the outbox, then the service's own sets in the order
// their After declarations compose to. A set naming an unknown set or a cycle is a
// programming error every test of the service meets first, so it panics naming it.
func (s *Service) Migrations() []migrate.Set {
	sets, err := migrate.Compose(append([]migrate.Set{stream.Migrations(), pgoutbox.Migrations()}, ownSets...)...)
	if err != nil {
		panic(fmt.Sprintf("notifications: %v", err))
	}
	return sets
}

// Run seeds the default templates, serves the API on deps.HTTP and runs the intake
// consumer, the outbox relay and the delivery stage (Config.Delivery) until ctx ends. The
// first of them to fail stops the others.
func (s *Service) Run(ctx context.Context, deps service.Deps) error {
	if s.cfgErr != nil {
		return s.cfgErr
	}
	cfg := s.cfg
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return err
	}
	if err := deps.RequireStore("notifications"); err != nil {
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
	if err := intake.SeedDefaults(ctx, pool); err != nil {
		return fmt.Errorf("notifications: seed default templates: %w", err)
	}

	prov, stopFakes, err := resolveProviders(cfg, log)
	if err != nil {
		return err
	}
	defer stopFakes()

	emit, err := intake.NewEmitter(deps.Topology, deps.Serde, cfg.Now)
	if err != nil {
		return fmt.Errorf("notifications: %w", err)
	}
	a, err := newAPI(cfg, pool, prov, emit, log)
	if err != nil {
		return err
	}
	if err := a.register(deps.HTTP); err != nil {
		return err
	}
	if prov.DevCallbacks != nil {
		if err := a.registerWebhooks(prov.DevCallbacks.mux); err != nil {
			return err
		}
	}

	in, err := intake.New(intake.Config{Emit: emit, Now: cfg.Now})
	if err != nil {
		return fmt.Errorf("notifications: %w", err)
	}
	ob, err := pgoutbox.New(Schema)
	if err != nil {
		return fmt.Errorf("notifications: %w", err)
	}
	relay, err := outbox.NewRelay(outbox.Config{Store: ob.Store(pool), ClientOpts: deps.KafkaOpts, Logger: log, Metrics: deps.Metrics})
	if err != nil {
		return fmt.Errorf("notifications: outbox relay: %w", err)
	}
	proc, err := stream.New(stream.Config{
		Group: ServiceName, ClientOpts: deps.KafkaOpts, Pool: pool, Schema: Schema, Serde: deps.Serde,
		Routes: in.Routes(), Logger: log, Metrics: deps.Metrics,
	})
	if err != nil {
		return fmt.Errorf("notifications: stream processor: %w", err)
	}

	g := service.NewGroup(ctx, ServiceName)
	g.Go("outbox relay", relay.Run)
	g.Go("intake", proc.Run)
	// The delivery stage (package delivery) plugs in here.
	if cfg.Delivery != nil {
		env := StageEnv{Deps: deps, Pool: pool, Providers: prov, InApp: a.inbox, Emit: emit}
		g.Go("delivery", func(ctx context.Context) error { return cfg.Delivery(ctx, env) })
	} else {
		log.Warn("notifications: no delivery stage configured: notifications are recorded but not sent")
	}
	log.InfoContext(ctx, "notifications service running", "sendgrid", config.Redact(prov.SendGridURL), "twilio", config.Redact(prov.TwilioURL))
	return g.Wait()
}

// checkTopology makes sure topics.yaml lists the service as a consumer of every topic the
// intake has a route for, and as the producer of the status topic.
func checkTopology(t *topology.Topology) error {
	consumes := []string{intake.RequestTopic, intake.ContactsTopic}
	for _, r := range intake.EventRoutes {
		consumes = append(consumes, r.Topic)
	}
	if err := t.CheckRoles(ServiceName, consumes, []string{intake.StatusTopic}); err != nil {
		return fmt.Errorf("notifications: %w", err)
	}
	return nil
}
