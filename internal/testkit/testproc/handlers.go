package testproc

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/event"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/outbox"
	"github.com/novatrek/support/schemas"
)

// created projects a new reservation and asks for a booking confirmation.
//
// The outbox message is enqueued before the projection write on purpose: when the write
// breaks a rule (party_size must be positive, an SQLSTATE 23 integrity error, so
// permanent), the rollback must take the already-enqueued message with it — which the
// contract suite checks.
func (p *Processor) created(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.ReservationCreated]) error {
	r := &ev.Value
	w := p.writer(ctx, tx)
	if !ev.Replay {
		msg, err := p.notification(ctx, ev.Meta, r.ReservationID, r.GuestID, "BOOKING_CONFIRMATION", map[string]string{
			"trip_id": r.TripID, "status": r.Status,
		})
		if err != nil {
			return err
		}
		if err := p.outbox.Enqueue(ctx, w, msg); err != nil {
			return err
		}
	}
	if _, err := w.Exec(ctx, p.upsertCreatedSQL, r.ReservationID, r.GuestID, r.TripID, r.PartySize, r.Status); err != nil {
		return fmt.Errorf("project reservation %s: %w", r.ReservationID, err)
	}
	return p.applied(ctx, w, ev.Meta.EventID, r.ReservationID, ev.Topic, ev.Partition, ev.Offset)
}

// statusChanged moves the reservation's status (unless the change is older than what the
// row has seen) and asks for a status update notification.
func (p *Processor) statusChanged(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.ReservationStatusChanged]) error {
	r := &ev.Value
	w := p.writer(ctx, tx)
	if _, err := w.Exec(ctx, p.upsertStatusSQL, r.ReservationID, r.GuestID, r.TripID, r.NewStatus, ev.Meta.OccurredAt); err != nil {
		return fmt.Errorf("project status of reservation %s: %w", r.ReservationID, err)
	}
	if !ev.Replay {
		msg, err := p.notification(ctx, ev.Meta, r.ReservationID, r.GuestID, "RESERVATION_STATUS_UPDATE", map[string]string{
			"trip_id": r.TripID, "previous_status": r.PreviousStatus, "status": r.NewStatus,
		})
		if err != nil {
			return err
		}
		if err := p.outbox.Enqueue(ctx, w, msg); err != nil {
			return err
		}
	}
	return p.applied(ctx, w, ev.Meta.EventID, r.ReservationID, ev.Topic, ev.Partition, ev.Offset)
}

// writer is where a per-event handler writes: tx itself, or for DeferredRoutes the runtime's
// pipeline (stream.Deferred), whose statements go out in one round trip with the commit.
func (p *Processor) writer(ctx context.Context, tx pgx.Tx) store.Execer {
	if p.deferred {
		return stream.Deferred(ctx, tx)
	}
	return tx
}

func (p *Processor) applied(ctx context.Context, tx store.Execer, eventID, reservationID, topic string, partition int32, offset int64) error {
	if _, err := tx.Exec(ctx, p.appliedSQL, eventID, reservationID, topic, partition, offset); err != nil {
		return fmt.Errorf("record applied event %s: %w", eventID, err)
	}
	return nil
}

// createdBatch is created for a whole batch: one unnest statement per table and one
// outbox insert. Outbox first, for the same reason as in created.
func (p *Processor) createdBatch(ctx context.Context, tx pgx.Tx, evs []stream.Event[schemas.ReservationCreated]) error {
	n := len(evs)
	msgs := make([]outbox.Message, 0, n)
	var (
		ids, guests, trips, statuses = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		sizes, applied               = make([]int32, n), make([]int32, n)
		eventIDs, topics             = make([]string, n), make([]string, n)
		partitions                   = make([]int32, n)
		offsets                      = make([]int64, n)
	)
	for i := range evs {
		ev := &evs[i]
		r := &ev.Value
		if !ev.Replay {
			msg, err := p.notification(ctx, ev.Meta, r.ReservationID, r.GuestID, "BOOKING_CONFIRMATION", map[string]string{
				"trip_id": r.TripID, "status": r.Status,
			})
			if err != nil {
				return err
			}
			msgs = append(msgs, msg)
		}
		ids[i], guests[i], trips[i], statuses[i] = r.ReservationID, r.GuestID, r.TripID, r.Status
		sizes[i], applied[i] = int32(r.PartySize), 1
		eventIDs[i], topics[i], partitions[i], offsets[i] = ev.Meta.EventID, ev.Topic, ev.Partition, ev.Offset
	}
	if err := p.outbox.Enqueue(ctx, tx, msgs...); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, p.batchCreatedSQL, ids, guests, trips, sizes, statuses, applied); err != nil {
		return fmt.Errorf("project %d reservations: %w", n, err)
	}
	if _, err := tx.Exec(ctx, p.batchAppliedSQL, eventIDs, ids, topics, partitions, offsets); err != nil {
		return fmt.Errorf("record %d applied events: %w", n, err)
	}
	return nil
}

// notification builds the outbox message asking svc-notifications to tell the guest. Its
// id derives from the input event's, so reprocessing an event would build the same
// message (same event id, which the downstream inbox skips); it occurred when its cause did
// and carries the cause's lineage. The handlers do not ask again for an event replayed after
// a rewind (Event.Replay): the guest was told the first time, and a replay older than the
// downstream inbox's retention would tell them twice.
func (p *Processor) notification(ctx context.Context, cause schemas.EventMetadata, reservationID, guestID, kind string, data map[string]string) (outbox.Message, error) {
	id := derivedID(cause.EventID, "notification")
	guest := guestID
	req := &schemas.NotificationRequested{
		RequestID:    id,
		Kind:         kind,
		ReferenceID:  reservationID,
		Recipients:   []schemas.Recipient{{RecipientType: "GUEST", RecipientID: &guest}},
		Channels:     []string{},
		TemplateData: data,
		Urgency:      "NORMAL",
		Attachments:  []schemas.Attachment{},
	}
	msg, err := p.emit.Prepare(ctx, req, outbox.ID(id), outbox.At(cause.OccurredAt), outbox.Lineage(event.CausedBy(cause)))
	if err != nil {
		return outbox.Message{}, fmt.Errorf("encode notification request: %w", err)
	}
	return msg, nil
}
