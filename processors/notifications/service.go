// Package notifications is svc-notifications: it turns the domain's events and the
// "Async: Yes" notification requests into notifications (package intake), delivers them by
// email, SMS, push and in-app (package delivery, the "delivery" worker), keeps versioned
// templates (package template) and channel preferences (package preference), and serves
// the API: notification status with its delivery log, the in-app inbox, template
// publishing and rollback, preferences, and the providers' signed status webhooks.
//
// Spec declares all of it; the runner (internal/platform/runner) hosts it. The providers are
// declared Clients: the dev stack, `novatrek run` and the tests point them at the fakes
// (internal/dev/fakes) when their URLs are unset; the service never starts a fake itself.
package notifications

import (
	_ "embed"

	"github.com/novatrek/support/internal/platform/migrate"
	"github.com/novatrek/support/internal/platform/service"
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

//go:embed openapi.json
var openAPI []byte

// requireProviders forbids the fakes (NOTIFICATIONS_REQUIRE_PROVIDERS=true).
const requireProviders = "NOTIFICATIONS_REQUIRE_PROVIDERS"

// Spec is svc-notifications; cmd/novatrek/services.go lists it. Its own migration sets are
// in no particular order: each names the sets it builds on (After) and the runner composes
// them after the stream inbox and the outbox.
var Spec = &service.Spec[*app]{
	Name: ServiceName,
	Store: service.Store{Schema: Schema, MaxConnsEnv: "NOTIFICATIONS_DB_MAX_CONNS", Seed: intake.Seed,
		Migrations: []migrate.Set{template.Migrations, preference.Migrations, intake.Migrations,
			contact.Migrations, delivery.Migrations, inapp.Migrations, Migrations}},
	Valkey:        true,
	New:           newApp,
	Subscriptions: service.Lift(func(a *app) *intake.Intake { return a.intake }, intake.Subscriptions...),
	Produces:      []string{intake.StatusTopic},
	Settings:      []service.Setting{directorySetting},
	Clients: []service.Client{
		{Name: "sendgrid", URLEnv: "NOTIFICATIONS_SENDGRID_URL", KeyEnv: "NOTIFICATIONS_SENDGRID_API_KEY", Fake: "sendgrid",
			Env: map[string]string{"webhook_key": "NOTIFICATIONS_SENDGRID_WEBHOOK_KEY"}, Webhook: sendGridWebhookPath,
			Requires:     []string{"NOTIFICATIONS_SENDGRID_WEBHOOK_KEY"},
			PublicURLEnv: "NOTIFICATIONS_PUBLIC_URL", RequireEnv: requireProviders},
		{Name: "twilio", URLEnv: "NOTIFICATIONS_TWILIO_URL", KeyEnv: "NOTIFICATIONS_TWILIO_AUTH_TOKEN", Fake: "twilio",
			Requires: []string{"NOTIFICATIONS_TWILIO_AUTH_TOKEN"},
			Env:      map[string]string{"account_sid": "NOTIFICATIONS_TWILIO_ACCOUNT_SID", "from": "NOTIFICATIONS_TWILIO_FROM"},
			Webhook:  twilioCallbackPath, PublicURLEnv: "NOTIFICATIONS_PUBLIC_URL", RequireEnv: requireProviders},
		{Name: "fcm", URLEnv: "NOTIFICATIONS_FCM_URL", Fake: "fcm", Optional: true,
			Env: map[string]string{"credentials_file": "NOTIFICATIONS_FCM_CREDENTIALS_FILE"}},
	},
	API:     service.API[*app]{OpenAPI: openAPI, MaxBody: maxBody, Routes: routes},
	Workers: []service.Worker[*app]{{Name: "delivery", Run: (*app).runDelivery}},
}
