package payments

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/novatrek/support/internal/platform/apiauth"
)

// Config configures svc-payments. ConfigFromEnv reads it from the environment; zero values
// take the defaults named on each field.
type Config struct {
	// PSPURL is the payment provider's API root, e.g. https://api.stripe.com
	// (PAYMENTS_PSP_URL). Empty starts the built-in fake PSP (package pspfake) inside the
	// process and logs a warning: that is how `novatrek dev` runs with no setup. Production
	// sets the URL, and PAYMENTS_REQUIRE_PROVIDERS=true to make a missing URL fatal.
	PSPURL string
	// PSPAPIKey is the provider's secret key (PAYMENTS_PSP_API_KEY); never logged.
	PSPAPIKey string
	// PSPTimeout bounds one provider call (PAYMENTS_PSP_TIMEOUT); default 10s.
	PSPTimeout time.Duration
	// FraudURL is the fraud-screening service (PAYMENTS_FRAUD_URL). Empty starts the
	// built-in fake (package fraudfake), as for PSPURL.
	FraudURL string
	// FraudAPIKey is its API key (PAYMENTS_FRAUD_API_KEY); never logged.
	FraudAPIKey string
	// FraudTimeout bounds one screening attempt (PAYMENTS_FRAUD_TIMEOUT); default 300ms.
	FraudTimeout time.Duration
	// FraudBudget bounds a screening with its retries (PAYMENTS_FRAUD_BUDGET); default 1s.
	// See package fraud for what happens when it runs out.
	FraudBudget time.Duration
	// FraudAttempts is the number of attempts within the budget (PAYMENTS_FRAUD_ATTEMPTS);
	// default 3.
	FraudAttempts int
	// RequireProviders refuses to start with the fake PSP or fraud service
	// (PAYMENTS_REQUIRE_PROVIDERS=true). Default false.
	RequireProviders bool
	// DBMaxConns sizes the service's own connection pool (PAYMENTS_DB_MAX_CONNS); default
	// 16. The API holds a connection only for single statements and short transactions,
	// never across a provider call.
	DBMaxConns int32

	// Auth authenticates callers; nil reads NOVATREK_API_TOKENS (dev tokens when unset).
	Auth *apiauth.Authenticator
	// IdempotencyLease is how long a request holds its key; default 1 minute.
	IdempotencyLease time.Duration
	// RefundPoll is the refund worker's polling fallback; default 5s.
	RefundPoll time.Duration
	// RecoveryInterval and RecoveryAge: every interval, payments in processing for longer
	// than age are resumed; defaults 30s and 2 minutes.
	RecoveryInterval time.Duration
	RecoveryAge      time.Duration
	// ReconcileInterval is how often yesterday's and today's summaries are rebuilt; default 1h.
	ReconcileInterval time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time

	hooks hooks
}

// ConfigFromEnv reads the PAYMENTS_* variables. A malformed value is an error naming it.
func ConfigFromEnv() (Config, error) {
	c := Config{
		PSPURL:      os.Getenv("PAYMENTS_PSP_URL"),
		PSPAPIKey:   os.Getenv("PAYMENTS_PSP_API_KEY"),
		FraudURL:    os.Getenv("PAYMENTS_FRAUD_URL"),
		FraudAPIKey: os.Getenv("PAYMENTS_FRAUD_API_KEY"),
	}
	var errs []error
	dur := func(name string, dst *time.Duration) {
		if v := os.Getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				errs = append(errs, fmt.Errorf("payments: %s %q is not a positive duration such as 500ms", name, v))
			}
			*dst = d
		}
	}
	dur("PAYMENTS_PSP_TIMEOUT", &c.PSPTimeout)
	dur("PAYMENTS_FRAUD_TIMEOUT", &c.FraudTimeout)
	dur("PAYMENTS_FRAUD_BUDGET", &c.FraudBudget)
	if v := os.Getenv("PAYMENTS_FRAUD_ATTEMPTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("payments: PAYMENTS_FRAUD_ATTEMPTS %q is not a positive integer", v))
		}
		c.FraudAttempts = n
	}
	if v := os.Getenv("PAYMENTS_DB_MAX_CONNS"); v != "" {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil || n < 2 {
			errs = append(errs, fmt.Errorf("payments: PAYMENTS_DB_MAX_CONNS %q is not an integer of at least 2", v))
		}
		c.DBMaxConns = int32(n)
	}
	if v := os.Getenv("PAYMENTS_REQUIRE_PROVIDERS"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("payments: PAYMENTS_REQUIRE_PROVIDERS %q is not true or false", v))
		}
		c.RequireProviders = b
	}
	return c, errors.Join(errs...)
}

func (c *Config) setDefaults() {
	if c.PSPTimeout == 0 {
		c.PSPTimeout = 10 * time.Second
	}
	if c.DBMaxConns == 0 {
		c.DBMaxConns = 16
	}
	if c.IdempotencyLease == 0 {
		c.IdempotencyLease = time.Minute
	}
	if c.RefundPoll == 0 {
		c.RefundPoll = 5 * time.Second
	}
	if c.RecoveryInterval == 0 {
		c.RecoveryInterval = 30 * time.Second
	}
	if c.RecoveryAge == 0 {
		c.RecoveryAge = 2 * time.Minute
	}
	if c.ReconcileInterval == 0 {
		c.ReconcileInterval = time.Hour
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

func (c *Config) validate() error {
	if c.RequireProviders && (c.PSPURL == "" || c.FraudURL == "") {
		return errors.New("payments: PAYMENTS_REQUIRE_PROVIDERS is set but PAYMENTS_PSP_URL or PAYMENTS_FRAUD_URL is empty")
	}
	if c.DBMaxConns < 2 {
		return errors.New("payments: DBMaxConns must be at least 2")
	}
	if c.RecoveryAge <= c.IdempotencyLease {
		return errors.New("payments: RecoveryAge must exceed IdempotencyLease, so recovery never races a live request")
	}
	return nil
}
