package payments

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/money"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/processors/payments/fraud"
	"github.com/novatrek/support/processors/payments/psp"
)

// depositInput is a validated deposit request.
type depositInput struct {
	ReservationID   uuid.UUID
	GuestID         uuid.UUID
	Amount          money.Amount
	PaymentMethodID *uuid.UUID // a saved method of the guest, or
	Token           string     // a provider token given directly
	Capture         bool
	Description     *string
}

// createDeposit screens, records and charges a deposit for the request identified by
// (caller, key). A request that was already seen resumes where it stopped.
func (c *core) createDeposit(ctx context.Context, caller, key string, hash []byte, in depositInput, fresh bool, f flow, fin finisher) (*Payment, error) {
	if !fresh {
		if p, err := c.existing(ctx, caller, key, hash); p != nil || err != nil {
			if err != nil {
				return nil, err
			}
			return c.advance(ctx, p, flowOf(p, f), fin)
		}
	}
	token, brand, last4, err := c.resolveMethod(ctx, in)
	if err != nil {
		return nil, err
	}
	now := c.now()
	p := &Payment{
		ID: uuid.New(), Caller: caller, IdempotencyKey: key, RequestHash: hash, Type: TypeDeposit,
		ReservationID: in.ReservationID, GuestID: in.GuestID, Currency: in.Amount.Currency,
		AmountMinor: in.Amount.Minor, Capture: in.Capture, Method: "CARD", PaymentMethodID: in.PaymentMethodID,
		Provider: c.psp.Name(), ProviderToken: &token, CardBrand: brand, CardLast4: last4,
		Status: StatusProcessing, Description: in.Description, CorrelationID: f.correlation,
		CreatedAt: now, UpdatedAt: now,
	}

	// Fraud screening comes before the payment exists: a payment the fraud service cannot
	// screen (and the fallback refuses) is never recorded, and a retry screens it afresh.
	dec, err := c.fraud.Screen(ctx, fraud.Request{
		Reference: p.ID.String(), AmountMinor: p.AmountMinor, Currency: p.Currency, CustomerID: p.GuestID.String(),
		Method: fraud.PaymentMethod{Token: token, Brand: deref(brand), Last4: deref(last4)},
	})
	if err != nil {
		c.m.fraudUnavailable.Inc()
		c.log.WarnContext(ctx, "fraud screening unavailable; payment refused", "payment_id", p.ID, "amount", in.Amount.String(), "err", err)
		return nil, fault.Unavailable(slugFraudUnavailable, "Fraud screening unavailable",
			"The payment could not be screened for fraud and is above the amount accepted unscreened. Nothing was charged; retry later with the same Idempotency-Key.")
	}
	c.m.fraudDecisions.WithLabelValues(dec.Outcome, fmt.Sprint(dec.Fallback)).Inc()
	p.FraudDecision, p.FraudScore, p.FraudFallback = &dec.Outcome, dec.Score, dec.Fallback
	if dec.AssessmentID != "" {
		p.FraudAssessmentID = &dec.AssessmentID
	}
	if dec.Fallback {
		c.log.WarnContext(ctx, "fraud service down; payment accepted unscreened under the fail-open limit and flagged for review",
			"payment_id", p.ID, "amount", in.Amount.String())
	}

	if dec.Outcome == fraud.Reject {
		p.Status = StatusBlocked
		err := pgx.BeginFunc(ctx, c.pool, func(tx pgx.Tx) error {
			if err := insertPayment(ctx, tx, p); err != nil {
				return err
			}
			return finish(ctx, fin, tx, p)
		})
		if err != nil {
			discard(fin)
		}
		if errors.Is(err, errDuplicateKey) {
			return c.resumeDuplicate(ctx, caller, key, hash, f, fin)
		}
		if err != nil {
			return nil, err
		}
		c.m.payments.WithLabelValues(p.Type, p.Status).Inc()
		return p, nil
	}

	// Commit the intent before the provider hears of it: from here on a crash leaves a row
	// that a retry resumes with the same provider keys.
	if err := insertPayment(ctx, c.pool, p); err != nil {
		if errors.Is(err, errDuplicateKey) {
			return c.resumeDuplicate(ctx, caller, key, hash, f, fin)
		}
		return nil, err
	}
	return c.advance(ctx, p, f, fin)
}

// existing returns the payment already created for (caller, key), refusing a different
// request under the same key.
func (c *core) existing(ctx context.Context, caller, key string, hash []byte) (*Payment, error) {
	p, err := paymentByKey(ctx, c.pool, caller, key)
	if errors.Is(err, errNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(p.RequestHash, hash) {
		return nil, faultKeyReused()
	}
	return p, nil
}

// resumeDuplicate handles losing an insert race on (caller, key) to a request that took the
// key over after a lease expired: continue with the row it wrote.
func (c *core) resumeDuplicate(ctx context.Context, caller, key string, hash []byte, f flow, fin finisher) (*Payment, error) {
	p, err := c.existing(ctx, caller, key, hash)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, fmt.Errorf("payment for key vanished after a duplicate insert")
	}
	return c.advance(ctx, p, flowOf(p, f), fin)
}

// resolveMethod returns the provider token and card details to charge.
func (c *core) resolveMethod(ctx context.Context, in depositInput) (token string, brand, last4 *string, err error) {
	if in.PaymentMethodID == nil {
		return in.Token, nil, nil, nil
	}
	m, err := getMethod(ctx, c.pool, *in.PaymentMethodID)
	if errors.Is(err, errNotFound) || (err == nil && m.GuestID != in.GuestID) {
		return "", nil, nil, fault.Unprocessable(slugMethodUnknown, "Payment method not found",
			fmt.Sprintf("Guest %s has no saved payment method %s.", in.GuestID, *in.PaymentMethodID))
	}
	if err != nil {
		return "", nil, nil, err
	}
	return m.ProviderToken, &m.Brand, &m.Last4, nil
}

// advanceDeposit authorizes (and captures) a processing deposit with the provider and
// commits the result. Provider keys come from the payment id, so this is safe to run again
// after a crash at any point: the provider replays what it already did.
//
// A deposit captured at once is one provider call (a payment intent confirmed with
// automatic capture: Stripe authorizes and captures atomically), so there is never an
// authorized-but-uncaptured moment to recover from; capture=false authorizes only
// (manual capture) and the capture endpoint finishes it later.
func (c *core) advanceDeposit(ctx context.Context, p *Payment, f flow, fin finisher) (*Payment, error) {
	key := p.providerKey("authorize")
	if p.Capture {
		key = p.providerKey("charge")
	}
	pi, err := c.psp.CreatePaymentIntent(ctx, psp.PaymentIntentParams{
		Amount: p.AmountMinor, Currency: p.Currency, PaymentMethod: deref(p.ProviderToken), ManualCapture: !p.Capture,
		Description: "NovaTrek deposit, reservation " + p.ReservationID.String(),
		Metadata:    map[string]string{"payment_id": p.ID.String(), "reservation_id": p.ReservationID.String()},
	}, key)
	if d, ok := psp.AsDecline(err); ok {
		return c.decline(ctx, p, d.Reason(), fin)
	}
	if err != nil {
		return nil, providerError(err, "charge the payment")
	}
	want := psp.StatusRequiresCapture
	if p.Capture {
		want = psp.StatusSucceeded
	}
	if pi.Status != want {
		return nil, providerDown(fmt.Errorf("payment intent %s is %s, expected %s", pi.ID, pi.Status, want))
	}
	if c.hooks.afterProvider != nil {
		if err := c.hooks.afterProvider(ctx, p); err != nil {
			return nil, err
		}
	}

	now := c.now()
	q := *p
	q.ProviderReference = &pi.ID
	if ch := pi.LatestCharge; ch != nil && ch.PaymentMethodDetails.Card != nil {
		q.CardBrand, q.CardLast4 = &ch.PaymentMethodDetails.Card.Brand, &ch.PaymentMethodDetails.Card.Last4
	}
	q.AuthorizedMinor, q.AuthorizedAt, q.UpdatedAt = pi.Amount, &now, now
	var e entry
	if p.Capture {
		// Authorized and captured in the same instant: the authorization memo would be
		// opened and closed by the same entry, so only the money moves.
		q.Status, q.CapturedMinor, q.CapturedAt = StatusCaptured, pi.AmountReceived, &now
		e = captureEntry(&q, 0, pi.AmountReceived, now)
	} else {
		q.Status = StatusAuthorized
		e = authorizationEntry(&q, pi.Amount, now)
	}
	out, err := c.commitPayment(ctx, &q, StatusProcessing, fin, func(tx store.Execer) error {
		if err := postTx(ctx, tx, e); err != nil {
			return err
		}
		return c.enqueueProcessed(ctx, tx, &q, flowOf(&q, f), now)
	})
	if err == nil && out == &q {
		c.m.payments.WithLabelValues(q.Type, q.Status).Inc()
	}
	return out, err
}

// decline records the provider's decline: final, nothing moved, no event.
func (c *core) decline(ctx context.Context, p *Payment, code string, fin finisher) (*Payment, error) {
	q := *p
	q.Status, q.DeclineCode, q.UpdatedAt = StatusDeclined, &code, c.now()
	out, err := c.commitPayment(ctx, &q, StatusProcessing, fin, nil)
	if err == nil && out == &q {
		c.m.payments.WithLabelValues(q.Type, q.Status).Inc()
	}
	return out, err
}

// flowOf is f with the payment's correlation id when f has none.
func flowOf(p *Payment, f flow) flow {
	if f.correlation == uuid.Nil {
		f.correlation = p.CorrelationID
	}
	return f
}
