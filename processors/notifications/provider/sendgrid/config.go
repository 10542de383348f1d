package sendgrid

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"net/url"
	"time"

	"github.com/novatrek/support/processors/notifications/provider"
)

// DefaultBaseURL is SendGrid's API root.
const DefaultBaseURL = "https://api.sendgrid.com"

// Config configures a Client.
type Config struct {
	// BaseURL is the API root; default DefaultBaseURL. Dev and tests point it at the fake.
	BaseURL string
	// APIKey is the SendGrid API key (SG.xxx), sent as a bearer token. Required.
	APIKey provider.Secret
	// From is the verified sender address. Required.
	From string
	// FromName is the sender's display name; optional.
	FromName string
	// ReplyTo is the reply address; optional.
	ReplyTo string
	// SandboxMode asks SendGrid to validate and answer without sending (mail_settings
	// sandbox_mode); default off.
	SandboxMode bool
	// Timeout bounds one attempt; default provider.DefaultTimeout.
	Timeout time.Duration
	// HTTPClient sends the requests; default provider.NewHTTPClient().
	HTTPClient *http.Client
	// Logger gets a Debug line per attempt; default discard.
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
}

func (c *Config) validate() error {
	if err := validBaseURL(c.BaseURL); err != nil {
		return err
	}
	if c.APIKey.IsZero() {
		return errors.New("sendgrid: APIKey is required")
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("sendgrid: From %q is not an email address: %w", c.From, err)
	}
	if c.ReplyTo != "" {
		if _, err := mail.ParseAddress(c.ReplyTo); err != nil {
			return fmt.Errorf("sendgrid: ReplyTo %q is not an email address: %w", c.ReplyTo, err)
		}
	}
	if c.Timeout < 0 {
		return errors.New("sendgrid: Timeout must not be negative")
	}
	return nil
}

func validBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("sendgrid: BaseURL %q is not an http(s) URL", s)
	}
	if u.User != nil {
		return errors.New("sendgrid: BaseURL must not carry credentials; set APIKey")
	}
	return nil
}
