// Package pspfake is a local payment service provider speaking the subset of Stripe's API
// that package psp uses: payment intents with manual capture, capture, cancel, refunds,
// transfers, Idempotency-Key replay. It keeps everything in memory, never touches card
// numbers (payment methods are tokens), and can be told to misbehave per test: latency,
// failures before or after processing a request, declines by token.
//
// The tests of svc-payments use it through httptest; `novatrek dev` starts one in-process
// when PAYMENTS_PSP_URL is unset (see processors/payments).
//
// Test payment methods follow Stripe's test tokens:
//
//	pm_card_visa, pm_card_mastercard, pm_card_amex       succeed
//	pm_card_chargeDeclined                                card_declined / generic_decline
//	pm_card_chargeDeclinedInsufficientFunds               card_declined / insufficient_funds
//	pm_card_chargeDeclinedFraudulent                      card_declined / fraudulent
//	pm_card_chargeDeclinedExpiredCard                     expired_card
//
// Any other token starting with "pm_" is a Visa ending in 4242; anything else is
// resource_missing.
package pspfake
