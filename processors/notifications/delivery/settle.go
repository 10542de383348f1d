package delivery

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/processors/notifications/provider"
)

// settleTimeout bounds settling one failed job; it runs even when the job's time is up.
const settleTimeout = 5 * time.Second

// settle is the middleware between PoisonQueue and Retry. A job that still fails once Retry
// gave up (or would not retry: an open circuit, a row another worker holds) is not Nacked:
// a Nack hands the same job back to the same worker first, so one provider's outage would
// hold every worker that picked one of its jobs, and with them every other channel. Instead
// the row is deferred (status "deferred", defer_until) and the job acknowledged; the
// dispatcher publishes the row again once it is due (the same path as a quiet-hours
// deferral):
//
//   - an open circuit: until the circuit lets a trial call through;
//   - a row leased by another worker: until that lease ends (if that worker lives, it
//     finishes the row first and the deferral is moot; if it died, the row comes back);
//   - any other failure: NackResendDelay doubling with each "retry" attempt the row has in
//     delivery_log, at most DefaultMaxDeferral.
//
// A row that has failed Config.MaxAttempts times, or is older than Config.MaxAge, is
// marked failed with a FAILED status event instead, and its job goes to the poison stream.
// Only when the row cannot be settled (the database is unreachable) is the job Nacked.
func (d *Delivery) settle(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		produced, err := h(msg)
		if err == nil || errors.Is(err, errPoison) {
			return produced, err
		}
		id, perr := uuid.ParseBytes(msg.Payload)
		if perr != nil { // handle poisons these; keep the error as it is
			return produced, err
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(msg.Context()), settleTimeout)
		defer cancel()
		serr := d.deferRow(ctx, id.String(), err)
		switch {
		case serr == nil:
			return nil, nil
		case errors.Is(serr, errPoison):
			return nil, serr
		}
		d.cfg.Logger.WarnContext(ctx, "deferring a failed notification job; the job is Nacked instead",
			"id", id.String(), "cause", err, "err", serr)
		return produced, err
	}
}

// settleSQL locks the row and reads what deferRow decides on, by the database's clock.
const settleSQL = `SELECT id::text, source_event_id::text, kind, recipient, recipient_type, channel, priority,
	status, request_id::text, recipient_id,
	coalesce(lease_until > now(), false), created_at < now() - make_interval(secs => $2),
	(SELECT count(*) FILTER (WHERE status = 'retry') FROM notifications.delivery_log WHERE notification_id = $1),
	(SELECT count(*) FROM notifications.delivery_log WHERE notification_id = $1)
	FROM notifications.notifications WHERE id = $1 FOR UPDATE`

// deferRow settles row id after its job failed with cause (see settle). It returns an
// errPoison error when it gave the row up.
func (d *Delivery) deferRow(ctx context.Context, id string, cause error) error {
	tx, err := d.cfg.Pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin deferring %s: %w", id, err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var n notification
	var leased, aged bool
	var retries, logged int
	err = tx.QueryRow(ctx, settleSQL, id, d.cfg.MaxAge.Seconds()).Scan(&n.id, &n.sourceEventID, &n.kind,
		&n.recipient, &n.recipientType, &n.channel, &n.priority, &n.status, &n.requestID, &n.recipientID,
		&leased, &aged, &retries, &logged)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: notification %s does not exist", errPoison, id)
	}
	if err != nil {
		return fmt.Errorf("lock notification %s to defer it: %w", id, err)
	}
	if n.status != "queued" && n.status != "pending" && n.status != "deferred" {
		return nil // finished meanwhile
	}
	if errors.Is(cause, errLeased) {
		if _, err := tx.Exec(ctx, `UPDATE notifications.notifications SET status = 'deferred',
			defer_until = greatest(coalesce(lease_until, now()), now()), updated_at = now() WHERE id = $1`, id); err != nil {
			return fmt.Errorf("defer %s until its lease ends: %w", id, err)
		}
		return d.commit(ctx, tx, id)
	}
	if leased {
		return nil // another worker took the row meanwhile; its job settles it
	}
	if retries >= d.cfg.MaxAttempts || aged {
		return d.giveUp(ctx, tx, &n, cause, retries, logged, aged)
	}
	delay := min(d.cfg.NackResendDelay<<min(retries, 16), DefaultMaxDeferral)
	reason := "retrying: " + cause.Error()
	if until, ok := circuitReopens(cause); ok {
		delay = max(time.Until(until), 0)
		reason = "provider circuit open"
	}
	if _, err := tx.Exec(ctx, `UPDATE notifications.notifications SET status = 'deferred',
		defer_until = now() + make_interval(secs => $2), status_reason = $3, lease_owner = NULL,
		lease_until = NULL, updated_at = now() WHERE id = $1`, id, delay.Seconds(), truncate(reason)); err != nil {
		return fmt.Errorf("defer %s by %s: %w", id, delay, err)
	}
	return d.commit(ctx, tx, id)
}

// giveUp marks n failed with its FAILED status event and returns the errPoison error that
// sends its job to the poison stream.
func (d *Delivery) giveUp(ctx context.Context, tx pgx.Tx, n *notification, cause error, retries, logged int, aged bool) error {
	why := fmt.Errorf("gave up after %d failed attempts: %w", retries, cause)
	if aged {
		why = fmt.Errorf("gave up: older than %s: %w", d.cfg.MaxAge, cause)
	}
	reason := truncate(why.Error())
	if _, err := tx.Exec(ctx, `UPDATE notifications.notifications SET status = 'failed', status_reason = $2,
		defer_until = NULL, lease_owner = NULL, lease_until = NULL, updated_at = now() WHERE id = $1`,
		n.id, reason); err != nil {
		return fmt.Errorf("fail %s: %w", n.id, err)
	}
	if err := d.enqueueStatus(ctx, tx, n, "failed", "", reason, cause, max(logged, 1)); err != nil {
		return err
	}
	if err := d.commit(ctx, tx, n.id); err != nil {
		return err
	}
	prov := ""
	if s := d.senders[provider.Channel(n.channel)]; s != nil {
		prov = s.Name()
	}
	d.metrics.delivered(n.channel, prov, "failed")
	return fmt.Errorf("%w: notification %s: %w", errPoison, n.id, why)
}

func (d *Delivery) commit(ctx context.Context, tx pgx.Tx, id string) error {
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit settling %s: %w", id, err)
	}
	return nil
}
