// Package reviews is svc-reviews (CAP-1.7, Reviews and Feedback): guests review the trips
// they completed, other guests vote reviews helpful, and svc-trip-catalog and svc-analytics
// read reviews, search them and read the rating of each trip and guide.
//
// A guest may review a reservation only if it exists, is theirs and is COMPLETED, and only
// once. The service keeps its own copy of reservation states from
// reservation.status-changed and asks svc-reservations (and svc-guest-profiles for the
// guest) only when it has not seen the reservation completed yet. Every review carries a
// revision (_rev, the ETag); edits and deletes must name it (If-Match), so two editors
// never lose an update. Reviews pass an automatic profanity and spam check; flagged ones wait
// for a moderator. Only published reviews count in the rating aggregates (per trip and per
// guide, changed in the review's own transaction) and are searchable (a weighted tsvector
// with a GIN index). review.published and rating-aggregate.updated leave through the
// transactional outbox.
package reviews

import (
	"embed"
	"time"

	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/service"
)

// ServiceName is the service's name in topics.yaml and its consumer group.
const ServiceName = "svc-reviews"

// Schema is the PostgreSQL schema the service owns.
const Schema = "reviews"

// Topics the service consumes and produces (topics.yaml).
const (
	TopicReservationStatus = "novatrek.booking.reservation.status-changed"
	TopicReviewPublished   = "novatrek.support.review.published"
	TopicRatingUpdated     = "novatrek.support.rating-aggregate.updated"
)

// Callers of the API: the spec's Data Ownership table (svc-trip-catalog and svc-analytics
// read guest reviews), guests writing their own (apiauth guest tokens) and the owning team's
// moderators.
const (
	CallerCatalog    = "svc-trip-catalog"
	CallerAnalytics  = "svc-analytics"
	CallerGuest      = apiauth.GuestCaller
	CallerModeration = "reviews-moderation"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

//go:embed openapi.json
var openAPI []byte

var (
	accessRead     = service.Perm("reviews:read", CallerCatalog, CallerAnalytics, CallerGuest, CallerModeration)
	accessWrite    = service.Perm("reviews:write", CallerGuest)
	accessVote     = service.Perm("reviews:vote", CallerGuest)
	accessModerate = service.Perm("reviews:moderate", CallerModeration)
)

// Spec is svc-reviews; cmd/novatrek/services.go lists it.
var Spec = &service.Spec[*app]{
	Name:          ServiceName,
	Store:         service.Store{Schema: Schema, MaxConnsEnv: "REVIEWS_DB_MAX_CONNS", Migrations: []migrate.Set{migrate.Dir("reviews", migrationFiles, "migrations")}},
	New:           newApp,
	Subscriptions: []service.Subscription[*app]{service.On(TopicReservationStatus, (*app).onReservationStatusChanged)},
	Produces:      []string{TopicReviewPublished, TopicRatingUpdated},
	Clients: []service.Client{
		// Both are reads on the guest's submission path: short attempts, one retry, so a
		// slow peer costs the guest about a second before the 503.
		{Name: clientReservations, URLEnv: "REVIEWS_RESERVATIONS_URL", KeyEnv: "REVIEWS_RESERVATIONS_TOKEN",
			TimeoutEnv: "REVIEWS_RESERVATIONS_TIMEOUT", Timeout: 400 * time.Millisecond, Retries: 1, StandIn: "svc-reservations", Optional: true},
		{Name: clientGuests, URLEnv: "REVIEWS_GUEST_PROFILES_URL", KeyEnv: "REVIEWS_GUEST_PROFILES_TOKEN",
			TimeoutEnv: "REVIEWS_GUEST_PROFILES_TIMEOUT", Timeout: 400 * time.Millisecond, Retries: 1, StandIn: "svc-guest-profiles", Optional: true},
	},
	API: service.API[*app]{OpenAPI: openAPI, Routes: routes},
}

// routes are the ten endpoints with who may call each; openapi.json documents the same list
// (the tests check every response against it).
var routes = []service.Route[*app]{
	{Pattern: "POST /v1/reviews", Access: accessWrite, Handle: (*app).handleSubmit},
	{Pattern: "GET /v1/reviews/{id}", Access: accessRead, Handle: (*app).handleGet},
	{Pattern: "PATCH /v1/reviews/{id}", Access: accessWrite, Handle: (*app).handleEdit},
	{Pattern: "DELETE /v1/reviews/{id}", Access: accessWrite, Handle: (*app).handleDelete},
	{Pattern: "GET /v1/trips/{id}/reviews", Access: accessRead, Handle: (*app).handleListByTrip},
	{Pattern: "GET /v1/guides/{id}/reviews", Access: accessRead, Handle: (*app).handleListByGuide},
	{Pattern: "GET /v1/reviews", Access: accessRead, Handle: (*app).handleSearch},
	{Pattern: "PUT /v1/reviews/{id}/helpful-votes/mine", Access: accessVote, Handle: (*app).handleVote},
	{Pattern: "GET /v1/ratings/{type}/{id}", Access: accessRead, Handle: (*app).handleRating},
	{Pattern: "POST /v1/reviews/{id}/moderation", Access: accessModerate, Handle: (*app).handleModerate},
}
