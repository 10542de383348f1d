package simulate

import (
	"math"
	"time"

	"github.com/novatrek/support/schemas"
)

// position: the guest app of a party out on a trip reports a GPS fix, somewhere along the
// trip's first trail or around its site. The device buffers fixes while offline, so one in
// ten arrives late: taken before the guest's newest fix, which svc-location-services must
// not let it replace.
func (g *Generator) position(now time.Time, r *reservation) (Event, error) {
	lat, lon := g.alongTrail(r.trip)
	recorded := now.Add(-time.Duration(2+g.rng.IntN(8)) * time.Second) // sent a few seconds after
	last, seen := g.lastFix[r.guestID]
	switch {
	case seen && g.chance(0.1):
		recorded = last.Add(-time.Duration(1+g.rng.IntN(20)) * time.Minute) // a late, older fix
	case seen && !recorded.After(last):
		recorded = last.Add(time.Millisecond) // the device's fixes are in order
		if recorded.After(now) {
			recorded = now
		}
		fallthrough
	default:
		g.lastFix[r.guestID] = recorded
	}
	ev := &schemas.GuestPositionReported{
		GuestID: r.guestID, Position: schemas.GeoPoint{Latitude: lat, Longitude: lon},
		ReservationID: &r.id, RecordedAt: recorded.Truncate(time.Millisecond),
	}
	if g.chance(0.9) { // some devices give no accuracy
		ev.AccuracyMeters = ptr(math.Round((3+g.rng.ExpFloat64()*12)*10) / 10)
	}
	g.firstFix(r.guestID)
	return g.emit(now, r.flow, &ev.Metadata, ev)
}

// alongTrail is a point near a random vertex of the trip's first trail (as trailLine draws
// it), tens of metres off the line.
func (g *Generator) alongTrail(t *trip) (lat, lon float64) {
	coords := trailLine(t, 0)["coordinates"].([][]float64)
	v := coords[g.rng.IntN(len(coords))]
	return round6(v[1] + jitter(g)/5), round6(v[0] + jitter(g)/5)
}
