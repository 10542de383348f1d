package payments

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/money"
	"github.com/novatrek/support/internal/platform/store"
)

// capture captures an authorized deposit: all of it, or amount (Stripe releases the rest).
func (c *core) capture(ctx context.Context, id uuid.UUID, amount *money.Amount, f flow, fin finisher) (*Payment, error) {
	p, err := getPayment(ctx, c.pool, id, false)
	if errors.Is(err, errNotFound) {
		return nil, faultNotFound("payment", id)
	}
	if err != nil {
		return nil, err
	}
	if p.Type != TypeDeposit || p.Status != StatusAuthorized {
		return nil, faultState(p, "capture")
	}
	amt := p.AuthorizedMinor
	if amount != nil {
		if amount.Currency != p.Currency {
			return nil, faultCurrency(p, amount.Currency)
		}
		if amount.Minor > p.AuthorizedMinor {
			return nil, faultExceeds(slugExceedsAuthorized, "Capture exceeds the authorization", *amount, p.amount(p.AuthorizedMinor), "the authorized amount")
		}
		amt = amount.Minor
	}
	pi, err := c.psp.CapturePaymentIntent(ctx, deref(p.ProviderReference), amt, p.providerKey("capture"))
	if err != nil {
		return nil, providerError(err, "capture the payment")
	}
	now := c.now()
	q := *p
	q.Status, q.CapturedMinor, q.CapturedAt, q.UpdatedAt = StatusCaptured, pi.AmountReceived, &now, now
	out, err := c.commitPayment(ctx, &q, StatusAuthorized, fin, func(tx store.Execer) error {
		if err := postTx(ctx, tx, captureEntry(&q, p.AuthorizedMinor, pi.AmountReceived, now)); err != nil {
			return err
		}
		return c.enqueueProcessed(ctx, tx, &q, flowOf(&q, f), now)
	})
	if err == nil && out == &q {
		c.m.payments.WithLabelValues(q.Type, q.Status).Inc()
	}
	return out, err
}

// void releases an authorized deposit's hold on the card.
func (c *core) void(ctx context.Context, id uuid.UUID, fin finisher) (*Payment, error) {
	p, err := getPayment(ctx, c.pool, id, false)
	if errors.Is(err, errNotFound) {
		return nil, faultNotFound("payment", id)
	}
	if err != nil {
		return nil, err
	}
	if p.Type != TypeDeposit || p.Status != StatusAuthorized {
		return nil, faultState(p, "void")
	}
	if _, err := c.psp.CancelPaymentIntent(ctx, deref(p.ProviderReference), p.providerKey("cancel")); err != nil {
		return nil, providerError(err, "void the payment")
	}
	now := c.now()
	q := *p
	q.Status, q.VoidedAt, q.UpdatedAt = StatusVoided, &now, now
	out, err := c.commitPayment(ctx, &q, StatusAuthorized, fin, func(tx store.Execer) error {
		return postTx(ctx, tx, voidEntry(&q, p.AuthorizedMinor, now))
	})
	if err == nil && out == &q {
		c.m.payments.WithLabelValues(q.Type, q.Status).Inc()
	}
	return out, err
}
