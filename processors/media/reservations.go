package media

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/schemas"
)

// uploadStatuses are the reservation states whose guest may upload: booked and going, or
// back from the trip. PENDING (unpaid), CANCELLED and NO_SHOW took part in nothing.
var uploadStatuses = map[string]bool{"CONFIRMED": true, "COMPLETED": true}

// onReservationStatusChanged keeps the reservations projection: the newest status of each
// reservation by the event's occurred_at, so a late, older event cannot reopen a cancelled
// booking. A malformed id is poison (dead-lettered with its reason).
func (a *app) onReservationStatusChanged(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.ReservationStatusChanged]) error {
	v := ev.Value
	resID, err := uuid.Parse(v.ReservationID)
	if err != nil {
		return stream.Permanent(fmt.Errorf("reservation id %q: %w", v.ReservationID, err))
	}
	guestID, err := uuid.Parse(v.GuestID)
	if err != nil {
		return stream.Permanent(fmt.Errorf("guest id %q: %w", v.GuestID, err))
	}
	if v.TripID == "" {
		return stream.Permanent(fmt.Errorf("reservation %s has no trip id", resID))
	}
	at := ev.Meta.OccurredAt
	if at.IsZero() || at.Year() < 2000 {
		at = ev.Timestamp
	}
	var departure *time.Time
	if d := v.DepartureDate; d.Year() >= 2000 { // the Avro date's zero (1970-01-01) means unknown
		departure = &d
	}
	_, err = tx.Exec(ctx, `INSERT INTO media.reservations (reservation_id, guest_id, trip_id, departure_date, status, status_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (reservation_id) DO UPDATE SET guest_id = EXCLUDED.guest_id, trip_id = EXCLUDED.trip_id,
  departure_date = COALESCE(EXCLUDED.departure_date, media.reservations.departure_date), status = EXCLUDED.status, status_at = EXCLUDED.status_at,
  changes = media.reservations.changes + 1
WHERE media.reservations.status_at <= EXCLUDED.status_at`, resID, guestID, v.TripID, departure, v.NewStatus, at)
	if err != nil {
		return fmt.Errorf("project reservation %s: %w", resID, err)
	}
	return nil
}
