package twilio

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/novatrek/support/processors/notifications/provider"
)

// DefaultBaseURL is Twilio's REST API root.
const DefaultBaseURL = "https://api.twilio.com"

// Config configures a Client.
type Config struct {
	// BaseURL is the API root; default DefaultBaseURL. Dev and tests point it at the fake.
	BaseURL string
	// AccountSID is the account (AC…) whose Messages resource is called. Required.
	AccountSID string
	// APIKeySID, when set (SK…), is the basic-auth user instead of AccountSID, with the
	// key's secret as AuthToken: Twilio's recommended credential for production.
	APIKeySID string
	// AuthToken is the account's auth token (or the API key's secret). Required.
	AuthToken provider.Secret
	// From is the sending number in E.164 form. One of From and MessagingServiceSID is
	// required; MessagingServiceSID wins when both are set.
	From string
	// MessagingServiceSID (MG…) lets Twilio pick the sender from a pool.
	MessagingServiceSID string
	// StatusCallback is the public URL of our status-callback endpoint; empty: no
	// callbacks (the status stays as Twilio answered it).
	StatusCallback string
	// Timeout bounds one attempt; default provider.DefaultTimeout.
	Timeout time.Duration
	// HTTPClient sends the requests; default provider.NewHTTPClient().
	HTTPClient *http.Client
	// Logger gets a Debug line per attempt; default discard.
	Logger *slog.Logger
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

func (c *Config) setDefaults() {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
}

func (c *Config) validate() error {
	if err := validURL("BaseURL", c.BaseURL); err != nil {
		return err
	}
	if !strings.HasPrefix(c.AccountSID, "AC") || strings.ContainsAny(c.AccountSID, "/?#") {
		return fmt.Errorf("twilio: AccountSID %q is not an account SID (AC…)", c.AccountSID)
	}
	if c.AuthToken.IsZero() {
		return errors.New("twilio: AuthToken is required")
	}
	if c.MessagingServiceSID == "" && !e164.MatchString(c.From) {
		return fmt.Errorf("twilio: From %q is not an E.164 number and no MessagingServiceSID is set", c.From)
	}
	if c.StatusCallback != "" {
		if err := validURL("StatusCallback", c.StatusCallback); err != nil {
			return err
		}
	}
	if c.Timeout < 0 {
		return errors.New("twilio: Timeout must not be negative")
	}
	return nil
}

func validURL(field, s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("twilio: %s %q is not an http(s) URL", field, s)
	}
	if u.User != nil {
		return fmt.Errorf("twilio: %s must not carry credentials", field)
	}
	return nil
}
