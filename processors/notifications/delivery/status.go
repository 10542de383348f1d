package delivery

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/event"
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
	if err := d.cfg.Emit.Emit(ctx, tx, ev, outbox.ID(uuid.NewSHA1(eventSpace, []byte(n.id+"/status/"+status)).String()),
		outbox.At(d.cfg.Now()), outbox.Lineage(event.Lineage{Correlation: n.sourceEventID, Causation: &causation})); err != nil {
		return fmt.Errorf("delivery status of %s: %w", n.id, err)
	}
	return nil
}
