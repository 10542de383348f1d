package service

import (
	"fmt"
	"time"
)

// Client declares an outbound HTTP client of a service (a payment provider, an email
// API). The runner resolves it from the environment into an Endpoint (Env.Client); the
// dev stack and tests fill the variables from a fake when URLEnv is unset.
type Client struct {
	// Name is the client's name in Env.Client, e.g. "psp".
	Name string
	// URLEnv names the variable holding the base URL, e.g. "PAYMENTS_PSP_URL".
	URLEnv string
	// KeyEnv names the variable holding the API key (never logged); "" for none.
	KeyEnv string
	// Requires names variables that must be set with URLEnv (a real provider's credentials);
	// the runner refuses to start without them.
	Requires []string
	// TimeoutEnv names the variable overriding Timeout (per attempt).
	TimeoutEnv string
	// Timeout bounds one attempt.
	Timeout time.Duration
	// Retries is how many times a failed call may be repeated by the client package (it
	// knows what is safe to repeat).
	Retries int
	// Env are other values a fake fills, by role: {"webhook_key": "NOTIFICATIONS_SENDGRID_WEBHOOK_KEY"}.
	Env map[string]string
	// Webhook is our callback path; PublicURLEnv the variable naming our public base URL.
	Webhook, PublicURLEnv string
	// Fake is the key of the dev fake started when URLEnv is unset (dev, run, tests).
	Fake string
	// StandIn is the service of another domain (its topics.yaml name, e.g.
	// "svc-gear-inventory") that this client calls. With URLEnv unset, dev points it at
	// the dev stack's stand-in of that service (fed from the topics), and run and the
	// tests at an in-memory stand-in (internal/dev/standin), instead of a fake.
	StandIn string
	// Service is another of our services this client calls (svc-analytics reads
	// svc-payments' reconciliation): with URLEnv unset, dev points it at that service in
	// the dev stack and KeyEnv at the caller's dev token; elsewhere it stays unset, so such a
	// client is Optional or its URL is required.
	Service string
	// RequireEnv names a boolean variable that, when true, forbids a fake.
	RequireEnv string
	// Optional clients without a URL are nil (push without FCM).
	Optional bool
}

// Setting is a variable whose dev value a fake provides (a staff directory file).
type Setting struct{ Env, Fake string }

// Endpoint is a Client resolved from the environment.
type Endpoint struct {
	Name    string
	BaseURL string
	// Key is the API key; never log it.
	Key     string
	Timeout time.Duration
	Retries int
}

// resolve reads c's variables through getenv: nil for an Optional client without URL, an
// error naming the variable for a required one.
func (c Client) resolve(getenv func(string) string) (*Endpoint, error) {
	url := getenv(c.URLEnv)
	if url == "" {
		if c.Optional {
			return nil, nil
		}
		return nil, fmt.Errorf("client %s: %s is unset", c.Name, c.URLEnv)
	}
	for _, v := range c.Requires {
		if getenv(v) == "" {
			return nil, fmt.Errorf("client %s: %s is required with %s", c.Name, v, c.URLEnv)
		}
	}
	e := &Endpoint{Name: c.Name, BaseURL: url, Timeout: c.Timeout, Retries: c.Retries}
	if c.KeyEnv != "" {
		e.Key = getenv(c.KeyEnv)
	}
	if c.TimeoutEnv != "" {
		if v := getenv(c.TimeoutEnv); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("client %s: %s %q is not a positive duration such as 500ms", c.Name, c.TimeoutEnv, v)
			}
			e.Timeout = d
		}
	}
	return e, nil
}
