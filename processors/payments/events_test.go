package payments

import (
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/money"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/schemas"
)

// running is the whole service (API, relay, consumer, workers) on a harness.
type running struct {
	*harness
}

// runService starts the whole service from its Spec, the refund worker polling every 100ms.
func runService(t *testing.T, opts ...harnessOpt) *running {
	t.Helper()
	opts = append([]harnessOpt{withEnv("PAYMENTS_REFUND_POLL", "100ms"), func(h *harness) { h.running = true }}, opts...)
	return &running{harness: newHarness(t, opts...)}
}

// processed decodes every payment.processed record on the topic.
func (h *harness) processed() []*schemas.PaymentProcessed {
	h.t.Helper()
	var out []*schemas.PaymentProcessed
	for _, rec := range streamtest.ReadTopic(h.t, h.env, TopicPaymentProcessed) {
		var ev schemas.PaymentProcessed
		if err := h.env.Serde.Decode(h.ctx, rec.Value, ev.Schema(), &ev); err != nil {
			h.t.Fatalf("decode payment.processed at offset %d: %v", rec.Offset, err)
		}
		if string(rec.Key) != ev.PaymentID {
			h.t.Errorf("record key %q; want the payment id %s", rec.Key, ev.PaymentID)
		}
		out = append(out, &ev)
	}
	return out
}

// waitOutboxDrained waits until the relay has published every outbox row.
func (h *harness) waitOutboxDrained() {
	h.t.Helper()
	streamtest.Eventually(h.t, "outbox drained", func() (bool, error) {
		var n int
		err := h.pool.QueryRow(h.ctx, `SELECT count(*) FROM payments.outbox`).Scan(&n)
		return n == 0, err
	})
}

func TestDepositPublishesPaymentProcessed(t *testing.T) {
	t.Parallel()
	s := runService(t)
	// The running service, as the cluster sees it (here rather than in a test of its own,
	// which would start the service once more).
	t.Run("subscribes to exactly the topics topics.yaml declares", func(t *testing.T) {
		streamtest.SubscribesAsDeclared(t, s.env, ServiceName)
	})
	ok := deposit("125.50", "USD", "pm_card_visa")
	r := s.call("POST", "/v1/deposits", CallerReservations, uuid.NewString(), ok,
		"X-Correlation-Id", "6f1c1b1e-8f5a-4b7e-9a43-2d7f5c9e0a11", "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	if r.status != http.StatusCreated {
		t.Fatalf("deposit = %d %s", r.status, r.raw)
	}
	declined := s.call("POST", "/v1/deposits", CallerReservations, uuid.NewString(), deposit("80.00", "USD", "pm_card_chargeDeclined"))
	if declined.status != http.StatusPaymentRequired || declined.str("decline_code") != "generic_decline" {
		t.Fatalf("declined = %d %s", declined.status, declined.raw)
	}
	s.waitOutboxDrained()

	evs := s.processed()
	if len(evs) != 1 {
		t.Fatalf("%d payment.processed records; want 1 (the declined payment publishes nothing)", len(evs))
	}
	ev := evs[0]
	amt, err := money.FromAvro(ev.Amount)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"payment_id": r.str("id"), "reservation_id": ok["reservation_id"].(string), "guest_id": ok["guest_id"].(string),
		"payment_type": "DEPOSIT", "method": "CARD", "status": "CAPTURED", "provider": "stripe",
		"provider_reference": r.str("provider_reference"), "amount": "125.50 USD", "event_type": "payment.processed",
		"producer": ServiceName, "correlation_id": "6f1c1b1e-8f5a-4b7e-9a43-2d7f5c9e0a11", "card_last4": "4242",
	}
	got := map[string]string{
		"payment_id": ev.PaymentID, "reservation_id": ev.ReservationID, "guest_id": ev.GuestID,
		"payment_type": ev.PaymentType, "method": ev.Method, "status": ev.Status, "provider": ev.Provider,
		"provider_reference": ev.ProviderReference, "amount": amt.String(), "event_type": ev.Metadata.EventType,
		"producer": ev.Metadata.Producer, "correlation_id": ev.Metadata.CorrelationID, "card_last4": deref(ev.CardLast4),
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q; want %q", k, got[k], v)
		}
	}
	if ev.FraudScore == nil || *ev.FraudScore != 0.04 {
		t.Errorf("fraud_score = %v; want 0.04", ev.FraudScore)
	}
	if _, err := uuid.Parse(ev.Metadata.EventID); err != nil {
		t.Errorf("event id %q: %v", ev.Metadata.EventID, err)
	}
	recs := streamtest.ReadTopic(t, s.env, TopicPaymentProcessed)
	if tp, _ := streamtest.Header(recs[0], "traceparent"); tp != "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" {
		t.Errorf("traceparent header = %q", tp)
	}
}
