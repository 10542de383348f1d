package payments

import "github.com/novatrek/support/internal/platform/problem"

// The problem types the tests expect, as URNs (the API's "type" member).
var (
	typeDeclined          = problem.Type(slugDeclined)
	typeBlocked           = problem.Type(slugBlocked)
	typeFraudUnavailable  = problem.Type(slugFraudUnavailable)
	typeProviderDown      = problem.Type(slugProviderDown)
	typeExceedsRefundable = problem.Type(slugExceedsRefundable)
	typeExceedsPolicy     = problem.Type(slugExceedsPolicy)
	typeMethodUnknown     = problem.Type(slugMethodUnknown)
	typeInvalidTransition = problem.Type(slugInvalidTransition)
	typeInvalidState      = problem.Type(slugInvalidState)
	typeCurrencyMismatch  = problem.Type(slugCurrencyMismatch)
	typePolicyDenies      = problem.Type(slugPolicyDenies)
	typeExceedsAuthorized = problem.Type(slugExceedsAuthorized)
	typeKeyReused         = problem.TypeIdempotencyReuse
)
