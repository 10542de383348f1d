// Package location is svc-location-services (CAP-4.3 Location and Capacity Management,
// CAP-7.2 Geospatial and Location Services): places with real PostGIS geometry (sites and
// pickups as points, parks, zones and service areas as polygons, trails as lines), proximity
// and geofence queries in metres, forward and reverse geocoding over our own places, live
// occupancy with threshold alerts, operating hours in each location's own time zone, the
// last known GPS position of guests, and vector map tiles.
//
// It consumes checkin.completed (a party arrives: occupancy rises, the device position is
// remembered) and guest-position.reported (the guest app's fixes during a trip), and emits
// location-capacity.threshold-crossed through the outbox when occupancy crosses a location's
// alert line or falls back under its clear line. Other services read location data through
// its API only (the spec's Data Ownership table): svc-transport-logistics validates pickups,
// svc-trail-management reads trail coordinates, svc-emergency-response asks for a guest's last
// known position and svc-scheduling-orchestrator checks capacity.
package location

import (
	"embed"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/service"
)

// ServiceName is the service's name in topics.yaml and its consumer group.
const ServiceName = "svc-location-services"

// Schema is the PostgreSQL schema the service owns.
const Schema = "locations"

// The topics the service consumes and produces (topics.yaml).
const (
	TopicCheckinCompleted = "novatrek.operations.checkin.completed"
	TopicGuestPosition    = "novatrek.guest-identity.guest-position.reported"
	TopicThreshold        = "novatrek.support.location-capacity.threshold-crossed"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// openAPI documents the routes; every API response a test sees is checked against it.
//
//go:embed openapi.json
var openAPI []byte

// Spec is svc-location-services; cmd/novatrek/services.go lists it.
var Spec = &service.Spec[*app]{
	Name:  ServiceName,
	Store: service.Store{Schema: Schema, MaxConnsEnv: "LOCATION_DB_MAX_CONNS", Migrations: []migrate.Set{migrate.Dir("locations", migrationFiles, "migrations")}},
	New:   newApp,
	Subscriptions: []service.Subscription[*app]{
		service.On(TopicCheckinCompleted, (*app).onCheckinCompleted),
		service.On(TopicGuestPosition, (*app).onGuestPosition),
	},
	Produces: []string{TopicThreshold},
	API:      service.API[*app]{OpenAPI: openAPI, Routes: routes},
}
