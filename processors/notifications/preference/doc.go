// Package preference holds each recipient's channel preferences (the spec's
// channel_preferences table) and the pure rule that turns them into a send decision.
//
// A recipient may opt out of channels (email, sms, push, in_app) and of categories
// (marketing, transactional, ...), and may set quiet hours: a local wall-clock window in
// their IANA time zone, which may wrap midnight (22:00-07:00). Decide answers, for one
// message category on one channel at one instant: send now, defer until the quiet hours end,
// or do not send.
//
// Safety first: the safety-critical categories (Emergency, Wildlife, Safety; see
// BypassesPreferences) ignore every preference: quiet hours, category opt-outs AND channel
// opt-outs. A channel opt-out is ignored too because the pipeline chose those channels to reach
// the person in danger, and a guest who turned off SMS for booking chatter must still get the
// evacuation order on their phone. Recipients cannot opt out of these categories at all (Put
// refuses it), so the stored preferences never claim otherwise.
//
// Quiet hours defer the interrupting channels (SMS, push, email); the in-app inbox is read
// when the recipient chooses, so it is never deferred.
package preference
