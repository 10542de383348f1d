// Package psp is the client of the payment service provider (PSP). It speaks the shape of
// Stripe's API, the de-facto reference for card PSPs, so pointing it at Stripe (or any
// Stripe-compatible gateway) is a configuration change:
//
//   - form-encoded POST bodies, JSON responses, "Authorization: Bearer <secret key>";
//   - amounts as integers in the currency's minor unit, currencies in lower case;
//   - payment intents with manual capture: create+confirm authorizes
//     (status requires_capture), /capture captures, /cancel voids;
//   - refunds against a payment intent, transfers (payouts) to connected accounts;
//   - errors as {"error": {type, code, decline_code, message}}; a card decline is HTTP 402
//     with type card_error;
//   - an Idempotency-Key header on every POST: the PSP stores the first response per key and
//     replays it (header Idempotent-Replayed: true) for a retry with the same parameters.
//
// The client retries network errors, timeouts, 409 (key in use), 429 and 5xx with the same
// Idempotency-Key, so a retry can never charge twice; a caller that retries later (after a
// crash) must reuse the key it used the first time. Declines and invalid requests are not
// retried.
package psp
