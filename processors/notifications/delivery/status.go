package delivery

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/outbox"
	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/schemas"
)

// eventSpace derives status event ids: the same notification and status give the same id,
// so a redelivered job cannot make a second, different event.
var eventSpace = uuid.MustParse("6b0f3c4e-5d4a-4a57-9a1e-2f7f0c1d8e31")

var channelSymbols = map[string]string{"email": "EMAIL", "sms": "SMS", "push": "PUSH", "in_app": "IN_APP"}

// enqueueStatus enqueues, in tx, the status event of n's final status ("sent" or "failed",
// which record has set), attempt being the row's delivery_log count. The event's causation
// and correlation id are the source event's id (the row does not keep the source's
// correlation id); reason is the truncated text of cause.
func (d *Delivery) enqueueStatus(ctx context.Context, tx pgx.Tx, n *notification, status, providerID, reason string, cause error, attempt int) error {
	causation := n.sourceEventID
	ev := &schemas.NotificationDeliveryStatusChanged{
		Metadata: schemas.EventMetadata{
			EventID:       uuid.NewSHA1(eventSpace, []byte(n.id+"/status/"+status)).String(),
			EventType:     "notification.delivery_status_changed",
			OccurredAt:    d.cfg.Now().UTC().Truncate(1e6),
			Producer:      intake.Group,
			CorrelationID: n.sourceEventID,
			CausationID:   &causation,
		},
		NotificationID: n.id,
		RequestID:      n.requestID,
		Kind:           n.kind,
		Channel:        channelSymbols[n.channel],
		Status:         map[string]string{"sent": "SENT", "failed": "FAILED"}[status],
		RecipientType:  n.recipientType,
		RecipientID:    n.recipientID,
		Provider:       intake.ProviderName(provider.Channel(n.channel)),
		Attempt:        attempt,
	}
	if providerID != "" {
		ev.ProviderMessageID = &providerID
	}
	if cause != nil {
		ev.ErrorMessage = &reason
		if perr, ok := provider.ProviderError(cause); ok && perr.Code != "" {
			ev.ErrorCode = &perr.Code
		}
	}
	msg, err := outbox.Encode(ctx, d.cfg.Encoder, intake.StatusTopic, n.id, ev.Schema(), ev)
	if err != nil {
		return fmt.Errorf("encode delivery status of %s: %w", n.id, err)
	}
	if err := d.outbox.Enqueue(ctx, tx, msg); err != nil {
		return fmt.Errorf("enqueue delivery status of %s: %w", n.id, err)
	}
	return nil
}
