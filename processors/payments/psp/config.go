package psp

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Config configures a Client.
type Config struct {
	// BaseURL is the API root, e.g. https://api.stripe.com. Required.
	BaseURL string
	// APIKey is the secret key sent as a bearer token. It is never logged.
	APIKey string
	// Name is the provider's name recorded on payments and events; default "stripe".
	Name string
	// Timeout bounds one attempt; default 10s (PSP authorizations can take seconds when the
	// card network is slow).
	Timeout time.Duration
	// MaxRetries is how many times a failed attempt is retried (network error, timeout,
	// 409, 429, 5xx); default 2. Negative disables retries.
	MaxRetries int
	// RetryBackoff is the first wait between attempts, doubled each time; default 100ms.
	RetryBackoff time.Duration
	// HTTPClient sends the requests; default a client with keep-alive connections.
	HTTPClient *http.Client
}

// Defaults.
const (
	DefaultName         = "stripe"
	DefaultTimeout      = 10 * time.Second
	DefaultMaxRetries   = 2
	DefaultRetryBackoff = 100 * time.Millisecond
	// APIVersion is the Stripe API version the request and response shapes follow.
	APIVersion = "2024-06-20"
)

func (c *Config) setDefaults() {
	if c.Name == "" {
		c.Name = DefaultName
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = DefaultMaxRetries
	}
	if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	if c.RetryBackoff == 0 {
		c.RetryBackoff = DefaultRetryBackoff
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			MaxIdleConns:        256,
			MaxIdleConnsPerHost: 256,
			IdleConnTimeout:     90 * time.Second,
		}}
	}
}

func (c *Config) validate() error {
	u, err := url.Parse(c.BaseURL)
	if c.BaseURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("psp: BaseURL %q is not an http(s) URL", c.BaseURL)
	}
	if c.Timeout < 0 || c.RetryBackoff < 0 {
		return errors.New("psp: Timeout and RetryBackoff must not be negative")
	}
	return nil
}
