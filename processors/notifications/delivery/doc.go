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
//     without a delivery attempt. Jobs are therefore at least once; the worker's lease
//     makes the provider call once (see the exactly-once bullet for the one exception).
//   - The workers (router.go, handle.go) consume the two lanes with their own
//     subscriptions (the emergency lane with more of them), so a routine backlog never
//     sits in front of an emergency. A job first leases its row in a short transaction
//     (lease_owner, lease_until: HandlerTimeout plus a margin): a row already sent,
//     delivered, failed or suppressed is acknowledged without a call. Then the provider
//     Sender of the row's channel is called with no transaction or connection held, and a
//     second transaction appends every attempt to delivery_log (even when the lease was lost
//     meanwhile: a call that was made is always logged), releases the lease and, only while
//     the lease is the job's and the row is still queued, pending or deferred, commits
//     success (status "sent") or a permanent refusal (status "failed") together with a
//     NotificationDeliveryStatusChanged event in the outbox. A provider callback that got
//     there first ("delivered", "failed", "sent") is never overwritten, and no second event
//     follows it. The provider calls get the job's time minus recordBudget; the record runs
//     on its own context bounded by recordBudget, so the outcome of a call is recorded even
//     when the job's time runs out or the worker shuts down during it.
//   - A job that fails (after Retry's in-process retries, or at once for an open circuit
//     or a row another worker holds) is not Nacked: a Nack hands the same job back to the
//     same worker first, so one provider's outage would hold every worker that picked one
//     of its jobs. The settle middleware (settle.go) acknowledges it and defers the row:
//     until the provider's circuit lets a trial call through, until the other worker's
//     lease ends, or by a backoff (NackResendDelay doubling per retry attempt, at most
//     DefaultMaxDeferral). The dispatcher publishes the row again when it is due. A row
//     with MaxAttempts retry attempts, or older than MaxAge, is marked failed with a FAILED
//     event and its job goes to the poison stream.
//   - Exactly once to the provider, where it can be: a worker that dies after taking the
//     job and before the lease, after the lease and before the call, or during a call the
//     provider did not accept, leaves a pending Valkey entry (reclaimed after ClaimMinIdle)
//     and at most a lease (which ends); the row is then delivered once by another worker
//     (TestWorkerDeathIsDeliveredExactlyOnce). A worker that dies after the provider
//     accepted and before the record commits (one transaction of three round trips) leaves
//     the row unrecorded, and it is sent again once the lease ends: at least once in that
//     window. Closing it would need the provider to drop a repeat, and none of SendGrid v3
//     mail send, Twilio Messages or FCM HTTP v1 takes an idempotency key.
//   - The dispatcher LISTENs on notifications_due, which a statement trigger on notifications
//     fires on every insert (migration 0002), and runs a round at once; Config.PollInterval
//     is the fallback (deferred rows falling due, a lost listening connection).
//   - Middleware, outermost first: Timeout (Config.HandlerTimeout for the whole job, retries
//     included), PoisonQueue (jobs that can never succeed: unreadable payload, unknown
//     notification id, no sender for the channel, and rows given up by settle go to
//     PoisonTopic), settle, Retry (exponential, and never sooner than a provider's
//     Retry-After, capped at Config.MaxRetryAfter plus jitter), Recoverer (a panic becomes an
//     error of that attempt). The per-provider circuit breaker and throttle wrap the Sender
//     of each channel (breaker.go, throttle.go) rather than a handler, since one lane
//     carries every provider: an outage of SendGrid must not stop SMS.
//
// Recipients: a row whose address is NULL, and every "group:<name>" row, is resolved through
// Config.Directory. A group expands to its members, a person to one address or several (one
// per push device); each member's accepted send is recorded in delivery_members so that a
// retry after a partial send skips them, and each gets its own provider reference
// ("<id>/<member>"). A refusal wrapping provider.ErrAddressGone (FCM UNREGISTERED) is passed
// to the Directory's Forget when it is a Forgetter.
package delivery
