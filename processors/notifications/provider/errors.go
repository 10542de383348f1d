package provider

import (
	"errors"
	"fmt"
	"time"
)

// ErrPermanent marks a failure that no retry can fix: the provider refused this message
// for this recipient (invalid address, unregistered device token, unsubscribed number).
var ErrPermanent = errors.New("permanent delivery failure")

// ErrAddressGone marks a permanent failure because the address itself no longer exists
// (FCM's UNREGISTERED: the app was uninstalled or its token rotated). It matches
// ErrPermanent too; whoever keeps the address should forget it.
var ErrAddressGone = errors.New("address no longer exists")

// ErrOutcomeUnknown marks a retryable failure after which the provider may nevertheless
// have accepted the message (a timeout or broken connection after the request was sent).
// None of the providers' send APIs is idempotent, so a retry may deliver twice.
var ErrOutcomeUnknown = errors.New("delivery outcome unknown")

// ErrUnauthorized marks a refused credential (HTTP 401). It is retryable, not permanent:
// a wrong or expired key is our fault, not the message's, so messages should wait (and the
// circuit breaker open) until the credential is fixed rather than fail for good.
var ErrUnauthorized = errors.New("provider refused our credentials")

// Retryable is a failure that may heal: 429, 5xx, 401, a network error or a timeout.
type Retryable struct {
	// After is the provider's Retry-After (or equivalent); 0 means it gave none and the
	// caller's own backoff applies.
	After time.Duration
	// Err is what happened.
	Err error
}

func (r *Retryable) Error() string {
	if r.After > 0 {
		return fmt.Sprintf("retryable (after %s): %v", r.After, r.Err)
	}
	return "retryable: " + r.Err.Error()
}

func (r *Retryable) Unwrap() error { return r.Err }

// Permanent wraps err so that errors.Is(err, ErrPermanent) holds.
func Permanent(err error) error { return &permanentError{err: err} }

// Gone wraps err so that errors.Is(err, ErrPermanent) and errors.Is(err, ErrAddressGone)
// hold: the address is dead, not merely refused for this message.
func Gone(err error) error { return &permanentError{err: err, gone: true} }

type permanentError struct {
	err  error
	gone bool
}

func (p *permanentError) Error() string { return "permanent: " + p.err.Error() }
func (p *permanentError) Unwrap() error { return p.err }
func (p *permanentError) Is(target error) bool {
	return target == ErrPermanent || (p.gone && target == ErrAddressGone)
}

// IsPermanent reports whether err says that retrying cannot help.
func IsPermanent(err error) bool { return errors.Is(err, ErrPermanent) }

// RetryAfter returns the wait a Retryable in err's chain asks for and whether there is a
// Retryable at all.
func RetryAfter(err error) (time.Duration, bool) {
	var r *Retryable
	if errors.As(err, &r) {
		return r.After, true
	}
	return 0, false
}

// Error is a provider's refusal as it answered it.
type Error struct {
	// Provider is the provider's name, e.g. "twilio".
	Provider string
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Code is the provider's error code when it has one: Twilio's numeric code (e.g.
	// "21211"), FCM's error code (e.g. "UNREGISTERED"), SendGrid's failing field.
	Code string
	// Message is the provider's explanation, secrets scrubbed.
	Message string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s answered %d", e.Provider, e.StatusCode)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// ProviderError returns the provider's answer in err's chain, if any.
func ProviderError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
