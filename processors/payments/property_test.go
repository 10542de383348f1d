package payments

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/novatrek/support/internal/platform/money"
)

var (
	propertySeed = flag.Uint64("payments.seed", 0, "seed of TestLedgerBalancedAfterRandomOperations (0: the fixed seeds)")
	propertyOps  = flag.Int("payments.ops", 150, "operations per seed in TestLedgerBalancedAfterRandomOperations")
)

// TestLedgerBalancedAfterRandomOperations drives the API with a seeded random sequence of
// deposits, captures, voids, refunds (some above what is refundable or in the wrong
// currency), disputes (some with invalid transitions), commissions, provider outages and
// replays, and then checks that no request failed with a 5xx other than an injected
// outage, that the ledger's invariants hold, that the reconciliation finds no mismatch,
// and that the ledger agrees with the provider about where the money is.
func TestLedgerBalancedAfterRandomOperations(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4}
	if *propertySeed != 0 {
		seeds = []uint64{*propertySeed}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			w := &world{h: h, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
			for i := 0; i < *propertyOps; i++ {
				w.step(i)
				if t.Failed() {
					t.Fatalf("seed %d failed at operation %d (rerun with -payments.seed=%d)", seed, i, seed)
				}
			}
			w.check()
		})
	}
}

type world struct {
	h        *harness
	rng      *rand.Rand
	payments []string // ids of deposits that went through
	cases    []string // dispute case ids
	last     *lastRequest
	outage   bool
}

type lastRequest struct {
	method, path, caller, key string
	body                      any
	status                    int
}

var currencies = []string{"USD", "EUR", "JPY"}

func (w *world) pick(list []string) string { return list[w.rng.IntN(len(list))] }

func (w *world) amount(cur string, maxMinor int64) map[string]string {
	if maxMinor < 1 {
		maxMinor = 1
	}
	a := money.Amount{Minor: 1 + w.rng.Int64N(maxMinor), Currency: cur}
	return map[string]string{"amount": a.Decimal(), "currency": cur}
}

// do sends a request, checks the status is one of ok (plus 503 during an injected
// outage), and remembers it for a replay.
func (w *world) do(method, path, caller string, body any, ok ...int) reply {
	w.h.t.Helper()
	key := uuid.NewString()
	r := w.h.call(method, path, caller, key, body)
	allowed := append(ok, http.StatusConflict)
	if w.outage {
		allowed = append(allowed, http.StatusServiceUnavailable)
	}
	found := false
	for _, s := range allowed {
		found = found || s == r.status
	}
	if !found {
		w.h.t.Errorf("%s %s = %d %s; want one of %v", method, path, r.status, r.raw, allowed)
	}
	w.last = &lastRequest{method, path, caller, key, body, r.status}
	return r
}

func (w *world) payment(id string) reply {
	return w.h.call("GET", "/v1/payments/"+id, CallerReservations, "", nil)
}

func minorOf(r reply, field string) int64 {
	a, err := money.Parse(r.str(field, "amount"), r.str(field, "currency"))
	if err != nil {
		return 0
	}
	return a.Minor
}

func (w *world) step(i int) {
	h := w.h
	// An outage now and then: the provider fails the next few requests.
	w.outage = false
	if w.rng.IntN(20) == 0 {
		h.psp.FailNext(1+w.rng.IntN(3), http.StatusServiceUnavailable)
		w.outage = true
	} else {
		h.psp.FailNext(0, 0)
	}
	switch op := w.rng.IntN(100); {
	case op < 30 || len(w.payments) == 0:
		cur := w.pick(currencies)
		token := "pm_card_visa"
		if w.rng.IntN(10) == 0 {
			token = "pm_card_chargeDeclined"
		}
		body := deposit("1", cur, token)
		body["amount"] = w.amount(cur, 100000)
		body["capture"] = w.rng.IntN(10) < 7
		r := w.do("POST", "/v1/deposits", CallerReservations, body, http.StatusCreated, http.StatusPaymentRequired)
		if r.status == http.StatusCreated {
			w.payments = append(w.payments, r.str("id"))
		}
	case op < 40:
		p := w.payment(w.pick(w.payments))
		body := map[string]any{}
		if w.rng.IntN(2) == 0 {
			body["amount"] = w.amount(p.str("amount", "currency"), minorOf(p, "authorized")+10)
		}
		w.do("POST", "/v1/payments/"+p.str("id")+"/capture", CallerReservations, body, http.StatusOK, 409, 422)
	case op < 47:
		p := w.payment(w.pick(w.payments))
		w.do("POST", "/v1/payments/"+p.str("id")+"/void", CallerReservations, nil, http.StatusOK, 409)
	case op < 70:
		p := w.payment(w.pick(w.payments))
		cur := p.str("amount", "currency")
		if w.rng.IntN(20) == 0 {
			cur = w.pick(currencies)
		}
		body := map[string]any{"reason": w.pick([]string{ReasonServiceIssue, ReasonDuplicateCharge, ReasonOther, ReasonWeatherCancellation})}
		if w.rng.IntN(4) > 0 {
			body["amount"] = w.amount(cur, minorOf(p, "refundable")+minorOf(p, "refundable")/5+1)
		}
		w.do("POST", "/v1/payments/"+p.str("id")+"/refunds", CallerFinanceOps, body, http.StatusCreated, 404, 409, 422)
	case op < 80:
		p := w.payment(w.pick(w.payments))
		cs := fmt.Sprintf("dp_%d", i)
		body := map[string]any{"payment_id": p.str("id"), "amount": w.amount(p.str("amount", "currency"), minorOf(p, "refundable")+5),
			"reason": "FRAUDULENT", "respond_by": time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)}
		r := w.do("PUT", "/v1/disputes/"+cs, CallerFinanceOps, body, http.StatusCreated, 409, 422)
		if r.status == http.StatusCreated {
			w.cases = append(w.cases, cs)
		}
	case op < 90 && len(w.cases) > 0:
		status := w.pick([]string{DisputeEvidenceSubmitted, DisputeUnderReview, DisputeWon, DisputeLost, DisputeAccepted, DisputeOpen})
		w.do("PUT", "/v1/disputes/"+w.pick(w.cases), CallerFinanceOps, map[string]any{"status": status}, http.StatusOK, 409)
	case op < 95:
		cur := w.pick(currencies)
		body := map[string]any{"reservation_id": uuid.NewString(), "guest_id": uuid.NewString(), "partner_id": "partner-" + cur,
			"partner_account": "acct_1" + cur, "amount": w.amount(cur, 20000)}
		w.do("POST", "/v1/commissions", CallerPartners, body, http.StatusCreated)
	default:
		// Replay the last request with its key: the same answer, no second effect.
		if l := w.last; l != nil && l.status < 300 && l.method == "POST" {
			h.psp.FailNext(0, 0)
			r := h.call(l.method, l.path, l.caller, l.key, l.body)
			if r.status != l.status || r.header.Get("Idempotent-Replayed") != "true" {
				h.t.Errorf("replay of %s %s = %d (replayed %q); want %d replayed", l.method, l.path, r.status, r.header.Get("Idempotent-Replayed"), l.status)
			}
		}
	}
}

// check verifies the end state.
func (w *world) check() {
	h := w.h
	t := h.t
	c := h.ledgerOK()
	if c.Entries == 0 {
		t.Fatal("the random run posted nothing")
	}
	rec, err := h.core.reconcile(h.ctx, h.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Mismatches) != 0 {
		t.Fatalf("reconciliation mismatches: %+v", rec.Mismatches)
	}
	// Where the money is, per currency: the ledger's psp_balance must equal what the
	// operational tables say the provider holds for us.
	rows, err := h.pool.Query(h.ctx, `
WITH led AS (
	SELECT e.currency, sum(CASE l.side WHEN 'D' THEN l.amount_minor ELSE -l.amount_minor END) AS psp
	FROM payments.journal_entries e JOIN payments.journal_lines l ON l.entry_id = e.id
	WHERE l.account = 'psp_balance' GROUP BY e.currency
), ops AS (
	SELECT currency,
		sum(CASE WHEN type = 'DEPOSIT' THEN captured_minor ELSE -captured_minor END)
		- sum(disputed_minor) - sum(charged_back_minor) AS expected
	FROM payments.payments GROUP BY currency
), ref AS (
	SELECT currency, sum(amount_minor) AS refunded FROM payments.refunds WHERE status = 'succeeded' GROUP BY currency
)
SELECT ops.currency, coalesce(led.psp, 0), ops.expected - coalesce(ref.refunded, 0)
FROM ops LEFT JOIN led USING (currency) LEFT JOIN ref USING (currency)`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var cur string
		var ledger, expected int64
		if err := rows.Scan(&cur, &ledger, &expected); err != nil {
			t.Fatal(err)
		}
		if ledger != expected {
			t.Errorf("%s: ledger psp_balance %d, payment tables say %d", cur, ledger, expected)
		}
	}
	// The provider agrees on the number of effects.
	st := h.psp.Stats()
	var captures, refunds, transfers int64
	if err := h.pool.QueryRow(h.ctx, `SELECT
		(SELECT count(*) FROM payments.payments WHERE type = 'DEPOSIT' AND captured_minor > 0),
		(SELECT count(*) FROM payments.refunds WHERE status = 'succeeded'),
		(SELECT count(*) FROM payments.payments WHERE type = 'COMMISSION' AND status = 'paid')`).Scan(&captures, &refunds, &transfers); err != nil {
		t.Fatal(err)
	}
	if st.Captures != captures || st.Refunds != refunds || st.Transfers != transfers {
		t.Errorf("provider %+v; tables: %d captures, %d refunds, %d transfers", st, captures, refunds, transfers)
	}
	t.Logf("%d payments, %d dispute cases, %d journal entries, provider %+v", len(w.payments), len(w.cases), c.Entries, st)
}
