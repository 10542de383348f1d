package payments

import (
	"testing"
	"time"
)

func TestEvaluatePolicy(t *testing.T) {
	at := time.Date(2025, 6, 1, 23, 30, 0, 0, time.UTC)
	day := func(d int) *time.Time { v := time.Date(2025, 6, 1+d, 0, 0, 0, 0, time.UTC); return &v }
	tests := []struct {
		name      string
		in        policyInput
		rule      string
		amount    int64
		automatic bool
	}{
		{"guest 30 days before", policyInput{Reason: ReasonGuestCancellation, DepartureDate: day(30), At: at, Captured: 10000, Refundable: 10000}, "guest-30d-plus-full", 10000, true},
		{"guest 29 days before", policyInput{Reason: ReasonGuestCancellation, DepartureDate: day(29), At: at, Captured: 10001, Refundable: 10001}, "guest-14-29d-half", 5000, true},
		{"guest 14 days before", policyInput{Reason: ReasonGuestCancellation, DepartureDate: day(14), At: at, Captured: 10000, Refundable: 10000}, "guest-14-29d-half", 5000, true},
		{"guest 13 days before", policyInput{Reason: ReasonGuestCancellation, DepartureDate: day(13), At: at, Captured: 10000, Refundable: 10000}, "guest-under-14d-none", 0, true},
		{"guest after departure", policyInput{Reason: ReasonGuestCancellation, DepartureDate: day(-2), At: at, Captured: 10000, Refundable: 10000}, "guest-under-14d-none", 0, true},
		{"half, part already refunded", policyInput{Reason: ReasonGuestCancellation, DepartureDate: day(20), At: at, Captured: 10000, Refunded: 3000, Refundable: 7000}, "guest-14-29d-half", 2000, true},
		{"half, more already refunded", policyInput{Reason: ReasonGuestCancellation, DepartureDate: day(20), At: at, Captured: 10000, Refunded: 6000, Refundable: 4000}, "guest-14-29d-half", 0, true},
		{"full, capped by an open dispute", policyInput{Reason: ReasonGuestCancellation, DepartureDate: day(40), At: at, Captured: 10000, Refundable: 2500}, "guest-30d-plus-full", 2500, true},
		{"weather", policyInput{Reason: ReasonWeatherCancellation, At: at, Captured: 10000, Refundable: 10000}, "operator-cancelled-full", 10000, true},
		{"operator", policyInput{Reason: ReasonOperatorCancellation, At: at, Captured: 10000, Refunded: 1000, Refundable: 9000}, "operator-cancelled-full", 9000, true},
		{"no departure date", policyInput{Reason: ReasonGuestCancellation, At: at, Captured: 10000, Refundable: 10000}, "guest-departure-unknown", 0, false},
		{"service issue", policyInput{Reason: ReasonServiceIssue, At: at, Captured: 10000, Refundable: 8000}, "discretionary", 8000, false},
	}
	for _, tt := range tests {
		r := evaluatePolicy(tt.in)
		if r.Rule != tt.rule || r.Amount != tt.amount || r.Automatic != tt.automatic {
			t.Errorf("%s: %+v; want rule %s amount %d automatic %v", tt.name, r, tt.rule, tt.amount, tt.automatic)
		}
	}
}

func TestCancellationReason(t *testing.T) {
	s := func(v string) *string { return &v }
	for in, want := range map[string]string{
		"Severe weather warning":   ReasonWeatherCancellation,
		"Trip cancelled by guide":  ReasonOperatorCancellation,
		"guest changed plans":      ReasonGuestCancellation,
		"":                         ReasonGuestCancellation,
		"NovaTrek operations call": ReasonOperatorCancellation,
	} {
		if got := cancellationReason(s(in), nil); got != want {
			t.Errorf("%q → %s; want %s", in, got, want)
		}
	}
	if got := cancellationReason(nil, nil); got != ReasonGuestCancellation {
		t.Errorf("nil reason → %s", got)
	}
}
