package payments

import (
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
)

func money2(amount, cur string) map[string]string {
	return map[string]string{"amount": amount, "currency": cur}
}

func TestRefundEvaluatesThePolicy(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	p := h.mustDeposit(deposit("200.00", "USD", "pm_card_visa"))
	path := "/v1/payments/" + p.str("id") + "/refunds"
	departure := h.clock.now().AddDate(0, 0, 20).Format(time.DateOnly) // 14-29 days: half

	// Without an amount the policy decides: half of 200.00.
	r := h.call("POST", path, CallerReservations, "r1", map[string]any{"reason": ReasonGuestCancellation, "departure_date": departure})
	if r.status != http.StatusCreated || r.str("amount", "amount") != "100.00" || r.str("status") != RefundSucceeded || r.str("policy_evaluation_id") == "" {
		t.Fatalf("policy refund = %d %s", r.status, r.raw)
	}
	var rule, decision string
	var policyMinor int64
	if err := h.pool.QueryRow(h.ctx, `SELECT rule, decision, policy_minor FROM payments.refund_policy_evaluations WHERE id = $1`,
		r.str("policy_evaluation_id")).Scan(&rule, &decision, &policyMinor); err != nil {
		t.Fatal(err)
	}
	if rule != "guest-14-29d-half" || decision != "refund" || policyMinor != 10000 {
		t.Errorf("evaluation = %s %s %d", rule, decision, policyMinor)
	}
	// The policy's half is used up: asking for more is refused.
	more := h.call("POST", path, CallerReservations, "r2", map[string]any{"reason": ReasonGuestCancellation, "departure_date": departure, "amount": money2("1.00", "USD")})
	if more.status != http.StatusUnprocessableEntity || more.str("type") != typeExceedsPolicy {
		t.Fatalf("beyond the policy = %d %s", more.status, more.raw)
	}
	// A service issue is at the operator's discretion, up to what is left.
	svc := h.call("POST", path, CallerFinanceOps, "r3", map[string]any{"reason": ReasonServiceIssue, "amount": money2("100.00", "USD")})
	if svc.status != http.StatusCreated {
		t.Fatalf("service-issue refund = %d %s", svc.status, svc.raw)
	}
	got := h.call("GET", "/v1/payments/"+p.str("id"), CallerReservations, "", nil)
	if got.str("refunded", "amount") != "200.00" || got.str("refundable", "amount") != "0.00" {
		t.Fatalf("payment after refunds = %s", got.raw)
	}
	if g := h.call("GET", "/v1/refunds/"+r.str("id"), CallerAnalytics, "", nil); g.status != http.StatusOK || g.str("id") != r.str("id") {
		t.Fatalf("get refund = %d %s", g.status, g.raw)
	}
	if st := h.psp.Stats(); st.Refunds != 2 {
		t.Errorf("psp refunds = %d", st.Refunds)
	}
	h.ledgerOK()
	if n := h.count(`SELECT count(*) FROM payments.outbox WHERE topic = $1`, TopicPaymentRefunded); n != 2 {
		t.Errorf("%d payment.refunded rows; want 2", n)
	}
}

// TestRefusedRefundsWriteNothing: refunds above what was captured, of a voided payment and
// in another currency get a clear 4xx, and no table changes.
func TestRefusedRefundsWriteNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	captured := h.mustDeposit(deposit("50.00", "USD", "pm_card_visa"))
	auth := deposit("70.00", "USD", "pm_card_visa")
	auth["capture"] = false
	voided := h.mustDeposit(auth)
	if v := h.call("POST", "/v1/payments/"+voided.str("id")+"/void", CallerReservations, uuid.NewString(), nil); v.status != http.StatusOK || v.str("status") != StatusVoided {
		t.Fatalf("void = %d %s", v.status, v.raw)
	}
	before := h.rowCounts()
	psp := h.psp.Stats()

	cases := []struct {
		name    string
		payment string
		body    map[string]any
		status  int
		typ     string
	}{
		{"above captured", captured.str("id"), map[string]any{"reason": ReasonServiceIssue, "amount": money2("50.01", "USD")}, 422, typeExceedsRefundable},
		{"voided payment", voided.str("id"), map[string]any{"reason": ReasonServiceIssue, "amount": money2("1.00", "USD")}, 409, typeInvalidState},
		{"currency mismatch", captured.str("id"), map[string]any{"reason": ReasonServiceIssue, "amount": money2("10.00", "EUR")}, 422, typeCurrencyMismatch},
		{"policy grants nothing", captured.str("id"), map[string]any{"reason": ReasonGuestCancellation, "departure_date": h.clock.now().AddDate(0, 0, 3).Format(time.DateOnly)}, 422, typePolicyDenies},
		{"unknown payment", uuid.NewString(), map[string]any{"reason": ReasonServiceIssue}, 404, ""},
		{"invalid reason", captured.str("id"), map[string]any{"reason": "BECAUSE"}, 400, ""},
	}
	for _, c := range cases {
		r := h.call("POST", "/v1/payments/"+c.payment+"/refunds", CallerReservations, uuid.NewString(), c.body)
		if r.status != c.status || (c.typ != "" && r.str("type") != c.typ) || r.str("detail") == "" {
			t.Errorf("%s = %d %s; want %d %s with a detail", c.name, r.status, r.raw, c.status, c.typ)
		}
	}
	if after := h.rowCounts(); !maps.Equal(before, after) {
		t.Errorf("refused refunds wrote rows: before %v, after %v", before, after)
	}
	if st := h.psp.Stats(); st.Refunds != psp.Refunds || st.Requests != psp.Requests {
		t.Errorf("refused refunds reached the provider: %+v", st)
	}
}

func TestCaptureAndVoid(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body := deposit("100.00", "USD", "pm_card_visa")
	body["capture"] = false
	a := h.mustDeposit(body)
	if a.str("status") != StatusAuthorized || a.str("authorized", "amount") != "100.00" {
		t.Fatalf("authorize = %s", a.raw)
	}
	path := "/v1/payments/" + a.str("id")
	if r := h.call("POST", path+"/capture", CallerReservations, uuid.NewString(), map[string]any{"amount": money2("100.01", "USD")}); r.status != 422 || r.str("type") != typeExceedsAuthorized {
		t.Fatalf("over-capture = %d %s", r.status, r.raw)
	}
	if r := h.call("POST", path+"/refunds", CallerReservations, uuid.NewString(), map[string]any{"reason": ReasonServiceIssue}); r.status != 409 || r.str("payment_status") != StatusAuthorized {
		t.Fatalf("refund before capture = %d %s", r.status, r.raw)
	}
	c := h.call("POST", path+"/capture", CallerReservations, "cap", map[string]any{"amount": money2("80.00", "USD")})
	if c.status != http.StatusOK || c.str("status") != StatusCaptured || c.str("captured", "amount") != "80.00" {
		t.Fatalf("capture = %d %s", c.status, c.raw)
	}
	if r := h.call("POST", path+"/void", CallerReservations, uuid.NewString(), nil); r.status != 409 {
		t.Fatalf("void after capture = %d %s", r.status, r.raw)
	}
	if r := h.call("POST", path+"/capture", CallerReservations, uuid.NewString(), nil); r.status != 409 {
		t.Fatalf("second capture = %d %s", r.status, r.raw)
	}
	// Two events: AUTHORIZED then CAPTURED.
	if n := h.count(`SELECT count(*) FROM payments.outbox WHERE topic = $1`, TopicPaymentProcessed); n != 2 {
		t.Errorf("%d payment.processed rows; want 2", n)
	}
	check := h.ledgerOK()
	_ = check
	var open int64
	if err := h.pool.QueryRow(h.ctx, `SELECT coalesce(sum(CASE side WHEN 'D' THEN amount_minor ELSE -amount_minor END), 0)
		FROM payments.journal_lines WHERE account = 'card_authorizations'`).Scan(&open); err != nil || open != 0 {
		t.Errorf("open authorizations after capture = %d, %v; want 0", open, err)
	}
}
