// Package idempotency makes retried API writes safe: a client sends an Idempotency-Key
// header with a write, and
//
//   - the same key with the same request replays the first response (status, headers,
//     body; marked "Idempotent-Replayed: true") without running the handler again;
//   - the same key with a different request (method, path, query or body) is refused with
//     422, because the client has a bug;
//   - two concurrent requests with one key produce exactly one effect: the first claims the
//     key, the second gets 409 with Retry-After while the first runs, and the replay after.
//
// Keys are scoped by the authenticated caller (apiauth), so two services cannot collide or
// read each other's responses. Keys are kept for Config.Retention (24h by default, as
// Stripe) and then pruned by Run.
//
// A claim is a lease (Config.Lease, 1 minute by default). If the process dies while holding
// it, the key is unusable until the lease expires; a retry after that takes the key over and
// runs the handler again. Handlers therefore resume rather than repeat: they key their own
// business rows on (caller, key) and derive the keys they send to external providers from
// it (see the payments service), so a take-over finishes the first attempt's work instead of
// doing it twice.
//
// What is stored, as Stripe does: a 2xx response is stored when the handler returns; any
// other response is forgotten (the key row deleted), because it reports that nothing
// happened — an invalid request, a refusal by a business rule, a dependency down — and the
// client may fix its request and retry with the same key. A handler whose refusal is itself
// an effect (a payment recorded as declined) stores that response in the transaction that
// records it (Claim.CompleteTx), so the effect and its replayable answer commit together,
// and a retry replays the refusal instead of trying again.
package idempotency
