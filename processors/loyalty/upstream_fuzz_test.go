package loyalty

import (
	"encoding/json"
	"testing"
)

// FuzzBookingAnswer feeds svc-reservations' answer (outside input) through the decoding
// and amount parsing the earn path uses: it never panics, and an accepted amount is a
// plain non-negative decimal with a three-letter currency.
func FuzzBookingAnswer(f *testing.F) {
	for _, seed := range []string{
		`{"reservation_id":"r","guest_id":"g","status":"COMPLETED","total_price":{"amount":"420.99","currency":"USD"}}`,
		`{"total_price":{"amount":"1e999999","currency":"USD"}}`,
		`{"total_price":{"amount":"-1","currency":"USD"}}`,
		`{"total_price":{"amount":"1/3","currency":"usd"}}`,
		`{"total_price":null}`,
		`{}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var b Booking
		if json.Unmarshal(body, &b) != nil {
			return
		}
		a, currency, err := b.amount()
		if err != nil {
			return
		}
		if a.Sign() < 0 || len(currency) != 3 || !decimalPattern.MatchString(b.TotalPrice.Amount) {
			t.Errorf("accepted amount %q %q", b.TotalPrice.Amount, currency)
		}
	})
}
