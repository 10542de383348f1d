package payments

import (
	"context"

	"github.com/novatrek/support/internal/platform/service"
	"github.com/novatrek/support/internal/platform/worker"
	"github.com/novatrek/support/processors/payments/fraud"
	"github.com/novatrek/support/processors/payments/psp"
)

// app is the running service: the API's handlers (api_*.go), the consumer and the workers
// share its core.
type app struct {
	core *core
	cfg  Config
}

// newApp reads the configuration and builds the core from env; everything malformed is an
// error here, before anything runs.
func newApp(_ context.Context, env service.Env) (*app, error) {
	var cfg Config
	if err := env.Load(&cfg); err != nil {
		return nil, err
	}
	p, err := psp.New(psp.Config{Endpoint: env.Outbound("psp")})
	if err != nil {
		return nil, err
	}
	f, err := fraud.New(fraud.Config{Endpoint: env.Outbound("fraud"), Budget: cfg.FraudBudget, MaxAttempts: cfg.FraudAttempts})
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(env.Metrics)
	if err != nil {
		return nil, err
	}
	c := &core{pool: env.DB, psp: p, fraud: f, emitter: env.Emit, log: env.Logger, now: env.Now, m: m}
	return &app{core: c, cfg: cfg}, nil
}

// runRefundWorker is the "refund worker": due refunds, woken by NOTIFY, polling every
// PAYMENTS_REFUND_POLL as a fallback.
func (a *app) runRefundWorker(ctx context.Context) error {
	return a.core.refundWorker(a.cfg.RefundPoll)(ctx)
}

// runRecovery is the "recovery" worker: every PAYMENTS_RECOVERY_INTERVAL, payments in
// processing for longer than PAYMENTS_RECOVERY_AGE are resumed.
func (a *app) runRecovery(ctx context.Context) error {
	return worker.Every("recovery", a.cfg.RecoveryInterval, a.core.log,
		func(ctx context.Context) error { return a.core.recoverStuck(ctx, a.cfg.RecoveryAge) })(ctx)
}

// runReconciliation is the "reconciliation" worker: yesterday's and today's summaries
// rebuilt every PAYMENTS_RECONCILE_INTERVAL.
func (a *app) runReconciliation(ctx context.Context) error {
	return worker.Every("reconciliation", a.cfg.ReconcileInterval, a.core.log, a.core.reconcileRecent)(ctx)
}
