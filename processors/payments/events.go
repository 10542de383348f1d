package payments

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/event"
	"github.com/novatrek/support/internal/platform/money"
	"github.com/novatrek/support/internal/platform/store"
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

// produces are the topics the service emits to.
var produces = []string{TopicPaymentProcessed, TopicPaymentRefunded, TopicDisputeOpened, TopicDisputeUpdated}

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

// lineage is the flow as the Emitter stamps it on an event.
func (f flow) lineage() event.Lineage {
	return event.Lineage{Correlation: f.correlation.String(), Causation: f.causation, Traceparent: f.traceparent}
}

// emit stamps ev (a new id, its type, occurred_at at, the flow's lineage) and enqueues it
// inside tx; the Emitter finds the topic and the key in topics.yaml.
func (c *core) emit(ctx context.Context, tx store.Execer, ev schemas.Event, f flow, at time.Time) error {
	return c.emitter.Emit(ctx, tx, ev, outbox.At(at), outbox.Lineage(f.lineage()))
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

func (c *core) enqueueProcessed(ctx context.Context, tx store.Execer, p *Payment, f flow, at time.Time) error {
	amt := p.CapturedMinor
	if p.Status == StatusAuthorized {
		amt = p.AuthorizedMinor
	}
	m, err := avroMoney(p.amount(amt))
	if err != nil {
		return err
	}
	ev := &schemas.PaymentProcessed{
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
	return c.emit(ctx, tx, ev, f, at)
}

func (c *core) enqueueRefunded(ctx context.Context, tx store.Execer, p *Payment, r *Refund, f flow, at time.Time) error {
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
	return c.emit(ctx, tx, ev, f, at)
}

func (c *core) enqueueDisputeOpened(ctx context.Context, tx store.Execer, p *Payment, d *Dispute, f flow, at time.Time) error {
	m, err := avroMoney(money.Amount{Minor: d.AmountMinor, Currency: d.Currency})
	if err != nil {
		return err
	}
	res := p.ReservationID.String()
	ev := &schemas.PaymentDisputeOpened{
		DisputeID:      d.ID.String(),
		PaymentID:      p.ID.String(),
		ReservationID:  &res,
		Amount:         m,
		Reason:         d.Reason,
		ProviderCaseID: d.ProviderCaseID,
		RespondBy:      d.RespondBy.UTC().Truncate(time.Millisecond),
	}
	return c.emit(ctx, tx, ev, f, at)
}

func (c *core) enqueueDisputeUpdated(ctx context.Context, tx store.Execer, d *Dispute, previous string, f flow, at time.Time) error {
	ev := &schemas.PaymentDisputeUpdated{
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
	return c.emit(ctx, tx, ev, f, at)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
