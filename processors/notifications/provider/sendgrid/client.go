package sendgrid

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/novatrek/support/processors/notifications/provider"
)

// Name is the provider's name in results, errors and metrics.
const Name = "sendgrid"

// RefArg is the custom_args key carrying our Message.ID; SendGrid copies custom args into
// every event about the message, so an event can be matched even before X-Message-Id was
// stored.
const RefArg = "novatrek_message_id"

// Client sends email through SendGrid. It is safe for concurrent use.
type Client struct {
	cfg    Config
	url    string
	caller *provider.Caller
}

var _ provider.Sender = (*Client)(nil)

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Client{
		cfg: cfg,
		url: strings.TrimRight(cfg.BaseURL, "/") + "/v3/mail/send",
		caller: provider.NewCaller(provider.Caller{
			Provider: Name, Client: cfg.HTTPClient, Timeout: cfg.Timeout, Logger: cfg.Logger,
		}),
	}, nil
}

// Name returns "sendgrid".
func (c *Client) Name() string { return Name }

// Channel returns provider.Email.
func (c *Client) Channel() provider.Channel { return provider.Email }

// Send makes one Mail Send call for m.
func (c *Client) Send(ctx context.Context, m provider.Message) (provider.Result, error) {
	body, err := c.request(m)
	if err != nil {
		return provider.Result{}, provider.Permanent(fmt.Errorf("sendgrid: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return provider.Result{}, fmt.Errorf("sendgrid: build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey.Reveal())
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")

	resp, err := c.caller.Do(req, m.ID, c.cfg.APIKey)
	if err != nil {
		return provider.Result{}, err
	}
	if resp.StatusCode/100 == 2 {
		// 202 with the id in a header; a missing header still means accepted: events carry
		// our RefArg too.
		return provider.Result{
			Provider: Name, ID: resp.Header.Get("X-Message-Id"), Status: "accepted", At: c.caller.Now(),
		}, nil
	}
	err = c.caller.Classify(resp, parseError(resp.Body, c.cfg.APIKey))
	if r, ok := err.(*provider.Retryable); ok && r.After == 0 && resp.StatusCode == http.StatusTooManyRequests {
		// SendGrid says when the rate-limit window resets instead of Retry-After.
		r.After, _ = provider.ParseResetEpoch(resp.Header.Get("X-RateLimit-Reset"), c.caller.Now())
	}
	return provider.Result{}, err
}

func (c *Client) request(m provider.Message) ([]byte, error) {
	if m.ID == "" {
		return nil, errors.New("message has no ID")
	}
	if strings.TrimSpace(m.To) == "" {
		return nil, errors.New("message has no recipient address")
	}
	if m.Body == "" && m.HTML == "" {
		return nil, errors.New("message has neither a text nor an HTML body")
	}
	ms := mailSend{
		Personalizations: []personalization{{To: []address{{Email: m.To, Name: m.ToName}}}},
		From:             address{Email: c.cfg.From, Name: c.cfg.FromName},
		Subject:          m.Subject,
		CustomArgs:       make(map[string]string, len(m.Data)+1),
	}
	if c.cfg.ReplyTo != "" {
		ms.ReplyTo = &address{Email: c.cfg.ReplyTo}
	}
	// SendGrid requires text/plain before text/html.
	if m.Body != "" {
		ms.Content = append(ms.Content, content{Type: "text/plain", Value: m.Body})
	}
	if m.HTML != "" {
		ms.Content = append(ms.Content, content{Type: "text/html", Value: m.HTML})
	}
	for k, v := range m.Data {
		ms.CustomArgs[k] = v
	}
	ms.CustomArgs[RefArg] = m.ID
	if c.cfg.SandboxMode {
		ms.MailSettings = &mailSettings{SandboxMode: &enable{Enable: true}}
	}
	return json.Marshal(ms)
}

// parseError reads SendGrid's {"errors":[...]} answer; an unreadable body leaves only the
// status to go on.
func parseError(body []byte, key provider.Secret) *provider.Error {
	var eb errorBody
	perr := &provider.Error{}
	if json.Unmarshal(body, &eb) != nil || len(eb.Errors) == 0 {
		perr.Message = provider.Redact(provider.Snippet(body), key)
		return perr
	}
	msgs := make([]string, 0, len(eb.Errors))
	for _, e := range eb.Errors {
		msgs = append(msgs, e.Message)
		if perr.Code == "" && e.Field != nil {
			perr.Code = *e.Field
		}
	}
	perr.Message = provider.Redact(strings.Join(msgs, "; "), key)
	return perr
}
