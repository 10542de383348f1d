package loyalty

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/dev/standin"
	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/servicetest"
)

// fixtureID is a deterministic UUID for name.
func fixtureID(name string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("loyalty-conformance/"+name)).String()
}

// TestConformance runs the shared stream contract suite (duplicate, rollback, poison,
// panic, stored offsets) on the reservation.status-changed subscription. Its world: the
// stand-ins know reservations 0..63, each completed for 100 USD by its own guest, and the
// failing ones, completed for a trillion USD: their points are emitted, then refused by
// the ledger's CHECK on an entry's size (a permanent error), which rolls the event back.
// A valid event's effect is its earning entry, counted by source event id.
func TestConformance(t *testing.T) {
	up := standin.NewStore()
	now := time.Now().UTC()
	put := func(res, guest, amount string) {
		up.Apply(registration(guest, now))
		up.Apply(booking(res, guest, amount, "USD", now))
		up.Apply(statusChange(res, guest, "COMPLETED", now))
	}
	const fixtures = 64
	for i := range fixtures {
		put(fixtureID(fmt.Sprint("res-", i)), fixtureID(fmt.Sprint("guest-", i)), "100")
		put(fixtureID(fmt.Sprint("fail-res-", i)), fixtureID(fmt.Sprint("fail-guest-", i)), "1000000000000")
	}
	completion := func(prefix string, i int) streamtest.Event {
		if i >= fixtures {
			panic(fmt.Sprintf("contract fixture %d: the stand-ins know %d reservations", i, fixtures))
		}
		ev := statusChange(fixtureID(fmt.Sprint(prefix, "res-", i)), fixtureID(fmt.Sprint(prefix, "guest-", i)), "COMPLETED", now)
		ev.Metadata.EventID = fixtureID(fmt.Sprint(prefix, "event-", i))
		return streamtest.Event{Key: ev.ReservationID, EventID: ev.Metadata.EventID, Schema: ev.Schema(), Value: ev}
	}
	servicetest.Conformance(t, Spec, servicetest.Fixture{
		Input:   TopicReservationStatus,
		Options: []servicetest.Option{servicetest.WithEnv(standInServer(t, up)...)},
		Valid:   func(i int) streamtest.Event { return completion("", i) },
		Failing: func(i int) streamtest.Event { return completion("fail-", i) },
		Effects: func(ctx context.Context, db store.DB, eventID string) (int, error) {
			var n int
			err := db.QueryRow(ctx, `SELECT count(*) FROM loyalty.point_transactions WHERE source_event_id = $1`, eventID).Scan(&n)
			return n, err
		},
	})
}
