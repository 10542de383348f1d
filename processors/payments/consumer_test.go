package payments

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novatrek/support/internal/platform/stream"
	"github.com/novatrek/support/internal/platform/stream/streamtest"
	"github.com/novatrek/support/schemas"
)

func cancellation(reservation, guest string, departure time.Time, reason string) *schemas.ReservationStatusChanged {
	r := reason
	return &schemas.ReservationStatusChanged{
		Metadata: schemas.EventMetadata{EventID: uuid.NewString(), EventType: "reservation.status_changed",
			OccurredAt: time.Now().UTC().Truncate(time.Millisecond), Producer: "svc-reservations", CorrelationID: uuid.NewString()},
		ReservationID: reservation, GuestID: guest, TripID: "TRIP-42", DepartureDate: departure,
		PreviousStatus: "CONFIRMED", NewStatus: "CANCELLED", Reason: &r,
	}
}

func (h *harness) produce(ev *schemas.ReservationStatusChanged) {
	h.t.Helper()
	v, err := h.env.Serde.Encode(h.ctx, TopicReservationStatus, ev.Schema(), ev)
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(h.ctx, 30*time.Second)
	defer cancel()
	cl := h.env.Client(h.t)
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: TopicReservationStatus, Key: []byte(ev.ReservationID), Value: v}).FirstErr(); err != nil {
		h.t.Fatal(err)
	}
}

// TestCancellationRefundsUnderThePolicy: svc-reservations cancels two reservations. The one
// cancelled 45 days before departure gets its whole deposit back automatically (evaluation,
// provider refund, payment.refunded on Kafka); the one cancelled 5 days before gets an
// evaluation that says no refund, and nothing moves.
func TestCancellationRefundsUnderThePolicy(t *testing.T) {
	t.Parallel()
	s := runService(t)
	early := deposit("240.00", "USD", "pm_card_visa")
	late := deposit("90.00", "USD", "pm_card_visa")
	pe := s.mustDeposit(early)
	pl := s.mustDeposit(late)
	now := time.Now().UTC()
	evEarly := cancellation(early["reservation_id"].(string), early["guest_id"].(string), now.AddDate(0, 0, 45), "guest changed plans")
	evLate := cancellation(late["reservation_id"].(string), late["guest_id"].(string), now.AddDate(0, 0, 5), "guest sick")
	s.produce(evEarly)
	s.produce(evLate)

	streamtest.Eventually(t, "the early cancellation refunded", func() (bool, error) {
		var n int
		err := s.pool.QueryRow(s.ctx, `SELECT count(*) FROM payments.refunds WHERE payment_id = $1 AND status = 'succeeded'`, pe.str("id")).Scan(&n)
		return n == 1, err
	})
	streamtest.Eventually(t, "the late cancellation evaluated", func() (bool, error) {
		var n int
		err := s.pool.QueryRow(s.ctx, `SELECT count(*) FROM payments.refund_policy_evaluations WHERE payment_id = $1`, pl.str("id")).Scan(&n)
		return n == 1, err
	})
	var rule, decision, causation string
	var amount int64
	if err := s.pool.QueryRow(s.ctx, `SELECT e.rule, e.decision, r.amount_minor, r.causation_id FROM payments.refund_policy_evaluations e
		JOIN payments.refunds r ON r.policy_evaluation_id = e.id WHERE e.payment_id = $1`, pe.str("id")).Scan(&rule, &decision, &amount, &causation); err != nil {
		t.Fatal(err)
	}
	if rule != "guest-30d-plus-full" || decision != "auto_refund" || amount != 24000 || causation != evEarly.Metadata.EventID {
		t.Errorf("early: %s %s %d caused by %s", rule, decision, amount, causation)
	}
	if err := s.pool.QueryRow(s.ctx, `SELECT rule, decision FROM payments.refund_policy_evaluations WHERE payment_id = $1`, pl.str("id")).Scan(&rule, &decision); err != nil {
		t.Fatal(err)
	}
	if rule != "guest-under-14d-none" || decision != "no_refund" {
		t.Errorf("late: %s %s", rule, decision)
	}
	if n := s.count(`SELECT count(*) FROM payments.refunds WHERE payment_id = $1`, pl.str("id")); n != 0 {
		t.Errorf("late cancellation refunded %d times", n)
	}

	s.waitOutboxDrained()
	recs := streamtest.ReadTopic(t, s.env, TopicPaymentRefunded)
	if len(recs) != 1 {
		t.Fatalf("%d payment.refunded records; want 1", len(recs))
	}
	var ev schemas.PaymentRefunded
	if err := s.env.Serde.Decode(s.ctx, recs[0].Value, ev.Schema(), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.PaymentID != pe.str("id") || !ev.FullRefund || ev.Reason != ReasonGuestCancellation ||
		ev.Metadata.CorrelationID != evEarly.Metadata.CorrelationID || deref(ev.Metadata.CausationID) != evEarly.Metadata.EventID ||
		ev.PolicyEvaluationID == nil || ev.ProviderReference == "" {
		t.Errorf("payment.refunded = %+v", ev)
	}
	if st := s.psp.Stats(); st.Refunds != 1 {
		t.Errorf("provider refunds = %d", st.Refunds)
	}
	s.ledgerOK()
	if got := s.call("GET", "/v1/payments/"+pe.str("id"), CallerReservations, "", nil); got.str("refundable", "amount") != "0.00" {
		t.Errorf("payment after the refund = %s", got.raw)
	}

	// A weather cancellation is NovaTrek's: full refund even 2 days before departure.
	weather := deposit("60.00", "USD", "pm_card_visa")
	pw := s.mustDeposit(weather)
	s.produce(cancellation(weather["reservation_id"].(string), weather["guest_id"].(string), now.AddDate(0, 0, 2), "Severe weather: storm warning"))
	streamtest.Eventually(t, "the weather cancellation refunded", func() (bool, error) {
		var n int
		err := s.pool.QueryRow(s.ctx, `SELECT count(*) FROM payments.refunds WHERE payment_id = $1 AND status = 'succeeded' AND amount_minor = 6000`, pw.str("id")).Scan(&n)
		return n == 1, err
	})
}

// TestCancellationRefundSurvivesAnOutage: the provider is down when the refund worker first
// tries; the refund stays pending and succeeds on a later attempt, once.
func TestCancellationRefundSurvivesAnOutage(t *testing.T) {
	t.Parallel()
	s := runService(t)
	d := deposit("120.00", "EUR", "pm_card_visa")
	p := s.mustDeposit(d)
	s.psp.FailNext(3, http.StatusServiceUnavailable) // the client's own retries use them up: one failed attempt
	s.produce(cancellation(d["reservation_id"].(string), d["guest_id"].(string), time.Now().AddDate(0, 0, 60), "guest cancelled"))
	// A failed attempt: postponed by its backoff (seconds), no longer leased (minutes).
	streamtest.Eventually(t, "a failed attempt recorded", func() (bool, error) {
		var n int
		err := s.pool.QueryRow(s.ctx, `SELECT count(*) FROM payments.refunds WHERE payment_id = $1 AND status = 'pending'
			AND attempts >= 1 AND next_attempt_at < now() + interval '1 minute'`, p.str("id")).Scan(&n)
		return n == 1, err
	})
	// Make the retry due now rather than after its backoff.
	pgExec(t, s.harness, `UPDATE payments.refunds SET next_attempt_at = now() WHERE status = 'pending'`)
	pgExec(t, s.harness, `SELECT pg_notify('payments.refunds', '')`)
	streamtest.Eventually(t, "the refund succeeded", func() (bool, error) {
		var n int
		err := s.pool.QueryRow(s.ctx, `SELECT count(*) FROM payments.refunds WHERE payment_id = $1 AND status = 'succeeded'`, p.str("id")).Scan(&n)
		return n == 1, err
	})
	if st := s.psp.Stats(); st.Refunds != 1 {
		t.Fatalf("provider refunds = %d; want 1", st.Refunds)
	}
	s.ledgerOK()
}

// TestReplayedCancellationMovesNoMoney: the same cancellation handled live evaluates the
// policy; handled again as a replay (after `novatrek groups reset`) it records nothing and
// creates no refund, even where the policy would refund.
func TestReplayedCancellationMovesNoMoney(t *testing.T) {
	t.Parallel()
	s := newHarness(t)
	d := deposit("120.00", "USD", "pm_card_visa")
	p := s.mustDeposit(d)
	ev := cancellation(d["reservation_id"].(string), d["guest_id"].(string), time.Now().UTC().AddDate(0, 0, 60), "guest changed plans")

	apply := func(replay bool) {
		t.Helper()
		tx, err := s.pool.Begin(s.ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(s.ctx)
		if err := s.core.onReservationStatusChanged(s.ctx, tx, stream.Event[schemas.ReservationStatusChanged]{
			Topic: TopicReservationStatus, Meta: ev.Metadata, Value: *ev, Timestamp: time.Now(), Replay: replay,
		}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(s.ctx); err != nil {
			t.Fatal(err)
		}
	}
	count := func() (evaluations, refunds int) {
		return s.count(`SELECT count(*) FROM payments.refund_policy_evaluations WHERE payment_id = $1`, p.str("id")),
			s.count(`SELECT count(*) FROM payments.refunds WHERE payment_id = $1`, p.str("id"))
	}

	apply(true)
	if e, r := count(); e != 0 || r != 0 {
		t.Fatalf("a replayed cancellation recorded %d evaluations and %d refunds, want none", e, r)
	}
	apply(false)
	if e, r := count(); e != 1 || r != 1 {
		t.Fatalf("the live cancellation recorded %d evaluations and %d refunds, want 1 and 1", e, r)
	}
}
