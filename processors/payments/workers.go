package payments

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// runRefundWorker executes pending refunds: those the reservation consumer created, and
// those whose API request died or met a provider outage. It waits on the refunds NOTIFY
// channel, polling every poll as a fallback, on a connection of its own.
func (c *core) runRefundWorker(ctx context.Context, poll time.Duration) error {
	backoff := time.Second
	for ctx.Err() == nil {
		err := c.listenRefunds(ctx, poll)
		if ctx.Err() != nil {
			return nil
		}
		c.log.WarnContext(ctx, "refund worker lost its connection; reconnecting", "err", err, "retry_in", backoff)
		if !sleepCtx(ctx, backoff) {
			return nil
		}
		backoff = min(backoff*2, 30*time.Second)
	}
	return nil
}

func (c *core) listenRefunds(ctx context.Context, poll time.Duration) error {
	pc, err := c.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	conn := pc.Hijack() // ours until we close it: LISTEN must not go back to the pool
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{refundsChannel}.Sanitize()); err != nil {
		return err
	}
	for {
		c.runDueRefunds(ctx)
		wctx, cancel := context.WithTimeout(ctx, poll)
		_, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil && !errors.Is(err, context.DeadlineExceeded):
			return err
		}
	}
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

// runRecovery resumes payments left in processing for longer than age (their request died
// between our commit and the provider's answer, and nobody retried), every interval.
func (c *core) runRecovery(ctx context.Context, interval, age time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		c.recoverStuck(ctx, age)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (c *core) recoverStuck(ctx context.Context, age time.Duration) {
	ps, err := stuckPayments(ctx, c.pool, c.now(), age, 50)
	if err != nil {
		if ctx.Err() == nil {
			c.log.ErrorContext(ctx, "recovery: listing stuck payments failed", "err", err)
		}
		return
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
}

// runReconciliation rebuilds yesterday's and today's daily summaries every interval and
// logs any mismatch between the ledger and the payments tables.
func (c *core) runReconciliation(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
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
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
