package notifications

// Config is svc-notifications' own variables (newApp reads them through Env.Load); zero
// values take the defaults named on each field.
//
// The providers are the Spec's Clients: when NOTIFICATIONS_SENDGRID_URL or
// NOTIFICATIONS_TWILIO_URL is unset, `novatrek dev`, `novatrek run` and the tests start the
// fake providers (internal/dev/fakes) and fill these variables from them, with a warning;
// NOTIFICATIONS_REQUIRE_PROVIDERS=true forbids that. The service never starts a fake.
type Config struct {
	// SendGridURL is SendGrid's API root, e.g. https://api.sendgrid.com
	// (NOTIFICATIONS_SENDGRID_URL). Empty: the fake (see above).
	SendGridURL string `env:"NOTIFICATIONS_SENDGRID_URL"`
	// SendGridAPIKey is the Mail Send API key (NOTIFICATIONS_SENDGRID_API_KEY); never logged.
	SendGridAPIKey string `env:"NOTIFICATIONS_SENDGRID_API_KEY"`
	// SendGridWebhookKey is the Signed Event Webhook verification key, base64 DER
	// (NOTIFICATIONS_SENDGRID_WEBHOOK_KEY). Required with SendGridURL (the Spec's client
	// Requires it).
	SendGridWebhookKey string `env:"NOTIFICATIONS_SENDGRID_WEBHOOK_KEY"`
	// TwilioURL is Twilio's API root, e.g. https://api.twilio.com (NOTIFICATIONS_TWILIO_URL).
	// Empty: the fake.
	TwilioURL string `env:"NOTIFICATIONS_TWILIO_URL"`
	// TwilioAccountSID (NOTIFICATIONS_TWILIO_ACCOUNT_SID) and TwilioAuthToken
	// (NOTIFICATIONS_TWILIO_AUTH_TOKEN; never logged): the token also signs the status
	// callbacks. Required with TwilioURL (the Spec's client Requires it).
	TwilioAccountSID string `env:"NOTIFICATIONS_TWILIO_ACCOUNT_SID"`
	TwilioAuthToken  string `env:"NOTIFICATIONS_TWILIO_AUTH_TOKEN"`
	// TwilioFrom is the sending number or messaging service (NOTIFICATIONS_TWILIO_FROM).
	TwilioFrom string `env:"NOTIFICATIONS_TWILIO_FROM"`
	// PublicURL is the scheme and host under which the providers reach our webhooks, e.g.
	// https://api.novatrek.example (NOTIFICATIONS_PUBLIC_URL); Twilio signs the full URL.
	// With the fakes, the dev stack, `novatrek run` and the tests set it to where the
	// service's API is served, so the fakes' callbacks arrive. Unset with real providers:
	// no Twilio StatusCallback, and webhooks are verified against the request's own scheme
	// and host.
	PublicURL string `env:"NOTIFICATIONS_PUBLIC_URL"`
	// FCMURL is Firebase Cloud Messaging's API root (NOTIFICATIONS_FCM_URL) and
	// FCMCredentialsFile the service-account JSON (NOTIFICATIONS_FCM_CREDENTIALS_FILE);
	// the delivery worker uses them. Without credentials there is no push.
	FCMURL             string `env:"NOTIFICATIONS_FCM_URL"`
	FCMCredentialsFile string `env:"NOTIFICATIONS_FCM_CREDENTIALS_FILE"`
	// RequireProviders forbids the fakes (NOTIFICATIONS_REQUIRE_PROVIDERS=true); the Spec's
	// clients declare it (RequireEnv). Default false.
	RequireProviders bool `env:"NOTIFICATIONS_REQUIRE_PROVIDERS"`
	// DBMaxConns sizes the service's own pool (NOTIFICATIONS_DB_MAX_CONNS); default 16, at
	// least 2.
	DBMaxConns int32 `env:"NOTIFICATIONS_DB_MAX_CONNS" default:"16" min:"2"`

	// The delivery worker's settings.

	// DirectoryFile is a JSON file of group members and addresses
	// (NOTIFICATIONS_DIRECTORY_FILE): {"group:operations-staff": {"email": [{"member":
	// "STAFF:s-1", "to": "ops@example.com", "name": "Ops"}], "sms": [...]}, ...}, the shape
	// of delivery.StaticDirectory. Dev, run and the tests write a fake one when unset (the
	// staff-directory Setting); elsewhere empty means groups have no members, with a warning.
	DirectoryFile string `env:"NOTIFICATIONS_DIRECTORY_FILE"`
	// EmailFrom is the verified SendGrid sender (NOTIFICATIONS_EMAIL_FROM).
	EmailFrom string `env:"NOTIFICATIONS_EMAIL_FROM" default:"notifications@novatrek.example"`
	// StreamPrefix names the Valkey job streams (NOTIFICATIONS_STREAM_PREFIX):
	// "<prefix>.emergency", "<prefix>.routine", "<prefix>.poison", after Env.Valkey's
	// KeyPrefix; default delivery.DefaultStreamPrefix. Two deployments sharing one Valkey
	// database need different prefixes.
	StreamPrefix string `env:"NOTIFICATIONS_STREAM_PREFIX" default:"notifications"`
}
