package loyalty

import (
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// TestEventIDsComeFromTheirCause: two stores that apply the same events and requests (a
// store and its restore from a backup re-applying the gap Kafka kept, or a request run again
// after its Idempotency-Key record was lost) emit every event under the same id, so the
// consumers' inboxes drop the second copy instead of counting it twice: loyalty-points.earned
// and loyalty-tier.changed from the consumer, loyalty-points.earned of a staff credit and
// loyalty-reward.redeemed from the API.
func TestEventIDsComeFromTheirCause(t *testing.T) {
	t.Parallel()
	guest, res := uuid.NewString(), uuid.NewString()
	var first *world
	reg := registration(guest, (&clock{}).now())
	var done *schemas.ReservationStatusChanged
	ids := map[string][2]string{}
	adjustKey, redeemKey := uuid.NewString(), uuid.NewString()
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
		must(t, w.Call(CallerLoyaltyOps, http.MethodPost, "/v1/members/"+guest+"/adjustments",
			map[string]any{"points": 3000, "reason": "goodwill"}, "Idempotency-Key", adjustKey), http.StatusCreated)
		credit := servicetest.AwaitEvent[schemas.LoyaltyPointsEarned](w.Service, TopicPointsEarned,
			func(e *schemas.LoyaltyPointsEarned) bool { return e.GuestID == guest && e.Reason == "ADJUSTMENT" })
		must(t, w.Call(CallerGuestApp, http.MethodPost, "/v1/members/"+guest+"/redemptions",
			map[string]any{"reward_id": "voucher-25-usd"}, "Idempotency-Key", redeemKey), http.StatusCreated)
		redeemed := servicetest.AwaitEvent[schemas.LoyaltyRewardRedeemed](w.Service, TopicRewardRedeemed,
			func(e *schemas.LoyaltyRewardRedeemed) bool { return e.GuestID == guest })
		for kind, id := range map[string]string{"earned": earned.Metadata.EventID, "tier": tier.Metadata.EventID,
			"credit": credit.Metadata.EventID, "redeemed": redeemed.Metadata.EventID} {
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
	distinct := map[string]string{}
	for kind, pair := range ids {
		if other, ok := distinct[pair[0]]; ok {
			t.Errorf("%s and %s share the event id %s", kind, other, pair[0])
		}
		distinct[pair[0]] = kind
	}
	if len(ids) != 4 {
		t.Errorf("compared %d kinds of event, want 4: %v", len(ids), ids)
	}
}
