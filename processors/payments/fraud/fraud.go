package fraud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/novatrek/support/internal/platform/outbound"
)

// Outcomes of a screening.
const (
	Accept = "accept" // proceed
	Review = "review" // proceed, flagged for a person to look at
	Reject = "reject" // do not authorize
)

// Request is what is screened. No card number: the provider token and last four digits.
type Request struct {
	Reference   string        `json:"reference"`
	AmountMinor int64         `json:"amount"`
	Currency    string        `json:"currency"`
	CustomerID  string        `json:"customer_id"`
	Method      PaymentMethod `json:"payment_method"`
	IPAddress   string        `json:"ip_address,omitempty"`
}

// PaymentMethod describes the instrument without sensitive data.
type PaymentMethod struct {
	Token string `json:"token"`
	Brand string `json:"brand,omitempty"`
	Last4 string `json:"last4,omitempty"`
}

// Decision is the screening result.
type Decision struct {
	// Outcome is Accept, Review or Reject.
	Outcome string
	// Score is the service's risk score in [0, 1]; nil when the fallback decided.
	Score *float64
	// AssessmentID is the service's id of the assessment ("" after a fallback).
	AssessmentID string
	Reasons      []string
	// Fallback is true when the service did not answer and the fail-open policy decided.
	Fallback bool
}

// ErrUnavailable means the service did not answer within the budget and the amount is above
// the fail-open limit: do not authorize; retry later.
var ErrUnavailable = errors.New("fraud: screening service unavailable and the amount is above the fail-open limit")

// Config configures a Client.
type Config struct {
	// Endpoint is the service's outbound client: base URL, API key (sent as a bearer
	// token; never logged) and the timeout of one attempt (DefaultTimeout is what it
	// should be given). Required. Its Retries are not used: the attempts below share a
	// budget the service's callers wait on.
	Endpoint *outbound.Client
	// Budget bounds the whole screening including retries; default 1s.
	Budget time.Duration
	// MaxAttempts is the number of attempts within the budget; default 3.
	MaxAttempts int
	// Backoff is the wait before the second attempt, doubled after; default 25ms.
	Backoff time.Duration
	// FailOpenLimits maps a currency to the largest amount (minor units) accepted, flagged
	// for review, when the service is down; default DefaultFailOpenLimits. A currency
	// without an entry fails closed.
	FailOpenLimits map[string]int64
}

// DefaultTimeout is the timeout of one attempt the endpoint should be given: screening
// sits before every authorization, so a slow answer is worth less than a retry.
const DefaultTimeout = 300 * time.Millisecond

// DefaultFailOpenLimits is about 500 US dollars in each currency (rounded).
var DefaultFailOpenLimits = map[string]int64{
	"USD": 500_00, "EUR": 500_00, "GBP": 400_00, "CAD": 700_00, "AUD": 750_00, "NZD": 800_00,
	"CHF": 450_00, "SEK": 5000_00, "NOK": 5000_00, "DKK": 3500_00, "JPY": 75_000, "KWD": 150_000,
}

func (c *Config) setDefaults() {
	if c.Budget == 0 {
		c.Budget = time.Second
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 3
	}
	if c.Backoff == 0 {
		c.Backoff = 25 * time.Millisecond
	}
	if c.FailOpenLimits == nil {
		c.FailOpenLimits = DefaultFailOpenLimits
	}
}

func (c *Config) validate() error {
	if c.Endpoint == nil {
		return errors.New("fraud: Config.Endpoint is nil")
	}
	if c.Budget < 0 || c.Backoff < 0 || c.MaxAttempts < 0 {
		return errors.New("fraud: Budget, Backoff and MaxAttempts must not be negative")
	}
	return nil
}

// Client calls the fraud service.
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

// Screen asks the service about req. When the service gives no usable answer within the
// budget, the fail-open policy decides (see the package doc): a Review decision with
// Fallback set, or ErrUnavailable. The error wraps the last failure for the log.
func (c *Client) Screen(ctx context.Context, req Request) (Decision, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return Decision{}, fmt.Errorf("fraud: encode request: %w", err)
	}
	bctx, cancel := context.WithTimeout(ctx, c.cfg.Budget)
	defer cancel()
	var lastErr error
	wait := c.cfg.Backoff
	for attempt := 0; attempt < c.cfg.MaxAttempts; attempt++ {
		if attempt > 0 {
			t := time.NewTimer(wait)
			select {
			case <-bctx.Done():
				t.Stop()
				return c.fallback(ctx, req, lastErr)
			case <-t.C:
			}
			wait *= 2
		}
		d, retry, err := c.attempt(bctx, body)
		if err == nil {
			return d, nil
		}
		lastErr = err
		if !retry || bctx.Err() != nil {
			break
		}
	}
	return c.fallback(ctx, req, lastErr)
}

func (c *Client) fallback(ctx context.Context, req Request, cause error) (Decision, error) {
	if ctx.Err() != nil { // the caller gave up: not the service's fault, decide nothing
		return Decision{}, fmt.Errorf("fraud: screening abandoned: %w", ctx.Err())
	}
	if limit, ok := c.cfg.FailOpenLimits[req.Currency]; ok && req.AmountMinor <= limit {
		return Decision{Outcome: Review, Fallback: true, Reasons: []string{"fraud-service-unavailable"}}, nil
	}
	return Decision{}, fmt.Errorf("%w: %w", ErrUnavailable, cause)
}

type response struct {
	ID       string   `json:"id"`
	Decision string   `json:"decision"`
	Score    *float64 `json:"score"`
	Reasons  []string `json:"reasons"`
}

func (c *Client) attempt(ctx context.Context, body []byte) (d Decision, retry bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.out.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.out.URL("/v1/assessments"), bytes.NewReader(body))
	if err != nil {
		return Decision{}, false, fmt.Errorf("fraud: build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.out.Key != "" {
		req.Header.Set("Authorization", "Bearer "+c.out.Key)
	}
	resp, err := c.out.HTTP.Do(req) // one attempt, counted; Screen retries within its budget
	if err != nil {
		return Decision{}, true, fmt.Errorf("fraud: call: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return Decision{}, true, fmt.Errorf("fraud: read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		transient := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
		return Decision{}, transient, fmt.Errorf("fraud: answered %d", resp.StatusCode)
	}
	var r response
	if err := json.Unmarshal(data, &r); err != nil {
		return Decision{}, false, fmt.Errorf("fraud: decode answer: %w", err)
	}
	switch r.Decision {
	case Accept, Review, Reject:
	default:
		return Decision{}, false, fmt.Errorf("fraud: unknown decision %q", r.Decision)
	}
	if r.Score != nil && (*r.Score < 0 || *r.Score > 1) {
		return Decision{}, false, fmt.Errorf("fraud: score %v outside [0, 1]", *r.Score)
	}
	return Decision{Outcome: r.Decision, Score: r.Score, AssessmentID: r.ID, Reasons: r.Reasons}, false, nil
}
