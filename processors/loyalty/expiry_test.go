package loyalty

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

const month = 30 * 24 * time.Hour

// lots are the member's lots, oldest expiry first: what is left of each.
func lots(t *testing.T, w *world, guest string) []int64 {
	t.Helper()
	rows, err := w.DB.Query(context.Background(), `SELECT remaining FROM loyalty.lots WHERE guest_id = $1 ORDER BY expires_on`, guest)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// TestRedemptionSpendsTheLotsThatExpireFirstAndLeftoversExpire: two earnings six months
// apart; a redemption takes the older lot first; once the older lot's 24 months are over
// nothing is left in it to expire, and at the end of the younger one its leftover is
// booked out by an expire entry.
func TestRedemptionSpendsTheLotsThatExpireFirstAndLeftoversExpire(t *testing.T) {
	t.Parallel()
	w := start(t, servicetest.WithoutWorkers("expiry", "tier recalculation"))
	guest := uuid.NewString()
	w.register(guest)
	w.complete(uuid.NewString(), guest, "1000", "USD")
	w.clock.advance(6 * month)
	w.complete(uuid.NewString(), guest, "800", "USD") // TRAILBLAZER by now: 800 × 1.25
	if got := lots(t, w, guest); len(got) != 2 || got[0] != 1000 || got[1] != 1000 {
		t.Fatalf("lots %v, want [1000 1000]", got)
	}
	must(t, w.redeem(guest, "gear-rental-day"), http.StatusCreated) // 1200
	if got := lots(t, w, guest); got[0] != 0 || got[1] != 800 {
		t.Errorf("after redeeming 1200: lots %v, want [0 800]: the older lot first", got)
	}
	ctx := context.Background()
	w.clock.advance(19 * month) // past the first lot's 24 months, before the second's
	if err := w.State.expireDueLots(ctx); err != nil {
		t.Fatal(err)
	}
	if m := w.member(guest); m.Balance != 800 {
		t.Errorf("after the spent lot's expiry: balance %d, want 800", m.Balance)
	}
	w.clock.advance(6 * month)
	if err := w.State.expireDueLots(ctx); err != nil {
		t.Fatal(err)
	}
	var expired int64
	if err := w.DB.QueryRow(ctx, `SELECT sum(points) FROM loyalty.point_transactions WHERE guest_id = $1 AND kind = 'expire'`, guest).Scan(&expired); err != nil || expired != -800 {
		t.Errorf("expired %d (%v), want -800", expired, err)
	}
	if m := w.member(guest); m.Balance != 0 {
		t.Errorf("balance %d after both lots expired", m.Balance)
	}
	checkLedger(t, w.DB)
}

// TestTierFallsWhenTheWindowMoves: points earned more than the window ago stop counting;
// the recalculation demotes the member and announces it.
func TestTierFallsWhenTheWindowMoves(t *testing.T) {
	t.Parallel()
	w := start(t, servicetest.WithoutWorkers("expiry", "tier recalculation"))
	guest := uuid.NewString()
	w.register(guest)
	w.complete(uuid.NewString(), guest, "5000", "USD")
	promoted := servicetest.AwaitEvent[schemas.LoyaltyTierChanged](w.Service, TopicTierChanged,
		func(e *schemas.LoyaltyTierChanged) bool { return e.GuestID == guest })
	if promoted.NewTier != "SUMMIT" || promoted.PreviousTier != "EXPLORER" || promoted.Direction != "PROMOTION" || promoted.QualifyingPoints != 5000 {
		t.Errorf("promotion %+v", promoted)
	}
	w.clock.advance(13 * month)
	if err := w.State.recalculateTiers(context.Background()); err != nil {
		t.Fatal(err)
	}
	demoted := servicetest.AwaitEvent[schemas.LoyaltyTierChanged](w.Service, TopicTierChanged,
		func(e *schemas.LoyaltyTierChanged) bool { return e.GuestID == guest && e.Direction == "DEMOTION" })
	if demoted.NewTier != "EXPLORER" || demoted.PreviousTier != "SUMMIT" || demoted.QualifyingPoints != 0 {
		t.Errorf("demotion %+v", demoted)
	}
	if m := w.member(guest); m.Tier != "EXPLORER" || m.Balance != 5000 {
		t.Errorf("member %+v: demoted, the points kept", m)
	}
}
