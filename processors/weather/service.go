// Package weather is svc-weather (CAP-3.5, Weather Monitoring and Alerting): forecasts and
// current conditions from an NWS-shaped provider behind a Valkey cache (and forecast_cache
// in PostgreSQL), coalesced to one upstream call per cell and held to a shared budget;
// severe alerts polled for the known areas, deduplicated by their CAP identity and followed
// through updates and cancellations; and a go / caution / cancel recommendation for every
// scheduled departure, emitted when it changes. See README.md.
package weather

import (
	"embed"
	"time"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/service"
)

// Name is the service's name in topics.yaml.
const Name = "svc-weather"

// Topics it consumes and produces.
const (
	TopicSchedulePublished = "novatrek.operations.schedule.published"
	TopicAlertIssued       = "novatrek.support.weather-alert.issued"
	TopicAlertUpdated      = "novatrek.support.weather-alert.updated"
	TopicAlertCancelled    = "novatrek.support.weather-alert.cancelled"
	TopicTripRisk          = "novatrek.support.trip-weather-risk.changed"
)

// Callers, from the spec's Data Ownership ("Weather cache": svc-scheduling-orchestrator,
// svc-trail-management) and Inbound tables (svc-wildlife-tracking: current conditions).
const (
	scheduling = "svc-scheduling-orchestrator"
	trails     = "svc-trail-management"
	wildlife   = "svc-wildlife-tracking"
)

//go:embed migrations/*.sql
var migrations embed.FS

//go:embed openapi.json
var openAPI []byte

// Spec is svc-weather.
var Spec = &service.Spec[*app]{
	Name:   Name,
	Store:  service.Store{Schema: "weather", Migrations: []migrate.Set{migrate.Dir("weather", migrations, "migrations")}},
	Valkey: true,
	New:    newApp,
	Subscriptions: []service.Subscription[*app]{
		service.On(TopicSchedulePublished, (*app).onSchedulePublished),
	},
	Produces: []string{TopicAlertIssued, TopicAlertUpdated, TopicAlertCancelled, TopicTripRisk},
	API: service.API[*app]{OpenAPI: openAPI, Routes: []service.Route[*app]{
		{Pattern: "GET /v1/forecast", Access: service.Perm("weather:forecast:read", scheduling, trails), Handle: (*app).getForecast},
		{Pattern: "GET /v1/conditions", Access: service.Perm("weather:conditions:read", wildlife, scheduling, trails), Handle: (*app).getConditions},
		{Pattern: "GET /v1/history", Access: service.Perm("weather:history:read", trails, scheduling), Handle: (*app).getHistory},
		{Pattern: "GET /v1/alerts", Access: service.Perm("weather:alerts:read", scheduling, trails), Handle: (*app).getAlerts},
		{Pattern: "GET /v1/stations", Access: service.Perm("weather:stations:read", scheduling, trails), Handle: (*app).getStations},
	}},
	Clients: []service.Client{{Name: "provider", URLEnv: "WEATHER_PROVIDER_URL", TimeoutEnv: "WEATHER_PROVIDER_TIMEOUT",
		Timeout: 5 * time.Second, Retries: 2, Fake: "nws", RequireEnv: "WEATHER_REQUIRE_PROVIDERS"}},
	Workers: []service.Worker[*app]{
		{Name: "alerts", Run: (*app).runAlertPoll},
		{Name: "assess", Run: (*app).runReassess},
		{Name: "refreshed", Run: (*app).runRefreshed},
	},
}
