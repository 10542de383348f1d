package provider

import "time"

// Channel is a delivery channel of svc-notifications.
type Channel string

// The channels of the spec's "Multi-channel delivery: email, SMS, push, in-app".
const (
	Email Channel = "email"
	SMS   Channel = "sms"
	Push  Channel = "push"
	InApp Channel = "in_app"
)

// Message is one rendered message for one recipient on one channel.
type Message struct {
	// ID is our id of this delivery (one notification on one channel), e.g. a UUID. Clients
	// send it along where the provider's API carries our own data (SendGrid custom_args, the
	// Twilio status callback URL, FCM data), so status callbacks can be matched even before
	// the provider's id is stored. The in-app inbox uses it as its idempotency key. Required.
	ID string
	// To is the address on the channel: an email address, an E.164 phone number, an FCM
	// registration token, or our recipient id for in-app.
	To string
	// ToName is the recipient's display name (email only); optional.
	ToName string
	// Subject is the email subject, the push and in-app title; ignored by SMS.
	Subject string
	// Body is the plain-text body.
	Body string
	// HTML is the email's HTML alternative; optional.
	HTML string
	// Data is extra key/value data: FCM data payload, SendGrid custom_args, in-app data.
	Data map[string]string
	// Urgent asks for the provider's highest priority where it has one (FCM high priority,
	// APNs priority 10); set for safety-critical messages.
	Urgent bool
}

// Result is the provider's answer to an accepted message.
type Result struct {
	// Provider is the provider's name, e.g. "sendgrid".
	Provider string
	// ID is the provider's id of the message (SendGrid X-Message-Id, Twilio SM sid, FCM
	// message name, in-app row id); status callbacks quote it.
	ID string
	// Status is the provider's own status at acceptance, e.g. "accepted", "queued".
	Status string
	// At is when the provider accepted the message (our clock).
	At time.Time
}
