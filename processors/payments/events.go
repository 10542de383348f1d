package payments

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/hamba/avro/v2"

	"github.com/novatrek/support/internal/platform/money"
	"github.com/novatrek/support/outbox"
	"github.com/novatrek/support/schemas"
)

// Topics of topics.yaml this service produces to and consumes from.
const (
	TopicPaymentProcessed  = "novatrek.support.payment.processed"
	TopicPaymentRefunded   = "novatrek.support.payment.refunded"
	TopicDisputeOpened     = "novatrek.support.payment-dispute.opened"
	TopicDisputeUpdated    = "novatrek.support.payment-dispute.updated"
	TopicReservationStatus = "novatrek.booking.reservation.status-changed"
)

// flow carries the lineage of a business flow into the events it produces.
type flow struct {
	// correlation is the id shared by the flow's events: the caller's X-Correlation-Id when
	// it sent a UUID, otherwise the payment's own correlation id.
	correlation uuid.UUID
	// causation is the request id or the event id that caused this one.
	causation *string
	// traceparent is the W3C trace context of the request, copied to the record headers.
	traceparent string
}

func (c *core) metadata(eventType string, f flow, at time.Time) schemas.EventMetadata {
	return schemas.EventMetadata{
		EventID:       uuid.NewString(),
		EventType:     eventType,
		OccurredAt:    at.UTC().Truncate(time.Millisecond),
		Producer:      ServiceName,
		CorrelationID: f.correlation.String(),
		CausationID:   f.causation,
	}
}

// enqueue encodes v and writes it to the outbox inside tx.
func (c *core) enqueue(ctx context.Context, tx execer, topic, key string, schema avro.Schema, v any, f flow) error {
	var headers []outbox.Header
	if f.traceparent != "" {
		headers = append(headers, outbox.Header{Key: "traceparent", Value: []byte(f.traceparent)})
	}
	msg, err := outbox.Encode(ctx, c.enc, topic, key, schema, v, headers...)
	if err != nil {
		return err
	}
	if err := c.outbox.Enqueue(ctx, tx, msg); err != nil {
		return fmt.Errorf("enqueue %s: %w", topic, err)
	}
	return nil
}

func avroMoney(a money.Amount) (schemas.Money, error) {
	m, err := a.ToAvro()
	if err != nil {
		return schemas.Money{}, fmt.Errorf("event amount: %w", err)
	}
	return m, nil
}

// eventStatus maps our payment status to the event's PaymentStatus.
func eventStatus(status string) string {
	switch status {
	case StatusAuthorized:
		return "AUTHORIZED"
	case StatusCaptured:
		return "CAPTURED"
	case StatusPaid:
		return "SETTLED"
	}
	return "UNKNOWN"
}

func (c *core) enqueueProcessed(ctx context.Context, tx execer, p *Payment, f flow, at time.Time) error {
	amt := p.CapturedMinor
	if p.Status == StatusAuthorized {
		amt = p.AuthorizedMinor
	}
	m, err := avroMoney(p.amount(amt))
	if err != nil {
		return err
	}
	ev := &schemas.PaymentProcessed{
		Metadata:          c.metadata("payment.processed", f, at),
		PaymentID:         p.ID.String(),
		ReservationID:     p.ReservationID.String(),
		GuestID:           p.GuestID.String(),
		Amount:            m,
		PaymentType:       p.Type,
		Method:            p.Method,
		CardLast4:         p.CardLast4,
		Status:            eventStatus(p.Status),
		Provider:          p.Provider,
		ProviderReference: deref(p.ProviderReference),
		PartnerID:         p.PartnerID,
		FraudScore:        p.FraudScore,
	}
	return c.enqueue(ctx, tx, TopicPaymentProcessed, p.ID.String(), ev.Schema(), ev, f)
}

func (c *core) enqueueRefunded(ctx context.Context, tx execer, p *Payment, r *Refund, f flow, at time.Time) error {
	m, err := avroMoney(money.Amount{Minor: r.AmountMinor, Currency: r.Currency})
	if err != nil {
		return err
	}
	var evalID *string
	if r.PolicyEvaluationID != nil {
		s := r.PolicyEvaluationID.String()
		evalID = &s
	}
	ev := &schemas.PaymentRefunded{
		Metadata:           c.metadata("payment.refunded", f, at),
		RefundID:           r.ID.String(),
		PaymentID:          p.ID.String(),
		ReservationID:      p.ReservationID.String(),
		GuestID:            p.GuestID.String(),
		Amount:             m,
		FullRefund:         p.RefundedMinor >= p.CapturedMinor,
		Reason:             r.Reason,
		PolicyEvaluationID: evalID,
		ProviderReference:  deref(r.ProviderReference),
	}
	return c.enqueue(ctx, tx, TopicPaymentRefunded, p.ID.String(), ev.Schema(), ev, f)
}

func (c *core) enqueueDisputeOpened(ctx context.Context, tx execer, p *Payment, d *Dispute, f flow, at time.Time) error {
	m, err := avroMoney(money.Amount{Minor: d.AmountMinor, Currency: d.Currency})
	if err != nil {
		return err
	}
	res := p.ReservationID.String()
	ev := &schemas.PaymentDisputeOpened{
		Metadata:       c.metadata("payment_dispute.opened", f, at),
		DisputeID:      d.ID.String(),
		PaymentID:      p.ID.String(),
		ReservationID:  &res,
		Amount:         m,
		Reason:         d.Reason,
		ProviderCaseID: d.ProviderCaseID,
		RespondBy:      d.RespondBy.UTC().Truncate(time.Millisecond),
	}
	return c.enqueue(ctx, tx, TopicDisputeOpened, d.ID.String(), ev.Schema(), ev, f)
}

func (c *core) enqueueDisputeUpdated(ctx context.Context, tx execer, d *Dispute, previous string, f flow, at time.Time) error {
	ev := &schemas.PaymentDisputeUpdated{
		Metadata:       c.metadata("payment_dispute.updated", f, at),
		DisputeID:      d.ID.String(),
		PaymentID:      d.PaymentID.String(),
		Status:         d.Status,
		PreviousStatus: previous,
		Note:           d.Note,
	}
	if d.Status == DisputeLost || d.Status == DisputeAccepted {
		m, err := avroMoney(money.Amount{Minor: d.AmountMinor, Currency: d.Currency})
		if err != nil {
			return err
		}
		ev.AmountLost = &m
	}
	return c.enqueue(ctx, tx, TopicDisputeUpdated, d.ID.String(), ev.Schema(), ev, f)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
