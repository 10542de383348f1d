package location

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/schemas"
)

// fix is one reported position of a guest.
type fix struct {
	guest       string
	lat, lon    float64
	accuracy    *float64
	source      string
	reservation *string
	location    *string
	at          time.Time
	eventID     string
}

// onGuestPosition keeps the guest app's fix: the guest's last known position (unless a newer
// one is already known: devices buffer fixes offline and send them late) and the bounded
// history.
func (a *app) onGuestPosition(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.GuestPositionReported]) error {
	p := ev.Value
	return a.recordPosition(ctx, tx, fix{guest: p.GuestID, lat: p.Position.Latitude, lon: p.Position.Longitude,
		accuracy: p.AccuracyMeters, source: "device", reservation: p.ReservationID, at: p.RecordedAt, eventID: ev.Meta.EventID})
}

// recordPosition stores f as the guest's latest position when it is newer than the known
// one, appends it to the history and trims the history to the newest PositionHistory fixes.
// A position that is not on Earth is a permanent failure naming the field.
func (a *app) recordPosition(ctx context.Context, tx pgx.Tx, f fix) error {
	if err := checkPoint(f.lat, f.lon); err != nil {
		return stream.Permanent(fmt.Errorf("guest %s position: %w", f.guest, err))
	}
	if f.accuracy != nil && !(*f.accuracy >= 0) {
		return stream.Permanent(fmt.Errorf("guest %s position: accuracy_meters must be a non-negative number", f.guest))
	}
	if _, err := tx.Exec(ctx, `INSERT INTO locations.guest_positions AS g
			(guest_id, latitude, longitude, accuracy_meters, source, reservation_id, location_id, recorded_at, event_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (guest_id) DO UPDATE SET latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude,
			accuracy_meters = EXCLUDED.accuracy_meters, source = EXCLUDED.source, reservation_id = EXCLUDED.reservation_id,
			location_id = EXCLUDED.location_id, recorded_at = EXCLUDED.recorded_at, event_id = EXCLUDED.event_id
		WHERE g.recorded_at < EXCLUDED.recorded_at`,
		f.guest, f.lat, f.lon, f.accuracy, f.source, f.reservation, f.location, f.at, f.eventID); err != nil {
		return fmt.Errorf("store last position of guest %s: %w", f.guest, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO locations.guest_position_history
			(guest_id, recorded_at, latitude, longitude, accuracy_meters, source, event_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
		f.guest, f.at, f.lat, f.lon, f.accuracy, f.source, f.eventID); err != nil {
		return fmt.Errorf("append position history of guest %s: %w", f.guest, err)
	}
	// Everything older than the PositionHistory-th newest fix goes.
	if _, err := tx.Exec(ctx, `DELETE FROM locations.guest_position_history h
		WHERE h.guest_id = $1 AND (h.recorded_at, h.event_id) < (
			SELECT recorded_at, event_id FROM locations.guest_position_history
			WHERE guest_id = $1 ORDER BY recorded_at DESC, event_id DESC OFFSET $2 LIMIT 1)`,
		f.guest, a.cfg.PositionHistory-1); err != nil {
		return fmt.Errorf("trim position history of guest %s: %w", f.guest, err)
	}
	return nil
}
