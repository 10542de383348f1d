package loyalty

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// TestRedeemMoreThanAvailableIsAConflictWithTheBalance: 409 insufficient-points carrying
// the balance and what the reward needs; nothing is booked.
func TestRedeemMoreThanAvailableIsAConflictWithTheBalance(t *testing.T) {
	t.Parallel()
	w, guest := memberWith(t, 1000)
	resp := w.redeem(guest, "voucher-25-usd")
	must(t, resp, http.StatusConflict)
	var p struct {
		Type           string `json:"type"`
		Balance        int64  `json:"balance"`
		PointsRequired int64  `json:"points_required"`
	}
	resp.JSON(t, &p)
	if p.Type != "urn:novatrek:problem:insufficient-points" || p.Balance != 1000 || p.PointsRequired != 2500 {
		t.Errorf("problem %+v", p)
	}
	if m := w.member(guest); m.Balance != 1000 {
		t.Errorf("balance %d after a refused redemption", m.Balance)
	}
}

// TestRedeemWithTheSameKeyOnce: a retry with the same Idempotency-Key replays the first
// answer and redeems nothing more.
func TestRedeemWithTheSameKeyOnce(t *testing.T) {
	t.Parallel()
	w, guest := memberWith(t, 5000)
	key := uuid.NewString()
	path := "/v1/members/" + guest + "/redemptions"
	first := w.Call(CallerGuestApp, "POST", path, map[string]any{"reward_id": "guide-choice"}, "Idempotency-Key", key)
	again := w.Call(CallerGuestApp, "POST", path, map[string]any{"reward_id": "guide-choice"}, "Idempotency-Key", key)
	must(t, first, http.StatusCreated)
	must(t, again, http.StatusCreated)
	if string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry answered %s (replayed %q), first %s", again.Body, again.Header.Get("Idempotent-Replayed"), first.Body)
	}
	if m := w.member(guest); m.Balance != 1000 {
		t.Errorf("balance %d, want 5000 - 4000 once", m.Balance)
	}
}

// TestRedeemAnnouncesAndCancelPutsPointsBack: loyalty-reward.redeemed carries the reward,
// its value and the balance after; cancelling puts the points back into the lots they came
// from, and a second cancellation is a conflict.
func TestRedeemAnnouncesAndCancelPutsPointsBack(t *testing.T) {
	t.Parallel()
	w, guest := memberWith(t, 3000)
	resp := w.redeem(guest, "voucher-25-usd")
	must(t, resp, http.StatusCreated)
	var r redemptionView
	resp.JSON(t, &r)
	if r.BalanceAfter != 500 || r.Status != "active" || r.Points != 2500 {
		t.Errorf("redemption %+v", r)
	}
	ev := servicetest.AwaitEvent[schemas.LoyaltyRewardRedeemed](w.Service, TopicRewardRedeemed,
		func(e *schemas.LoyaltyRewardRedeemed) bool { return e.GuestID == guest })
	if ev.RedemptionID != r.ID.String() || ev.PointsSpent != 2500 || ev.BalanceAfter != 500 || ev.Value == nil ||
		ev.Value.Currency != "USD" || ev.Value.Amount.FloatString(2) != "25.00" {
		t.Errorf("loyalty-reward.redeemed = %+v", ev)
	}
	cancel := w.Call(CallerLoyaltyOps, "POST", "/v1/redemptions/"+r.ID.String()+"/cancel", nil)
	must(t, cancel, http.StatusOK)
	if m := w.member(guest); m.Balance != 3000 {
		t.Errorf("balance %d after cancelling, want 3000", m.Balance)
	}
	var remaining int64
	if err := w.DB.QueryRow(context.Background(), `SELECT sum(remaining) FROM loyalty.lots WHERE guest_id = $1`, guest).Scan(&remaining); err != nil || remaining != 3000 {
		t.Errorf("lots hold %d (%v) after the cancellation, want 3000", remaining, err)
	}
	must(t, w.Call(CallerLoyaltyOps, "POST", "/v1/redemptions/"+r.ID.String()+"/cancel", nil), http.StatusConflict)
	checkLedger(t, w.DB)
}

// TestConcurrentRedemptionsNeverOverdraw: 50 redemptions of one member at once, with
// points for 10: exactly 10 succeed, 40 are refused with 409, the balance ends at 0 and no
// entry ever left it below zero.
func TestConcurrentRedemptionsNeverOverdraw(t *testing.T) {
	t.Parallel()
	w, guest := memberWith(t, 12000)
	statuses := make([]int, 50)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Go(func() { statuses[i] = w.redeem(guest, "gear-rental-day").Status })
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	if count[http.StatusCreated] != 10 || count[http.StatusConflict] != 40 {
		t.Errorf("statuses %v, want 10 × 201 and 40 × 409", count)
	}
	var lowest int64
	if err := w.DB.QueryRow(context.Background(), `SELECT min(balance_after) FROM loyalty.point_transactions WHERE guest_id = $1`, guest).Scan(&lowest); err != nil || lowest < 0 {
		t.Errorf("lowest balance %d (%v)", lowest, err)
	}
	if m := w.member(guest); m.Balance != 0 {
		t.Errorf("balance %d, want 0", m.Balance)
	}
	checkLedger(t, w.DB)
}

// TestRedemptionRunAgainIsTheSameRedemption: a redemption request run a second time after
// its Idempotency-Key record was lost (with LOYALTY_STORE=couchbase, a crash between the
// Couchbase and the PostgreSQL commit) answers the first run's redemption and books
// nothing more: a new run would be a 409, the balance left being short of the reward.
func TestRedemptionRunAgainIsTheSameRedemption(t *testing.T) {
	t.Parallel()
	w, guest := memberWith(t, 3000)
	in := redeemRequest{ID: redemptionID(CallerGuestApp, uuid.NewString(), guest, "voucher-25-usd"), GuestID: guest,
		RewardID: "voucher-25-usd", Caller: CallerGuestApp}
	var runs []*Redemption
	for range 2 {
		if err := w.State.transact(context.Background(), func(ctx context.Context, tx pgx.Tx) error {
			r, _, err := w.State.redeem(ctx, tx, in)
			runs = append(runs, r)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if runs[0].ID != in.ID || runs[1].ID != in.ID {
		t.Errorf("redemptions %s and %s, want both %s", runs[0].ID, runs[1].ID, in.ID)
	}
	if m := w.member(guest); m.Balance != 500 {
		t.Errorf("balance %d, want 500: one redemption of 2,500", m.Balance)
	}
}

// TestAdjustmentRunAgainIsTheSameEntry: a staff debit run a second time after its
// Idempotency-Key record was lost answers its entry and books nothing more (not a 409,
// though the balance it left is short of a second debit).
func TestAdjustmentRunAgainIsTheSameEntry(t *testing.T) {
	t.Parallel()
	w, guest := memberWith(t, 1000)
	in := adjustRequest{ID: adjustmentID(CallerLoyaltyOps, uuid.NewString(), guest, -800, "goodwill reversed"), GuestID: guest,
		Points: -800, Reason: "goodwill reversed", Caller: CallerLoyaltyOps}
	for run := range 2 {
		var e *Entry
		if err := w.State.transact(context.Background(), func(ctx context.Context, tx pgx.Tx) error {
			var err error
			e, err = w.State.adjust(ctx, tx, in)
			return err
		}); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if e.ID != in.ID || e.BalanceAfter != 200 {
			t.Errorf("run %d: entry %s with balance after %d, want %s and 200", run, e.ID, e.BalanceAfter, in.ID)
		}
	}
	if m := w.member(guest); m.Balance != 200 {
		t.Errorf("balance %d, want 200: one debit of 800", m.Balance)
	}
}

// memberWith starts the service with one registered member holding points (a staff credit).
func memberWith(t *testing.T, points int64) (*world, string) {
	t.Helper()
	w := start(t)
	guest := uuid.NewString()
	w.register(guest)
	must(t, w.adjust(guest, points), http.StatusCreated)
	return w, guest
}
