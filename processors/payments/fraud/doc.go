// Package fraud screens a payment with the external fraud-detection service before every
// authorization, as the support domain's rules require, and decides what happens when that
// service is slow or down.
//
// The wire API (JSON over HTTPS, bearer API key) is the usual shape of such services:
//
//	POST /v1/assessments
//	{"reference": "<payment id>", "amount": 5000, "currency": "USD", "customer_id": "<guest>",
//	 "payment_method": {"token": "pm_...", "brand": "visa", "last4": "4242"}}
//	→ 200 {"id": "as_...", "decision": "accept"|"review"|"reject", "score": 0.07,
//	       "reasons": ["velocity"]}
//
// Every attempt has a timeout (Config.Timeout, 300ms by default) and the whole screening a
// budget (Config.Budget, 1s); network errors, timeouts, 429 and 5xx are retried within the
// budget (Config.MaxAttempts, 3). When no answer arrives, the fallback decides:
//
//   - fail open, flagged for review, when the amount is at or below the currency's
//     Config.FailOpenLimits entry (default 500.00 in USD, EUR, GBP, CAD, AUD, CHF, ... and
//     the equivalent in JPY and others): a deposit of a few hundred is not worth losing a
//     booking over, and ops review flagged payments afterwards;
//   - fail closed above it, or for a currency without a limit: Screen returns ErrUnavailable
//     and the API answers 503 so the caller retries later — nothing is authorized unscreened.
//
// The decision, score, assessment id and whether the fallback decided are stored on the
// payment.
package fraud
