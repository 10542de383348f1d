package loyalty

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"

	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// TestEnrolAndEarnOnCompletion: a registration enrols the guest in the base tier; a
// completed reservation verified with svc-reservations earns points by the rule table
// (USD 1 point per unit, rounded down), announced as loyalty-points.earned with the
// balance after, and the member is readable by svc-guest-profiles.
func TestEnrolAndEarnOnCompletion(t *testing.T) {
	t.Parallel()
	w := start(t)
	guest, res := uuid.NewString(), uuid.NewString()
	w.register(guest)
	if m := w.member(guest); m.Tier != "EXPLORER" || m.Balance != 0 || m.NextTier == nil || m.NextTier.PointsNeeded != 1000 {
		t.Fatalf("new member = %+v", m)
	}
	completion := w.complete(res, guest, "420.99", "USD")
	m := w.member(guest)
	if m.Balance != 420 || m.QualifyingPoints != 420 || m.NextTier.PointsNeeded != 580 {
		t.Errorf("after a 420.99 USD trip: %+v, want balance 420 and 580 to TRAILBLAZER", m)
	}
	earned := servicetest.AwaitEvent[schemas.LoyaltyPointsEarned](w.Service, TopicPointsEarned,
		func(e *schemas.LoyaltyPointsEarned) bool { return e.GuestID == guest })
	if earned.Points != 420 || earned.BalanceAfter != 420 || earned.Reason != "COMPLETED_TRIP" || earned.ReservationID == nil ||
		*earned.ReservationID != res || earned.ExpiresOn == nil || earned.Metadata.CausationID == nil ||
		*earned.Metadata.CausationID != completion.Metadata.EventID {
		t.Errorf("loyalty-points.earned = %+v", earned)
	}
	if n := checkLedger(t, w.DB); n != 1 {
		t.Errorf("%d members, want 1", n)
	}
}

// TestDuplicateCompletionEarnsOnce: the same COMPLETED event twice (the inbox) and a second
// COMPLETED event for the same reservation (another event id) book one entry.
func TestDuplicateCompletionEarnsOnce(t *testing.T) {
	t.Parallel()
	w := start(t)
	guest, res := uuid.NewString(), uuid.NewString()
	w.register(guest)
	ev := w.complete(res, guest, "100", "USD")
	w.Publish(TopicReservationStatus, res, ev) // the same event again
	again := statusChange(res, guest, "COMPLETED", w.clock.now())
	w.Publish(TopicReservationStatus, res, again) // the same fact, another event id
	w.AwaitApplied(again.Metadata.EventID)
	var n int
	if err := w.DB.QueryRow(context.Background(), `SELECT count(*) FROM loyalty.point_transactions WHERE reservation_id = $1`, res).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d entries for the reservation (%v), want 1", n, err)
	}
	if m := w.member(guest); m.Balance != 100 {
		t.Errorf("balance %d, want 100", m.Balance)
	}
}

// TestEarningRules: the currency's base rate, the trip type's multiplier (a stand-in
// booking has none), the tier's multiplier and a dated promotion with a bonus.
func TestEarningRules(t *testing.T) {
	t.Parallel()
	w := start(t)
	guest := uuid.NewString()
	w.register(guest)
	if _, err := w.DB.Exec(context.Background(), `INSERT INTO loyalty.earning_rules (id, kind, multiplier, bonus, valid_from, valid_to)
		VALUES ('double-december', 'promotion', 2, 50, $1::date, ($1::date + 1))`, w.clock.now()); err != nil {
		t.Fatal(err)
	}
	w.complete(uuid.NewString(), guest, "200", "GBP") // 200 × 1.25 × 2 + 50
	if m := w.member(guest); m.Balance != 550 {
		t.Errorf("200 GBP in a double-points promotion with a 50 bonus: %d points, want 550", m.Balance)
	}
}

// TestCompletionOfUnknownGuestEnrolsFromProfile: points that arrive before the
// registration enrol the member from svc-guest-profiles' profile; the registration read
// later merges its attributes and keeps the balance.
func TestCompletionOfUnknownGuestEnrolsFromProfile(t *testing.T) {
	t.Parallel()
	w := start(t)
	guest := uuid.NewString()
	w.upstream.Apply(registration(guest, w.clock.now())) // known to svc-guest-profiles only
	w.complete(uuid.NewString(), guest, "300", "USD")
	var by string
	if err := w.DB.QueryRow(context.Background(), `SELECT enrolled_by FROM loyalty.members WHERE guest_id = $1`, guest).Scan(&by); err != nil || by != "profile" {
		t.Errorf("enrolled_by %q (%v), want profile", by, err)
	}
	w.register(guest)
	if m := w.member(guest); m.Balance != 300 {
		t.Errorf("after the late registration: balance %d, want 300", m.Balance)
	}
}

// TestUnverifiableCompletionIsDeadLettered: a completion svc-reservations attributes to
// another guest is dead-lettered with its reason, and books nothing.
func TestUnverifiableCompletionIsDeadLettered(t *testing.T) {
	t.Parallel()
	w := start(t)
	guest, other, res := uuid.NewString(), uuid.NewString(), uuid.NewString()
	w.register(guest)
	now := w.clock.now()
	w.upstream.Apply(booking(res, other, "100", "USD", now))
	w.upstream.Apply(statusChange(res, other, "COMPLETED", now))
	ev := statusChange(res, guest, "COMPLETED", now)
	w.Publish(TopicReservationStatus, res, ev)
	var dead []*kgo.Record
	streamtest.Eventually(t, "the completion is dead-lettered", func() (bool, error) {
		dead = w.DeadLetters()
		return len(dead) > 0, nil
	})
	headers := map[string]string{}
	for _, h := range dead[0].Headers {
		headers[h.Key] = string(h.Value)
	}
	if len(dead) != 1 || headers[stream.HeaderErrorKind] != "permanent" || !strings.Contains(headers[stream.HeaderError], "belongs to guest "+other) {
		t.Errorf("%d dead letters, the first with kind %q and reason %q", len(dead), headers[stream.HeaderErrorKind], headers[stream.HeaderError])
	}
	if m := w.member(guest); m.Balance != 0 {
		t.Errorf("balance %d after a refused completion", m.Balance)
	}
}

// TestCancellationAfterCompletionReverses: a cancellation reverses the earning with a
// compensating entry (the earning stays), and the reversal of points already spent takes
// the balance below zero; later earnings pay it off first.
func TestCancellationAfterCompletionReverses(t *testing.T) {
	t.Parallel()
	w := start(t)
	guest, res := uuid.NewString(), uuid.NewString()
	w.register(guest)
	w.complete(res, guest, "3000", "USD") // 3000 points, TRAILBLAZER
	if m := w.member(guest); m.Tier != "TRAILBLAZER" {
		t.Fatalf("3000 points: tier %s, want TRAILBLAZER", m.Tier)
	}
	must(t, w.redeem(guest, "voucher-25-usd"), http.StatusCreated) // 2500 spent, 500 left
	w.cancel(res, guest)
	m := w.member(guest)
	if m.Balance != -2500 || m.Tier != "EXPLORER" {
		t.Errorf("after reversing 3000 of which 2500 were spent: balance %d tier %s, want -2500 EXPLORER", m.Balance, m.Tier)
	}
	var kinds []string
	rows, err := w.DB.Query(context.Background(), `SELECT kind FROM loyalty.point_transactions WHERE guest_id = $1 ORDER BY seq`, guest)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		_ = rows.Scan(&k)
		kinds = append(kinds, k)
	}
	if len(kinds) != 3 || kinds[0] != KindEarn || kinds[1] != KindRedeem || kinds[2] != KindReverse {
		t.Errorf("ledger kinds %v, want earn, redeem, reverse", kinds)
	}
	resp := w.redeem(guest, "gear-rental-day")
	must(t, resp, http.StatusConflict)
	w.complete(uuid.NewString(), guest, "3000", "USD")
	if m := w.member(guest); m.Balance != 500 {
		t.Errorf("a 3000-point earning after a debt of 2500: balance %d, want 500", m.Balance)
	}
	checkLedger(t, w.DB)
}

// TestCompletionTwiceAndCancellationBackToBack: a completion, the same fact again under
// another event id and the cancellation, published back to back on the reservation's
// partition (so usually one batch, which keeps its earnings as it books them): one
// earning and its reversal, the balance back to zero.
func TestCompletionTwiceAndCancellationBackToBack(t *testing.T) {
	t.Parallel()
	w := start(t)
	guest, res := uuid.NewString(), uuid.NewString()
	w.register(guest)
	now := w.clock.now()
	w.upstream.Apply(booking(res, guest, "700", "USD", now))
	done := statusChange(res, guest, "COMPLETED", now)
	w.upstream.Apply(done)
	again := statusChange(res, guest, "COMPLETED", now)
	cancelled := statusChange(res, guest, "CANCELLED", now.Add(time.Minute))
	for _, ev := range []*schemas.ReservationStatusChanged{done, again, cancelled} {
		w.Publish(TopicReservationStatus, res, ev)
	}
	w.AwaitApplied(cancelled.Metadata.EventID)
	var kinds string
	if err := w.DB.QueryRow(context.Background(), `SELECT string_agg(kind || ' ' || points, ', ' ORDER BY seq)
		FROM loyalty.point_transactions WHERE reservation_id = $1`, res).Scan(&kinds); err != nil || kinds != "earn 700, reverse -700" {
		t.Errorf("entries %q (%v), want one earning and its reversal", kinds, err)
	}
	if m := w.member(guest); m.Balance != 0 {
		t.Errorf("balance %d, want 0", m.Balance)
	}
}

// TestUpperCaseIDsNameTheSameReservation: ids are UUIDs whatever their case; a completion
// written with upper-case ids and its repeat in lower case earn once, for the member.
func TestUpperCaseIDsNameTheSameReservation(t *testing.T) {
	t.Parallel()
	w := start(t)
	guest, res := uuid.NewString(), uuid.NewString()
	w.register(guest)
	now := w.clock.now()
	w.upstream.Apply(booking(res, guest, "250", "USD", now))
	w.upstream.Apply(statusChange(res, guest, "COMPLETED", now))
	upper := statusChange(strings.ToUpper(res), strings.ToUpper(guest), "COMPLETED", now)
	w.Publish(TopicReservationStatus, res, upper)
	w.AwaitApplied(upper.Metadata.EventID)
	lower := statusChange(res, guest, "COMPLETED", now)
	w.Publish(TopicReservationStatus, res, lower)
	w.AwaitApplied(lower.Metadata.EventID)
	var n int
	if err := w.DB.QueryRow(context.Background(), `SELECT count(*) FROM loyalty.point_transactions WHERE reservation_id = $1`, res).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d entries (%v), want 1", n, err)
	}
	if m := w.member(guest); m.Balance != 250 {
		t.Errorf("balance %d, want 250", m.Balance)
	}
}
