// Package provider is the contract between the notification pipeline and the delivery
// providers (SendGrid email, Twilio SMS, Firebase Cloud Messaging push, the in-app inbox).
//
// A provider is a Sender: Send makes one attempt and never retries by itself, because the
// pipeline owns retries (Watermill's Retry, CircuitBreaker and Throttle middleware) and must
// record every attempt in delivery_log. What Send returns says what to do next:
//
//   - nil: the provider accepted the message; Result carries the provider's id, which the
//     provider's status callbacks quote later (StatusUpdate).
//   - an error matching ErrPermanent (errors.Is): retrying cannot help (invalid address,
//     unregistered device, recipient unsubscribed); record the failure and stop.
//   - a *Retryable (errors.As): the provider was unavailable, rate limited (429), failed
//     (5xx) or did not answer in time; retry no earlier than Retryable.After when it is set
//     (the provider's Retry-After), else with the pipeline's own backoff.
//
// Errors that are neither (a bug, a closed client) should be treated as retryable: losing a
// message is worse than a late one. Retryable errors that may have reached the provider
// (timeout after the request was written) also match ErrOutcomeUnknown, because none of the
// three HTTP APIs takes an idempotency key: a retry may deliver twice.
//
// Secrets (API keys, auth tokens, OAuth tokens) are held as Secret, which formats and logs
// as "[REDACTED]", and clients scrub them from every error they return.
package provider
