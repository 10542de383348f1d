package payments

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/fakes"
	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/service"
)

// loadConfig reads Config through getenv and checks it, as newApp does.
func loadConfig(getenv func(string) string) (Config, error) {
	var c Config
	if err := config.Load(getenv, &c); err != nil {
		return c, err
	}
	return c, c.Validate()
}

func TestConfigFromEnvironment(t *testing.T) {
	t.Parallel()
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }

	c, err := loadConfig(env(nil))
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if c.FraudBudget != time.Second || c.FraudAttempts != 3 || c.RefundPoll != 5*time.Second ||
		c.RecoveryAge != 2*time.Minute || c.ReconcileInterval != time.Hour {
		t.Fatalf("defaults = %+v", c)
	}

	c, err = loadConfig(env(map[string]string{"PAYMENTS_REFUND_POLL": "250ms"}))
	if err != nil || c.RefundPoll != 250*time.Millisecond {
		t.Fatalf("refund poll %v: %v", c.RefundPoll, err)
	}

	// Every malformed value is reported at once, each on a line naming its variable.
	_, err = loadConfig(env(map[string]string{"PAYMENTS_FRAUD_ATTEMPTS": "x", "PAYMENTS_RECOVERY_INTERVAL": "-1s"}))
	for _, want := range []string{`PAYMENTS_FRAUD_ATTEMPTS "x" is not a positive integer`,
		`PAYMENTS_RECOVERY_INTERVAL "-1s" is not a positive duration`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error = %v; want it to say %s", err, want)
		}
	}

	_, err = loadConfig(env(map[string]string{"PAYMENTS_RECOVERY_AGE": "30s"}))
	if want := "PAYMENTS_RECOVERY_AGE 30s must exceed the idempotency lease"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("PAYMENTS_RECOVERY_AGE=30s: error = %v; want %q", err, want)
	}
}

// The service starts no fakes of its own; dev, run and the tests provide them for unset
// provider URLs, except when PAYMENTS_REQUIRE_PROVIDERS=true: then an unset URL is refused,
// naming the variable.
func TestRequireProvidersRefusesTheFakes(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"PAYMENTS_REQUIRE_PROVIDERS": "true", "PAYMENTS_FRAUD_URL": "http://127.0.0.1:1"}
	set, err := fakes.Provide(context.Background(), []service.Definition{Spec}, func(k string) string { return vars[k] },
		nil, fakes.Options{DataDir: t.TempDir()}, slog.New(slog.DiscardHandler))
	if err == nil {
		_ = set.Stop(context.Background())
	}
	if err == nil || !strings.Contains(err.Error(), "PAYMENTS_PSP_URL is unset and PAYMENTS_REQUIRE_PROVIDERS=true forbids the built-in fake") {
		t.Fatalf("Provide with PAYMENTS_REQUIRE_PROVIDERS=true and no PSP URL = %v; want it refused, naming the variable", err)
	}
}
