package intake

import (
	"embed"
	"errors"
	"time"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/stream"
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
// delivery_log, intake_log and contacts tables. It references templates(id), so it comes
// after "templates" (template.Migrations).
var Migrations = migrate.Dir("notifications", migrationFiles, "migrations", "templates")

// Config configures the intake. Zero values take the documented defaults.
type Config struct {
	// Emit publishes the delivery status events (NewEmitter). Required.
	Emit *Emitter
	// Now is the clock preferences are decided at (quiet hours); default time.Now. Tests
	// pin it.
	Now func() time.Time
}

func (c *Config) validate() error {
	if c.Emit == nil {
		return errors.New("intake: Config.Emit is required")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// Intake holds the handlers of svc-notifications' first stage.
type Intake struct {
	cfg Config
	sql statements
}

// New returns the intake writing to Schema (migrated with the service's composed sets).
func New(cfg Config) (*Intake, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Intake{cfg: cfg, sql: newStatements(Schema)}, nil
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
