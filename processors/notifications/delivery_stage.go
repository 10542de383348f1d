package notifications

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/processors/notifications/delivery"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/provider/fcm"
	"github.com/novatrek/support/processors/notifications/provider/inapp"
	"github.com/novatrek/support/processors/notifications/provider/sendgrid"
	"github.com/novatrek/support/processors/notifications/provider/twilio"
)

// DefaultEmailFrom is the sender address of email when NOTIFICATIONS_EMAIL_FROM is unset.
const DefaultEmailFrom = "notifications@novatrek.example"

// DeliveryOptions configure the delivery worker (read from the environment by newApp).
type DeliveryOptions struct {
	// DirectoryFile is a JSON file of group members and addresses
	// (NOTIFICATIONS_DIRECTORY_FILE): {"group:operations-staff": {"email": [{"member":
	// "STAFF:s-1", "to": "ops@example.com", "name": "Ops"}], "sms": [...]}, ...}, the shape
	// of delivery.StaticDirectory. Empty uses a built-in directory of fake staff addresses
	// (dev only) and says so in a warning.
	DirectoryFile string `env:"NOTIFICATIONS_DIRECTORY_FILE"`
	// EmailFrom is the verified SendGrid sender (NOTIFICATIONS_EMAIL_FROM); default
	// DefaultEmailFrom.
	EmailFrom string `env:"NOTIFICATIONS_EMAIL_FROM"`
	// StreamPrefix names the Valkey job streams (NOTIFICATIONS_STREAM_PREFIX):
	// "<prefix>.emergency", "<prefix>.routine", "<prefix>.poison"; default
	// delivery.DefaultStreamPrefix ("notifications"), after Deps.Valkey.KeyPrefix. Two
	// deployments sharing one Valkey database need different prefixes.
	StreamPrefix string `env:"NOTIFICATIONS_STREAM_PREFIX"`
}

// deliveryConfig is the delivery worker's configuration but for Valkey: one provider
// Sender per channel from the declared clients, the staff directory, the stream prefix.
func deliveryConfig(env service.Env, cfg Config, opts DeliveryOptions, inbox *inapp.Store) (delivery.Config, error) {
	log := env.Logger
	senders, err := buildSenders(env, cfg, opts, inbox)
	if err != nil {
		return delivery.Config{}, err
	}
	groups, err := loadDirectory(opts.DirectoryFile, log)
	if err != nil {
		return delivery.Config{}, err
	}
	streams := opts.StreamPrefix
	if streams == "" {
		streams = delivery.DefaultStreamPrefix
	}
	if env.Valkey == nil {
		return delivery.Config{}, errors.New("delivery stage: Env.Valkey is nil")
	}
	return delivery.Config{Pool: env.DB, Senders: senders, Directory: newContactDirectory(env.DB, groups), Emit: env.Emit,
		Logger: log.With("stage", "delivery"), Registerer: env.Metrics, StreamPrefix: env.Valkey.KeyPrefix + streams}, nil
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
	if a.tune != nil {
		a.tune(&cfg)
	}
	d, err := delivery.New(cfg)
	if err != nil {
		return fmt.Errorf("delivery stage: %w", err)
	}
	return d.Run(ctx)
}

// buildSenders makes the provider clients of the declared endpoints. Push is left out,
// with a warning, without an FCM endpoint or credentials: push rows then go to the poison
// queue rather than the whole stage refusing to start.
func buildSenders(env service.Env, cfg Config, opts DeliveryOptions, inbox *inapp.Store) (map[provider.Channel]provider.Sender, error) {
	log := env.Logger
	from := opts.EmailFrom
	if from == "" {
		from = DefaultEmailFrom
	}
	sge := env.Client("sendgrid")
	sg, err := sendgrid.New(sendgrid.Config{BaseURL: sge.BaseURL, APIKey: provider.NewSecret(sge.Key),
		From: from, FromName: "NovaTrek", Logger: log})
	if err != nil {
		return nil, fmt.Errorf("delivery stage: %w", err)
	}
	var callback string
	if cfg.PublicURL != "" {
		callback = strings.TrimRight(cfg.PublicURL, "/") + twilioCallbackPath
	}
	twe := env.Client("twilio")
	tw, err := twilio.New(twilio.Config{BaseURL: twe.BaseURL, AccountSID: cfg.TwilioAccountSID,
		AuthToken: provider.NewSecret(twe.Key), From: cfg.TwilioFrom, StatusCallback: callback, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("delivery stage: %w", err)
	}
	senders := map[provider.Channel]provider.Sender{provider.Email: sg, provider.SMS: tw, provider.InApp: inbox}
	push, err := pushSender(env.Client("fcm"), cfg.FCMCredentialsFile, log)
	if err != nil {
		return nil, err
	}
	if push != nil {
		senders[provider.Push] = push
	} else {
		log.Warn("notifications: no FCM credentials (NOTIFICATIONS_FCM_CREDENTIALS_FILE): push notifications go to the poison queue")
	}
	return senders, nil
}

// pushSender is the FCM client on the service account of credsFile (whose token_uri
// names the token endpoint: Google's, or the fake's in dev), at the declared endpoint's URL
// (fcm's default without one). Nil without credentials.
func pushSender(ep *service.Endpoint, credsFile string, log *slog.Logger) (provider.Sender, error) {
	if credsFile == "" {
		return nil, nil
	}
	var baseURL string
	if ep != nil {
		baseURL = ep.BaseURL
	}
	raw, err := os.ReadFile(credsFile)
	if err != nil {
		return nil, fmt.Errorf("delivery stage: read NOTIFICATIONS_FCM_CREDENTIALS_FILE: %w", err)
	}
	var key struct {
		ProjectID string `json:"project_id"`
	}
	if err := json.Unmarshal(raw, &key); err != nil {
		return nil, fmt.Errorf("delivery stage: NOTIFICATIONS_FCM_CREDENTIALS_FILE is not a service-account key file: %w", err)
	}
	tokens, err := fcm.NewServiceAccountTokens(fcm.ServiceAccountConfig{CredentialsJSON: raw})
	if err != nil {
		return nil, fmt.Errorf("delivery stage: %w", err)
	}
	c, err := fcm.New(fcm.Config{BaseURL: baseURL, ProjectID: key.ProjectID, Tokens: tokens, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("delivery stage: %w", err)
	}
	return c, nil
}
