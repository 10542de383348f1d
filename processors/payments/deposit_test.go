package payments

import (
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/dev/fakes/fraudfake"
	"github.com/novatrek/support/internal/platform/problem"
)

func TestDepositCapturesAndPostsTheLedger(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.mustDeposit(deposit("50.00", "USD", "pm_card_visa"))
	if r.str("status") != StatusCaptured || r.str("captured", "amount") != "50.00" || r.str("card", "last4") != "4242" {
		t.Fatalf("deposit = %s", r.raw)
	}
	if r.header.Get("Location") != "/v1/payments/"+r.str("id") {
		t.Errorf("Location = %q", r.header.Get("Location"))
	}
	if r.str("fraud", "decision") != "accept" {
		t.Errorf("fraud = %v", r.json["fraud"])
	}
	got := h.call("GET", "/v1/payments/"+r.str("id"), CallerAnalytics, "", nil)
	if got.status != http.StatusOK || got.str("id") != r.str("id") {
		t.Fatalf("get = %d %s", got.status, got.raw)
	}
	c := h.ledgerOK()
	if c.Entries != 1 || c.Lines != 2 { // authorized and captured at once: only the money moves
		t.Errorf("ledger = %+v; want 1 entry, 2 lines", c)
	}
	if n := h.count(`SELECT count(*) FROM payments.outbox WHERE topic = $1`, TopicPaymentProcessed); n != 1 {
		t.Errorf("%d payment.processed rows in the outbox; want 1", n)
	}
	if st := h.psp.Stats(); st.Authorizations != 1 || st.Captures != 1 {
		t.Errorf("psp = %+v", st)
	}
}

func TestDepositMinorUnitsPerCurrency(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, c := range []struct{ amount, cur, want string }{{"5000", "JPY", "5000"}, {"12.345", "KWD", "12.345"}, {"0.5", "EUR", "0.50"}} {
		r := h.mustDeposit(deposit(c.amount, c.cur, "pm_card_visa"))
		if r.str("captured", "amount") != c.want || r.str("captured", "currency") != c.cur {
			t.Errorf("%s %s → %s", c.amount, c.cur, r.raw)
		}
	}
	if r := h.call("POST", "/v1/deposits", CallerReservations, "k", deposit("10.5", "JPY", "pm_card_visa")); r.status != http.StatusBadRequest {
		t.Errorf("10.5 JPY = %d; want 400", r.status)
	}
	if r := h.call("POST", "/v1/deposits", CallerReservations, "k", `{"amount":{"amount":50.0,"currency":"USD"}}`); r.status != http.StatusBadRequest {
		t.Errorf("a JSON number amount = %d; want 400", r.status)
	}
}

func TestDeclinedAndBlockedSayWhy(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	before := h.psp.Stats()

	declined := deposit("50.00", "USD", "pm_card_chargeDeclinedInsufficientFunds")
	r := h.call("POST", "/v1/deposits", CallerReservations, "declined-1", declined)
	if r.status != http.StatusPaymentRequired || r.str("type") != typeDeclined || r.str("decline_code") != "insufficient_funds" || r.str("payment_id") == "" {
		t.Fatalf("declined = %d %s", r.status, r.raw)
	}
	// The decline is final: a retry replays it instead of asking the provider again.
	if again := h.call("POST", "/v1/deposits", CallerReservations, "declined-1", declined); again.status != http.StatusPaymentRequired ||
		again.header.Get("Idempotent-Replayed") != "true" || again.str("payment_id") != r.str("payment_id") {
		t.Fatalf("declined replay = %d %s", again.status, again.raw)
	}
	body := deposit("60.00", "USD", "pm_card_visa")
	guest := body["guest_id"].(string)
	h.fraud.SetVerdictForCustomer(guest, fraudfake.Verdict{Decision: "reject", Score: 0.97, Reasons: []string{"stolen-card"}})
	b := h.call("POST", "/v1/deposits", CallerReservations, "blocked-1", body)
	if b.status != http.StatusPaymentRequired || b.str("type") != typeBlocked || b.json["fraud_score"] != 0.97 {
		t.Fatalf("blocked = %d %s", b.status, b.raw)
	}
	if !problem.Is(b.header.Get("Content-Type")) {
		t.Errorf("blocked Content-Type = %q", b.header.Get("Content-Type"))
	}
	// Blocked payments never reach the provider; declined ones post nothing.
	if st := h.psp.Stats(); st.Authorizations != before.Authorizations || st.Requests != before.Requests+1 {
		t.Errorf("psp = %+v; want one declined request and nothing else", st)
	}
	if n := h.count(`SELECT count(*) FROM payments.outbox`); n != 0 {
		t.Errorf("%d outbox rows for a declined and a blocked payment; want 0", n)
	}
	if n := h.count(`SELECT count(*) FROM payments.journal_entries`); n != 0 {
		t.Errorf("%d journal entries; want 0", n)
	}
	var statuses []string
	rows, _ := h.pool.Query(h.ctx, `SELECT status FROM payments.payments ORDER BY status`)
	for rows.Next() {
		var s string
		rows.Scan(&s)
		statuses = append(statuses, s)
	}
	if strings.Join(statuses, ",") != "blocked,declined" {
		t.Errorf("payment statuses = %v", statuses)
	}
	// Replays: same key, same body → the same 402.
	d2 := h.call("POST", "/v1/deposits", CallerReservations, "blocked-1", body)
	if d2.status != http.StatusPaymentRequired || d2.header.Get("Idempotent-Replayed") != "true" || d2.str("payment_id") != b.str("payment_id") {
		t.Errorf("blocked replay = %d %s", d2.status, d2.raw)
	}
}

func TestSavedPaymentMethod(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	guest := uuid.NewString()
	m := map[string]any{"provider_token": "pm_card_mastercard", "brand": "mastercard", "last4": "4444", "exp_month": 12, "exp_year": 2034}
	r := h.call("POST", "/v1/guests/"+guest+"/payment-methods", CallerReservations, "m1", m)
	if r.status != http.StatusCreated || r.str("last4") != "4444" {
		t.Fatalf("save = %d %s", r.status, r.raw)
	}
	if again := h.call("POST", "/v1/guests/"+guest+"/payment-methods", CallerReservations, "m2", m); again.status != http.StatusOK || again.str("id") != r.str("id") {
		t.Fatalf("save again = %d %s", again.status, again.raw)
	}
	list := h.call("GET", "/v1/guests/"+guest+"/payment-methods", CallerReservations, "", nil)
	if ms, _ := list.json["payment_methods"].([]any); list.status != http.StatusOK || len(ms) != 1 {
		t.Fatalf("list = %d %s", list.status, list.raw)
	}
	body := deposit("75.00", "USD", "")
	delete(body, "payment_method_token")
	body["guest_id"] = guest
	body["payment_method_id"] = r.str("id")
	d := h.mustDeposit(body)
	if d.str("card", "brand") != "mastercard" || d.str("payment_method_id") != r.str("id") {
		t.Fatalf("deposit with saved method = %s", d.raw)
	}
	// Another guest cannot charge it.
	body["guest_id"] = uuid.NewString()
	if o := h.call("POST", "/v1/deposits", CallerReservations, uuid.NewString(), body); o.status != http.StatusUnprocessableEntity || o.str("type") != typeMethodUnknown {
		t.Fatalf("someone else's method = %d %s", o.status, o.raw)
	}
}

// TestFraudServiceDown: with the fraud service down, a deposit under the fail-open limit
// goes through flagged for review; one above it is refused with 503 and nothing is written
// or charged.
func TestFraudServiceDown(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withEnv("PAYMENTS_FRAUD_TIMEOUT", "50ms"), withEnv("PAYMENTS_FRAUD_BUDGET", "200ms"))
	h.fraud.SetDown(true)
	small := h.call("POST", "/v1/deposits", CallerReservations, uuid.NewString(), deposit("500.00", "USD", "pm_card_visa"))
	if small.status != http.StatusCreated || small.str("fraud", "decision") != "review" || small.json["fraud"].(map[string]any)["fallback"] != true {
		t.Fatalf("small deposit, fraud down = %d %s", small.status, small.raw)
	}
	if _, scored := small.json["fraud"].(map[string]any)["score"]; scored {
		t.Errorf("a fallback decision has a score: %s", small.raw)
	}
	before, psp := h.rowCounts(), h.psp.Stats()
	large := h.call("POST", "/v1/deposits", CallerReservations, uuid.NewString(), deposit("500.01", "USD", "pm_card_visa"))
	if large.status != http.StatusServiceUnavailable || large.str("type") != typeFraudUnavailable || large.header.Get("Retry-After") == "" {
		t.Fatalf("large deposit, fraud down = %d %s", large.status, large.raw)
	}
	if after := h.rowCounts(); !maps.Equal(before, after) {
		t.Errorf("a fail-closed deposit wrote rows: %v → %v", before, after)
	}
	if st := h.psp.Stats(); st.Requests != psp.Requests {
		t.Errorf("a fail-closed deposit reached the provider")
	}
	// The service is back: the same request with the same key goes through.
	h.fraud.SetDown(false)
	if r := h.call("POST", "/v1/deposits", CallerReservations, uuid.NewString(), deposit("500.01", "USD", "pm_card_visa")); r.status != http.StatusCreated || r.str("fraud", "decision") != "accept" {
		t.Fatalf("after recovery = %d %s", r.status, r.raw)
	}
}

func TestListPaymentsOfAReservation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body := deposit("30.00", "USD", "pm_card_visa")
	first := h.mustDeposit(body)
	body2 := deposit("20.00", "USD", "pm_card_visa")
	body2["reservation_id"], body2["guest_id"] = body["reservation_id"], body["guest_id"]
	second := h.mustDeposit(body2)
	h.mustDeposit(deposit("99.00", "USD", "pm_card_visa")) // another reservation
	r := h.call("GET", "/v1/reservations/"+body["reservation_id"].(string)+"/payments", CallerAnalytics, "", nil)
	ps, _ := r.json["payments"].([]any)
	if r.status != http.StatusOK || len(ps) != 2 || ps[0].(map[string]any)["id"] != first.str("id") || ps[1].(map[string]any)["id"] != second.str("id") {
		t.Fatalf("list = %d %s", r.status, r.raw)
	}
	if r := h.call("GET", "/v1/payments/not-a-uuid", CallerAnalytics, "", nil); r.status != http.StatusNotFound {
		t.Fatalf("malformed id = %d", r.status)
	}
	if r := h.call("GET", "/v1/payments/"+uuid.NewString(), CallerAnalytics, "", nil); r.status != http.StatusNotFound || !problem.Is(r.header.Get("Content-Type")) {
		t.Fatalf("unknown id = %d %s", r.status, r.header.Get("Content-Type"))
	}
}
