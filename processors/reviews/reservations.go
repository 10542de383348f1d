package reviews

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/schemas"
)

// statusCompleted is the reservation state that allows a review.
const statusCompleted = "COMPLETED"

// reservationFact is one reservation state the gate knows: from the event stream or from
// svc-reservations, as of At.
type reservationFact struct {
	ReservationID, GuestID, TripID, Status, Source string
	DepartureDate                                  *time.Time
	At                                             time.Time
}

// Sources of a reservation fact.
const (
	sourceEvent = "event"
	sourcePeer  = "svc-reservations"
)

// onReservationStatusChanged records the reservation's new state in the local copy (and its
// log), so that a guest's submission is usually decided without calling svc-reservations.
// Events may arrive out of order across a rebalance and the synchronous answer may have
// been stored first: the newer fact wins (recordReservation).
func (a *app) onReservationStatusChanged(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.ReservationStatusChanged]) error {
	v := ev.Value
	for _, f := range [][2]string{{"reservation_id", v.ReservationID}, {"guest_id", v.GuestID}, {"event_id", ev.Meta.EventID}} {
		if _, err := uuid.Parse(f[1]); err != nil {
			return stream.Permanent(fmt.Errorf("reservation.status-changed: %s %q is not a UUID", f[0], f[1]))
		}
	}
	if v.TripID == "" || v.NewStatus == "" || v.NewStatus == "UNKNOWN" {
		return stream.Permanent(fmt.Errorf("reservation.status-changed %s: trip_id or new_status is missing", v.ReservationID))
	}
	at := ev.Meta.OccurredAt
	if at.Year() < 2000 {
		at = ev.Timestamp
	}
	var departure *time.Time
	if d := v.DepartureDate; d.Year() >= 2000 { // the Avro date's zero (1970-01-01) means unknown
		departure = &d
	}
	f := reservationFact{ReservationID: v.ReservationID, GuestID: v.GuestID, TripID: v.TripID, Status: v.NewStatus,
		Source: sourceEvent, DepartureDate: departure, At: at}
	if err := recordReservation(ctx, tx, f); err != nil {
		return err
	}
	// A replay (the group was rewound) re-applies events the log may hold already.
	_, err := tx.Exec(ctx, `INSERT INTO reviews.reservation_status_log (event_id, reservation_id, status, occurred_at)
SELECT $1, $2, $3, $4 WHERE NOT $5 OR NOT EXISTS (SELECT 1 FROM reviews.reservation_status_log WHERE event_id = $1)`,
		ev.Meta.EventID, v.ReservationID, v.NewStatus, at, ev.Replay)
	if err != nil {
		return fmt.Errorf("log reservation %s status: %w", v.ReservationID, err)
	}
	return nil
}

// recordReservation upserts f unless the copy already holds a newer fact. At equal times
// the event wins over the synchronous answer (it is the record of the change itself).
func recordReservation(ctx context.Context, db store.Execer, f reservationFact) error {
	_, err := db.Exec(ctx, `INSERT INTO reviews.reservations (reservation_id, guest_id, trip_id, departure_date, status, status_at, source)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (reservation_id) DO UPDATE SET guest_id = EXCLUDED.guest_id, trip_id = EXCLUDED.trip_id,
	departure_date = coalesce(EXCLUDED.departure_date, reservations.departure_date), status = EXCLUDED.status,
	status_at = EXCLUDED.status_at, source = EXCLUDED.source
WHERE reservations.status_at < EXCLUDED.status_at
   OR (reservations.status_at = EXCLUDED.status_at AND EXCLUDED.source = 'event')`,
		f.ReservationID, f.GuestID, f.TripID, f.DepartureDate, f.Status, f.At, f.Source)
	if err != nil {
		return fmt.Errorf("record reservation %s: %w", f.ReservationID, err)
	}
	return nil
}

// localReservation is the copy's fact about id; ok is false when none was seen.
func localReservation(ctx context.Context, db store.DB, id string) (reservationFact, bool, error) {
	f := reservationFact{ReservationID: id}
	err := db.QueryRow(ctx, `SELECT guest_id::text, trip_id, departure_date, status, status_at, source FROM reviews.reservations WHERE reservation_id = $1`, id).
		Scan(&f.GuestID, &f.TripID, &f.DepartureDate, &f.Status, &f.At, &f.Source)
	if err == pgx.ErrNoRows {
		return f, false, nil
	}
	if err != nil {
		return f, false, fmt.Errorf("read reservation %s: %w", id, err)
	}
	return f, true, nil
}
