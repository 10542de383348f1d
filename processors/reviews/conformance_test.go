package reviews

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/servicetest"
)

// TestConformance runs the shared stream contract suite (duplicate, rollback, poison, panic,
// stored offsets) on the reservation.status-changed subscription. A valid event completes
// a reservation; its effect is its row in the append-only status log (no unique key hides a
// double application). The subscription emits nothing itself, hence Silent.
func TestConformance(t *testing.T) {
	id := func(kind string, i int) string {
		return uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "reviews/%s/%d", kind, i)).String()
	}
	event := func(res string, i int, kind string) streamtest.Event {
		ev := statusEvent(res, id("guest", i), tripID(i), statusCompleted, time.Now())
		ev.Metadata.EventID = id(kind, i)
		return streamtest.Event{Key: ev.ReservationID, EventID: ev.Metadata.EventID, Schema: ev.Schema(), Value: ev}
	}
	servicetest.Conformance(t, Spec, servicetest.Fixture{
		Input:  TopicReservationStatus,
		Silent: true,
		Valid:  func(i int) streamtest.Event { return event(id("reservation", i), i, "event") },
		// Well-formed Avro whose reservation id is not a UUID: a permanent error.
		Failing: func(i int) streamtest.Event { return event(fmt.Sprint("reservation-", i), i, "failing") },
		Effects: func(ctx context.Context, db store.DB, eventID string) (int, error) {
			var n int
			err := db.QueryRow(ctx, `SELECT count(*) FROM reviews.reservation_status_log WHERE event_id = $1`, eventID).Scan(&n)
			return n, err
		},
	})
}
