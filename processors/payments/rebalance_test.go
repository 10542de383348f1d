package payments

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/internal/testkit/servicetest"
	"github.com/novatrek/support/schemas"
)

// TestRebalanceThreeInstances runs three instances of the whole service (API, relay,
// consumer, refund worker) in one consumer group while cancellations stream in across six
// partitions; one instance stops while it is consuming, a fourth joins, a second stops.
// Every cancellation is evaluated once and refunded once — by the provider, in the store
// and on Kafka — and the ledger balances.
func TestRebalanceThreeInstances(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// Six partitions for the cancellations (the harness created servicetest.Partitions).
	resp, err := kadm.NewClient(h.env.Client(t)).CreatePartitions(h.ctx, 6-servicetest.Partitions, TopicReservationStatus)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatal(err)
	}

	const n, wave = 60, 20
	cancellations := make([]*schemas.ReservationStatusChanged, n)
	payments := map[string]bool{}
	departure := time.Now().UTC().AddDate(0, 0, 45) // beyond 30 days: a full automatic refund
	for i := range cancellations {
		d := deposit("80.00", "USD", "pm_card_visa")
		payments[h.mustDeposit(d).str("id")] = true
		cancellations[i] = cancellation(d["reservation_id"].(string), d["guest_id"].(string), departure, "guest changed plans")
	}
	cl := h.env.Client(t)
	produce := func(evs []*schemas.ReservationStatusChanged) {
		t.Helper()
		recs := make([]*kgo.Record, len(evs))
		for i, ev := range evs {
			v, err := h.env.Serde.Encode(h.ctx, TopicReservationStatus, ev.Schema(), ev)
			if err != nil {
				t.Fatal(err)
			}
			recs[i] = &kgo.Record{Topic: TopicReservationStatus, Key: []byte(ev.ReservationID), Value: v}
		}
		if err := cl.ProduceSync(h.ctx, recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	// Each instance is another process (runner.Run, as `novatrek run`): its own address and
	// metrics, the shared database, providers and cluster.
	instance := func() (stop func()) { return h.instance() }
	evaluated := func(atLeast int) {
		t.Helper()
		streamtest.Eventually(t, "cancellations evaluated", func() (bool, error) {
			return h.count(`SELECT count(*) FROM payments.refund_policy_evaluations`) >= atLeast, nil
		})
	}

	stopA, stopB := instance(), instance()
	instance()
	produce(cancellations[:wave])
	evaluated(wave / 2)
	produce(cancellations[wave : 2*wave])
	stopB() // while the second wave is being consumed
	instance()
	evaluated(wave + wave/2)
	produce(cancellations[2*wave:])
	stopA()

	evaluated(n)
	t.Cleanup(func() { // on failure, say which refunds are stuck and why
		if !t.Failed() {
			return
		}
		rows, err := h.pool.Query(h.ctx, `SELECT status, attempts, extract(epoch from next_attempt_at - now())::int FROM payments.refunds WHERE status <> 'succeeded'`)
		if err != nil {
			t.Log(err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			var st string
			var a, d int
			_ = rows.Scan(&st, &a, &d)
			t.Logf("refund not succeeded: %s, %d attempts, due in %ds", st, a, d)
		}
	})
	streamtest.Eventually(t, "every refund executed", func() (bool, error) {
		return h.count(`SELECT count(*) FROM payments.refunds WHERE status = 'succeeded'`) == n, nil
	})
	h.waitOutboxDrained()
	if got := h.count(`SELECT count(*) FROM payments.refund_policy_evaluations`); got != n {
		t.Errorf("%d policy evaluations, want one per cancellation (%d)", got, n)
	}
	if got := h.count(`SELECT count(DISTINCT payment_id) FROM payments.refund_policy_evaluations WHERE decision = 'auto_refund'`); got != n {
		t.Errorf("%d payments with an automatic refund decision, want %d", got, n)
	}
	if got := h.count(`SELECT count(*) FROM payments.refunds`); got != n {
		t.Errorf("%d refunds, want %d", got, n)
	}
	if st := h.psp.Stats(); st.Refunds != n {
		t.Errorf("the provider refunded %d times, want %d", st.Refunds, n)
	}
	refunded := map[string]int{}
	for _, rec := range streamtest.ReadTopic(t, h.env, TopicPaymentRefunded) {
		var ev schemas.PaymentRefunded
		if err := h.env.Serde.Decode(context.Background(), rec.Value, ev.Schema(), &ev); err != nil {
			t.Fatal(err)
		}
		refunded[ev.PaymentID]++
	}
	for id := range payments {
		if refunded[id] != 1 {
			t.Errorf("payment %s: %d payment.refunded events, want 1", id, refunded[id])
		}
	}
	if len(refunded) != n {
		t.Errorf("payment.refunded for %d payments, want %d", len(refunded), n)
	}
	h.ledgerOK()
}
