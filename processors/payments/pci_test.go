package payments

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/pci"
	"github.com/novatrek/support/internal/problem"
)

// testPANs are well-known test card numbers (Luhn-valid) in the shapes people paste them.
var testPANs = []string{"4242424242424242", "4242 4242 4242 4242", "5555-5555-5555-4444", "378282246310005", "6011111111111117", "4000056655665556"}

func digitsOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

var uuidPattern = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// TestCardNumbersNeverStoredOrLogged sends card numbers in every kind of input and then
// scans every table of the schema and every log line for them.
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
		for _, pan := range testPANs {
			if strings.Contains(digitsOnly(string(r.raw)), digitsOnly(pan)) {
				t.Errorf("%s: the response echoes a card number: %s", a.name, r.raw)
			}
		}
	}

	// Every table, every column: text as text, bytea (outbox values, hashes) as raw bytes.
	tables, err := pgx.CollectRows(must(h.pool.Query(h.ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'payments' ORDER BY 1`)), pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	scanned := 0
	for _, table := range tables {
		rows, err := h.pool.Query(h.ctx, `SELECT * FROM payments.`+pgx.Identifier{table}.Sanitize())
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				var s string
				switch v := v.(type) {
				case string:
					s = v
					if pci.ContainsPAN(s) {
						t.Errorf("table %s column %s holds a card-number-shaped value", table, rows.FieldDescriptions()[i].Name)
					}
				case []byte:
					s = string(v)
				default:
					s = fmt.Sprint(v)
				}
				scanned++
				flat := digitsOnly(s)
				for _, pan := range testPANs {
					if strings.Contains(flat, digitsOnly(pan)) {
						t.Errorf("table %s column %s holds card number %s", table, rows.FieldDescriptions()[i].Name, pan)
					}
				}
			}
		}
		rows.Close()
	}
	if scanned < 100 {
		t.Fatalf("scanned only %d values; the scan is not looking at the data", scanned)
	}

	logs := h.logs.String()
	if !strings.Contains(logs, "api request") {
		t.Fatal("no request was logged: the log scan would prove nothing")
	}
	for _, line := range strings.Split(logs, "\n") {
		for _, pan := range testPANs {
			if strings.Contains(digitsOnly(line), digitsOnly(pan)) {
				t.Errorf("a log line holds card number %s: %s", pan, line)
			}
		}
		if pci.ContainsPAN(uuidPattern.ReplaceAllString(line, "<uuid>")) {
			t.Errorf("a log line holds a card-number-shaped value: %s", line)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
