package payments

import (
	"fmt"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/money"
)

// Problem type slugs of the payments API (urn:novatrek:problem:<slug>), beside the generic
// ones of package problem. They are part of the API contract: clients branch on them. The
// domain returns them as fault errors; the HTTP edge answers each with its status.
const (
	slugDeclined          = "payment-declined"             // 402: the card was declined
	slugBlocked           = "payment-blocked"              // 402: fraud screening rejected the payment
	slugFraudUnavailable  = "fraud-screening-unavailable"  // 503: cannot screen; retry later
	slugProviderDown      = "payment-provider-unavailable" // 503: retry later with the same key
	slugProviderRefused   = "payment-provider-refused"     // 409: the provider refused the operation
	slugCurrencyMismatch  = "currency-mismatch"            // 422
	slugExceedsRefundable = "refund-exceeds-refundable"    // 422
	slugExceedsPolicy     = "refund-exceeds-policy"        // 422
	slugPolicyDenies      = "refund-policy-denies"         // 422
	slugExceedsAuthorized = "capture-exceeds-authorized"   // 422
	slugInvalidState      = "invalid-payment-state"        // 409: e.g. refund of a voided payment
	slugMethodUnknown     = "payment-method-not-found"     // 422
	slugInvalidTransition = "invalid-dispute-transition"   // 409
	slugDisputeMismatch   = "dispute-does-not-match"       // 422
	slugRefundRejected    = "refund-rejected"              // 422: the provider refused the refund
	slugKeyReused         = "idempotency-key-reused"       // 422 (problem.TypeIdempotencyReuse)
	slugPayoutRejected    = "payout-rejected"              // 422: the provider refused a commission payout
)

func faultState(p *Payment, action string) *fault.Error {
	return fault.Conflict(slugInvalidState, "The payment's state does not allow this",
		fmt.Sprintf("Cannot %s payment %s: it is %s.", action, p.ID, p.Status)).
		With("payment_id", p.ID).With("payment_status", p.Status)
}

func faultCurrency(p *Payment, got string) *fault.Error {
	return fault.Unprocessable(slugCurrencyMismatch, "Currency mismatch",
		fmt.Sprintf("Payment %s is in %s; the request is in %s.", p.ID, p.Currency, got)).
		With("payment_currency", p.Currency)
}

func faultKeyReused() *fault.Error {
	return fault.Unprocessable(slugKeyReused, "Idempotency-Key reused",
		"This Idempotency-Key was already used for a different request. Use a new key for a new operation.")
}

func faultNotFound(kind string, id uuid.UUID) *fault.Error {
	return fault.NotFound(fmt.Sprintf("No %s %s.", kind, id))
}

func faultExceeds(slug, title string, asked, limit money.Amount, what string) *fault.Error {
	return fault.Unprocessable(slug, title, fmt.Sprintf("%s exceeds %s (%s).", asked, what, limit)).
		With("limit", toJSONMoney(limit))
}
