package fcm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/novatrek/support/processors/notifications/provider"
)

// Name is the provider's name in results, errors and metrics.
const Name = "fcm"

// RefKey is the data key carrying our Message.ID, so the app (and a support engineer
// reading a device log) can tie a push to its notification.
const RefKey = "novatrek_message_id"

// Client sends push notifications through FCM. It is safe for concurrent use.
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
		url: strings.TrimRight(cfg.BaseURL, "/") + "/v1/projects/" + url.PathEscape(cfg.ProjectID) + "/messages:send",
		caller: provider.NewCaller(provider.Caller{
			Provider: Name, Client: cfg.HTTPClient, Timeout: cfg.Timeout, Logger: cfg.Logger,
		}),
	}, nil
}

// Name returns "fcm".
func (c *Client) Name() string { return Name }

// Channel returns provider.Push.
func (c *Client) Channel() provider.Channel { return provider.Push }

// Send makes one messages:send call for m; m.To is the device's registration token.
func (c *Client) Send(ctx context.Context, m provider.Message) (provider.Result, error) {
	body, err := c.request(m)
	if err != nil {
		return provider.Result{}, provider.Permanent(fmt.Errorf("fcm: %w", err))
	}
	tok, err := c.cfg.Tokens.Token(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return provider.Result{}, fmt.Errorf("fcm: get access token: %w", err)
		}
		return provider.Result{}, &provider.Retryable{Err: fmt.Errorf("fcm: get access token: %w", err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return provider.Result{}, fmt.Errorf("fcm: build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.Reveal())
	req.Header.Set("Content-Type", "application/json; charset=UTF-8")

	resp, err := c.caller.Do(req, m.ID, tok)
	if err != nil {
		return provider.Result{}, err
	}
	if resp.StatusCode/100 == 2 {
		var sr sendResponse
		_ = json.Unmarshal(resp.Body, &sr) // accepted even if unreadable
		return provider.Result{Provider: Name, ID: sr.Name, Status: "accepted", At: c.caller.Now()}, nil
	}
	if resp.StatusCode == http.StatusUnauthorized {
		if e, ok := c.cfg.Tokens.(Expirer); ok {
			e.Expire(tok) // revoked early: fetch a fresh one next time
		}
	}
	return provider.Result{}, c.classify(resp, tok)
}

func (c *Client) request(m provider.Message) ([]byte, error) {
	if m.ID == "" {
		return nil, errors.New("message has no ID")
	}
	if strings.TrimSpace(m.To) == "" {
		return nil, errors.New("message has no device registration token")
	}
	msg := message{Token: m.To, Data: make(map[string]string, len(m.Data)+1)}
	if m.Subject != "" || m.Body != "" {
		msg.Notification = &notification{Title: m.Subject, Body: m.Body}
	}
	for k, v := range m.Data {
		msg.Data[k] = v
	}
	msg.Data[RefKey] = m.ID
	if m.Urgent {
		msg.Android = &androidConfig{Priority: "HIGH"}
		msg.APNS = &apnsConfig{Headers: map[string]string{"apns-priority": "10"}}
	}
	return json.Marshal(sendRequest{ValidateOnly: c.cfg.ValidateOnly, Message: msg})
}

// classify reads Google's error JSON. FCM's own error code decides when present, then
// the canonical status, then the HTTP status (provider.Caller.Classify).
func (c *Client) classify(resp *provider.Response, tok provider.Secret) error {
	perr := &provider.Error{}
	var er errorResponse
	if json.Unmarshal(resp.Body, &er) != nil || er.Error.Status == "" {
		perr.Message = provider.Redact(provider.Snippet(resp.Body), tok)
		return c.caller.Classify(resp, perr)
	}
	perr.Code = er.Error.Status
	for _, d := range er.Error.Details {
		if d.Type == fcmErrorType && d.ErrorCode != "" {
			perr.Code = d.ErrorCode
		}
	}
	perr.Message = provider.Redact(er.Error.Message, tok)
	err := c.caller.Classify(resp, perr) // fills Provider and StatusCode
	switch perr.Code {
	case "UNREGISTERED": // the token is dead: provider.ErrAddressGone tells the caller to drop it
		return provider.Gone(perr)
	case "INVALID_ARGUMENT", "SENDER_ID_MISMATCH", "NOT_FOUND", "PERMISSION_DENIED":
		if !provider.IsPermanent(err) {
			return provider.Permanent(perr)
		}
	case "QUOTA_EXCEEDED", "RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL", "DEADLINE_EXCEEDED", "ABORTED":
		if provider.IsPermanent(err) {
			after, _ := provider.ParseRetryAfter(resp.Header.Get("Retry-After"), c.caller.Now())
			return &provider.Retryable{After: after, Err: perr}
		}
	}
	return err
}

// Unregistered reports whether err says the device token is no longer valid (the app was
// uninstalled or the token rotated): the token should be deleted, not retried.
func Unregistered(err error) bool {
	perr, ok := provider.ProviderError(err)
	return ok && perr.Provider == Name && perr.Code == "UNREGISTERED"
}
