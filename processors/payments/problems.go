package payments

import (
	"fmt"
	"net/http"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/money"
	"github.com/novatrek/support/internal/platform/problem"
)

// Problem types of the payments API, beside the generic ones of package problem. They are
// part of the API contract: clients branch on them.
var (
	typeDeclined          = problem.Type("payment-declined")             // 402: the card was declined
	typeBlocked           = problem.Type("payment-blocked")              // 402: fraud screening rejected the payment
	typeFraudUnavailable  = problem.Type("fraud-screening-unavailable")  // 503: cannot screen; retry later
	typeProviderDown      = problem.Type("payment-provider-unavailable") // 503: retry later with the same key
	typeProviderRefused   = problem.Type("payment-provider-refused")     // 409: the provider refused the operation
	typeCurrencyMismatch  = problem.Type("currency-mismatch")            // 422
	typeExceedsRefundable = problem.Type("refund-exceeds-refundable")    // 422
	typeExceedsPolicy     = problem.Type("refund-exceeds-policy")        // 422
	typePolicyDenies      = problem.Type("refund-policy-denies")         // 422
	typeExceedsAuthorized = problem.Type("capture-exceeds-authorized")   // 422
	typeInvalidState      = problem.Type("invalid-payment-state")        // 409: e.g. refund of a voided payment
	typeMethodUnknown     = problem.Type("payment-method-not-found")     // 422
	typeInvalidTransition = problem.Type("invalid-dispute-transition")   // 409
	typeDisputeMismatch   = problem.Type("dispute-does-not-match")       // 422
	typeRefundRejected    = problem.Type("refund-rejected")              // 422: the provider refused the refund
	typeKeyReused         = problem.TypeIdempotencyReuse                 // 422
	typePayoutRejected    = problem.Type("payout-rejected")              // 422: the provider refused a commission payout
)

func problemState(p *Payment, action string) *problem.Problem {
	return problem.New(http.StatusConflict, typeInvalidState, "The payment's state does not allow this",
		fmt.Sprintf("Cannot %s payment %s: it is %s.", action, p.ID, p.Status)).
		With("payment_id", p.ID).With("payment_status", p.Status)
}

func problemCurrency(p *Payment, got string) *problem.Problem {
	return problem.Unprocessable(typeCurrencyMismatch, "Currency mismatch",
		fmt.Sprintf("Payment %s is in %s; the request is in %s.", p.ID, p.Currency, got)).
		With("payment_currency", p.Currency)
}

func problemKeyReused() *problem.Problem {
	return problem.Unprocessable(typeKeyReused, "Idempotency-Key reused",
		"This Idempotency-Key was already used for a different request. Use a new key for a new operation.")
}

func problemNotFound(kind string, id uuid.UUID) *problem.Problem {
	return problem.NotFound(fmt.Sprintf("No %s %s.", kind, id))
}

func problemExceeds(typ, title string, asked, limit money.Amount, what string) *problem.Problem {
	return problem.Unprocessable(typ, title, fmt.Sprintf("%s exceeds %s (%s).", asked, what, limit)).
		With("limit", toJSONMoney(limit))
}
