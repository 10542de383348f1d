package notifications

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/processors/notifications/delivery"
	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/provider/fcm"
	"github.com/novatrek/support/processors/notifications/provider/inapp"
	"github.com/novatrek/support/processors/notifications/provider/sendgrid"
	"github.com/novatrek/support/processors/notifications/provider/twilio"
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
}

// newApp reads the configuration and builds the parts from env. Everything malformed is an
// error here, before anything runs, and all of it at once: the parts do not depend on each
// other's success.
func newApp(_ context.Context, env service.Env) (*app, error) {
	var cfg Config
	if err := env.Load(&cfg); err != nil {
		return nil, err
	}
	in, errIntake := intake.New(intake.Config{Emit: env.Emit, Now: env.Now})
	inbox, errInbox := inapp.New(env.DB, Schema)
	sg, errSG := sendgrid.NewVerifier(sendgrid.VerifierConfig{PublicKey: cfg.SendGridWebhookKey})
	tw, errTW := twilio.NewCallbackVerifier(twilio.CallbackVerifierConfig{
		AuthToken: provider.NewSecret(env.Client("twilio").Key), PublicURL: cfg.PublicURL})
	senders, errSenders := newSenders(env, cfg, inbox)
	groups, errDirectory := loadDirectory(cfg.DirectoryFile, env.Logger)
	if err := errors.Join(errIntake, errInbox, errSG, errTW, errSenders, errDirectory); err != nil {
		return nil, err
	}
	return &app{pool: env.DB, intake: in, inbox: inbox, sg: sg, tw: tw, log: env.Logger, valkey: env.Valkey,
		callbacks: &callbacks{pool: env.DB, emit: env.Emit, log: env.Logger, now: env.Now},
		delivery: delivery.Config{Pool: env.DB, Senders: senders, Directory: newContactDirectory(env.DB, groups), Emit: env.Emit,
			Logger: env.Logger.With("stage", "delivery"), Registerer: env.Metrics, StreamPrefix: env.Valkey.KeyPrefix + cfg.StreamPrefix},
	}, nil
}

// newSenders makes one provider Sender per channel over the declared clients. Push is left
// out, with a warning, without FCM credentials: push rows then go to the poison queue
// rather than the whole stage refusing to start.
func newSenders(env service.Env, cfg Config, inbox *inapp.Store) (map[provider.Channel]provider.Sender, error) {
	sg, errSG := sendgrid.NewOver(env.Outbound("sendgrid"), sendgrid.Config{From: cfg.EmailFrom, FromName: "NovaTrek", Logger: env.Logger})
	tw, errTW := twilio.NewOver(env.Outbound("twilio"), twilio.Config{AccountSID: cfg.TwilioAccountSID, From: cfg.TwilioFrom,
		StatusCallback: twilioCallbackURL(cfg.PublicURL), Logger: env.Logger})
	push, errPush := fcm.NewFromCredentialsFile(env.Outbound("fcm"), cfg.FCMCredentialsFile, env.Logger)
	if errPush != nil {
		errPush = fmt.Errorf("NOTIFICATIONS_FCM_CREDENTIALS_FILE: %w", errPush)
	}
	if err := errors.Join(errSG, errTW, errPush); err != nil {
		return nil, fmt.Errorf("delivery stage: %w", err)
	}
	senders := map[provider.Channel]provider.Sender{provider.Email: sg, provider.SMS: tw, provider.InApp: inbox}
	if push == nil {
		env.Logger.Warn("notifications: no FCM credentials (NOTIFICATIONS_FCM_CREDENTIALS_FILE): push notifications go to the poison queue")
		return senders, nil
	}
	senders[provider.Push] = push
	return senders, nil
}

// runDelivery is the "delivery" worker: package delivery's dispatcher, sweeper and
// Watermill workers on the service's Valkey until ctx ends.
func (a *app) runDelivery(ctx context.Context) error {
	vk, err := a.valkey.Client()
	if err != nil {
		return fmt.Errorf("delivery stage: %w", err)
	}
	cfg := a.delivery
	cfg.Valkey = vk
	d, err := delivery.New(cfg)
	if err != nil {
		return fmt.Errorf("delivery stage: %w", err)
	}
	return d.Run(ctx)
}
