package analytics

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// TestConformance runs the shared stream contract suite (duplicate, rollback, poison,
// panic, stored offsets) on the reservation.created subscription, bound as the runner
// binds it. Each valid event books its own trip, so the trip's daily rollup counts how
// often it was applied: a rollup is a running sum with no unique key to hide a second
// application (the facts' key would). The failing event's price is in a currency that does
// not exist. The service emits nothing, hence Silent.
func TestConformance(t *testing.T) {
	at := time.Now().UTC()
	reservation := func(i int, currency string) streamtest.Event {
		_, key, ev := sample(0, i, at)
		e := ev.(*schemas.ReservationCreated)
		e.TripID, e.TotalPrice.Currency = conformanceTrip(e.Metadata.EventID), currency
		return streamtest.Event{Key: key, EventID: e.Metadata.EventID, Schema: e.Schema(), Value: e}
	}
	servicetest.Conformance(t, Spec, servicetest.Fixture{
		Input:   "novatrek.booking.reservation.created",
		Silent:  true,
		Valid:   func(i int) streamtest.Event { return reservation(i, "USD") },
		Failing: func(i int) streamtest.Event { return reservation(1000+i, "XTS-NOT-A-CURRENCY") },
		Effects: func(ctx context.Context, db store.DB, eventID string) (int, error) {
			var n int
			err := db.QueryRow(ctx, `SELECT coalesce(sum(n), 0) FROM analytics.rollups
				WHERE fact = 'booking_metrics' AND dim = 'trip' AND dim_value = $1 AND grain = 'day' AND metric = 'reservations'`,
				conformanceTrip(eventID)).Scan(&n)
			return n, err
		},
	})
}

// conformanceTrip is the trip only the event eventID books.
func conformanceTrip(eventID string) string { return fmt.Sprint("TRP-CONFORMANCE-", eventID) }
