// Package intake is the first stage of svc-notifications: it turns the Kafka events and
// notification requests the service consumes into rows of the notifications table, the
// source of truth the delivery stage (Valkey queue, providers) works from.
//
// For every consumed event the routing table (routes.go, data rather than code paths) says
// what the message is about (its preference.Category and NotificationKind), which
// template renders it, on which channels, at which priority and to whom. A handler on the
// stream runtime then, inside the batch's transaction:
//
//  1. derives the recipients (ids from the event, the request's own recipients, or named
//     groups such as "operations-staff" that the delivery stage expands) × channels;
//  2. applies the recipient's channel preferences (preference.Decide): a suppressed message
//     is still stored, with status "suppressed" and the reason, so the notification log says
//     why nobody was told; a deferred one gets defer_until (quiet hours, or the request's
//     not_before). Only safety-critical categories (preference.BypassesPreferences:
//     emergency, wildlife, safety) bypass preferences; a CRITICAL request travels in the
//     emergency lane but a CRITICAL waiver copy still honors the recipient's opt-outs;
//  3. resolves the current template version for (name, channel, locale) and renders it,
//     recording template_version_id so the exact text can be re-rendered later;
//  4. inserts the row with ON CONFLICT DO NOTHING; its id is uuid v5 of the idempotency key
//     (a request's producer and request_id, else the event id), the recipient and the
//     channel, so the same event twice, or the same request retried in a new envelope
//     (new event_id, same request_id), gives one notification per recipient and channel;
//  5. enqueues a NotificationDeliveryStatusChanged event (PENDING, or SUPPRESSED) through the
//     outbox for each new row, in the same transaction.
//
// Each handled event also appends one row to intake_log (no unique key on purpose), so a
// runtime that applied an event twice would be visible, and an operator can see what an
// event produced.
//
// # Failures
//
// A missing template, a template whose variables the event does not provide, a request of
// an unknown kind (a newer producer's symbol read as UNKNOWN) or a request without
// recipients is a permanent error: the event goes to the dead-letter topic with the reason,
// and nothing of it is stored. We chose the dead-letter topic over a 'failed' row because
// the fix (publish the template, deploy the new kind) is followed by a redrive, which then
// produces the right notifications; a 'failed' row would hold the unique key and block it.
// Safety messages are not at risk from this in practice: SeedDefaults installs a template
// for every route and channel, and a test checks every route renders.
package intake
