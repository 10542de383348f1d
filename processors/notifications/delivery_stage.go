package notifications

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/processors/notifications/delivery"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/processors/notifications/provider/fcm"
	"github.com/novatrek/support/processors/notifications/provider/sendgrid"
	"github.com/novatrek/support/processors/notifications/provider/twilio"
)

// DefaultEmailFrom is the sender address of email when NOTIFICATIONS_EMAIL_FROM is unset.
const DefaultEmailFrom = "notifications@novatrek.example"

// twilioCallbackPath is the route of our Twilio status callback (api.go).
const twilioCallbackPath = "/v1/webhooks/twilio"

// DeliveryOptions configure the delivery stage DeliveryStage returns.
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
	// Tune, if set, adjusts the delivery configuration before it is used (tests shorten
	// the intervals with it).
	Tune func(*delivery.Config)
}

// DeliveryOptionsFromEnv reads NOTIFICATIONS_DIRECTORY_FILE, NOTIFICATIONS_EMAIL_FROM and
// NOTIFICATIONS_STREAM_PREFIX (strings: config.Load cannot fail on them).
func DeliveryOptionsFromEnv() DeliveryOptions {
	var o DeliveryOptions
	_ = config.Load(os.Getenv, &o)
	return o
}

// DeliveryStage returns the Stage that runs package delivery (dispatcher, sweeper and the
// Watermill workers) on the Valkey of Deps.Valkey, with one provider Sender per channel
// built from StageEnv.Providers, until ctx ends.
func DeliveryStage(opts DeliveryOptions) Stage {
	return func(ctx context.Context, env StageEnv) error {
		log := env.Deps.Logger
		if log == nil {
			log = slog.New(slog.DiscardHandler)
		}
		if env.Deps.Valkey == nil {
			return errors.New("delivery stage: Deps.Valkey is nil")
		}
		vk, err := env.Deps.Valkey.Client()
		if err != nil {
			return fmt.Errorf("delivery stage: %w", err)
		}
		senders, err := buildSenders(env, opts, log)
		if err != nil {
			return err
		}
		groups, err := loadDirectory(opts.DirectoryFile, log)
		if err != nil {
			return err
		}
		streams := opts.StreamPrefix
		if streams == "" {
			streams = delivery.DefaultStreamPrefix
		}
		cfg := delivery.Config{
			Pool: env.Pool, Valkey: vk, Senders: senders, Directory: newContactDirectory(env.Pool, groups), Emit: env.Emit,
			Logger: log.With("stage", "delivery"), Registerer: env.Deps.Metrics, StreamPrefix: env.Deps.Valkey.KeyPrefix + streams,
		}
		if opts.Tune != nil {
			opts.Tune(&cfg)
		}
		d, err := delivery.New(cfg)
		if err != nil {
			return fmt.Errorf("delivery stage: %w", err)
		}
		return d.Run(ctx)
	}
}

// buildSenders makes the provider clients of env.Providers. Push is left out, with a
// warning, when neither the fakes nor FCM credentials are there: push rows then go to the
// poison queue rather than the whole stage refusing to start.
func buildSenders(env StageEnv, opts DeliveryOptions, log *slog.Logger) (map[provider.Channel]provider.Sender, error) {
	p := env.Providers
	from := opts.EmailFrom
	if from == "" {
		from = DefaultEmailFrom
	}
	sg, err := sendgrid.New(sendgrid.Config{BaseURL: p.SendGridURL, APIKey: provider.NewSecret(p.SendGridAPIKey),
		From: from, FromName: "NovaTrek", Logger: log})
	if err != nil {
		return nil, fmt.Errorf("delivery stage: %w", err)
	}
	var callback string
	if p.PublicURL != "" {
		callback = strings.TrimRight(p.PublicURL, "/") + twilioCallbackPath
	}
	tw, err := twilio.New(twilio.Config{BaseURL: p.TwilioURL, AccountSID: p.TwilioAccountSID,
		AuthToken: provider.NewSecret(p.TwilioAuthToken), From: p.TwilioFrom, StatusCallback: callback, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("delivery stage: %w", err)
	}
	if env.InApp == nil {
		return nil, errors.New("delivery stage: StageEnv.InApp is nil")
	}
	senders := map[provider.Channel]provider.Sender{provider.Email: sg, provider.SMS: tw, provider.InApp: env.InApp}
	push, err := pushSender(p, log)
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

// pushSender is the FCM client: with the fakes, a static access token the fake accepts;
// otherwise the service account of Providers.FCMCredentialsFile. Nil without either.
func pushSender(p Providers, log *slog.Logger) (provider.Sender, error) {
	if p.FCMCredentialsFile == "" {
		if p.Fakes == nil || p.FCMURL == "" {
			return nil, nil
		}
		c, err := fcm.New(fcm.Config{BaseURL: p.FCMURL, ProjectID: p.Fakes.FCM.ProjectID(),
			Tokens: fcm.Static(provider.NewSecret(p.Fakes.FCM.AccessToken())), Logger: log})
		if err != nil {
			return nil, fmt.Errorf("delivery stage: %w", err)
		}
		return c, nil
	}
	raw, err := os.ReadFile(p.FCMCredentialsFile)
	if err != nil {
		return nil, fmt.Errorf("delivery stage: read NOTIFICATIONS_FCM_CREDENTIALS_FILE: %w", err)
	}
	var key struct {
		ProjectID string `json:"project_id"`
	}
	if err := json.Unmarshal(raw, &key); err != nil {
		return nil, fmt.Errorf("delivery stage: NOTIFICATIONS_FCM_CREDENTIALS_FILE is not a service-account key file: %w", err)
	}
	tokens, err := fcm.NewServiceAccountTokens(fcm.ServiceAccountConfig{CredentialsJSON: raw, TokenURL: p.FCMTokenURL})
	if err != nil {
		return nil, fmt.Errorf("delivery stage: %w", err)
	}
	c, err := fcm.New(fcm.Config{BaseURL: p.FCMURL, ProjectID: key.ProjectID, Tokens: tokens, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("delivery stage: %w", err)
	}
	return c, nil
}
