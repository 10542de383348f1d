package loyalty

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// TestLedgerInvariantsUnderRandomOperations is the ledger's property test: a randomized
// sequence of earnings, duplicate completions, reversals, redemptions, cancellations,
// adjustments and expiries (the clock moving months at a time) over a few members, after
// which, for every member, the balance equals the sum of the ledger, every balance_after
// is the running sum, the lots hold exactly the balance (nothing when it is negative), and
// a negative balance happens only through a reversal. The seed is logged; set
// LOYALTY_PROPERTY_SEED to replay one.
func TestLedgerInvariantsUnderRandomOperations(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	if s := getenvUint("LOYALTY_PROPERTY_SEED"); s != 0 {
		seed = s
	}
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	w := start(t, servicetest.WithoutWorkers("expiry", "tier recalculation"))
	guests := []string{uuid.NewString(), uuid.NewString(), uuid.NewString()}
	for _, g := range guests {
		w.register(g)
	}
	type completion struct {
		guest string
		ev    *schemas.ReservationStatusChanged
	}
	var completions []completion
	var redemptions []string
	rewards := []string{"voucher-25-usd", "gear-rental-day", "guide-choice"}
	ops := map[string]int{}
	for range 60 {
		g := guests[rng.IntN(len(guests))]
		switch op := rng.IntN(8); op {
		case 0, 1:
			ops["earn"]++
			ev := w.complete(uuid.NewString(), g, fmt.Sprintf("%d.%02d", 1+rng.IntN(3000), rng.IntN(100)), "USD")
			completions = append(completions, completion{g, ev})
		case 2:
			if len(completions) == 0 {
				continue
			}
			ops["duplicate"]++
			c := completions[rng.IntN(len(completions))]
			before := w.member(c.guest).Balance
			w.Publish(TopicReservationStatus, c.ev.ReservationID, c.ev)
			w.AwaitApplied(c.ev.Metadata.EventID)
			if after := w.member(c.guest).Balance; after != before {
				t.Fatalf("a duplicate completion moved the balance from %d to %d", before, after)
			}
		case 3:
			if len(completions) == 0 {
				continue
			}
			ops["reverse"]++
			c := completions[rng.IntN(len(completions))]
			w.cancel(c.ev.ReservationID, c.guest)
		case 4:
			ops["redeem"]++
			resp := w.redeem(g, rewards[rng.IntN(len(rewards))])
			switch resp.Status {
			case http.StatusCreated:
				var r redemptionView
				resp.JSON(t, &r)
				redemptions = append(redemptions, r.ID.String())
			case http.StatusConflict:
			default:
				t.Fatalf("redeem: %d %s", resp.Status, resp.Body)
			}
		case 5:
			if len(redemptions) == 0 {
				continue
			}
			ops["cancel"]++
			resp := w.Call(CallerLoyaltyOps, "POST", "/v1/redemptions/"+redemptions[rng.IntN(len(redemptions))]+"/cancel", nil)
			if resp.Status != http.StatusOK && resp.Status != http.StatusConflict {
				t.Fatalf("cancel: %d %s", resp.Status, resp.Body)
			}
		case 6:
			ops["adjust"]++
			resp := w.adjust(g, int64(rng.IntN(4001)-2000)|1)
			if resp.Status != http.StatusCreated && resp.Status != http.StatusConflict {
				t.Fatalf("adjust: %d %s", resp.Status, resp.Body)
			}
		case 7:
			ops["expire"]++
			w.clock.advance(time.Duration(rng.IntN(10)) * month)
			if err := w.State.expireDueLots(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("operations: %v", ops)
	if n := checkLedger(t, w.DB); n != len(guests) {
		t.Errorf("checked %d members, want %d", n, len(guests))
	}
	var unexplained int
	if err := w.DB.QueryRow(context.Background(), `SELECT count(*) FROM loyalty.point_transactions e
		WHERE balance_after < 0 AND NOT EXISTS (SELECT 1 FROM loyalty.point_transactions r
			WHERE r.guest_id = e.guest_id AND r.kind = 'reverse' AND r.reservation_id IS NOT NULL AND r.seq <= e.seq)`).Scan(&unexplained); err != nil {
		t.Fatal(err)
	}
	if unexplained != 0 {
		t.Errorf("%d entries left a negative balance without a reversal before them", unexplained)
	}
}
