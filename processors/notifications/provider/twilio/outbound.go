package twilio

import (
	"github.com/novatrek/support/internal/platform/outbound"
	"github.com/novatrek/support/processors/notifications/provider"
)

// NewOver is New on a service's declared client c: c's base URL, key (the auth token),
// timeout and instrumented HTTP client replace cfg's, so the service hands its client over
// and names only the account, the sender and the callback.
func NewOver(c *outbound.Client, cfg Config) (*Client, error) {
	cfg.BaseURL, cfg.AuthToken, cfg.Timeout, cfg.HTTPClient = c.BaseURL, provider.NewSecret(c.Key), c.Timeout, provider.HTTPClientOf(c)
	return New(cfg)
}
