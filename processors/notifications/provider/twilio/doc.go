// Package twilio delivers SMS through Twilio's Programmable Messaging API and reads
// Twilio's signed status callbacks.
//
// Sending (Client.Send): POST {BaseURL}/2010-04-01/Accounts/{AccountSid}/Messages.json,
// HTTP basic auth (Account SID, or an API key SID, and the auth token or key secret), a
// form-encoded body with To, From (or MessagingServiceSid), Body and StatusCallback. Twilio
// answers 201 Created with the message resource as JSON: sid (SM…), status (queued, or
// accepted with a messaging service), error_code. Errors come as {"code", "message",
// "more_info", "status"}, e.g. 21211 invalid 'To', 21610 unsubscribed recipient, 20429 too
// many requests. Our Message.ID travels as a query parameter of the StatusCallback URL
// (RefParam), so a callback can be matched even before the sid was stored.
//
// Status callbacks (CallbackVerifier.Verify): Twilio POSTs a form (MessageSid,
// MessageStatus, ErrorCode, To, From, AccountSid, ...) to the StatusCallback URL, signed in
// X-Twilio-Signature: base64 of HMAC-SHA1, keyed by the auth token, over the full URL Twilio
// called (query string included) followed by every POST parameter name and value, sorted by
// name.
package twilio
