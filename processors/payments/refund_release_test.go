package payments

import (
	"testing"
	"time"

	"github.com/novatrek/support/internal/platform/stream/streamtest"
)

// TestStoppingRefundWorkerReleasesItsLeases: an instance stops (a deploy) while its refund
// worker holds leased refunds, its provider call hanging. The refunds are due again at once,
// not after their 2-minute lease, and the next instance executes each exactly once.
func TestStoppingRefundWorkerReleasesItsLeases(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// The provider hangs for longer than the test (see below): calls to it must not time out.
	instance := func() (stop func()) { return h.instance("PAYMENTS_PSP_TIMEOUT", "5m") }
	const n = 3
	departure := time.Now().UTC().AddDate(0, 0, 45)
	for range n {
		d := deposit("50.00", "USD", "pm_card_visa")
		h.mustDeposit(d)
		h.produce(cancellation(d["reservation_id"].(string), d["guest_id"].(string), departure, "guest changed plans"))
	}

	// The provider hangs for longer than the test: a refund that timed out would wait out
	// its backoff, which is not a lease. Whether the worker leased one refund or all of them
	// before it hung depends on timing; whatever it holds must come back when it stops.
	h.psp.Hang(true)
	stop := instance()
	streamtest.Eventually(t, "a refund leased by the first instance", func() (bool, error) {
		return h.count(`SELECT count(*) FROM payments.refunds WHERE status = 'pending' AND attempts >= 1`) >= 1, nil
	})
	stop()
	h.psp.Hang(false)
	if leased := h.count(`SELECT count(*) FROM payments.refunds WHERE status = 'pending' AND next_attempt_at > now()`); leased != 0 {
		t.Fatalf("%d refunds still leased by the stopped instance", leased)
	}

	instance()
	streamtest.Eventually(t, "the refunds executed by the next instance", func() (bool, error) {
		return h.count(`SELECT count(*) FROM payments.refunds WHERE status = 'succeeded'`) == n, nil
	})
	if st := h.psp.Stats(); st.Refunds != n {
		t.Errorf("the provider refunded %d times, want %d", st.Refunds, n)
	}
	h.ledgerOK()
}
