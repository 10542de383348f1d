package payments

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestConfigFromEnvironment(t *testing.T) {
	t.Parallel()
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }

	c, err := loadConfig(env(nil))
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if c.PSPTimeout != 10*time.Second || c.FraudTimeout != 300*time.Millisecond || c.FraudAttempts != 3 ||
		c.DBMaxConns != 16 || c.RefundPoll != 5*time.Second || c.RecoveryAge != 2*time.Minute || c.ReconcileInterval != time.Hour {
		t.Fatalf("defaults = %+v", c)
	}

	c, err = loadConfig(env(map[string]string{"PAYMENTS_REFUND_POLL": "250ms", "PAYMENTS_PSP_API_KEY": "sk_live_secret"}))
	if err != nil || c.RefundPoll != 250*time.Millisecond || c.PSPAPIKey != "sk_live_secret" {
		t.Fatalf("refund poll %v, key set %v: %v", c.RefundPoll, c.PSPAPIKey != "", err)
	}

	// Every malformed value is reported at once, each on a line naming its variable.
	_, err = loadConfig(env(map[string]string{"PAYMENTS_FRAUD_ATTEMPTS": "x", "PAYMENTS_RECOVERY_INTERVAL": "-1s",
		"PAYMENTS_REQUIRE_PROVIDERS": "maybe"}))
	for _, want := range []string{`PAYMENTS_FRAUD_ATTEMPTS "x" is not a positive integer`,
		`PAYMENTS_RECOVERY_INTERVAL "-1s" is not a positive duration`, `PAYMENTS_REQUIRE_PROVIDERS "maybe" is not true or false`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error = %v; want it to say %s", err, want)
		}
	}

	for vars, want := range map[string]string{
		"PAYMENTS_DB_MAX_CONNS=1":         "PAYMENTS_DB_MAX_CONNS 1 is not an integer of at least 2",
		"PAYMENTS_RECOVERY_AGE=30s":       "PAYMENTS_RECOVERY_AGE 30s must exceed the idempotency lease",
		"PAYMENTS_REQUIRE_PROVIDERS=true": "PAYMENTS_REQUIRE_PROVIDERS is set but PAYMENTS_PSP_URL or PAYMENTS_FRAUD_URL is empty",
	} {
		k, v, _ := strings.Cut(vars, "=")
		if _, err := loadConfig(env(map[string]string{k: v})); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error = %v; want %q", vars, err, want)
		}
	}
}

// The service starts no fakes of its own: without the providers' URLs it refuses to run,
// naming what is unset (novatrek dev and run provide fakes before it starts).
func TestRunNeedsTheProviderURLs(t *testing.T) {
	t.Parallel()
	h := newHarnessNoAPI(t)
	cfg := h.cfg
	cfg.PSPURL, cfg.FraudURL = "", h.fraudURL
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // refused before anything starts; were it to start, it would stop at once
	err := NewWithConfig(cfg).Run(ctx, h.deps)
	if err == nil || !strings.Contains(err.Error(), "PAYMENTS_PSP_URL unset") {
		t.Fatalf("Run without PAYMENTS_PSP_URL = %v; want it refused, naming the variable", err)
	}
}
