package payments

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestDisputeLifecycle(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	p := h.mustDeposit(deposit("150.00", "USD", "pm_card_visa"))
	respondBy := h.clock.now().Add(7 * 24 * time.Hour).UTC().Format(time.RFC3339)
	open := map[string]any{"payment_id": p.str("id"), "amount": money2("100.00", "USD"), "reason": "NOT_RECEIVED", "respond_by": respondBy}

	if r := h.call("PUT", "/v1/disputes/dp_1", CallerFinanceOps, "", map[string]any{"status": "WON"}); r.status != http.StatusBadRequest {
		t.Fatalf("update of an unknown case without its fields = %d %s", r.status, r.raw)
	}
	over := map[string]any{"payment_id": p.str("id"), "amount": money2("150.01", "USD"), "reason": "NOT_RECEIVED", "respond_by": respondBy}
	if r := h.call("PUT", "/v1/disputes/dp_1", CallerFinanceOps, "", over); r.status != 422 || r.str("type") != typeExceedsRefundable {
		t.Fatalf("dispute above the payment = %d %s", r.status, r.raw)
	}
	r := h.call("PUT", "/v1/disputes/dp_1", CallerFinanceOps, "", open)
	if r.status != http.StatusCreated || r.str("status") != DisputeOpen {
		t.Fatalf("open = %d %s", r.status, r.raw)
	}
	if again := h.call("PUT", "/v1/disputes/dp_1", CallerFinanceOps, "", open); again.status != http.StatusOK || again.str("id") != r.str("id") {
		t.Fatalf("same state again = %d %s", again.status, again.raw)
	}
	// While disputed, the amount is not refundable.
	if rf := h.call("POST", "/v1/payments/"+p.str("id")+"/refunds", CallerFinanceOps, uuid.NewString(),
		map[string]any{"reason": ReasonServiceIssue, "amount": money2("50.01", "USD")}); rf.status != 422 {
		t.Fatalf("refund of disputed funds = %d %s", rf.status, rf.raw)
	}
	if u := h.call("PUT", "/v1/disputes/dp_1", CallerFinanceOps, "", map[string]any{"status": "EVIDENCE_SUBMITTED", "note": "signed waiver sent"}); u.status != 200 || u.str("note") != "signed waiver sent" {
		t.Fatalf("evidence = %d %s", u.status, u.raw)
	}
	lost := h.call("PUT", "/v1/disputes/dp_1", CallerFinanceOps, "", map[string]any{"status": "LOST"})
	if lost.status != 200 || lost.str("status") != DisputeLost || lost.str("closed_at") == "" {
		t.Fatalf("lost = %d %s", lost.status, lost.raw)
	}
	if back := h.call("PUT", "/v1/disputes/dp_1", CallerFinanceOps, "", map[string]any{"status": "WON"}); back.status != 409 || back.str("type") != typeInvalidTransition {
		t.Fatalf("reopen a lost case = %d %s", back.status, back.raw)
	}
	got := h.call("GET", "/v1/payments/"+p.str("id"), CallerReservations, "", nil)
	if got.str("charged_back", "amount") != "100.00" || got.str("disputed", "amount") != "0.00" || got.str("refundable", "amount") != "50.00" {
		t.Fatalf("payment after a lost dispute = %s", got.raw)
	}
	// A second case on the rest, won.
	r2 := h.call("PUT", "/v1/disputes/dp_2", CallerFinanceOps, "", map[string]any{"payment_id": p.str("id"), "amount": money2("50.00", "USD"), "reason": "FRAUDULENT", "respond_by": respondBy})
	if r2.status != 201 {
		t.Fatalf("second case = %d %s", r2.status, r2.raw)
	}
	if w := h.call("PUT", "/v1/disputes/dp_2", CallerFinanceOps, "", map[string]any{"status": "WON"}); w.status != 200 {
		t.Fatalf("won = %d %s", w.status, w.raw)
	}
	h.ledgerOK()
	for topic, want := range map[string]int{TopicDisputeOpened: 2, TopicDisputeUpdated: 3} {
		if n := h.count(`SELECT count(*) FROM payments.outbox WHERE topic = $1`, topic); n != want {
			t.Errorf("%d rows for %s; want %d", n, topic, want)
		}
	}
	rec, err := h.core.reconcile(h.ctx, h.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Mismatches) != 0 || len(rec.Summaries) != 1 || rec.Summaries[0].DisputesLostMinor != 10000 || rec.Summaries[0].DisputesWonMinor != 5000 {
		t.Fatalf("reconciliation = %+v", rec)
	}
}

func TestAuthorization(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	p := h.mustDeposit(deposit("10.00", "USD", "pm_card_visa"))
	get := "/v1/payments/" + p.str("id")
	commission := map[string]any{"reservation_id": uuid.NewString(), "guest_id": uuid.NewString(), "partner_id": "expedia",
		"partner_account": "acct_1Expedia", "amount": money2("12.50", "USD")}
	cases := []struct {
		name, method, path, caller string
		body                       any
		want                       int
	}{
		{"no token", "GET", get, "", nil, 401},
		{"unknown token", "GET", get, "svc-unknown", nil, 401},
		{"reservations read", "GET", get, CallerReservations, nil, 200},
		{"analytics read", "GET", get, CallerAnalytics, nil, 200},
		{"partners may not read payments", "GET", get, CallerPartners, nil, 403},
		{"guest profiles may not read payments", "GET", get, "svc-guest-profiles", nil, 403},
		{"analytics may not take deposits", "POST", "/v1/deposits", CallerAnalytics, deposit("1.00", "USD", "pm_card_visa"), 403},
		{"reservations may not pay commissions", "POST", "/v1/commissions", CallerReservations, commission, 403},
		{"partners pay commissions", "POST", "/v1/commissions", CallerPartners, commission, 201},
		{"reservations may not touch disputes", "PUT", "/v1/disputes/dp_9", CallerReservations, map[string]any{}, 403},
		{"analytics may not refund", "POST", get + "/refunds", CallerAnalytics, map[string]any{"reason": ReasonOther}, 403},
	}
	for _, c := range cases {
		r := h.call(c.method, c.path, c.caller, uuid.NewString(), c.body)
		if r.status != c.want {
			t.Errorf("%s: %d %s; want %d", c.name, r.status, r.raw, c.want)
		}
		if r.status == 401 && r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", c.name)
		}
	}
	if st := h.psp.Stats(); st.Transfers != 1 {
		t.Errorf("transfers = %d; want the one allowed commission", st.Transfers)
	}
}

func TestCommission(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body := map[string]any{"reservation_id": uuid.NewString(), "guest_id": uuid.NewString(), "partner_id": "getyourguide",
		"partner_account": "acct_1GYG", "amount": money2("30.00", "EUR")}
	r := h.call("POST", "/v1/commissions", CallerPartners, "c1", body)
	if r.status != http.StatusCreated || r.str("type") != TypeCommission || r.str("status") != StatusPaid || r.str("partner_id") != "getyourguide" {
		t.Fatalf("commission = %d %s", r.status, r.raw)
	}
	if again := h.call("POST", "/v1/commissions", CallerPartners, "c1", body); again.str("id") != r.str("id") {
		t.Fatalf("replay = %s", again.raw)
	}
	// Commissions are payouts, not card payments: they cannot be refunded here.
	if rf := h.call("POST", "/v1/payments/"+r.str("id")+"/refunds", CallerFinanceOps, uuid.NewString(), map[string]any{"reason": ReasonOther}); rf.status != 409 {
		t.Fatalf("refund of a commission = %d", rf.status)
	}
	if st := h.psp.Stats(); st.Transfers != 1 {
		t.Fatalf("transfers = %d", st.Transfers)
	}
	h.ledgerOK()
	rec, err := h.core.reconcile(h.ctx, h.clock.now())
	if err != nil || len(rec.Mismatches) != 0 || rec.Summaries[0].CommissionsMinor != 3000 {
		t.Fatalf("reconciliation = %+v, %v", rec, err)
	}
}
