package notifications

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/config"
)

// Config configures svc-notifications. ConfigFromEnv reads it from the environment; zero
// values take the defaults named on each field.
//
// The providers: when NOTIFICATIONS_SENDGRID_URL or NOTIFICATIONS_TWILIO_URL is unset, the
// service starts the local fake providers (package providerfake) in its own process on a
// free 127.0.0.1 port, takes their credentials and webhook keys from them, and says so in a
// warning. That is how `novatrek dev` and the tests run.
type Config struct {
	// SendGridURL is SendGrid's API root, e.g. https://api.sendgrid.com
	// (NOTIFICATIONS_SENDGRID_URL). Empty starts the fakes.
	SendGridURL string `env:"NOTIFICATIONS_SENDGRID_URL"`
	// SendGridAPIKey is the Mail Send API key (NOTIFICATIONS_SENDGRID_API_KEY); never logged.
	SendGridAPIKey string `env:"NOTIFICATIONS_SENDGRID_API_KEY"`
	// SendGridWebhookKey is the Signed Event Webhook verification key, base64 DER
	// (NOTIFICATIONS_SENDGRID_WEBHOOK_KEY). Required with SendGridURL.
	SendGridWebhookKey string `env:"NOTIFICATIONS_SENDGRID_WEBHOOK_KEY"`
	// TwilioURL is Twilio's API root, e.g. https://api.twilio.com (NOTIFICATIONS_TWILIO_URL).
	// Empty starts the fakes.
	TwilioURL string `env:"NOTIFICATIONS_TWILIO_URL"`
	// TwilioAccountSID (NOTIFICATIONS_TWILIO_ACCOUNT_SID) and TwilioAuthToken
	// (NOTIFICATIONS_TWILIO_AUTH_TOKEN; never logged): the token also signs the status
	// callbacks. Required with TwilioURL.
	TwilioAccountSID string `env:"NOTIFICATIONS_TWILIO_ACCOUNT_SID"`
	TwilioAuthToken  string `env:"NOTIFICATIONS_TWILIO_AUTH_TOKEN"`
	// TwilioFrom is the sending number or messaging service (NOTIFICATIONS_TWILIO_FROM).
	TwilioFrom string `env:"NOTIFICATIONS_TWILIO_FROM"`
	// PublicURL is the scheme and host under which the providers reach our webhooks, e.g.
	// https://api.novatrek.example (NOTIFICATIONS_PUBLIC_URL); Twilio signs the full URL.
	// Default with the fakes (dev): the service's own loopback callback listener, so the
	// fakes' callbacks arrive without any setting (dev_callbacks.go). Default with real
	// providers: no Twilio StatusCallback, and webhooks are verified against the request's
	// own scheme and host.
	PublicURL string `env:"NOTIFICATIONS_PUBLIC_URL"`
	// FCMURL is Firebase Cloud Messaging's API root (NOTIFICATIONS_FCM_URL) and
	// FCMCredentialsFile the service-account JSON (NOTIFICATIONS_FCM_CREDENTIALS_FILE);
	// the delivery stage uses them. Empty FCMURL uses the fakes' FCM.
	FCMURL             string `env:"NOTIFICATIONS_FCM_URL"`
	FCMCredentialsFile string `env:"NOTIFICATIONS_FCM_CREDENTIALS_FILE"`
	// RequireProviders refuses to start with the fakes (NOTIFICATIONS_REQUIRE_PROVIDERS=true).
	// Default false.
	RequireProviders bool `env:"NOTIFICATIONS_REQUIRE_PROVIDERS"`
	// DBMaxConns sizes the service's own pool (NOTIFICATIONS_DB_MAX_CONNS); default 16.
	DBMaxConns int32 `env:"NOTIFICATIONS_DB_MAX_CONNS"`

	// Auth authenticates API callers; nil reads NOVATREK_API_TOKENS (dev tokens when unset).
	Auth *apiauth.Authenticator
	// Delivery is the delivery stage (dispatcher and workers of package delivery), run
	// beside the intake. Nil runs without it and logs a warning: notifications are then
	// written and reported but stay pending.
	Delivery Stage
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// ConfigFromEnv reads the NOTIFICATIONS_* variables its fields' env tags name (config.Load).
// Every malformed value is reported, one line each, naming the variable.
func ConfigFromEnv() (Config, error) { return configFrom(os.Getenv) }

// configFrom is ConfigFromEnv reading through getenv.
func configFrom(getenv func(string) string) (Config, error) {
	var c Config
	if err := config.Load(getenv, &c); err != nil {
		return c, fmt.Errorf("notifications: %w", err)
	}
	return c, nil
}

func (c *Config) setDefaults() {
	if c.DBMaxConns == 0 {
		c.DBMaxConns = 16
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// useFakes reports whether the fake providers must be started.
func (c *Config) useFakes() bool { return c.SendGridURL == "" || c.TwilioURL == "" }

func (c *Config) validate() error {
	if c.RequireProviders && c.useFakes() {
		return errors.New("notifications: NOTIFICATIONS_REQUIRE_PROVIDERS is set but NOTIFICATIONS_SENDGRID_URL or NOTIFICATIONS_TWILIO_URL is empty")
	}
	if c.SendGridURL != "" && c.SendGridWebhookKey == "" {
		return errors.New("notifications: NOTIFICATIONS_SENDGRID_WEBHOOK_KEY is required with NOTIFICATIONS_SENDGRID_URL")
	}
	if c.TwilioURL != "" && c.TwilioAuthToken == "" {
		return errors.New("notifications: NOTIFICATIONS_TWILIO_AUTH_TOKEN is required with NOTIFICATIONS_TWILIO_URL")
	}
	if c.DBMaxConns < 2 {
		return errors.New("notifications: DBMaxConns (NOTIFICATIONS_DB_MAX_CONNS) must be at least 2")
	}
	return nil
}
