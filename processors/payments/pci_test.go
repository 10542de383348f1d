package payments

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/pci/pcitest"
	"github.com/novatrek/support/internal/platform/problem"
)

var testPANs, digitsOnly = pcitest.PANs, pcitest.Digits

// TestCardNumbersNeverStoredOrLogged sends card numbers in every kind of input and then
// scans every table of the schema and every log line for them (pcitest's checks, which
// every service's test of this name uses).
func TestCardNumbersNeverStoredOrLogged(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// Some real traffic first, so the tables are not trivially empty.
	p := h.mustDeposit(deposit("64.00", "USD", "pm_card_visa"))
	h.call("POST", "/v1/payments/"+p.str("id")+"/refunds", CallerReservations, uuid.NewString(), map[string]any{"reason": ReasonServiceIssue, "amount": money2("4.00", "USD")})
	guest := uuid.NewString()

	type attempt struct {
		name, method, path, caller string
		body                       any
		hdr                        []string
	}
	var attempts []attempt
	for i, pan := range testPANs {
		withDesc := deposit("10.00", "USD", "pm_card_visa")
		withDesc["description"] = "guest paid with " + pan + " thanks"
		asToken := deposit("10.00", "USD", "pm_card_visa")
		asToken["payment_method_token"] = pan
		asAmount := deposit("10.00", "USD", "pm_card_visa")
		asAmount["amount"] = map[string]any{"amount": digitsOnly(pan), "currency": "USD"}
		asNumber := fmt.Sprintf(`{"reservation_id":%q,"guest_id":%q,"amount":{"amount":"1.00","currency":"USD"},"payment_method_token":"pm_card_visa","card":%s}`,
			uuid.NewString(), uuid.NewString(), digitsOnly(pan))
		method := map[string]any{"provider_token": "pm_" + digitsOnly(pan), "brand": "visa", "last4": pan, "exp_month": 12, "exp_year": 2034}
		dispute := map[string]any{"payment_id": p.str("id"), "amount": money2("1.00", "USD"), "reason": "OTHER",
			"respond_by": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "note": "card " + pan}
		commission := map[string]any{"reservation_id": uuid.NewString(), "guest_id": uuid.NewString(), "partner_id": digitsOnly(pan),
			"partner_account": "acct_1X", "amount": money2("1.00", "USD")}
		attempts = append(attempts,
			attempt{"description", "POST", "/v1/deposits", CallerReservations, withDesc, nil},
			attempt{"token field", "POST", "/v1/deposits", CallerReservations, asToken, nil},
			attempt{"amount field", "POST", "/v1/deposits", CallerReservations, asAmount, nil},
			attempt{"JSON number", "POST", "/v1/deposits", CallerReservations, asNumber, nil},
			attempt{"payment method", "POST", "/v1/guests/" + guest + "/payment-methods", CallerReservations, method, nil},
			attempt{"dispute note", "PUT", fmt.Sprintf("/v1/disputes/dp_pan_%d", i), CallerFinanceOps, dispute, nil},
			attempt{"partner id", "POST", "/v1/commissions", CallerPartners, commission, nil},
			attempt{"idempotency key", "POST", "/v1/deposits", CallerReservations, deposit("1.00", "USD", "pm_card_visa"), []string{"Idempotency-Key", pan}},
			attempt{"correlation header", "POST", "/v1/deposits", CallerReservations, deposit("1.00", "USD", "pm_card_visa"), []string{"X-Request-Id", digitsOnly(pan)}},
			attempt{"query string", "GET", "/v1/payments/" + p.str("id") + "?card=" + digitsOnly(pan), CallerReservations, nil, nil},
		)
	}
	for _, a := range attempts {
		key := uuid.NewString()
		if len(a.hdr) > 0 && a.hdr[0] == "Idempotency-Key" {
			key = ""
		}
		r := h.call(a.method, a.path, a.caller, key, a.body, a.hdr...)
		if r.status != http.StatusBadRequest || r.str("type") != problem.TypeCardData {
			t.Errorf("%s: %d %s; want 400 %s", a.name, r.status, r.raw, problem.TypeCardData)
		}
		pcitest.CheckAnswer(t, a.name, r.raw)
	}

	pcitest.CheckStore(t, h.ctx, h.pool, "payments", 100)

	logs := h.logs.String()
	if !strings.Contains(logs, "api request") {
		t.Fatal("no request was logged: the log scan would prove nothing")
	}
	pcitest.CheckLogs(t, logs)
}
