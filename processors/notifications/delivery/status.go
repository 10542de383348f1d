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

// finish sets n's final status ("sent" or "failed") and enqueues its status event, in tx.
// The event's causation and correlation id are the source event's id (the row does not
// keep the source's correlation id).
func (d *Delivery) finish(ctx context.Context, tx pgx.Tx, n *notification, prov, status, providerID string, cause error) error {
	reason := ""
	if cause != nil {
		reason = cause.Error()
		if len(reason) > DefaultMaxFailureTextBytes {
			reason = reason[:DefaultMaxFailureTextBytes]
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE notifications.notifications SET status = $2, status_reason = $3,
		updated_at = now() WHERE id = $1`, n.id, status, reason); err != nil {
		return fmt.Errorf("set status of %s to %s: %w", n.id, status, err)
	}
	var attempt int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM notifications.delivery_log WHERE notification_id = $1`,
		n.id).Scan(&attempt); err != nil {
		return fmt.Errorf("count attempts of %s: %w", n.id, err)
	}
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
