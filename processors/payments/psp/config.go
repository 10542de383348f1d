package psp

import (
	"errors"
	"time"

	"github.com/novatrek/support/internal/platform/outbound"
)

// Config configures a Client.
type Config struct {
	// Endpoint is the PSP's outbound client: its API root (e.g. https://api.stripe.com),
	// the secret key sent as a bearer token (never logged), the timeout of one attempt
	// (PSP authorizations can take seconds when the card network is slow) and how many
	// times a failed attempt is retried (network error, timeout, 409, 429, 5xx). Required.
	// The retries stay here, not in outbound.Client.Do: the PSP says what may be repeated
	// (Stripe-Should-Retry, a key still in use).
	Endpoint *outbound.Client
	// Name is the provider's name recorded on payments and events; default "stripe".
	Name string
	// RetryBackoff is the first wait between attempts, doubled each time; default 100ms.
	RetryBackoff time.Duration
}

// Defaults.
const (
	DefaultName         = "stripe"
	DefaultRetryBackoff = 100 * time.Millisecond
	// DefaultTimeout and DefaultRetries are what the PSP's endpoint should be given
	// (outbound.Config): one attempt may take seconds, and two retries ride out a blip.
	DefaultTimeout = 10 * time.Second
	DefaultRetries = 2
	// APIVersion is the Stripe API version the request and response shapes follow.
	APIVersion = "2024-06-20"
)

func (c *Config) setDefaults() {
	if c.Name == "" {
		c.Name = DefaultName
	}
	if c.RetryBackoff == 0 {
		c.RetryBackoff = DefaultRetryBackoff
	}
}

func (c *Config) validate() error {
	if c.Endpoint == nil {
		return errors.New("psp: Config.Endpoint is nil")
	}
	if c.RetryBackoff < 0 {
		return errors.New("psp: RetryBackoff must not be negative")
	}
	return nil
}
