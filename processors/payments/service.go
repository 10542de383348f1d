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
// Spec declares all of it; the runner (internal/platform/runner) hosts it. The providers are
// declared Clients, a Stripe-shaped PSP (package psp) and a fraud-screening service (package
// fraud) at PAYMENTS_PSP_URL and PAYMENTS_FRAUD_URL: the dev stack, `novatrek run` and the
// tests point them at the fakes (internal/dev/fakes) when their URLs are unset, unless
// PAYMENTS_REQUIRE_PROVIDERS=true; the service never starts a fake itself.
package payments

import (
	"embed"
	"time"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/processors/payments/psp"
)

// ServiceName is the service's name in topics.yaml and its consumer group.
const ServiceName = "svc-payments"

// Schema is the PostgreSQL schema the service owns.
const Schema = "payments"

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is the service's own set; the runner adds the stream, outbox and idempotency
// sets before it.
var Migrations = migrate.Dir("payments", migrationFiles, "migrations")

// openAPI is the API's OpenAPI 3.1 document; a test checks it lists exactly the routes.
//
//go:embed openapi.json
var openAPI []byte

// requireProviders forbids the fakes (PAYMENTS_REQUIRE_PROVIDERS=true).
const requireProviders = "PAYMENTS_REQUIRE_PROVIDERS"

// Spec is svc-payments; cmd/novatrek/services.go lists it.
var Spec = &service.Spec[*app]{
	Name:          ServiceName,
	Store:         service.Store{Schema: Schema, MaxConnsEnv: "PAYMENTS_DB_MAX_CONNS", Migrations: []migrate.Set{Migrations}},
	New:           newApp,
	Subscriptions: service.Lift(func(a *app) *core { return a.core }, service.On(TopicReservationStatus, (*core).onReservationStatusChanged)),
	Produces:      produces,
	Clients: []service.Client{
		// PSP authorizations can take seconds when the card network is slow; two retries ride
		// out a blip (package psp says which calls may be repeated).
		{Name: "psp", URLEnv: "PAYMENTS_PSP_URL", KeyEnv: "PAYMENTS_PSP_API_KEY", TimeoutEnv: "PAYMENTS_PSP_TIMEOUT",
			Timeout: psp.DefaultTimeout, Retries: psp.DefaultRetries, Fake: "psp", RequireEnv: requireProviders},
		// One screening attempt; package fraud retries within PAYMENTS_FRAUD_BUDGET.
		{Name: "fraud", URLEnv: "PAYMENTS_FRAUD_URL", KeyEnv: "PAYMENTS_FRAUD_API_KEY", TimeoutEnv: "PAYMENTS_FRAUD_TIMEOUT",
			Timeout: 300 * time.Millisecond, Fake: "fraud", RequireEnv: requireProviders},
	},
	API: service.API[*app]{OpenAPI: openAPI, Routes: routes,
		Idempotency: service.Idempotency{Required: true, Lease: idempotencyLease}},
	// Idempotency-key pruning is the runner's.
	Workers: []service.Worker[*app]{
		{Name: "refund worker", Run: (*app).runRefundWorker},
		{Name: "recovery", Run: (*app).runRecovery},
		{Name: "reconciliation", Run: (*app).runReconciliation},
	},
}

// routes are the twelve endpoints with who may call each; openapi.json documents the same
// list (a test checks). Writes that could double an effect require an Idempotency-Key; PUT
// and rebuilds, idempotent by nature, take one optionally.
var routes = []service.Route[*app]{
	{Pattern: "POST /v1/deposits", Access: accessDeposit, Key: service.KeyRequired, Handle: (*app).handleDeposit},
	{Pattern: "POST /v1/commissions", Access: accessCommission, Key: service.KeyRequired, Handle: (*app).handleCommission},
	{Pattern: "GET /v1/payments/{id}", Access: accessRead, Key: service.NoKey, Handle: (*app).handleGetPayment},
	{Pattern: "GET /v1/reservations/{id}/payments", Access: accessRead, Key: service.NoKey, Handle: (*app).handleListPayments},
	{Pattern: "POST /v1/payments/{id}/capture", Access: accessManage, Key: service.KeyRequired, Handle: (*app).handleCapture},
	{Pattern: "POST /v1/payments/{id}/void", Access: accessManage, Key: service.KeyRequired, Handle: (*app).handleVoid},
	{Pattern: "POST /v1/payments/{id}/refunds", Access: accessManage, Key: service.KeyRequired, Handle: (*app).handleRefund},
	{Pattern: "GET /v1/refunds/{id}", Access: accessRead, Key: service.NoKey, Handle: (*app).handleGetRefund},
	{Pattern: "POST /v1/guests/{id}/payment-methods", Access: accessMethods, Key: service.KeyRequired, Handle: (*app).handleSaveMethod},
	{Pattern: "GET /v1/guests/{id}/payment-methods", Access: accessMethods, Key: service.NoKey, Handle: (*app).handleListMethods},
	{Pattern: "PUT /v1/disputes/{case_id}", Access: accessDisputes, Key: service.KeyOptional, Handle: (*app).handleDispute},
	{Pattern: "POST /v1/daily-summaries/{date}/reconcile", Access: accessReconcile, Key: service.KeyOptional, Handle: (*app).handleReconcile},
}
