// Package delivery is the second stage of svc-notifications: it takes the rows the intake
// stage stored (processors/notifications/intake) to the providers, through a Valkey Streams
// job queue and a Watermill router.
//
// The PostgreSQL row is the source of truth; a Valkey job only carries a notification id.
//
//   - The dispatcher (dispatch.go) claims due rows (pending, or deferred whose defer_until
//     has passed) with FOR UPDATE SKIP LOCKED, emergencies first, publishes one job per row
//     to the stream of its lane ("<Config.StreamPrefix>.emergency" or ".routine";
//     LaneEmergency and LaneRoutine under the default prefix) and only then marks the rows
//     "queued" and commits. A crash between publish and commit publishes the jobs again on
//     the next round; a crash after the commit leaves "queued" rows that the sweeper (the
//     same code on its own timer) publishes again once they have sat for Config.StaleAfter
//     without a delivery attempt. Jobs are therefore at least once; the worker makes
//     delivery exactly once.
//   - The workers (router.go, handle.go) consume the two lanes with their own
//     subscriptions (the emergency lane with more of them), so a routine backlog never
//     sits in front of an emergency. A job first leases its row in a short transaction
//     (lease_owner, lease_until: longer than Config.HandlerTimeout): a row already sent,
//     delivered, failed or suppressed is acknowledged without a call, and a row another
//     worker holds a live lease on is Nacked (duplicate jobs are harmless). Then the provider
//     Sender of the row's channel is called with no transaction or connection held, and a
//     second transaction, which commits only while the lease is still the job's, appends
//     every attempt to delivery_log, releases the lease and commits success (status "sent")
//     or a permanent refusal (status "failed") together with a
//     NotificationDeliveryStatusChanged event in the outbox. A retryable failure records its
//     attempt, leaves the status alone and returns an error, so Watermill's Retry
//     middleware, the per-provider circuit breaker and finally a Nack (the job stays pending
//     in Valkey and comes back) deal with it. A worker that dies mid-call leaves a lease
//     that expires, and the row is delivered again: at least once in that case only.
//   - The dispatcher LISTENs on notifications_due, which a statement trigger on notifications
//     fires on every insert (migration 0002), and runs a round at once; Config.PollInterval
//     is the fallback (deferred rows falling due, a lost listening connection).
//   - Middleware, outermost first: Timeout (Config.HandlerTimeout for the whole job, retries
//     included), PoisonQueue (only jobs that can never succeed: unreadable payload, unknown
//     notification id, no sender for the channel go to PoisonTopic), Retry (exponential, and
//     never sooner than a provider's Retry-After, capped at Config.MaxRetryAfter plus
//     jitter), Recoverer (a panic becomes an error of that attempt). The per-provider CircuitBreaker and
//     Throttle wrap the Sender of each channel (breaker.go, throttle.go) rather than a
//     handler, since one lane carries every provider: an outage of SendGrid must not stop SMS.
//
// Recipients: a row whose address is NULL, and every "group:<name>" row, is resolved through
// Config.Directory. A group expands to its members, a person to one address or several (one
// per push device); each member's accepted send is recorded in delivery_members so that a
// retry after a partial send skips them, and each gets its own provider reference
// ("<id>/<member>"). A refusal wrapping provider.ErrAddressGone (FCM UNREGISTERED) is passed
// to the Directory's Forget when it is a Forgetter.
package delivery
