package payments

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/money"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/processors/payments/psp"
)

// commissionInput is a validated commission request: NovaTrek pays a partner its
// commission on a reservation the partner sold, as a payout (a provider transfer) to the
// partner's connected account. No card is authorized, so there is no fraud screening.
type commissionInput struct {
	ReservationID  uuid.UUID
	GuestID        uuid.UUID
	PartnerID      string
	PartnerAccount string
	Amount         money.Amount
	Description    *string
}

func (c *core) createCommission(ctx context.Context, caller, key string, hash []byte, in commissionInput, f flow, fin finisher) (*Payment, error) {
	if p, err := c.existing(ctx, caller, key, hash); p != nil || err != nil {
		if err != nil {
			return nil, err
		}
		return c.advance(ctx, p, flowOf(p, f), fin)
	}
	now := c.now()
	p := &Payment{
		ID: uuid.New(), Caller: caller, IdempotencyKey: key, RequestHash: hash, Type: TypeCommission,
		ReservationID: in.ReservationID, GuestID: in.GuestID, PartnerID: &in.PartnerID,
		PartnerAccount: &in.PartnerAccount, Currency: in.Amount.Currency, AmountMinor: in.Amount.Minor,
		Capture: true, Method: "BANK_TRANSFER", Provider: c.psp.Name(), Status: StatusProcessing,
		Description: in.Description, CorrelationID: f.correlation, CreatedAt: now, UpdatedAt: now,
	}
	if err := insertPayment(ctx, c.pool, p); err != nil {
		if errors.Is(err, errDuplicateKey) {
			return c.resumeDuplicate(ctx, caller, key, hash, f, fin)
		}
		return nil, err
	}
	return c.advance(ctx, p, f, fin)
}

// advanceCommission pays a processing commission out and commits the result.
func (c *core) advanceCommission(ctx context.Context, p *Payment, f flow, fin finisher) (*Payment, error) {
	tr, err := c.psp.CreateTransfer(ctx, psp.TransferParams{
		Amount: p.AmountMinor, Currency: p.Currency, Destination: deref(p.PartnerAccount),
		TransferGroup: "reservation-" + p.ReservationID.String(),
		Metadata:      map[string]string{"payment_id": p.ID.String(), "partner_id": deref(p.PartnerID)},
	}, p.providerKey("transfer"))
	var pe *psp.Error
	if errors.As(err, &pe) && !errors.Is(err, psp.ErrUnavailable) {
		// The provider refused the payout (unknown account, ...): final, nothing moved.
		return c.decline(ctx, p, pe.Reason(), fin)
	}
	if err != nil {
		return nil, providerError(err, "pay the commission out")
	}
	now := c.now()
	q := *p
	q.Status, q.CapturedMinor, q.CapturedAt, q.UpdatedAt, q.ProviderReference = StatusPaid, p.AmountMinor, &now, now, &tr.ID
	out, err := c.commitPayment(ctx, &q, StatusProcessing, fin, func(tx store.Execer) error {
		if err := postTx(ctx, tx, commissionEntry(&q, now)); err != nil {
			return err
		}
		return c.enqueueProcessed(ctx, tx, &q, flowOf(&q, f), now)
	})
	if err == nil && out == &q {
		c.m.payments.WithLabelValues(q.Type, q.Status).Inc()
	}
	return out, err
}

func faultPayoutRejected(p *Payment) *fault.Error {
	return fault.Unprocessable(slugPayoutRejected, "Payout rejected",
		"The provider refused the commission payout: "+deref(p.DeclineCode)+".").
		With("payment_id", p.ID).With("provider_code", deref(p.DeclineCode))
}
