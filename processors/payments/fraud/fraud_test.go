package fraud_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/fakes/fraudfake"
	"github.com/novatrek/support/internal/platform/outbound"
	"github.com/novatrek/support/processors/payments/fraud"
)

func setup(t *testing.T) (*fraud.Client, *fraudfake.Server) {
	t.Helper()
	fake := fraudfake.New()
	srv := httptest.NewServer(fake.Handler())
	t.Cleanup(srv.Close)
	out, err := outbound.New(outbound.Config{Target: "fraud", BaseURL: srv.URL, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c, err := fraud.New(fraud.Config{Endpoint: out, Budget: 400 * time.Millisecond, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c, fake
}

func req(amount int64, cur string) fraud.Request {
	return fraud.Request{Reference: "p1", AmountMinor: amount, Currency: cur, CustomerID: "g1", Method: fraud.PaymentMethod{Token: "pm_card_visa"}}
}

func TestDecisions(t *testing.T) {
	t.Parallel()
	c, fake := setup(t)
	ctx := context.Background()
	d, err := c.Screen(ctx, req(5000, "USD"))
	if err != nil || d.Outcome != fraud.Accept || d.Score == nil || d.Fallback || d.AssessmentID == "" {
		t.Fatalf("accept = %+v, %v", d, err)
	}
	fake.SetVerdictForCustomer("g1", fraudfake.Verdict{Decision: "reject", Score: 0.97, Reasons: []string{"stolen-card"}})
	d, err = c.Screen(ctx, req(5000, "USD"))
	if err != nil || d.Outcome != fraud.Reject || *d.Score != 0.97 {
		t.Fatalf("reject = %+v, %v", d, err)
	}
}

func TestRetriesWithinBudget(t *testing.T) {
	t.Parallel()
	c, fake := setup(t)
	fake.FailNext(2, 503)
	d, err := c.Screen(context.Background(), req(5000, "USD"))
	if err != nil || d.Fallback || fake.Requests() != 3 {
		t.Fatalf("after two 503s = %+v, %v, %d requests", d, err, fake.Requests())
	}
}

func TestFallback(t *testing.T) {
	t.Parallel()
	c, fake := setup(t)
	ctx := context.Background()
	fake.SetDown(true)
	// At the fail-open limit: proceed, flagged for review.
	d, err := c.Screen(ctx, req(fraud.DefaultFailOpenLimits["USD"], "USD"))
	if err != nil || d.Outcome != fraud.Review || !d.Fallback || d.Score != nil {
		t.Fatalf("down, small amount = %+v, %v; want fallback review", d, err)
	}
	// Above it: fail closed.
	if _, err := c.Screen(ctx, req(fraud.DefaultFailOpenLimits["USD"]+1, "USD")); !errors.Is(err, fraud.ErrUnavailable) {
		t.Fatalf("down, large amount = %v; want ErrUnavailable", err)
	}
	// A currency without a limit fails closed whatever the amount.
	if _, err := c.Screen(ctx, req(1, "BHD")); !errors.Is(err, fraud.ErrUnavailable) {
		t.Fatalf("down, unlisted currency = %v; want ErrUnavailable", err)
	}
	// Slow counts as down: every attempt times out.
	fake.SetDown(false)
	fake.SetLatency(time.Second)
	d, err = c.Screen(ctx, req(100, "EUR"))
	if err != nil || !d.Fallback {
		t.Fatalf("slow, small amount = %+v, %v; want fallback", d, err)
	}
}
