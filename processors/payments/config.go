package payments

import (
	"fmt"
	"time"
)

// idempotencyLease is how long a request holds its Idempotency-Key; RecoveryAge must exceed
// it, so recovery never races a live request.
const idempotencyLease = time.Minute

// Config is svc-payments' own settings; the providers' URLs, keys and timeouts are its
// Spec's Clients and the pool size its Store's. Each field is read from its env variable by
// config.Load (an unset one takes the default tag).
type Config struct {
	// FraudBudget bounds a screening with its retries; see package fraud for what happens
	// when it runs out.
	FraudBudget time.Duration `env:"PAYMENTS_FRAUD_BUDGET" default:"1s"`
	// FraudAttempts is the number of attempts within the budget.
	FraudAttempts int `env:"PAYMENTS_FRAUD_ATTEMPTS" default:"3"`
	// RefundPoll is the refund worker's polling fallback (it is woken by NOTIFY first).
	RefundPoll time.Duration `env:"PAYMENTS_REFUND_POLL" default:"5s"`
	// RecoveryInterval and RecoveryAge: every interval, payments in processing for longer
	// than age are resumed.
	RecoveryInterval time.Duration `env:"PAYMENTS_RECOVERY_INTERVAL" default:"30s"`
	RecoveryAge      time.Duration `env:"PAYMENTS_RECOVERY_AGE" default:"2m"`
	// ReconcileInterval is how often yesterday's and today's summaries are rebuilt.
	ReconcileInterval time.Duration `env:"PAYMENTS_RECONCILE_INTERVAL" default:"1h"`
}

// Validate checks the ranges and combinations config.Load cannot (config.Load calls it).
func (c *Config) Validate() error {
	if c.RecoveryAge <= idempotencyLease {
		return fmt.Errorf("payments: PAYMENTS_RECOVERY_AGE %s must exceed the idempotency lease %s, so recovery never races a live request", c.RecoveryAge, idempotencyLease)
	}
	return nil
}
