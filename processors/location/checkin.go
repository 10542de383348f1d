package location

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/schemas"
)

// onCheckinCompleted counts a party that checked in toward its location's occupancy (once
// per check-in id, whatever event id carries it) and remembers the device position shared at
// check-in. A check-in at a location we do not know, or with a party of no one, can never
// be counted: it goes to the dead-letter topic with that reason, to be replayed once the
// location exists.
func (a *app) onCheckinCompleted(ctx context.Context, tx pgx.Tx, ev stream.Event[schemas.CheckinCompleted]) error {
	c := ev.Value
	if c.PartySize < 1 {
		return stream.Permanent(fmt.Errorf("check-in %s: party_size %d must be at least 1", c.CheckinID, c.PartySize))
	}
	out, err := a.applyChange(ctx, tx, change{location: c.LocationID, source: "checkin", sourceID: c.CheckinID,
		eventID: &ev.Meta.EventID, delta: c.PartySize, at: c.CheckedInAt})
	if errors.Is(err, errUnknownLocation) {
		return stream.Permanent(fmt.Errorf("check-in %s: %w", c.CheckinID, err))
	}
	if err != nil || out.duplicate || c.Position == nil {
		return err
	}
	// After the count and its alert: a position that is no position (latitude 95, NaN)
	// rolls the whole check-in back to the dead-letter topic rather than half-applying it.
	loc := c.LocationID
	return a.recordPosition(ctx, tx, fix{guest: c.GuestID, lat: c.Position.Latitude, lon: c.Position.Longitude,
		source: "checkin", reservation: &c.ReservationID, location: &loc, at: c.CheckedInAt, eventID: ev.Meta.EventID})
}
