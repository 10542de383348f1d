package payments

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/money"
	"github.com/novatrek/support/internal/platform/problem"
)

// The request decoders are fuzzed: whatever the body, they return either a valid input or a
// 400 problem, never panic, and an accepted input satisfies every rule the handlers rely
// on. Seeds live in testdata/fuzz/<FuzzName>/.

func checkProblem(t *testing.T, p *problem.Problem) {
	t.Helper()
	if p.Status != http.StatusBadRequest || p.Type != problem.TypeValidation || p.Detail == "" {
		t.Fatalf("decoder problem = %+v; want a 400 validation problem with a detail", p)
	}
	if _, err := json.Marshal(p); err != nil {
		t.Fatalf("problem does not marshal: %v", err)
	}
}

func checkAmount(t *testing.T, a money.Amount) {
	t.Helper()
	if a.Minor <= 0 || a.Minor > money.MaxMinor {
		t.Fatalf("accepted amount %d out of range", a.Minor)
	}
	if _, err := money.LookupCurrency(a.Currency); err != nil {
		t.Fatalf("accepted currency %q: %v", a.Currency, err)
	}
}

func checkText(t *testing.T, s *string) {
	t.Helper()
	if s != nil && (!utf8.ValidString(*s) || utf8.RuneCountInString(*s) > maxTextLength) {
		t.Fatalf("accepted text %q", *s)
	}
}

func FuzzParseDeposit(f *testing.F) {
	f.Add([]byte(`{"reservation_id":"0b5f8f8e-4a57-4d8c-9a07-6d1c2b3a4f50","guest_id":"1c6e9a0f-5b68-4e9d-8b18-7e2d3c4b5a61","amount":{"amount":"50.00","currency":"USD"},"payment_method_token":"pm_card_visa"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, p := parseDeposit(body)
		if p != nil {
			checkProblem(t, p)
			return
		}
		checkAmount(t, in.Amount)
		if in.ReservationID == uuid.Nil || in.GuestID == uuid.Nil {
			t.Fatal("accepted a nil id")
		}
		if (in.PaymentMethodID == nil) == (in.Token == "") {
			t.Fatalf("accepted %v and %q: want exactly one payment method", in.PaymentMethodID, in.Token)
		}
		if in.Token != "" && !tokenPattern.MatchString(in.Token) {
			t.Fatalf("accepted token %q", in.Token)
		}
		checkText(t, in.Description)
	})
}

func FuzzParseCommission(f *testing.F) {
	f.Add([]byte(`{"reservation_id":"0b5f8f8e-4a57-4d8c-9a07-6d1c2b3a4f50","guest_id":"1c6e9a0f-5b68-4e9d-8b18-7e2d3c4b5a61","partner_id":"expedia","partner_account":"acct_1X","amount":{"amount":"12.5","currency":"EUR"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, p := parseCommission(body)
		if p != nil {
			checkProblem(t, p)
			return
		}
		checkAmount(t, in.Amount)
		if !partnerPattern.MatchString(in.PartnerID) || !accountPattern.MatchString(in.PartnerAccount) {
			t.Fatalf("accepted partner %q account %q", in.PartnerID, in.PartnerAccount)
		}
		checkText(t, in.Description)
	})
}

func FuzzParseRefund(f *testing.F) {
	f.Add([]byte(`{"reason":"GUEST_CANCELLATION","departure_date":"2026-07-01"}`))
	f.Add([]byte(`{"reason":"SERVICE_ISSUE","amount":{"amount":"10.00","currency":"USD"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, p := parseRefund(body)
		if p != nil {
			checkProblem(t, p)
			return
		}
		if !refundReasons[in.Reason] {
			t.Fatalf("accepted reason %q", in.Reason)
		}
		if in.Amount != nil {
			checkAmount(t, *in.Amount)
		}
		if d := in.DepartureDate; d != nil && (d.Year() < 2000 || d.Year() > 2200) {
			t.Fatalf("accepted departure %v", d)
		}
	})
}

func FuzzParseCapture(f *testing.F) {
	f.Add([]byte(`{"amount":{"amount":"80.00","currency":"USD"}}`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		a, p := parseCapture(body)
		if p != nil {
			checkProblem(t, p)
			return
		}
		if a != nil {
			checkAmount(t, *a)
		}
	})
}

func FuzzParseMethod(f *testing.F) {
	f.Add([]byte(`{"provider_token":"pm_card_visa","brand":"visa","last4":"4242","exp_month":12,"exp_year":2034}`))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		m, p := parseMethod(body, now)
		if p != nil {
			checkProblem(t, p)
			return
		}
		if !tokenPattern.MatchString(m.ProviderToken) || !cardBrands[m.Brand] || !last4Pattern.MatchString(m.Last4) ||
			m.ExpMonth < 1 || m.ExpMonth > 12 || m.ExpYear*12+m.ExpMonth < 2026*12+1 {
			t.Fatalf("accepted %+v", m)
		}
	})
}

func FuzzParseDispute(f *testing.F) {
	f.Add("dp_1", []byte(`{"payment_id":"0b5f8f8e-4a57-4d8c-9a07-6d1c2b3a4f50","amount":{"amount":"1.00","currency":"USD"},"reason":"FRAUDULENT","respond_by":"2026-07-01T00:00:00Z"}`))
	f.Add("dp_2", []byte(`{"status":"WON","note":"evidence accepted"}`))
	f.Fuzz(func(t *testing.T, caseID string, body []byte) {
		in, p := parseDispute(caseID, body)
		if p != nil {
			checkProblem(t, p)
			return
		}
		if !casePattern.MatchString(in.CaseID) || !disputeStatuses[in.Status] {
			t.Fatalf("accepted case %q status %q", in.CaseID, in.Status)
		}
		if in.Reason != nil && !disputeReasons[*in.Reason] {
			t.Fatalf("accepted reason %q", *in.Reason)
		}
		if in.Amount != nil {
			checkAmount(t, *in.Amount)
		}
		checkText(t, in.Note)
	})
}
