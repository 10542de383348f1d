package notifications

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/processors/notifications/delivery"
	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/provider/inapp"
	"github.com/novatrek/support/processors/notifications/provider/sendgrid"
	"github.com/novatrek/support/processors/notifications/provider/twilio"
	"github.com/novatrek/support/processors/notifications/template"
)

// app is the running service: the intake's handlers, the API's (api_*.go) and the
// delivery worker share its pool, its emitter and its in-app inbox.
type app struct {
	pool   *pgxpool.Pool
	intake *intake.Intake
	inbox  *inapp.Store
	sg     *sendgrid.Verifier
	tw     *twilio.CallbackVerifier
	// callbacks applies the webhooks' status updates.
	callbacks *callbacks
	log       *slog.Logger
	// delivery is the delivery worker's configuration but for Valkey, connected when it runs.
	delivery delivery.Config
	valkey   *store.Valkey
	// tune, if set, adjusts the delivery configuration before it is used (tests shorten
	// the intervals with it).
	tune func(*delivery.Config)
}

// seed publishes the default templates (every start; publishing an unchanged text is a no-op).
func seed(ctx context.Context, db store.DB) error {
	tdb, ok := db.(template.DB)
	if !ok {
		return fmt.Errorf("seed default templates: %T cannot begin a transaction", db)
	}
	if err := intake.SeedDefaults(ctx, tdb); err != nil {
		return fmt.Errorf("seed default templates: %w", err)
	}
	return nil
}

// newApp reads the configuration and builds the parts from env; everything malformed is an
// error here, before anything runs.
func newApp(_ context.Context, env service.Env) (*app, error) {
	var cfg Config
	var opts DeliveryOptions
	if err := env.Load(&cfg); err != nil {
		return nil, err
	}
	if err := env.Load(&opts); err != nil {
		return nil, err
	}
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	in, err := intake.New(intake.Config{Emit: env.Emit, Now: env.Now})
	if err != nil {
		return nil, err
	}
	inbox, err := inapp.New(env.DB, Schema)
	if err != nil {
		return nil, err
	}
	sg, err := sendgrid.NewVerifier(sendgrid.VerifierConfig{PublicKey: cfg.SendGridWebhookKey})
	if err != nil {
		return nil, err
	}
	tw, err := twilio.NewCallbackVerifier(twilio.CallbackVerifierConfig{
		AuthToken: provider.NewSecret(env.Client("twilio").Key), PublicURL: cfg.PublicURL})
	if err != nil {
		return nil, err
	}
	a := &app{pool: env.DB, intake: in, inbox: inbox, sg: sg, tw: tw, log: env.Logger, valkey: env.Valkey,
		callbacks: &callbacks{pool: env.DB, emit: env.Emit, log: env.Logger, now: env.Now}}
	if a.delivery, err = deliveryConfig(env, cfg, opts, inbox); err != nil {
		return nil, err
	}
	return a, nil
}
