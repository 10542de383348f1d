package intake

import (
	"embed"
	"errors"
	"time"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/service"
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

// Subscriptions are the intake's: one per consumed event topic, the request topic and
// ContactsTopic (the contact directory). The service's Spec lifts them onto its state.
var Subscriptions = []service.Subscription[*Intake]{
	service.On(EventRoutes["reservation.status_changed"].Topic, (*Intake).reservationStatusChanged),
	service.On(EventRoutes["checkin.completed"].Topic, (*Intake).checkinCompleted),
	service.On(EventRoutes["schedule.published"].Topic, (*Intake).schedulePublished),
	service.On(EventRoutes["payment.processed"].Topic, (*Intake).paymentProcessed),
	service.On(EventRoutes["incident.reported"].Topic, (*Intake).incidentReported),
	service.On(EventRoutes["emergency.triggered"].Topic, (*Intake).emergencyTriggered),
	service.On(EventRoutes["wildlife_alert.issued"].Topic, (*Intake).wildlifeAlertIssued),
	service.On(EventRoutes["payment.refunded"].Topic, (*Intake).paymentRefunded),
	service.On(EventRoutes["loyalty_tier.changed"].Topic, (*Intake).loyaltyTierChanged),
	service.On(EventRoutes["loyalty_reward.redeemed"].Topic, (*Intake).loyaltyRewardRedeemed),
	service.On(EventRoutes["weather_alert.issued"].Topic, (*Intake).weatherAlertIssued),
	service.On(EventRoutes["weather_alert.updated"].Topic, (*Intake).weatherAlertUpdated),
	service.On(EventRoutes["weather_alert.cancelled"].Topic, (*Intake).weatherAlertCancelled),
	service.On(EventRoutes["trip_weather_risk.changed"].Topic, (*Intake).tripWeatherRiskChanged),
	service.On(RequestTopic, (*Intake).requested),
	service.On(ContactsTopic, (*Intake).guestRegistered),
}

// Routes are Subscriptions bound to in, for the intake's own tests.
func (in *Intake) Routes() []stream.Route {
	routes := make([]stream.Route, len(Subscriptions))
	for i, s := range Subscriptions {
		routes[i] = s.Route(in)
	}
	return routes
}
