package fcm

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultBaseURL is FCM's API root.
const DefaultBaseURL = "https://fcm.googleapis.com"

// Config configures a Client.
type Config struct {
	// BaseURL is the API root; default DefaultBaseURL. Dev and tests point it at the fake.
	BaseURL string
	// ProjectID is the Firebase project. Required.
	ProjectID string
	// Tokens supplies OAuth2 access tokens. Required.
	Tokens TokenSource
	// ValidateOnly asks FCM to check messages without delivering them; default off.
	ValidateOnly bool
	// Timeout bounds one attempt (token refresh excluded); default provider.DefaultTimeout.
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
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return fmt.Errorf("fcm: BaseURL %q is not an http(s) URL without credentials", c.BaseURL)
	}
	if c.ProjectID == "" || strings.ContainsAny(c.ProjectID, "/?#: ") {
		return fmt.Errorf("fcm: ProjectID %q is not a project id", c.ProjectID)
	}
	if c.Tokens == nil {
		return errors.New("fcm: Tokens is required")
	}
	if c.Timeout < 0 {
		return errors.New("fcm: Timeout must not be negative")
	}
	return nil
}
