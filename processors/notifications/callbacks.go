package notifications

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/outbox"
	pgoutbox "github.com/novatrek/support/outbox/postgres"
	"github.com/novatrek/support/processors/notifications/intake"
	"github.com/novatrek/support/processors/notifications/provider"
	"github.com/novatrek/support/schemas"
)

// callbacks applies provider status callbacks.
type callbacks struct {
	pool   *pgxpool.Pool
	enc    outbox.Encoder
	outbox *pgoutbox.Outbox
	log    *slog.Logger
	now    func() time.Time
}

// rowStatus maps a provider status to the notification's status; "" leaves it as it is
// (a provider-side deferral is not our deferred, which has a defer_until).
func rowStatus(s provider.Status) string {
	switch s {
	case provider.StatusQueued, provider.StatusSent:
		return "sent"
	case provider.StatusDelivered, provider.StatusOpened:
		return "delivered"
	case provider.StatusBounced, provider.StatusDropped, provider.StatusFailed:
		return "failed"
	}
	return ""
}

// applyUpdate records a provider callback: a delivery_log row (once per message and
// status, so a redelivered webhook adds nothing) and the notification's new status. The
// notification is found by our ref when the provider echoed it, else by the provider's
// message id in the delivery log. A final status (delivered, failed, suppressed) is never
// overwritten, and "sent" never replaces a later one. An unknown message is logged and
// ignored: answering an error would only make the provider retry it for a day. A status
// change is reported by a delivery status event through the outbox, in the same
// transaction.
func (c *callbacks) apply(ctx context.Context, u provider.StatusUpdate) error {
	log := c.log
	return pgx.BeginFunc(ctx, c.pool, func(tx pgx.Tx) error {
		id, ok, err := findNotification(ctx, tx, u)
		if err != nil || !ok {
			if err == nil {
				log.InfoContext(ctx, "provider callback for an unknown message ignored", "provider", u.Provider, "provider_message_id", u.ProviderMessageID)
			}
			return err
		}
		// Serialize callbacks of one notification.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM notifications.notifications WHERE id = $1 FOR UPDATE`, id); err != nil {
			return fmt.Errorf("lock notification %s: %w", id, err)
		}
		var pmid, reason *string
		if u.ProviderMessageID != "" {
			pmid = &u.ProviderMessageID
		}
		if u.Reason != "" {
			reason = &u.Reason
		}
		tag, err := tx.Exec(ctx, `INSERT INTO notifications.delivery_log (notification_id, attempt, provider, status, provider_message_id, error, at)
			SELECT $1, coalesce((SELECT max(attempt) FROM notifications.delivery_log WHERE notification_id = $1), 1),
				$2, $3, $4, $5, coalesce($6, now())
			WHERE NOT EXISTS (SELECT 1 FROM notifications.delivery_log
				WHERE notification_id = $1 AND provider = $2 AND status = $3 AND provider_message_id IS NOT DISTINCT FROM $4)`,
			id, u.Provider, string(u.Status), pmid, reason, nullTime(u))
		if err != nil {
			return fmt.Errorf("log callback of %s: %w", id, err)
		}
		st := rowStatus(u.Status)
		if tag.RowsAffected() == 0 || st == "" {
			return nil
		}
		allowed := []string{"pending", "deferred", "queued", "sent"}
		if st == "sent" {
			allowed = []string{"pending", "deferred", "queued"}
		}
		var n notificationRow
		err = tx.QueryRow(ctx, `UPDATE notifications.notifications
			SET status = $2, status_reason = $3, defer_until = NULL, updated_at = now()
			WHERE id = $1 AND status = ANY($4)
			RETURNING request_id, kind, channel, recipient_type, recipient_id,
				(SELECT max(attempt) FROM notifications.delivery_log WHERE notification_id = $1)`,
			id, st, u.Reason, allowed).Scan(&n.requestID, &n.kind, &n.channel, &n.recipientType, &n.recipientID, &n.attempt)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // already final, or already past "sent"
		}
		if err != nil {
			return fmt.Errorf("update status of %s: %w", id, err)
		}
		return c.enqueueStatus(ctx, tx, id, n, u)
	})
}

type notificationRow struct {
	requestID     *uuid.UUID
	kind, channel string
	recipientType string
	recipientID   *string
	attempt       int
}

// statusSpace namespaces the event ids of callback status events (uuid v5 of the
// notification id and the provider status), so a replayed callback cannot make a second
// event even if it got past the log's dedup.
var statusSpace = uuid.MustParse("6f1d2b8e-3c4a-4e5f-8a9b-0c1d2e3f4a5b")

func eventStatus(s provider.Status) string {
	switch s {
	case provider.StatusQueued, provider.StatusSent:
		return "SENT"
	case provider.StatusDelivered, provider.StatusOpened:
		return "DELIVERED"
	case provider.StatusBounced:
		return "BOUNCED"
	default:
		return "FAILED"
	}
}

// enqueueStatus writes the NotificationDeliveryStatusChanged event of a callback. Its
// correlation id derives from the notification id (the row does not keep the original
// one); it has no causation id, a provider callback being no event of ours.
func (c *callbacks) enqueueStatus(ctx context.Context, tx pgx.Tx, id uuid.UUID, n notificationRow, u provider.StatusUpdate) error {
	var reqID, pmid, errMsg *string
	if n.requestID != nil {
		s := n.requestID.String()
		reqID = &s
	}
	if u.ProviderMessageID != "" {
		pmid = &u.ProviderMessageID
	}
	if u.Reason != "" {
		errMsg = &u.Reason
	}
	status := eventStatus(u.Status)
	ev := &schemas.NotificationDeliveryStatusChanged{
		Metadata: schemas.EventMetadata{
			EventID:       uuid.NewSHA1(statusSpace, []byte(id.String()+"/"+status)).String(),
			EventType:     "notification.delivery_status_changed",
			OccurredAt:    c.now().UTC().Truncate(time.Millisecond),
			Producer:      ServiceName,
			CorrelationID: uuid.NewSHA1(statusSpace, []byte(id.String())).String(),
		},
		NotificationID:    id.String(),
		RequestID:         reqID,
		Kind:              n.kind,
		Channel:           strings.ToUpper(n.channel),
		Status:            status,
		RecipientType:     n.recipientType,
		RecipientID:       n.recipientID,
		Provider:          u.Provider,
		ProviderMessageID: pmid,
		Attempt:           max(n.attempt, 1),
		ErrorMessage:      errMsg,
	}
	msg, err := outbox.Encode(ctx, c.enc, intake.StatusTopic, id.String(), ev.Schema(), ev)
	if err != nil {
		return fmt.Errorf("encode delivery status of %s: %w", id, err)
	}
	if err := c.outbox.Enqueue(ctx, tx, msg); err != nil {
		return fmt.Errorf("enqueue delivery status of %s: %w", id, err)
	}
	return nil
}

func nullTime(u provider.StatusUpdate) any {
	if u.At.IsZero() {
		return nil
	}
	return u.At
}

// findNotification resolves the notification a callback is about.
func findNotification(ctx context.Context, tx pgx.Tx, u provider.StatusUpdate) (uuid.UUID, bool, error) {
	if ref, err := uuid.Parse(u.Ref); err == nil {
		var id uuid.UUID
		err := tx.QueryRow(ctx, `SELECT id FROM notifications.notifications WHERE id = $1`, ref).Scan(&id)
		if err == nil {
			return id, true, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return uuid.Nil, false, fmt.Errorf("find notification %s: %w", ref, err)
		}
	}
	if u.ProviderMessageID == "" {
		return uuid.Nil, false, nil
	}
	var id uuid.UUID
	err := tx.QueryRow(ctx, `SELECT notification_id FROM notifications.delivery_log
		WHERE provider = $1 AND provider_message_id = $2 ORDER BY id DESC LIMIT 1`, u.Provider, u.ProviderMessageID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, false, nil
	}
	if err != nil {
		return uuid.Nil, false, fmt.Errorf("find message %s of %s: %w", u.ProviderMessageID, u.Provider, err)
	}
	return id, true, nil
}
