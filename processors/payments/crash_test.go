package payments

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	dto "github.com/prometheus/client_model/go"

	"github.com/novatrek/support/internal/platform/idempotency"
)

var errCrashed = errors.New("simulated crash")

// TestCrashBetweenCaptureAndCommit is the hard case: the provider has authorized and
// captured the deposit, and the process dies before committing the result. The client
// retries with the same Idempotency-Key against a restarted process; the guest must be
// charged exactly once and the payment must end captured, with one event and a balanced
// ledger.
func TestCrashBetweenCaptureAndCommit(t *testing.T) {
	t.Parallel()
	reached := make(chan uuid.UUID, 1)
	release := make(chan struct{})
	h1 := newHarness(t, func(h *harness) {
		h.hooks.afterProvider = func(ctx context.Context, p *Payment) error {
			reached <- p.ID
			<-release // frozen, like a dead process: nothing after this point ever runs
			return errCrashed
		}
	})
	t.Cleanup(func() { close(release) }) // runs before the database goes away

	body := deposit("300.00", "USD", "pm_card_visa")
	const key = "deposit-7f3a"
	go func() {
		// The client of the crashed process: it never gets an answer.
		req, _ := http.NewRequest("POST", h1.srv.URL+"/v1/deposits", strings.NewReader(mustJSON(body)))
		req.Header.Set("Authorization", "Bearer "+testToken(CallerReservations))
		req.Header.Set(idempotency.Header, key)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	var paymentID uuid.UUID
	select {
	case paymentID = <-reached:
	case <-time.After(30 * time.Second):
		t.Fatal("the deposit never reached the provider")
	}

	// The provider has the money; we have a payment in processing and nothing else.
	if st := h1.psp.Stats(); st.Authorizations != 1 || st.Captures != 1 {
		t.Fatalf("psp after the crash = %+v", st)
	}
	var status string
	if err := h1.pool.QueryRow(h1.ctx, `SELECT status FROM payments.payments WHERE id = $1`, paymentID).Scan(&status); err != nil || status != StatusProcessing {
		t.Fatalf("payment after the crash: %q, %v; want processing", status, err)
	}
	if n := h1.count(`SELECT count(*) FROM payments.journal_entries`); n != 0 {
		t.Fatalf("%d journal entries before the commit", n)
	}

	// A retry while the dead process's lease still runs is told to wait.
	h2 := h1.restart(0)
	if r := h2.call("POST", "/v1/deposits", CallerReservations, key, body); r.status != http.StatusConflict {
		t.Fatalf("retry within the lease = %d %s; want 409", r.status, r.raw)
	}
	// After the lease: the restarted process takes the key over and resumes the payment.
	h3 := h1.restart(2 * time.Minute)
	r := h3.call("POST", "/v1/deposits", CallerReservations, key, body)
	if r.status != http.StatusCreated || r.str("id") != paymentID.String() || r.str("status") != StatusCaptured {
		t.Fatalf("retry after the crash = %d %s", r.status, r.raw)
	}
	st := h3.psp.Stats()
	if st.Authorizations != 1 || st.Captures != 1 || st.CapturedMinor != 30000 {
		t.Fatalf("psp after the retry = %+v; want one authorization and one capture of 30000", st)
	}
	if st.Replays != 1 {
		t.Errorf("psp replays = %d; want 1 (the charge, by its key)", st.Replays)
	}
	if n := h3.count(`SELECT count(*) FROM payments.payments`); n != 1 {
		t.Errorf("%d payments; want 1", n)
	}
	if n := h3.count(`SELECT count(*) FROM payments.outbox WHERE topic = $1`, TopicPaymentProcessed); n != 1 {
		t.Errorf("%d payment.processed rows; want 1", n)
	}
	h3.ledgerOK()
	// And from now on the key replays.
	again := h3.call("POST", "/v1/deposits", CallerReservations, key, body)
	if again.status != http.StatusCreated || again.header.Get(idempotency.ReplayedHeader) != "true" || again.str("id") != paymentID.String() {
		t.Fatalf("replay = %d %s", again.status, again.raw)
	}
}

// TestRecoveryFinishesAnAbandonedPayment: the crashed request's client never retries; the
// recovery loop finishes the payment with the same provider keys.
func TestRecoveryFinishesAnAbandonedPayment(t *testing.T) {
	t.Parallel()
	reached := make(chan uuid.UUID, 1)
	release := make(chan struct{})
	h1 := newHarness(t, func(h *harness) {
		h.hooks.afterProvider = func(ctx context.Context, p *Payment) error {
			reached <- p.ID
			<-release
			return errCrashed
		}
	})
	t.Cleanup(func() { close(release) })
	go func() {
		req, _ := http.NewRequest("POST", h1.srv.URL+"/v1/deposits", strings.NewReader(mustJSON(deposit("42.00", "EUR", "pm_card_visa"))))
		req.Header.Set("Authorization", "Bearer "+testToken(CallerReservations))
		req.Header.Set(idempotency.Header, "abandoned")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	id := <-reached
	h2 := h1.restart(3 * time.Minute)
	if err := h2.core.recoverStuck(h2.ctx, h2.svc.State.cfg.RecoveryAge); err != nil {
		t.Fatal(err)
	}
	p, err := getPayment(h2.ctx, h2.pool, id, false)
	if err != nil || p.Status != StatusCaptured || p.CapturedMinor != 4200 {
		t.Fatalf("payment after recovery = %+v, %v", p, err)
	}
	if st := h2.psp.Stats(); st.Captures != 1 {
		t.Fatalf("psp captures = %d; want 1", st.Captures)
	}
	h2.ledgerOK()
}

// TestConcurrentRequestsOneKeyOneCharge: a client that fires the same request many times at
// once (a retry storm) produces one payment and one charge.
func TestConcurrentRequestsOneKeyOneCharge(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.psp.SetLatency(50 * time.Millisecond) // keep the first request in flight while the others arrive
	body := deposit("99.00", "USD", "pm_card_visa")
	const n = 12
	results := make(chan reply, n)
	start := make(chan struct{})
	for range n {
		go func() {
			<-start
			results <- h.call("POST", "/v1/deposits", CallerReservations, "storm", body)
		}()
	}
	close(start)
	ids := map[string]int{}
	codes := map[int]int{}
	for range n {
		r := <-results
		codes[r.status]++
		if r.status == http.StatusCreated {
			ids[r.str("id")]++
		}
	}
	if codes[http.StatusCreated] == 0 || codes[http.StatusCreated]+codes[http.StatusConflict] != n {
		t.Fatalf("status codes = %v; want 201s and 409s only", codes)
	}
	if len(ids) != 1 {
		t.Fatalf("payment ids = %v; want one", ids)
	}
	if st := h.psp.Stats(); st.Authorizations != 1 || st.Captures != 1 {
		t.Fatalf("psp = %+v; want one charge", st)
	}
	if c := h.count(`SELECT count(*) FROM payments.payments`); c != 1 {
		t.Fatalf("%d payments; want 1", c)
	}
}

// TestProviderOutageThenRetry: the provider is down; the payment waits in processing and the
// client's retry with the same key finishes it.
func TestProviderOutageThenRetry(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body := deposit("20.00", "GBP", "pm_card_visa")
	h.psp.FailNext(100, http.StatusServiceUnavailable)
	r := h.call("POST", "/v1/deposits", CallerReservations, "outage", body)
	if r.status != http.StatusServiceUnavailable || r.str("type") != typeProviderDown || r.header.Get("Retry-After") == "" {
		t.Fatalf("during the outage = %d %s", r.status, r.raw)
	}
	h.psp.FailNext(0, 0)
	// The response to the lost request was an effect nobody saw: lose it once more.
	h.psp.LoseNextResponses(1)
	r = h.call("POST", "/v1/deposits", CallerReservations, "outage", body)
	if r.status != http.StatusCreated || r.str("status") != StatusCaptured {
		t.Fatalf("retry = %d %s", r.status, r.raw)
	}
	if st := h.psp.Stats(); st.Authorizations != 1 || st.Captures != 1 {
		t.Fatalf("psp = %+v", st)
	}
	if n := h.count(`SELECT count(*) FROM payments.payments`); n != 1 {
		t.Fatalf("%d payments", n)
	}
}

func TestSameKeyDifferentRequest(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := deposit("10.00", "USD", "pm_card_visa")
	if r := h.call("POST", "/v1/deposits", CallerReservations, "k1", a); r.status != http.StatusCreated {
		t.Fatalf("first = %d", r.status)
	}
	b := a
	b["amount"] = map[string]string{"amount": "11.00", "currency": "USD"}
	r := h.call("POST", "/v1/deposits", CallerReservations, "k1", b)
	if r.status != http.StatusUnprocessableEntity || r.str("type") != typeKeyReused {
		t.Fatalf("same key, other amount = %d %s", r.status, r.raw)
	}
	// Even once the key itself is pruned, the payment row remembers the request.
	pgExec(t, h, `DELETE FROM payments.idempotency_keys`)
	if r := h.call("POST", "/v1/deposits", CallerReservations, "k1", b); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("after pruning = %d %s", r.status, r.raw)
	}
	if st := h.psp.Stats(); st.Authorizations != 1 {
		t.Fatalf("psp = %+v", st)
	}
}

// TestConcurrentCapturesCaptureOnce: two captures of one authorization under different keys
// race; the provider captures once (same provider key), one request commits, the other
// loses the pipelined commit's conditional update and reports the captured payment or a
// conflict, and the ledger holds one capture.
func TestConcurrentCapturesCaptureOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body := deposit("80.00", "USD", "pm_card_visa")
	body["capture"] = false
	a := h.mustDeposit(body)
	h.psp.SetLatency(30 * time.Millisecond) // both requests reach the provider before either commits
	results := make(chan reply, 2)
	keys := []string{uuid.NewString(), uuid.NewString()}
	for _, k := range keys {
		go func() {
			results <- h.call("POST", "/v1/payments/"+a.str("id")+"/capture", CallerReservations, k, nil)
		}()
	}
	oks := 0
	for range 2 {
		r := <-results
		if r.status != http.StatusOK && r.status != http.StatusConflict {
			t.Errorf("capture = %d %s", r.status, r.raw)
		}
		if r.status == http.StatusOK {
			oks++
			if r.str("status") != StatusCaptured {
				t.Errorf("capture answered %s", r.raw)
			}
		}
	}
	t.Logf("%d of 2 captures answered 200", oks)
	// Both saw the payment authorized and both reached the provider; only one commit won.
	if oks == 2 {
		var m dto.Metric
		if err := h.core.m.payments.WithLabelValues(TypeDeposit, StatusCaptured).Write(&m); err != nil {
			t.Fatal(err)
		}
		if won := m.GetCounter().GetValue(); won != 1 {
			t.Errorf("%v captures committed; want 1 (the other lost the conditional update)", won)
		}
	}
	if st := h.psp.Stats(); st.Captures != 1 {
		t.Fatalf("provider captures = %d; want 1", st.Captures)
	}
	// The loser's response was not stored in its rolled-back batch; it is stored after, so
	// both keys replay what their requests answered.
	for _, k := range keys {
		if r := h.call("POST", "/v1/payments/"+a.str("id")+"/capture", CallerReservations, k, nil); oks == 2 &&
			(r.status != http.StatusOK || r.header.Get("Idempotent-Replayed") != "true" || r.str("status") != StatusCaptured) {
			t.Errorf("replay of %s = %d %s (replayed %q)", k, r.status, r.raw, r.header.Get("Idempotent-Replayed"))
		}
	}
	if n := h.count(`SELECT count(*) FROM payments.journal_entries WHERE kind = 'capture'`); n != 1 {
		t.Fatalf("%d capture entries; want 1", n)
	}
	if n := h.count(`SELECT count(*) FROM payments.outbox WHERE topic = $1`, TopicPaymentProcessed); n != 2 {
		t.Fatalf("%d payment.processed rows; want 2 (authorized, captured)", n)
	}
	h.ledgerOK()
}
