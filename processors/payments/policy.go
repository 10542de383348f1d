package payments

import (
	"strings"
	"time"
)

// PolicyVersion names the refund policy below; every evaluation records it, so a change of
// policy never rewrites what an old evaluation said.
const PolicyVersion = "2025-01"

// The refund policy for deposits (NovaTrek's published terms):
//
//   - cancelled by NovaTrek (operator or weather): the whole deposit, at any time;
//   - cancelled by the guest 30 days or more before departure: the whole deposit;
//     14 to 29 days before: half; less than 14 days (or after departure): nothing;
//   - a guest cancellation without a known departure date: a person decides (manual review);
//   - service issues, duplicate charges and other reasons: decided by the person asking
//     through the API, up to what is left on the payment; never automatic.
//
// The policy grants a share of what was captured over the payment's life; refunds already
// made count against it. Shares are rounded down to the minor unit.
const (
	fullRefundDays = 30
	halfRefundDays = 14
)

// policyInput is what the policy looks at.
type policyInput struct {
	Reason        string
	DepartureDate *time.Time // the trip's departure day (UTC date), when known
	At            time.Time  // when the cancellation or request happened
	Captured      int64      // captured over the payment's life
	Refunded      int64      // refunded or being refunded so far
	Refundable    int64      // what is left: captured - refunded - disputed - charged back
}

// policyResult is what the policy says.
type policyResult struct {
	Rule       string
	Percent    int
	DaysBefore *int
	// Amount is what the policy grants now (never more than Refundable).
	Amount int64
	// Automatic: the policy alone decides, so a cancellation event refunds Amount without a
	// person. False for manual reasons and unknown departure dates.
	Automatic bool
}

func evaluatePolicy(in policyInput) policyResult {
	var r policyResult
	switch in.Reason {
	case ReasonOperatorCancellation, ReasonWeatherCancellation:
		r = policyResult{Rule: "operator-cancelled-full", Percent: 100, Automatic: true}
	case ReasonGuestCancellation:
		if in.DepartureDate == nil {
			return policyResult{Rule: "guest-departure-unknown", Percent: 0}
		}
		days := daysBetween(in.At, *in.DepartureDate)
		r.DaysBefore = &days
		r.Automatic = true
		switch {
		case days >= fullRefundDays:
			r.Rule, r.Percent = "guest-30d-plus-full", 100
		case days >= halfRefundDays:
			r.Rule, r.Percent = "guest-14-29d-half", 50
		default:
			r.Rule, r.Percent = "guest-under-14d-none", 0
		}
	default: // SERVICE_ISSUE, DUPLICATE_CHARGE, CHARGEBACK, OTHER: a person decides
		return policyResult{Rule: "discretionary", Percent: 100, Amount: max(in.Refundable, 0)}
	}
	granted := in.Captured * int64(r.Percent) / 100
	r.Amount = min(max(granted-in.Refunded, 0), max(in.Refundable, 0))
	return r
}

// daysBetween counts whole calendar days (UTC) from at's date to departure's date.
func daysBetween(at, departure time.Time) int {
	a := time.Date(at.UTC().Year(), at.UTC().Month(), at.UTC().Day(), 0, 0, 0, 0, time.UTC)
	d := time.Date(departure.Year(), departure.Month(), departure.Day(), 0, 0, 0, 0, time.UTC)
	return int(d.Sub(a).Hours() / 24)
}

// cancellationReason maps a reservation cancellation to a refund reason. The event's reason
// is free text written by svc-reservations; the rules are deliberately simple and
// conservative: only an explicit weather or operator mention counts as NovaTrek's doing,
// everything else is the guest's cancellation.
func cancellationReason(reason, changedBy *string) string {
	text := ""
	if reason != nil {
		text = strings.ToLower(*reason)
	}
	switch {
	case strings.Contains(text, "weather"), strings.Contains(text, "storm"), strings.Contains(text, "wildfire"):
		return ReasonWeatherCancellation
	case strings.Contains(text, "operator"), strings.Contains(text, "novatrek"), strings.Contains(text, "guide unavailable"),
		strings.Contains(text, "trip cancelled"), strings.Contains(text, "trip canceled"):
		return ReasonOperatorCancellation
	}
	return ReasonGuestCancellation
}
