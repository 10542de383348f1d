package payments

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/money"
	"github.com/novatrek/support/internal/platform/problem"
)

// disputeInput is a validated dispute PUT: the provider's view of a chargeback case, as
// its dispute webhooks deliver it. Opening needs PaymentID, Amount, Reason and RespondBy.
type disputeInput struct {
	CaseID    string
	PaymentID *uuid.UUID
	Amount    *money.Amount
	Reason    *string
	Status    string // default OPEN for a new case
	RespondBy *time.Time
	Note      *string
}

// disputeOutcome is what putDispute hands its finisher.
type disputeOutcome struct {
	dispute *Dispute
	created bool
}

// putDispute opens the case if it is new, or moves it to in.Status. It is idempotent by
// nature (the same state twice changes nothing). created reports whether the case was new.
func (c *core) putDispute(ctx context.Context, in disputeInput, f flow, fin finisher) (d *Dispute, created bool, err error) {
	err = pgx.BeginFunc(ctx, c.pool, func(tx pgx.Tx) error {
		existing, err := disputeByCase(ctx, tx, in.CaseID, true)
		switch {
		case errors.Is(err, errNotFound):
			d, err = c.openDispute(ctx, tx, in, f)
			created = err == nil
		case err != nil:
			return err
		default:
			d, err = c.updateDispute(ctx, tx, existing, in, f)
		}
		if err != nil {
			return err
		}
		return finish(ctx, fin, tx, disputeOutcome{dispute: d, created: created})
	})
	if err != nil {
		discard(fin)
		return nil, false, err
	}
	return d, created, nil
}

func (c *core) openDispute(ctx context.Context, tx pgx.Tx, in disputeInput, f flow) (*Dispute, error) {
	var missing []problem.FieldError // the 400's "errors" member, as DecodeJSON's
	if in.PaymentID == nil {
		missing = append(missing, problem.FieldError{Field: "payment_id", Reason: "required to open a dispute"})
	}
	if in.Amount == nil {
		missing = append(missing, problem.FieldError{Field: "amount", Reason: "required to open a dispute"})
	}
	if in.Reason == nil {
		missing = append(missing, problem.FieldError{Field: "reason", Reason: "required to open a dispute"})
	}
	if in.RespondBy == nil {
		missing = append(missing, problem.FieldError{Field: "respond_by", Reason: "required to open a dispute"})
	}
	if len(missing) > 0 {
		return nil, fault.Invalid("The dispute case is new; opening it needs more fields.").With("errors", missing)
	}
	if in.Status != DisputeOpen {
		return nil, fault.Conflict(slugInvalidTransition, "Invalid dispute transition",
			fmt.Sprintf("Case %s is unknown; it must be opened (status OPEN) before it moves to %s.", in.CaseID, in.Status))
	}
	p, err := getPayment(ctx, tx, *in.PaymentID, true)
	if errors.Is(err, errNotFound) {
		return nil, faultNotFound("payment", *in.PaymentID)
	}
	if err != nil {
		return nil, err
	}
	if p.Type != TypeDeposit || p.Status != StatusCaptured {
		return nil, faultState(p, "dispute")
	}
	if in.Amount.Currency != p.Currency {
		return nil, faultCurrency(p, in.Amount.Currency)
	}
	if in.Amount.Minor > p.Refundable() {
		return nil, faultExceeds(slugExceedsRefundable, "Dispute exceeds what is left on the payment", *in.Amount,
			p.amount(p.Refundable()), "what is neither refunded nor already disputed")
	}
	now := c.now()
	d := &Dispute{ID: uuid.New(), ProviderCaseID: in.CaseID, PaymentID: p.ID, Currency: p.Currency,
		AmountMinor: in.Amount.Minor, Reason: *in.Reason, Status: DisputeOpen, RespondBy: *in.RespondBy,
		Note: in.Note, OpenedAt: now, UpdatedAt: now}
	ok, err := insertDispute(ctx, tx, d)
	if err != nil {
		return nil, err
	}
	if !ok { // opened concurrently: the retry sees it and treats this as an update
		return nil, fault.Conflict("", "Conflict with the resource's state", "The case was opened concurrently; retry.")
	}
	p.DisputedMinor += d.AmountMinor
	p.UpdatedAt = now
	if _, err := updatePayment(ctx, tx, p, p.Status); err != nil {
		return nil, err
	}
	if err := postTx(ctx, tx, disputeEntry(kindDisputeOpened, p, d, now)); err != nil {
		return nil, err
	}
	c.m.disputes.WithLabelValues(DisputeOpen).Inc()
	return d, c.enqueueDisputeOpened(ctx, tx, p, d, flowOf(p, f), now)
}

func (c *core) updateDispute(ctx context.Context, tx pgx.Tx, d *Dispute, in disputeInput, f flow) (*Dispute, error) {
	if (in.PaymentID != nil && *in.PaymentID != d.PaymentID) ||
		(in.Amount != nil && (in.Amount.Minor != d.AmountMinor || in.Amount.Currency != d.Currency)) {
		return nil, fault.Unprocessable(slugDisputeMismatch, "Dispute does not match",
			fmt.Sprintf("Case %s is recorded for another payment or amount; those cannot change.", d.ProviderCaseID))
	}
	now := c.now()
	if in.Status == d.Status {
		if in.Note != nil && deref(in.Note) != deref(d.Note) {
			d.Note, d.UpdatedAt = in.Note, now
			return d, updateDispute(ctx, tx, d)
		}
		return d, nil
	}
	if !slices.Contains(disputeTransitions[d.Status], in.Status) {
		return nil, fault.Conflict(slugInvalidTransition, "Invalid dispute transition",
			fmt.Sprintf("Case %s cannot move from %s to %s.", d.ProviderCaseID, d.Status, in.Status)).
			With("dispute_status", d.Status)
	}
	p, err := getPayment(ctx, tx, d.PaymentID, true)
	if err != nil {
		return nil, err
	}
	previous := d.Status
	d.Status, d.UpdatedAt = in.Status, now
	if in.Note != nil {
		d.Note = in.Note
	}
	if disputeClosed(d.Status) {
		d.ClosedAt = &now
		p.DisputedMinor -= d.AmountMinor
		kind := kindDisputeWon
		if d.Status != DisputeWon {
			kind = kindDisputeLost
			p.ChargedBackMinor += d.AmountMinor
		}
		p.UpdatedAt = now
		if _, err := updatePayment(ctx, tx, p, p.Status); err != nil {
			return nil, err
		}
		if err := postTx(ctx, tx, disputeEntry(kind, p, d, now)); err != nil {
			return nil, err
		}
	}
	if err := updateDispute(ctx, tx, d); err != nil {
		return nil, err
	}
	c.m.disputes.WithLabelValues(d.Status).Inc()
	return d, c.enqueueDisputeUpdated(ctx, tx, d, previous, flowOf(p, f), now)
}
