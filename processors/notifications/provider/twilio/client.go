package twilio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/novatrek/support/processors/notifications/provider"
)

// Name is the provider's name in results, errors and metrics.
const Name = "twilio"

// RefParam is the StatusCallback query parameter carrying our Message.ID.
const RefParam = "novatrek_message_id"

// retryableCodes are Twilio error codes that may heal although the HTTP status is 4xx.
var retryableCodes = map[int]bool{
	21611: true, // the sender's queue is full: wait
	20429: true, // too many requests
}

// Client sends SMS through Twilio. It is safe for concurrent use.
type Client struct {
	cfg    Config
	url    string
	user   string
	caller *provider.Caller
}

var _ provider.Sender = (*Client)(nil)

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	user := cfg.AccountSID
	if cfg.APIKeySID != "" {
		user = cfg.APIKeySID
	}
	return &Client{
		cfg:  cfg,
		url:  strings.TrimRight(cfg.BaseURL, "/") + "/2010-04-01/Accounts/" + url.PathEscape(cfg.AccountSID) + "/Messages.json",
		user: user,
		caller: provider.NewCaller(provider.Caller{
			Provider: Name, Client: cfg.HTTPClient, Timeout: cfg.Timeout, Logger: cfg.Logger,
		}),
	}, nil
}

// Name returns "twilio".
func (c *Client) Name() string { return Name }

// Channel returns provider.SMS.
func (c *Client) Channel() provider.Channel { return provider.SMS }

// message is the part of Twilio's message resource we read.
type message struct {
	SID          string  `json:"sid"`
	Status       string  `json:"status"`
	ErrorCode    *int    `json:"error_code"`
	ErrorMessage *string `json:"error_message"`
}

// apiError is Twilio's error answer.
type apiError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

// Send creates one message resource for m.
func (c *Client) Send(ctx context.Context, m provider.Message) (provider.Result, error) {
	form, err := c.form(m)
	if err != nil {
		return provider.Result{}, provider.Permanent(fmt.Errorf("twilio: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, strings.NewReader(form.Encode()))
	if err != nil {
		return provider.Result{}, fmt.Errorf("twilio: build request: %w", err)
	}
	req.SetBasicAuth(c.user, c.cfg.AuthToken.Reveal())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")

	resp, err := c.caller.Do(req, m.ID, c.cfg.AuthToken)
	if err != nil {
		return provider.Result{}, err
	}
	if resp.StatusCode/100 == 2 {
		var msg message
		// Accepted even if the body is unreadable: callbacks carry RefParam.
		_ = json.Unmarshal(resp.Body, &msg)
		return provider.Result{Provider: Name, ID: msg.SID, Status: msg.Status, At: c.caller.Now()}, nil
	}
	perr := &provider.Error{}
	var ae apiError
	if json.Unmarshal(resp.Body, &ae) == nil && ae.Code != 0 {
		perr.Code = strconv.Itoa(ae.Code)
		perr.Message = provider.Redact(ae.Message, c.cfg.AuthToken)
	} else {
		perr.Message = provider.Redact(provider.Snippet(resp.Body), c.cfg.AuthToken)
	}
	err = c.caller.Classify(resp, perr)
	if retryableCodes[ae.Code] && provider.IsPermanent(err) {
		return provider.Result{}, &provider.Retryable{Err: perr}
	}
	return provider.Result{}, err
}

func (c *Client) form(m provider.Message) (url.Values, error) {
	if m.ID == "" {
		return nil, errors.New("message has no ID")
	}
	if !e164.MatchString(m.To) {
		return nil, errors.New("recipient is not an E.164 phone number")
	}
	if strings.TrimSpace(m.Body) == "" {
		return nil, errors.New("message has no body")
	}
	form := url.Values{}
	form.Set("To", m.To)
	if c.cfg.MessagingServiceSID != "" {
		form.Set("MessagingServiceSid", c.cfg.MessagingServiceSID)
	} else {
		form.Set("From", c.cfg.From)
	}
	form.Set("Body", m.Body)
	if c.cfg.StatusCallback != "" {
		cb, err := withRef(c.cfg.StatusCallback, m.ID)
		if err != nil {
			return nil, err
		}
		form.Set("StatusCallback", cb)
	}
	return form, nil
}

// withRef appends RefParam=ref to the callback URL's query.
func withRef(callback, ref string) (string, error) {
	u, err := url.Parse(callback)
	if err != nil {
		return "", fmt.Errorf("parse StatusCallback: %w", err)
	}
	q := u.Query()
	q.Set(RefParam, ref)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
