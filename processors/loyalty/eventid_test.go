package loyalty

import (
	"testing"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// TestEventIDsComeFromTheirCause: two stores that apply the same events (a store and its
// restore from a backup re-applying the gap Kafka kept) emit loyalty-points.earned and
// loyalty-tier.changed under the same event ids, so the consumers' inboxes drop the second
// copy instead of counting the points or the promotion twice.
func TestEventIDsComeFromTheirCause(t *testing.T) {
	t.Parallel()
	guest, res := uuid.NewString(), uuid.NewString()
	var first *world
	reg := registration(guest, (&clock{}).now())
	var done *schemas.ReservationStatusChanged
	ids := map[string][2]string{}
	for i := range 2 {
		w := start(t)
		if first == nil {
			first = w
			done = statusChange(res, guest, "COMPLETED", w.clock.now())
		}
		w.upstream.Apply(reg)
		w.Publish(TopicGuestRegistered, guest, reg)
		w.AwaitApplied(reg.Metadata.EventID)
		w.upstream.Apply(booking(res, guest, "1500", "USD", done.Metadata.OccurredAt))
		w.upstream.Apply(done)
		w.Publish(TopicReservationStatus, res, done)
		w.AwaitApplied(done.Metadata.EventID)

		earned := servicetest.AwaitEvent[schemas.LoyaltyPointsEarned](w.Service, TopicPointsEarned,
			func(e *schemas.LoyaltyPointsEarned) bool { return e.GuestID == guest })
		tier := servicetest.AwaitEvent[schemas.LoyaltyTierChanged](w.Service, TopicTierChanged,
			func(e *schemas.LoyaltyTierChanged) bool { return e.GuestID == guest })
		for kind, id := range map[string]string{"earned": earned.Metadata.EventID, "tier": tier.Metadata.EventID} {
			pair := ids[kind]
			pair[i] = id
			ids[kind] = pair
		}
	}
	for kind, pair := range ids {
		if pair[0] == "" || pair[0] != pair[1] {
			t.Errorf("%s event ids %q and %q: the same cause must name the same event", kind, pair[0], pair[1])
		}
	}
	if ids["earned"][0] == ids["tier"][0] {
		t.Errorf("the earning and the promotion share the event id %s", ids["earned"][0])
	}
}
