package intake

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/event"
	"github.com/novatrek/support/outbox"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/schemas"
)

// ProviderName is the provider a channel's deliveries go through, as the delivery status
// events name it.
func ProviderName(ch provider.Channel) string {
	switch ch {
	case provider.Email:
		return "sendgrid"
	case provider.SMS:
		return "twilio"
	case provider.Push:
		return "firebase"
	default:
		return "in-app"
	}
}

// statusSymbol maps a new row's status to the DeliveryStatus enum: suppressed rows are
// SUPPRESSED; pending rows (not yet handed to the delivery queue) and deferred ones (waiting
// out quiet hours; the reason says until when) are PENDING (schema v2). QUEUED is not
// reported: the dispatcher hands rows to Valkey without an event, and the next event is
// the delivery's SENT or FAILED.
func statusSymbol(status string) string {
	if status == "suppressed" {
		return "SUPPRESSED"
	}
	return "PENDING"
}

// enqueueStatus enqueues the delivery status event of new row r. Its event id derives from
// the notification id and status, and its causation id is the consumed event's id.
func (in *Intake) enqueueStatus(ctx context.Context, tx pgx.Tx, it intent, r row) error {
	id := r.id.String()
	causation := it.cause.EventID
	var recipientID, errMsg *string
	if r.rc.ID != "" {
		recipientID = &r.rc.ID
	} else if r.rc.Group != "" {
		g := "group:" + r.rc.Group
		recipientID = &g
	}
	sym := statusSymbol(r.status)
	if sym == "SUPPRESSED" || r.status == "deferred" {
		errMsg = &r.reason
	}
	ev := &schemas.NotificationDeliveryStatusChanged{
		NotificationID: id,
		RequestID:      it.requestID,
		Kind:           it.route.Kind,
		Channel:        channelSymbol(r.ch),
		Status:         sym,
		RecipientType:  r.rc.Type,
		RecipientID:    recipientID,
		Provider:       ProviderName(r.ch),
		ErrorMessage:   errMsg,
	}
	if err := in.cfg.Emit.Emit(ctx, tx, ev, outbox.ID(uuid.NewSHA1(idSpace, []byte(id+"/status/"+r.status)).String()),
		outbox.At(in.cfg.Now()), outbox.Lineage(event.Lineage{Correlation: it.cause.CorrelationID, Causation: &causation})); err != nil {
		return fmt.Errorf("delivery status of %s: %w", id, err)
	}
	return nil
}

func channelSymbol(ch provider.Channel) string {
	switch ch {
	case provider.Email:
		return "EMAIL"
	case provider.SMS:
		return "SMS"
	case provider.Push:
		return "PUSH"
	default:
		return "IN_APP"
	}
}
