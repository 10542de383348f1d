package payments

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/schemas"
)

// refundsChannel is the NOTIFY channel that wakes the refund worker; PostgreSQL delivers it
// when the transaction that created refunds commits.
const refundsChannel = "payments.refunds"

// onReservationStatusChanged evaluates the refund policy for every deposit of a cancelled
// reservation, records each evaluation, and creates a pending refund where the policy
// refunds automatically. The provider is not called here: the refund worker executes the
// refunds after this transaction commits (woken by NOTIFY), so a slow provider never holds
// a consumer batch, and the inbox guarantees a redelivered event evaluates nothing twice.
//
// A replayed cancellation (the group was rewound with `novatrek groups reset`) changes
// nothing: its evaluation and any refund were recorded when it was first applied, and money
// must never move twice because someone re-ran a consumer group.
func (c *core) onReservationStatusChanged(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.ReservationStatusChanged]) error {
	v := ev.Value
	if v.NewStatus != "CANCELLED" || ev.Replay {
		return nil
	}
	resID, err := uuid.Parse(v.ReservationID)
	if err != nil {
		return stream.Permanent(fmt.Errorf("reservation id %q: %w", v.ReservationID, err))
	}
	eventID, err := uuid.Parse(ev.Meta.EventID)
	if err != nil {
		return stream.Permanent(fmt.Errorf("event id %q: %w", ev.Meta.EventID, err))
	}
	corr, err := uuid.Parse(ev.Meta.CorrelationID)
	if err != nil {
		corr = uuid.Nil // fall back to each payment's own correlation id
	}
	ps, err := collectPayments(tx.Query(ctx, `SELECT `+paymentCols+` FROM payments.payments
WHERE reservation_id = $1 AND type = 'DEPOSIT' AND status IN ('authorized', 'captured')
ORDER BY created_at, id FOR UPDATE`, resID))
	if err != nil {
		return fmt.Errorf("load payments of cancelled reservation %s: %w", resID, err)
	}
	at := ev.Meta.OccurredAt
	if at.IsZero() || at.Year() < 2000 {
		at = ev.Timestamp
	}
	var departure *time.Time
	if d := v.DepartureDate; d.Year() >= 2000 { // the Avro date's zero (1970-01-01) means unknown
		dd := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
		departure = &dd
	}
	reason := cancellationReason(v.Reason, v.ChangedBy)
	now := c.now()
	refunds := 0
	for _, p := range ps {
		var pol policyResult
		decision := "manual_review"
		if p.Status == StatusAuthorized {
			pol = policyResult{Rule: "authorization-outstanding"} // a person voids or captures it
		} else {
			pol = evaluatePolicy(policyInput{Reason: reason, DepartureDate: departure, At: at,
				Captured: p.CapturedMinor, Refunded: p.RefundedMinor, Refundable: p.Refundable()})
			switch {
			case !pol.Automatic:
				decision = "manual_review"
			case p.Refundable() <= 0:
				decision = "nothing_to_refund"
			case pol.Amount == 0:
				decision = "no_refund"
			default:
				decision = "auto_refund"
			}
		}
		e := newEvaluation(p, "reservation_cancelled", &eventID, reason, departure, pol, now)
		e.Decision = decision
		if err := insertEvaluation(ctx, tx, e); err != nil {
			return err
		}
		c.m.evaluations.WithLabelValues(decision).Inc()
		if decision != "auto_refund" {
			continue
		}
		eid := eventID.String()
		r := &Refund{
			ID: uuid.New(), PaymentID: p.ID, Currency: p.Currency, AmountMinor: pol.Amount, Reason: reason,
			PolicyEvaluationID: &e.ID, Status: RefundPending, CorrelationID: corr, CausationID: &eid,
			NextAttemptAt: now, CreatedAt: now,
		}
		if corr == uuid.Nil {
			r.CorrelationID = p.CorrelationID
		}
		if err := insertRefund(ctx, tx, r); err != nil {
			return err
		}
		if err := c.reserveRefund(ctx, tx, p, pol.Amount, now); err != nil {
			return err
		}
		refunds++
	}
	if refunds > 0 {
		if _, err := tx.Exec(ctx, `SELECT pg_notify($1, '')`, refundsChannel); err != nil {
			return fmt.Errorf("notify the refund worker: %w", err)
		}
	}
	c.log.InfoContext(ctx, "reservation cancelled: refund policy evaluated", "reservation_id", resID,
		"payments", len(ps), "refunds", refunds, "reason", reason)
	return nil
}
