package provider

import (
	"errors"
	"time"
)

// Status is a delivery status as the providers' callbacks report it, in our words.
type Status string

// Statuses. Delivered, Bounced, Failed and Dropped are final: no later callback changes
// them, except that an Opened event may follow Delivered.
const (
	StatusQueued    Status = "queued"    // accepted, not yet handed on (Twilio queued/accepted, SendGrid processed)
	StatusSent      Status = "sent"      // handed to the carrier or mail server (Twilio sent)
	StatusDeferred  Status = "deferred"  // the receiving server asked to try later (SendGrid deferred)
	StatusDelivered Status = "delivered" // the recipient's server or handset has it
	StatusOpened    Status = "opened"    // the recipient opened it (SendGrid open, Twilio read)
	StatusBounced   Status = "bounced"   // the receiving server refused it (SendGrid bounce)
	StatusDropped   Status = "dropped"   // the provider refused to send it (SendGrid dropped)
	StatusFailed    Status = "failed"    // the provider or carrier could not deliver it (Twilio failed/undelivered)
)

// Final reports whether s ends the delivery: later callbacks (other than Opened) do not
// change the outcome.
func (s Status) Final() bool {
	switch s {
	case StatusDelivered, StatusOpened, StatusBounced, StatusDropped, StatusFailed:
		return true
	}
	return false
}

// StatusUpdate is one provider callback about one message, in provider-neutral terms.
type StatusUpdate struct {
	// Provider is the provider's name, e.g. "sendgrid".
	Provider string
	// ProviderMessageID is the provider's id of the message, as Result.ID had it.
	ProviderMessageID string
	// Ref is our Message.ID when the provider echoed it back; empty otherwise.
	Ref string
	// EventID identifies the callback itself, for deduplication of redelivered webhooks
	// (SendGrid sg_event_id; for Twilio the sid and status, which Twilio sends once each).
	EventID string
	// Status is the new status.
	Status Status
	// ProviderStatus is the provider's own word for it, e.g. "undelivered", "bounce".
	ProviderStatus string
	// Reason explains a failure (bounce reason, Twilio error code); empty on success.
	Reason string
	// At is when the provider says it happened; the zero time if it does not say.
	At time.Time
}

// ErrInvalidSignature means a webhook request was not signed by the provider (missing,
// malformed or wrong signature, or a stale timestamp). An API answers it with 401/403 and
// must not act on the payload.
var ErrInvalidSignature = errors.New("webhook signature invalid")

// ErrMalformedWebhook means a correctly signed webhook carried a payload we cannot read;
// an API answers it with 400.
var ErrMalformedWebhook = errors.New("webhook payload malformed")

// WebhookError says why a webhook request was refused. It matches ErrInvalidSignature or
// ErrMalformedWebhook with errors.Is.
type WebhookError struct {
	Provider string
	// Kind is ErrInvalidSignature or ErrMalformedWebhook.
	Kind error
	// Reason is a short explanation safe to log (never the signature or the secret).
	Reason string
}

func (e *WebhookError) Error() string {
	return e.Provider + " webhook: " + e.Kind.Error() + ": " + e.Reason
}

func (e *WebhookError) Is(target error) bool { return target == e.Kind }

// SignatureError returns a *WebhookError of kind ErrInvalidSignature.
func SignatureError(provider, reason string) error {
	return &WebhookError{Provider: provider, Kind: ErrInvalidSignature, Reason: reason}
}

// MalformedError returns a *WebhookError of kind ErrMalformedWebhook.
func MalformedError(provider, reason string) error {
	return &WebhookError{Provider: provider, Kind: ErrMalformedWebhook, Reason: reason}
}
