package psp_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/novatrek/support/internal/dev/fakes/pspfake"
	"github.com/novatrek/support/internal/platform/outbound"
	"github.com/novatrek/support/processors/payments/psp"
)

func newClient(t *testing.T, opts ...func(*outbound.Config)) (*psp.Client, *pspfake.Server) {
	t.Helper()
	fake := pspfake.New(pspfake.WithAPIKey("sk_test_fake"))
	srv := httptest.NewServer(fake.Handler())
	t.Cleanup(srv.Close)
	cfg := outbound.Config{Target: "psp", BaseURL: srv.URL, Key: "sk_test_fake", Retries: psp.DefaultRetries}
	for _, o := range opts {
		o(&cfg)
	}
	out, err := outbound.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := psp.New(psp.Config{Endpoint: out, RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c, fake
}

func authorize(t *testing.T, c *psp.Client, token, key string) (*psp.PaymentIntent, error) {
	t.Helper()
	return c.CreatePaymentIntent(context.Background(), psp.PaymentIntentParams{
		Amount: 5000, Currency: "USD", PaymentMethod: token, ManualCapture: true,
		Metadata: map[string]string{"payment_id": "p1"},
	}, key)
}

func TestAuthorizeCaptureRefund(t *testing.T) {
	t.Parallel()
	c, fake := newClient(t)
	ctx := context.Background()
	pi, err := authorize(t, c, "pm_card_mastercard", "k-auth")
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != psp.StatusRequiresCapture || pi.AmountCapturable != 5000 || pi.Currency != "usd" {
		t.Fatalf("authorized intent = %+v", pi)
	}
	if pi.LatestCharge == nil || pi.LatestCharge.PaymentMethodDetails.Card.Last4 != "4444" {
		t.Fatalf("latest charge = %+v", pi.LatestCharge)
	}
	pi, err = c.CapturePaymentIntent(ctx, pi.ID, 4000, "k-cap")
	if err != nil || pi.Status != psp.StatusSucceeded || pi.AmountReceived != 4000 {
		t.Fatalf("capture = %+v, %v", pi, err)
	}
	if _, err := c.CreateRefund(ctx, psp.RefundParams{PaymentIntent: pi.ID, Amount: 4001}, "k-re1"); err == nil {
		t.Fatal("refund above the captured amount succeeded")
	}
	rf, err := c.CreateRefund(ctx, psp.RefundParams{PaymentIntent: pi.ID, Amount: 1500, Reason: psp.RefundReasonRequestedByCustomer}, "k-re2")
	if err != nil || rf.Amount != 1500 || rf.Status != "succeeded" {
		t.Fatalf("refund = %+v, %v", rf, err)
	}
	if st := fake.Stats(); st.Authorizations != 1 || st.Captures != 1 || st.Refunds != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestDecline(t *testing.T) {
	t.Parallel()
	c, fake := newClient(t)
	_, err := authorize(t, c, "pm_card_chargeDeclinedInsufficientFunds", "k")
	d, ok := psp.AsDecline(err)
	if !ok || d.Reason() != "insufficient_funds" || d.HTTPStatus != 402 {
		t.Fatalf("decline = %v", err)
	}
	if errors.Is(err, psp.ErrUnavailable) {
		t.Fatal("a decline is not an outage")
	}
	if fake.Stats().Requests != 1 {
		t.Fatalf("a decline was retried: %+v", fake.Stats())
	}
}

func TestRetriesReuseTheKey(t *testing.T) {
	t.Parallel()
	c, fake := newClient(t)
	fake.FailNext(2, 503)
	if _, err := authorize(t, c, "pm_card_visa", "k1"); err != nil {
		t.Fatalf("after two 503s: %v", err)
	}
	// The effect happens, the answer is lost; the retry with the same key is replayed.
	fake.LoseNextResponses(1)
	pi, err := authorize(t, c, "pm_card_visa", "k2")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CapturePaymentIntent(context.Background(), pi.ID, 0, "k2-cap"); err != nil {
		t.Fatal(err)
	}
	st := fake.Stats()
	if st.Authorizations != 2 || st.Replays != 1 || st.Requests != 6 {
		t.Fatalf("stats = %+v; want 2 authorizations, 1 replay, 6 requests", st)
	}
	// The same key with other parameters is the caller's bug: refused, not retried.
	_, err = c.CreatePaymentIntent(context.Background(), psp.PaymentIntentParams{Amount: 1, Currency: "usd", PaymentMethod: "pm_card_visa"}, "k2")
	var pe *psp.Error
	if !errors.As(err, &pe) || pe.Type != "idempotency_error" || errors.Is(err, psp.ErrUnavailable) {
		t.Fatalf("reused key = %v", err)
	}
}

func TestUnavailable(t *testing.T) {
	t.Parallel()
	c, fake := newClient(t, func(c *outbound.Config) { c.Timeout = 20 * time.Millisecond; c.Retries = 1 })
	fake.Hang(true)
	_, err := authorize(t, c, "pm_card_visa", "k")
	if !errors.Is(err, psp.ErrUnavailable) {
		t.Fatalf("hung PSP = %v; want ErrUnavailable", err)
	}
	fake.Hang(false)
	fake.FailNext(5, 500)
	if _, err := authorize(t, c, "pm_card_visa", "k3"); !errors.Is(err, psp.ErrUnavailable) {
		t.Fatalf("500s = %v; want ErrUnavailable", err)
	}
}

func TestTransferAndCancel(t *testing.T) {
	t.Parallel()
	c, fake := newClient(t)
	ctx := context.Background()
	tr, err := c.CreateTransfer(ctx, psp.TransferParams{Amount: 1200, Currency: "EUR", Destination: "acct_partner1"}, "t1")
	if err != nil || tr.Amount != 1200 || tr.Currency != "eur" {
		t.Fatalf("transfer = %+v, %v", tr, err)
	}
	pi, err := authorize(t, c, "pm_card_visa", "a1")
	if err != nil {
		t.Fatal(err)
	}
	if pi, err = c.CancelPaymentIntent(ctx, pi.ID, "c1"); err != nil || pi.Status != psp.StatusCanceled {
		t.Fatalf("cancel = %+v, %v", pi, err)
	}
	if _, err := c.CapturePaymentIntent(ctx, pi.ID, 0, "cap1"); err == nil {
		t.Fatal("capture of a canceled intent succeeded")
	}
	if st := fake.Stats(); st.Transfers != 1 || st.Cancels != 1 || st.Captures != 0 {
		t.Fatalf("stats = %+v", st)
	}
}
