package psp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/novatrek/support/internal/platform/outbound"
)

// Client calls the PSP. It is safe for concurrent use.
type Client struct {
	cfg Config
	out *outbound.Client
}

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Client{cfg: cfg, out: cfg.Endpoint}, nil
}

// Name is the provider's name, e.g. "stripe".
func (c *Client) Name() string { return c.cfg.Name }

// PaymentIntentParams are the parameters of CreatePaymentIntent.
type PaymentIntentParams struct {
	// Amount in minor units of Currency (ISO 4217, any case).
	Amount   int64
	Currency string
	// PaymentMethod is the provider's payment-method token, e.g. pm_card_visa.
	PaymentMethod string
	// ManualCapture authorizes only; Capture captures later. False captures at once.
	ManualCapture bool
	Description   string
	Metadata      map[string]string
}

// CreatePaymentIntent creates and confirms a payment intent: an authorization (status
// requires_capture) with ManualCapture, a charge (succeeded) without. A decline returns an
// *Error with Declined() true.
func (c *Client) CreatePaymentIntent(ctx context.Context, p PaymentIntentParams, idempotencyKey string) (*PaymentIntent, error) {
	form := url.Values{}
	form.Set("amount", strconv.FormatInt(p.Amount, 10))
	form.Set("currency", strings.ToLower(p.Currency))
	form.Set("payment_method", p.PaymentMethod)
	form.Set("payment_method_types[]", "card")
	form.Set("confirm", "true")
	if p.ManualCapture {
		form.Set("capture_method", "manual")
	} else {
		form.Set("capture_method", "automatic")
	}
	if p.Description != "" {
		form.Set("description", p.Description)
	}
	setMetadata(form, p.Metadata)
	form.Add("expand[]", "latest_charge")
	var pi PaymentIntent
	if err := c.post(ctx, "/v1/payment_intents", form, idempotencyKey, &pi); err != nil {
		return nil, fmt.Errorf("create payment intent: %w", err)
	}
	return &pi, nil
}

// CapturePaymentIntent captures amount (0: all that is capturable) of an authorized intent.
func (c *Client) CapturePaymentIntent(ctx context.Context, id string, amount int64, idempotencyKey string) (*PaymentIntent, error) {
	form := url.Values{}
	if amount > 0 {
		form.Set("amount_to_capture", strconv.FormatInt(amount, 10))
	}
	form.Add("expand[]", "latest_charge")
	var pi PaymentIntent
	if err := c.post(ctx, "/v1/payment_intents/"+url.PathEscape(id)+"/capture", form, idempotencyKey, &pi); err != nil {
		return nil, fmt.Errorf("capture payment intent %s: %w", id, err)
	}
	return &pi, nil
}

// CancelPaymentIntent voids an authorized intent, releasing the hold on the card.
func (c *Client) CancelPaymentIntent(ctx context.Context, id, idempotencyKey string) (*PaymentIntent, error) {
	form := url.Values{}
	form.Set("cancellation_reason", "requested_by_customer")
	var pi PaymentIntent
	if err := c.post(ctx, "/v1/payment_intents/"+url.PathEscape(id)+"/cancel", form, idempotencyKey, &pi); err != nil {
		return nil, fmt.Errorf("cancel payment intent %s: %w", id, err)
	}
	return &pi, nil
}

// RefundParams are the parameters of CreateRefund.
type RefundParams struct {
	PaymentIntent string
	Amount        int64
	Reason        string // one of the RefundReason constants, or "" (none)
	Metadata      map[string]string
}

// CreateRefund refunds part or all of a captured intent.
func (c *Client) CreateRefund(ctx context.Context, p RefundParams, idempotencyKey string) (*Refund, error) {
	form := url.Values{}
	form.Set("payment_intent", p.PaymentIntent)
	form.Set("amount", strconv.FormatInt(p.Amount, 10))
	if p.Reason != "" {
		form.Set("reason", p.Reason)
	}
	setMetadata(form, p.Metadata)
	var r Refund
	if err := c.post(ctx, "/v1/refunds", form, idempotencyKey, &r); err != nil {
		return nil, fmt.Errorf("create refund of %s: %w", p.PaymentIntent, err)
	}
	return &r, nil
}

// TransferParams are the parameters of CreateTransfer.
type TransferParams struct {
	Amount        int64
	Currency      string
	Destination   string // connected account, e.g. acct_1Hh1...
	TransferGroup string
	Metadata      map[string]string
}

// CreateTransfer pays Amount out to a connected account.
func (c *Client) CreateTransfer(ctx context.Context, p TransferParams, idempotencyKey string) (*Transfer, error) {
	form := url.Values{}
	form.Set("amount", strconv.FormatInt(p.Amount, 10))
	form.Set("currency", strings.ToLower(p.Currency))
	form.Set("destination", p.Destination)
	if p.TransferGroup != "" {
		form.Set("transfer_group", p.TransferGroup)
	}
	setMetadata(form, p.Metadata)
	var t Transfer
	if err := c.post(ctx, "/v1/transfers", form, idempotencyKey, &t); err != nil {
		return nil, fmt.Errorf("create transfer to %s: %w", p.Destination, err)
	}
	return &t, nil
}

func setMetadata(form url.Values, md map[string]string) {
	for k, v := range md {
		form.Set("metadata["+k+"]", v)
	}
}

// post sends form to path with the idempotency key, retrying what may heal, and decodes a
// 2xx body into out.
func (c *Client) post(ctx context.Context, path string, form url.Values, idempotencyKey string, out any) error {
	if idempotencyKey == "" {
		return errors.New("psp: every POST needs an idempotency key")
	}
	body := form.Encode()
	var lastErr error
	wait := c.cfg.RetryBackoff
	for attempt := 0; attempt <= c.out.Retries; attempt++ {
		if attempt > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("%w: %w (last attempt: %w)", ErrUnavailable, ctx.Err(), lastErr)
			case <-t.C:
			}
			wait *= 2
		}
		retry, err := c.attempt(ctx, path, body, idempotencyKey, out)
		if err == nil {
			return nil
		}
		lastErr = err
		if !retry || ctx.Err() != nil {
			break
		}
	}
	var pe *Error
	if errors.As(lastErr, &pe) && !transientStatus(pe.HTTPStatus) {
		return lastErr
	}
	if errors.Is(lastErr, ErrUnavailable) {
		return lastErr
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, lastErr)
}

// attempt sends one request. retry says whether another attempt may succeed.
func (c *Client) attempt(ctx context.Context, path, body, idempotencyKey string, out any) (retry bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.out.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.out.URL(path), strings.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("psp: build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Idempotency-Key", idempotencyKey)
	req.Header.Set("Stripe-Version", APIVersion)
	if c.out.Key != "" {
		req.Header.Set("Authorization", "Bearer "+c.out.Key)
	}
	resp, err := c.out.HTTP.Do(req) // one attempt, counted; the loop in post retries
	if err != nil {
		return true, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return true, fmt.Errorf("%w: read response: %w", ErrUnavailable, err)
	}
	if resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(data, out); err != nil {
			// The operation happened but we cannot read the result: a retry with the same
			// key replays the answer.
			return true, fmt.Errorf("%w: decode %d response: %w", ErrUnavailable, resp.StatusCode, err)
		}
		return false, nil
	}
	var envelope struct {
		Error *Error `json:"error"`
	}
	if json.Unmarshal(data, &envelope) != nil || envelope.Error == nil {
		envelope.Error = &Error{Type: "api_error", Message: http.StatusText(resp.StatusCode)}
	}
	envelope.Error.HTTPStatus = resp.StatusCode
	retry = transientStatus(resp.StatusCode)
	if v := resp.Header.Get("Stripe-Should-Retry"); v != "" {
		retry = v == "true"
	}
	return retry, envelope.Error
}

// transientStatus: key in use (409), rate limited (429), server errors.
func transientStatus(status int) bool {
	return status == http.StatusConflict || status == http.StatusTooManyRequests || status >= 500
}
