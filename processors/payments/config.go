package payments

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/novatrek/support/internal/platform/apiauth"
	"github.com/novatrek/support/internal/platform/config"
)

// idempotencyLease is how long a request holds its Idempotency-Key; RecoveryAge must exceed
// it, so recovery never races a live request.
const idempotencyLease = time.Minute

// Config configures svc-payments: each field with an env tag is read from that variable by
// config.Load (an unset one takes the default tag).
type Config struct {
	// PSPURL is the payment provider's API root, e.g. https://api.stripe.com. Required when
	// the service runs; `novatrek dev` and `novatrek run` set it to a fake PSP when it is
	// unset, unless PAYMENTS_REQUIRE_PROVIDERS=true.
	PSPURL string `env:"PAYMENTS_PSP_URL"`
	// PSPAPIKey is the provider's secret key; never logged.
	PSPAPIKey string `env:"PAYMENTS_PSP_API_KEY"`
	// PSPTimeout bounds one provider call.
	PSPTimeout time.Duration `env:"PAYMENTS_PSP_TIMEOUT" default:"10s"`
	// FraudURL is the fraud-screening service's root; required, as PSPURL.
	FraudURL string `env:"PAYMENTS_FRAUD_URL"`
	// FraudAPIKey is its API key; never logged.
	FraudAPIKey string `env:"PAYMENTS_FRAUD_API_KEY"`
	// FraudTimeout bounds one screening attempt.
	FraudTimeout time.Duration `env:"PAYMENTS_FRAUD_TIMEOUT" default:"300ms"`
	// FraudBudget bounds a screening with its retries; see package fraud for what happens
	// when it runs out.
	FraudBudget time.Duration `env:"PAYMENTS_FRAUD_BUDGET" default:"1s"`
	// FraudAttempts is the number of attempts within the budget.
	FraudAttempts int `env:"PAYMENTS_FRAUD_ATTEMPTS" default:"3"`
	// RequireProviders forbids `novatrek dev` and `run` to start fakes for unset URLs.
	RequireProviders bool `env:"PAYMENTS_REQUIRE_PROVIDERS"`
	// DBMaxConns sizes the service's own connection pool, at least 2. The API holds a
	// connection only for single statements and short transactions, never across a
	// provider call.
	DBMaxConns int32 `env:"PAYMENTS_DB_MAX_CONNS" default:"16"`
	// RefundPoll is the refund worker's polling fallback (it is woken by NOTIFY first).
	RefundPoll time.Duration `env:"PAYMENTS_REFUND_POLL" default:"5s"`
	// RecoveryInterval and RecoveryAge: every interval, payments in processing for longer
	// than age are resumed.
	RecoveryInterval time.Duration `env:"PAYMENTS_RECOVERY_INTERVAL" default:"30s"`
	RecoveryAge      time.Duration `env:"PAYMENTS_RECOVERY_AGE" default:"2m"`
	// ReconcileInterval is how often yesterday's and today's summaries are rebuilt.
	ReconcileInterval time.Duration `env:"PAYMENTS_RECONCILE_INTERVAL" default:"1h"`

	// Auth authenticates callers; nil reads NOVATREK_API_TOKENS (dev tokens when unset).
	Auth *apiauth.Authenticator
	// Now is the clock; nil is time.Now.
	Now func() time.Time

	hooks hooks
}

// ConfigFromEnv reads the PAYMENTS_* variables. Every malformed value is a line naming it.
func ConfigFromEnv() (Config, error) { return loadConfig(os.Getenv) }

// loadConfig reads the configuration through getenv and checks it.
func loadConfig(getenv func(string) string) (Config, error) {
	var c Config
	if err := config.Load(getenv, &c); err != nil {
		return c, fmt.Errorf("payments: %w", err)
	}
	return c, c.validate()
}

// requireProviders refuses to run without the providers' URLs: the service starts no fakes.
func (c *Config) requireProviders() error {
	var unset []string
	for name, url := range map[string]string{"PAYMENTS_PSP_URL": c.PSPURL, "PAYMENTS_FRAUD_URL": c.FraudURL} {
		if url == "" {
			unset = append(unset, name)
		}
	}
	if len(unset) > 0 {
		slices.Sort(unset)
		return fmt.Errorf("payments: %s unset: set the provider URLs (novatrek dev and run start fakes for unset ones)", strings.Join(unset, " and "))
	}
	return nil
}

func (c *Config) validate() error {
	if c.RequireProviders && (c.PSPURL == "" || c.FraudURL == "") {
		return errors.New("payments: PAYMENTS_REQUIRE_PROVIDERS is set but PAYMENTS_PSP_URL or PAYMENTS_FRAUD_URL is empty")
	}
	if c.DBMaxConns < 2 {
		return fmt.Errorf("payments: PAYMENTS_DB_MAX_CONNS %d is not an integer of at least 2", c.DBMaxConns)
	}
	if c.RecoveryAge <= idempotencyLease {
		return fmt.Errorf("payments: PAYMENTS_RECOVERY_AGE %s must exceed the idempotency lease %s, so recovery never races a live request", c.RecoveryAge, idempotencyLease)
	}
	return nil
}
