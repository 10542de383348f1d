package location

import (
	"context"
	"fmt"
	"testing"

	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// TestConformance runs the suite every service passes on checkin.completed: a duplicate
// counts once, a check-in rolled back after its alert was emitted leaves no outbox row,
// poison and panics go to the dead-letter topic with their reasons, offsets commit with the
// store.
func TestConformance(t *testing.T) {
	servicetest.Conformance(t, Spec, servicetest.Fixture{
		Input: TopicCheckinCompleted,
		// Location conf-i of capacity 1 for each event i: every valid check-in fills its
		// location, so it emits a RISING alert.
		Seed: func(ctx context.Context, db store.DB) error {
			_, err := db.Exec(ctx, `INSERT INTO locations.locations (location_id, name, kind, geom, time_zone, time_zone_source, capacity)
				SELECT 'conf-' || i, 'Conformance ' || i, 'site', ST_SetSRID(ST_MakePoint(-105 + i * 0.01, 40), 4326), 'UTC', 'override', 1
				FROM generate_series(1, 70) i`)
			return err
		},
		Valid: func(i int) streamtest.Event {
			return conformanceEvent(checkin(fmt.Sprint("conformance-valid-", i), fmt.Sprint("conf-", i), 1, nil))
		},
		// Counted and alerted first, then refused for its position: the rollback takes the
		// alert with it.
		Failing: func(i int) streamtest.Event {
			return conformanceEvent(checkin(fmt.Sprint("conformance-failing-", i), fmt.Sprint("conf-", i), 1,
				&schemas.GeoPoint{Latitude: 95, Longitude: -105}))
		},
		// The location's occupancy: 1 once applied, 2 if the check-in were counted twice.
		Effects: func(ctx context.Context, db store.DB, eventID string) (int, error) {
			var n int
			err := db.QueryRow(ctx, `SELECT coalesce(sum(l.occupancy), 0) FROM locations.capacity_records c
				JOIN locations.locations l USING (location_id) WHERE c.event_id = $1`, eventID).Scan(&n)
			return n, err
		},
	})
}

func conformanceEvent(ev *schemas.CheckinCompleted) streamtest.Event {
	return streamtest.Event{Key: ev.ReservationID, EventID: ev.Metadata.EventID, Schema: ev.Schema(), Value: ev}
}
