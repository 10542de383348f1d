// Package sendgrid delivers email through SendGrid's v3 Mail Send API and reads SendGrid's
// signed Event Webhook.
//
// Sending (Client.Send): POST {BaseURL}/v3/mail/send with "Authorization: Bearer <API key>"
// and a JSON body of personalizations (one per message: its recipient), from, subject and
// content (text/plain first, then text/html, as SendGrid requires). SendGrid answers 202
// Accepted with an empty body and the message's id in the X-Message-Id header. Errors come
// as {"errors":[{"message","field","help"}]}; a 429 carries X-RateLimit-Reset (Unix
// seconds), which is honoured when there is no Retry-After. Our Message.ID travels in
// custom_args (RefArg), which SendGrid copies into every event about the message.
//
// Events (Verifier.Verify): SendGrid POSTs a JSON array of events, signed with ECDSA P-256
// over SHA-256 of the timestamp header followed by the raw body; the signature (base64
// ASN.1 DER) is in X-Twilio-Email-Event-Webhook-Signature, the timestamp in
// X-Twilio-Email-Event-Webhook-Timestamp, and the verification key is shown in SendGrid's
// settings as base64 DER (PKIX). Events carry sg_message_id, which starts with the
// X-Message-Id of the send.
package sendgrid
