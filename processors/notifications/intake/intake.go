package intake

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/migrate"
	"github.com/novatrek/support/internal/stream"
	"github.com/novatrek/support/outbox"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
	"github.com/novatrek/support/processors/notifications/contact"
	"github.com/novatrek/support/processors/notifications/preference"
	"github.com/novatrek/support/processors/notifications/template"
)

// Identity of svc-notifications.
const (
	// Group is the consumer group id (the service name).
	Group = "svc-notifications"
	// Schema is the PostgreSQL schema; the template and preference packages use it too.
	Schema = "notifications"
	// StatusTopic receives a NotificationDeliveryStatusChanged event per new notification.
	StatusTopic = "novatrek.support.notification.delivery-status-changed"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is this package's migration set ("notifications"): the notifications,
// delivery_log, intake_log and contacts tables. It references templates(id), so it must run after
// template.Migrations (Migrate applies them in order).
func Migrations() migrate.Set {
	sub, _ := fs.Sub(migrationFiles, "migrations") // fails only for an invalid path literal
	return migrate.Set{Name: "notifications", FS: sub}
}

// Migrate applies to Schema everything the intake needs: the stream runtime's tables, the
// outbox, templates, channel preferences, its own, and the contact sources (package contact,
// which alters its contacts table); then SeedDefaults.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	if _, err := migrate.Apply(ctx, pool, Schema, stream.Migrations(), pgoutbox.Migrations(),
		template.Migrations(), preference.Migrations(), Migrations(), contact.Migrations()); err != nil {
		return fmt.Errorf("intake: migrate: %w", err)
	}
	return SeedDefaults(ctx, pool)
}

// Config configures the intake. Zero values take the documented defaults.
type Config struct {
	// Encoder encodes the delivery status events (an *serde.Serde). Required.
	Encoder outbox.Encoder
	// Now is the clock preferences are decided at (quiet hours); default time.Now. Tests
	// pin it.
	Now func() time.Time
}

func (c *Config) validate() error {
	if c.Encoder == nil {
		return errors.New("intake: Config.Encoder is required")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// Intake holds the handlers of svc-notifications' first stage.
type Intake struct {
	cfg    Config
	outbox *pgoutbox.Outbox
	sql    statements
}

// New returns the intake writing to Schema (migrated with Migrate).
func New(cfg Config) (*Intake, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	ob, err := pgoutbox.New(Schema)
	if err != nil {
		return nil, fmt.Errorf("intake: %w", err)
	}
	return &Intake{cfg: cfg, outbox: ob, sql: newStatements(Schema)}, nil
}

// Routes are the stream routes: one per consumed event topic, the request topic and
// ContactsTopic (the contact directory).
func (in *Intake) Routes() []stream.Route {
	return []stream.Route{
		stream.Handle(EventRoutes["reservation.status_changed"].Topic, in.reservationStatusChanged),
		stream.Handle(EventRoutes["checkin.completed"].Topic, in.checkinCompleted),
		stream.Handle(EventRoutes["schedule.published"].Topic, in.schedulePublished),
		stream.Handle(EventRoutes["payment.processed"].Topic, in.paymentProcessed),
		stream.Handle(EventRoutes["incident.reported"].Topic, in.incidentReported),
		stream.Handle(EventRoutes["emergency.triggered"].Topic, in.emergencyTriggered),
		stream.Handle(EventRoutes["wildlife_alert.issued"].Topic, in.wildlifeAlertIssued),
		stream.Handle(EventRoutes["payment.refunded"].Topic, in.paymentRefunded),
		stream.Handle(EventRoutes["loyalty_tier.changed"].Topic, in.loyaltyTierChanged),
		stream.Handle(EventRoutes["loyalty_reward.redeemed"].Topic, in.loyaltyRewardRedeemed),
		stream.Handle(EventRoutes["weather_alert.issued"].Topic, in.weatherAlertIssued),
		stream.Handle(RequestTopic, in.requested),
		stream.Handle(ContactsTopic, in.guestRegistered),
	}
}
