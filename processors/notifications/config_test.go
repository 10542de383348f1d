package notifications

import (
	"fmt"
	"strings"
	"testing"

	"github.com/novatrek/support/internal/platform/config"
)

// TestConfigFromEnvironment: every variable lands in its field through its env tag, and
// malformed values are all reported at once, one line naming each variable, without
// echoing a secret.
func TestConfigFromEnvironment(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"NOTIFICATIONS_SENDGRID_URL": "https://sendgrid.example", "NOTIFICATIONS_SENDGRID_API_KEY": "SG.secret",
		"NOTIFICATIONS_TWILIO_URL": "https://twilio.example", "NOTIFICATIONS_TWILIO_AUTH_TOKEN": "tw-secret",
		"NOTIFICATIONS_TWILIO_FROM": "+15550100000", "NOTIFICATIONS_PUBLIC_URL": "https://api.example",
		"NOTIFICATIONS_DB_MAX_CONNS": "4", "NOTIFICATIONS_REQUIRE_PROVIDERS": "true",
	}
	cfg, err := configFrom(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SendGridURL != "https://sendgrid.example" || cfg.SendGridAPIKey != "SG.secret" || cfg.TwilioFrom != "+15550100000" ||
		cfg.PublicURL != "https://api.example" || cfg.DBMaxConns != 4 || !cfg.RequireProviders {
		t.Fatalf("config = %+v", cfg)
	}

	env["NOTIFICATIONS_DB_MAX_CONNS"], env["NOTIFICATIONS_REQUIRE_PROVIDERS"] = "many", "maybe"
	_, err = configFrom(func(k string) string { return env[k] })
	if err == nil {
		t.Fatal("malformed variables accepted")
	}
	msg := err.Error()
	for _, want := range []string{`NOTIFICATIONS_DB_MAX_CONNS "many" is not a positive integer`, `NOTIFICATIONS_REQUIRE_PROVIDERS "maybe" is not true or false`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "secret") {
		t.Errorf("error echoes a secret: %q", msg)
	}

	env = map[string]string{"NOTIFICATIONS_DB_MAX_CONNS": "1"}
	_, err = configFrom(func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "NOTIFICATIONS_DB_MAX_CONNS") {
		t.Fatalf("a pool of 1 connection: %v; want an error naming NOTIFICATIONS_DB_MAX_CONNS", err)
	}
}

// configFrom reads Config as the runner does for newApp (config.Load through getenv).
func configFrom(getenv func(string) string) (Config, error) {
	var c Config
	if err := config.Load(getenv, &c); err != nil {
		return c, fmt.Errorf("notifications: %w", err)
	}
	return c, nil
}
