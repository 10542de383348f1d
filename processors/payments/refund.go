package payments

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/money"
	"github.com/novatrek/support/processors/payments/psp"
)

// refundInput is a validated refund request.
type refundInput struct {
	// Amount to refund; nil means what the policy grants.
	Amount        *money.Amount
	Reason        string
	DepartureDate *time.Time
}

// apiRefundGrace is how long the refund worker leaves a refund created by the API alone:
// the request executes it itself, and the worker only picks up one whose request died.
const apiRefundGrace = 30 * time.Second

// createRefund evaluates the refund policy, records the evaluation and a pending refund
// (reserving its amount on the payment) in one transaction, then executes it. Every check
// happens under the payment's row lock, so two concurrent refunds cannot exceed what was
// captured, and a refused request writes nothing.
func (c *core) createRefund(ctx context.Context, paymentID uuid.UUID, caller, key string, hash []byte, in refundInput, f flow, fin finisher) (*Refund, error) {
	if r, err := refundByKey(ctx, c.pool, caller, key); err == nil {
		if !bytes.Equal(r.RequestHash, hash) || r.PaymentID != paymentID {
			return nil, faultKeyReused()
		}
		return c.executeRefund(ctx, r, f, fin)
	} else if !errors.Is(err, errNotFound) {
		return nil, err
	}
	var r *Refund
	err := pgx.BeginFunc(ctx, c.pool, func(tx pgx.Tx) error {
		p, err := getPayment(ctx, tx, paymentID, true)
		if errors.Is(err, errNotFound) {
			return faultNotFound("payment", paymentID)
		}
		if err != nil {
			return err
		}
		if p.Type != TypeDeposit || p.Status != StatusCaptured {
			return faultState(p, "refund")
		}
		if in.Amount != nil && in.Amount.Currency != p.Currency {
			return faultCurrency(p, in.Amount.Currency)
		}
		now := c.now()
		pol := evaluatePolicy(policyInput{Reason: in.Reason, DepartureDate: in.DepartureDate, At: now,
			Captured: p.CapturedMinor, Refunded: p.RefundedMinor, Refundable: p.Refundable()})
		amount := pol.Amount
		var requested *int64
		if in.Amount != nil {
			amount, requested = in.Amount.Minor, &in.Amount.Minor
			if amount > p.Refundable() {
				return faultExceeds(slugExceedsRefundable, "Refund exceeds what is refundable", *in.Amount,
					p.amount(p.Refundable()), "what is left to refund on the payment").With("payment_id", p.ID)
			}
			if pol.Automatic && amount > pol.Amount {
				return faultExceeds(slugExceedsPolicy, "Refund exceeds the refund policy", *in.Amount,
					p.amount(pol.Amount), "what the refund policy grants ("+pol.Rule+")").With("rule", pol.Rule)
			}
		}
		if amount <= 0 {
			return fault.Unprocessable(slugPolicyDenies, "The refund policy grants nothing",
				fmt.Sprintf("The refund policy (%s, version %s) grants no refund for payment %s.", pol.Rule, PolicyVersion, p.ID)).
				With("rule", pol.Rule)
		}
		ev := newEvaluation(p, "api", nil, in.Reason, in.DepartureDate, pol, now)
		ev.RequestedMinor, ev.Decision = requested, "refund"
		if err := insertEvaluation(ctx, tx, ev); err != nil {
			return err
		}
		r = &Refund{
			ID: uuid.New(), PaymentID: p.ID, Caller: &caller, IdempotencyKey: &key, RequestHash: hash,
			Currency: p.Currency, AmountMinor: amount, Reason: in.Reason, PolicyEvaluationID: &ev.ID,
			Status: RefundPending, CorrelationID: flowOf(p, f).correlation, CausationID: f.causation,
			NextAttemptAt: now.Add(apiRefundGrace), CreatedAt: now,
		}
		if err := insertRefund(ctx, tx, r); err != nil {
			return err
		}
		return c.reserveRefund(ctx, tx, p, amount, now)
	})
	if err != nil {
		return nil, err
	}
	return c.executeRefund(ctx, r, f, fin)
}

// reserveRefund adds amount (negative: releases it) to the payment's refunded total.
func (c *core) reserveRefund(ctx context.Context, tx pgx.Tx, p *Payment, amount int64, now time.Time) error {
	p.RefundedMinor += amount
	p.UpdatedAt = now
	ok, err := updatePayment(ctx, tx, p, p.Status)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("payment %s changed under its row lock", p.ID)
	}
	return nil
}

func newEvaluation(p *Payment, trigger string, eventID *uuid.UUID, reason string, departure *time.Time, pol policyResult, now time.Time) *Evaluation {
	e := &Evaluation{
		ID: uuid.New(), PaymentID: p.ID, ReservationID: p.ReservationID, Trigger: trigger, EventID: eventID,
		Reason: reason, PolicyVersion: PolicyVersion, Rule: pol.Rule, DepartureDate: departure,
		RefundPercent: int32(pol.Percent), Currency: p.Currency, CapturedMinor: p.CapturedMinor,
		RefundableMinor: max(p.Refundable(), 0), PolicyMinor: pol.Amount, EvaluatedAt: now,
	}
	if pol.DaysBefore != nil {
		d := int32(*pol.DaysBefore)
		e.DaysBeforeDeparture = &d
	}
	return e
}

// executeRefund asks the provider to refund a pending refund (key derived from the refund
// id) and commits the outcome. A transient failure leaves it pending for a retry or the
// refund worker; a refusal marks it failed and releases its amount.
func (c *core) executeRefund(ctx context.Context, r *Refund, f flow, fin finisher) (*Refund, error) {
	if r.Status != RefundPending {
		return r, nil
	}
	p, err := getPayment(ctx, c.pool, r.PaymentID, false)
	if err != nil {
		return nil, err
	}
	res, err := c.psp.CreateRefund(ctx, psp.RefundParams{
		PaymentIntent: deref(p.ProviderReference), Amount: r.AmountMinor, Reason: pspRefundReason(r.Reason),
		Metadata: map[string]string{"refund_id": r.ID.String(), "payment_id": p.ID.String()},
	}, r.providerKey())
	var pe *psp.Error
	switch {
	case errors.As(err, &pe) && !errors.Is(err, psp.ErrUnavailable):
		c.m.refunds.WithLabelValues(RefundFailed).Inc()
		return c.finishRefund(ctx, r, RefundFailed, "", pe.Reason(), f, fin)
	case err != nil:
		next := c.now().Add(refundBackoff(r.Attempts))
		if perr := postponeRefund(ctx, c.pool, r.ID, next); perr != nil {
			c.log.ErrorContext(ctx, "postponing a refund failed; the worker retries it when its lease ends", "refund_id", r.ID, "err", perr)
		}
		return nil, providerError(err, "refund the payment")
	}
	c.m.refunds.WithLabelValues(RefundSucceeded).Inc()
	return c.finishRefund(ctx, r, RefundSucceeded, res.ID, "", f, fin)
}

// finishRefund commits a refund's final status with, on success, its ledger entry and
// event, or, on failure, the release of its reserved amount.
func (c *core) finishRefund(ctx context.Context, r *Refund, status, providerRef, failure string, f flow, fin finisher) (*Refund, error) {
	now := c.now()
	q := *r
	q.Status, q.CompletedAt = status, &now
	if providerRef != "" {
		q.ProviderReference = &providerRef
	}
	if failure != "" {
		q.FailureReason = &failure
	}
	won := false
	err := pgx.BeginFunc(ctx, c.pool, func(tx pgx.Tx) error {
		p, err := getPayment(ctx, tx, r.PaymentID, true)
		if err != nil {
			return err
		}
		ok, err := finishRefund(ctx, tx, &q)
		if err != nil || !ok {
			return err
		}
		won = true
		if status == RefundFailed {
			if err := c.reserveRefund(ctx, tx, p, -r.AmountMinor, now); err != nil {
				return err
			}
		} else {
			if err := postTx(ctx, tx, refundEntry(p, &q, now)); err != nil {
				return err
			}
			rf := f
			rf.correlation, rf.causation = q.CorrelationID, q.CausationID
			if f.traceparent != "" {
				rf.traceparent = f.traceparent
			}
			if err := c.enqueueRefunded(ctx, tx, p, &q, rf, now); err != nil {
				return err
			}
		}
		return finish(ctx, fin, tx, &q)
	})
	if err != nil {
		discard(fin)
		return nil, fmt.Errorf("finish refund %s: %w", r.ID, err)
	}
	if !won {
		return getRefund(ctx, c.pool, r.ID)
	}
	return &q, nil
}

// refundBackoff is the wait before retrying a refund after its n-th failed attempt:
// 5s doubling up to 10 minutes.
func refundBackoff(n int) time.Duration {
	d := 5 * time.Second
	for i := 0; i < n && d < 10*time.Minute; i++ {
		d *= 2
	}
	return min(d, 10*time.Minute)
}

func pspRefundReason(reason string) string {
	switch reason {
	case ReasonDuplicateCharge:
		return psp.RefundReasonDuplicate
	case ReasonChargeback:
		return ""
	}
	return psp.RefundReasonRequestedByCustomer
}
