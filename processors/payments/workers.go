package payments

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/worker"
)

// refundWorker executes pending refunds: those the reservation consumer created, and those
// whose API request died or met a provider outage. It runs when the refunds channel is
// notified, polling every poll as a fallback (worker.OnNotify: LISTEN on a connection of
// its own, reconnecting after a loss).
func (c *core) refundWorker(poll time.Duration) func(context.Context) error {
	return worker.OnNotify("refund worker", c.pool, refundsChannel, poll, c.log, func(ctx context.Context) error {
		c.runDueRefunds(ctx)
		return nil
	})
}

// runDueRefunds executes every due pending refund, 20 at a time.
func (c *core) runDueRefunds(ctx context.Context) {
	for ctx.Err() == nil {
		// Not cut short by ctx: a lease taken while stopping must come back to be released.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		rs, err := dueRefunds(lctx, c.pool, c.now(), 2*time.Minute, 20)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				c.log.ErrorContext(ctx, "refund worker: listing due refunds failed", "err", err)
			}
			return
		}
		for i, r := range rs {
			var out *Refund
			var err error
			if ctx.Err() == nil {
				out, err = c.executeRefund(ctx, r, flow{correlation: r.CorrelationID, causation: r.CausationID}, nil)
			}
			if ctx.Err() != nil {
				// Stopping (a deploy, a scale-in): hand this refund and the rest of the
				// batch back at once instead of leaving them leased for minutes.
				c.releaseRefunds(ctx, rs[i:])
				return
			}
			switch {
			case err != nil:
				c.log.WarnContext(ctx, "refund attempt failed; retrying later", "refund_id", r.ID, "attempt", r.Attempts, "err", err)
			default:
				c.log.InfoContext(ctx, "refund executed", "refund_id", r.ID, "payment_id", r.PaymentID, "status", out.Status)
			}
		}
		if len(rs) < 20 {
			return
		}
	}
}

// releaseRefunds makes the leased refunds of a stopping worker due now and wakes the other
// instances' workers. Retrying one whose provider call was cut short is safe: the provider
// key derives from the refund id, and only one finish moves a pending refund.
func (c *core) releaseRefunds(ctx context.Context, rs []*Refund) {
	ids := make([]uuid.UUID, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := pgx.BeginFunc(rctx, c.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(rctx, `UPDATE payments.refunds SET next_attempt_at = $2 WHERE id = ANY($1) AND status = 'pending'`, ids, c.now()); err != nil {
			return err
		}
		_, err := tx.Exec(rctx, `SELECT pg_notify($1, '')`, refundsChannel)
		return err
	})
	if err != nil {
		c.log.WarnContext(rctx, "refund worker stopping: releasing its leased refunds failed; they wait for their lease to end", "refunds", len(ids), "err", err)
		return
	}
	c.log.InfoContext(rctx, "refund worker stopping: released its leased refunds to the other instances", "refunds", len(ids))
}

// recoverStuck resumes payments left in processing for longer than age (their request died
// between our commit and the provider's answer, and nobody retried); the recovery worker
// runs it every interval.
func (c *core) recoverStuck(ctx context.Context, age time.Duration) error {
	ps, err := stuckPayments(ctx, c.pool, c.now(), age, 50)
	if err != nil {
		return fmt.Errorf("list stuck payments: %w", err)
	}
	for _, p := range ps {
		out, err := c.advance(ctx, p, flow{correlation: p.CorrelationID}, nil)
		if err != nil {
			c.log.WarnContext(ctx, "recovery: resuming a payment failed; will retry", "payment_id", p.ID, "err", err)
			continue
		}
		c.m.recovered.Inc()
		c.log.InfoContext(ctx, "recovery: payment resumed", "payment_id", p.ID, "status", out.Status)
	}
	return nil
}

// reconcileRecent rebuilds yesterday's and today's daily summaries and logs any mismatch
// between the ledger and the payments tables; the reconciliation worker runs it every
// interval.
func (c *core) reconcileRecent(ctx context.Context) error {
	now := c.now().UTC()
	for _, day := range []time.Time{now.AddDate(0, 0, -1), now} {
		rec, err := c.reconcile(ctx, day)
		if err != nil {
			if ctx.Err() == nil {
				c.log.ErrorContext(ctx, "reconciliation failed", "day", day.Format(time.DateOnly), "err", err)
			}
			continue
		}
		c.m.mismatches.Set(float64(len(rec.Mismatches)))
		if len(rec.Mismatches) > 0 || !rec.Ledger.OK() {
			c.log.ErrorContext(ctx, "reconciliation found mismatches", "day", rec.Day,
				"mismatches", len(rec.Mismatches), "ledger_ok", rec.Ledger.OK())
		}
	}
	return nil
}
