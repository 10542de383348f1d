package sendgrid

import (
	"github.com/novatrek/support/internal/platform/outbound"
	"github.com/novatrek/support/processors/notifications/provider"
)

// NewOver is New on a service's declared client c: c's base URL, API key, timeout and
// instrumented HTTP client replace cfg's, so the service hands its client over and names
// only the sender (From, FromName, ...).
func NewOver(c *outbound.Client, cfg Config) (*Client, error) {
	cfg.BaseURL, cfg.APIKey, cfg.Timeout, cfg.HTTPClient = c.BaseURL, provider.NewSecret(c.Key), c.Timeout, provider.HTTPClientOf(c)
	return New(cfg)
}
