// Package loyalty is svc-loyalty-rewards (CAP-1.4, Loyalty and Rewards): members enrolled
// from guest.registered, points earned on completed reservations by a rule table and
// reversed when a completed reservation is cancelled, a ledger of every change with the
// balance kept in the same transaction, points that expire per earning lot, tiers from the
// points earned in a rolling window (with hysteresis), and rewards redeemed against a
// catalog. loyalty-points.earned, loyalty-tier.changed and loyalty-reward.redeemed leave
// through the transactional outbox.
//
// Before points are earned the booking is verified with svc-reservations ("Verify completed
// booking") and, for a guest not enrolled yet, the profile is read from svc-guest-profiles
// ("Get member profile"): both synchronous HTTP calls through declared Clients, answered
// in dev and tests by the stand-ins (internal/dev/standin).
//
// The store, behind the Ledger port, is PostgreSQL (JSONB documents for the flexible parts)
// or, with LOYALTY_STORE=couchbase, Couchbase, the spec's (see README.md).
package loyalty

import (
	"embed"
	"time"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/service"
)

// ServiceName is the service's name in topics.yaml and its consumer group.
const ServiceName = "svc-loyalty-rewards"

// Schema is the PostgreSQL schema the service owns.
const Schema = "loyalty"

// Topics of topics.yaml this service consumes from and produces to.
const (
	TopicGuestRegistered   = "novatrek.guest-identity.guest.registered"
	TopicReservationStatus = "novatrek.booking.reservation.status-changed"
	TopicPointsEarned      = "novatrek.support.loyalty-points.earned"
	TopicTierChanged       = "novatrek.support.loyalty-tier.changed"
	TopicRewardRedeemed    = "novatrek.support.loyalty-reward.redeemed"
)

// produced are the topics the service emits to, through either store's outbox.
var produced = []string{TopicPointsEarned, TopicTierChanged, TopicRewardRedeemed}

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is the service's own set; the runner adds the stream, outbox and idempotency
// sets before it.
var Migrations = migrate.Dir("loyalty", migrationFiles, "migrations")

// openAPI is the API's OpenAPI 3.1 document; every test response is checked against it.
//
//go:embed openapi.json
var openAPI []byte

// Spec is svc-loyalty-rewards; cmd/novatrek/services.go lists it.
var Spec = &service.Spec[*app]{
	Name: ServiceName,
	Store: service.Store{Schema: Schema, MaxConnsEnv: "LOYALTY_DB_MAX_CONNS",
		Migrations: []migrate.Set{Migrations}, Seed: seed},
	New: newApp,
	// Batches lock their members in guest id order (inGuestOrder) after the bookings are
	// fetched from svc-reservations, and book their earnings in a few statements
	// (earningStage), so 500 records hold the locks for milliseconds: that is how long a
	// redemption of one of them may wait. Fewer records per batch cost a round of
	// statements and a commit each (100 per batch: a fifth of the replay rate).
	Subscriptions: []service.Subscription[*app]{
		service.OnBatch(TopicGuestRegistered, inStoreBatch((*app).onGuestsRegistered)),
		service.OnBatch(TopicReservationStatus, inStoreBatch((*app).onReservationStatusesChanged)),
	},
	Consume:  service.ConsumePolicy{MaxBatchRecords: 500},
	Produces: produced,
	Clients: []service.Client{
		// Both calls are reads, safe to repeat: one retry rides out a blip; a longer outage
		// makes the consumer wait (a transient failure), never lose the event.
		{Name: clientReservations, URLEnv: "LOYALTY_RESERVATIONS_URL", KeyEnv: "LOYALTY_RESERVATIONS_TOKEN",
			TimeoutEnv: "LOYALTY_RESERVATIONS_TIMEOUT", Timeout: 2 * time.Second, Retries: 1, StandIn: "svc-reservations"},
		{Name: clientGuestProfiles, URLEnv: "LOYALTY_GUEST_PROFILES_URL", KeyEnv: "LOYALTY_GUEST_PROFILES_TOKEN",
			TimeoutEnv: "LOYALTY_GUEST_PROFILES_TIMEOUT", Timeout: 2 * time.Second, Retries: 1, StandIn: "svc-guest-profiles"},
	},
	API: service.API[*app]{OpenAPI: openAPI, Routes: routes},
	Workers: []service.Worker[*app]{
		{Name: "expiry", Run: (*app).runExpiry},
		{Name: "tier recalculation", Run: (*app).runTierRecalculation},
		{Name: "couchbase outbox relay", Run: (*app).relayCouchbaseOutbox},
	},
}

// Callers of the API. svc-guest-profiles reads loyalty points (the spec's Data Ownership
// table); guest-app is the guest apps' backend (a guest reads and redeems their own
// points); loyalty-ops is the owning team's back office (staff: adjustments, cancellations).
const (
	CallerGuestProfiles = "svc-guest-profiles"
	CallerGuestApp      = "guest-app"
	CallerLoyaltyOps    = "loyalty-ops"
)

// Access of the routes: reads for the three callers, redemptions for the guest app and
// staff, manual adjustments for staff only.
var (
	accessRead   = service.Perm("loyalty:read", CallerGuestProfiles, CallerGuestApp, CallerLoyaltyOps)
	accessRedeem = service.Perm("loyalty:redeem", CallerGuestApp, CallerLoyaltyOps)
	accessAdjust = service.Perm("loyalty:adjust", CallerLoyaltyOps)
)

// routes are the endpoints with who may call each; openapi.json documents the same list.
// A redemption and an adjustment could double an effect, so they require an
// Idempotency-Key; a cancellation is idempotent by nature and takes one optionally.
var routes = []service.Route[*app]{
	{Pattern: "GET /v1/members/{guest_id}", Access: accessRead, Handle: (*app).handleGetMember},
	{Pattern: "GET /v1/members/{guest_id}/transactions", Access: accessRead, Handle: (*app).handleListTransactions},
	{Pattern: "POST /v1/members/{guest_id}/redemptions", Access: accessRedeem, Key: service.KeyRequired, Handle: (*app).handleRedeem},
	{Pattern: "POST /v1/redemptions/{id}/cancel", Access: accessRedeem, Key: service.KeyOptional, Handle: (*app).handleCancelRedemption},
	{Pattern: "GET /v1/catalog", Access: accessRead, Handle: (*app).handleCatalog},
	{Pattern: "POST /v1/members/{guest_id}/adjustments", Access: accessAdjust, Key: service.KeyRequired, Handle: (*app).handleAdjust},
}
