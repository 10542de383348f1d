package payments

import (
	"net/http"
	"testing"
	"time"
)

func TestReconciliationRebuildsAndFindsMismatches(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := h.mustDeposit(deposit("100.00", "USD", "pm_card_visa"))
	h.mustDeposit(deposit("40.00", "USD", "pm_card_visa"))
	h.mustDeposit(deposit("5000", "JPY", "pm_card_visa"))
	if r := h.call("POST", "/v1/payments/"+a.str("id")+"/refunds", CallerFinanceOps, "r", map[string]any{"reason": ReasonServiceIssue, "amount": money2("25.00", "USD")}); r.status != 201 {
		t.Fatalf("refund = %d %s", r.status, r.raw)
	}
	day := h.clock.now().UTC().Format(time.DateOnly)
	r := h.call("POST", "/v1/daily-summaries/"+day+"/reconcile", CallerFinanceOps, "", nil)
	if r.status != http.StatusOK {
		t.Fatalf("reconcile = %d %s", r.status, r.raw)
	}
	if ms, _ := r.json["mismatches"].([]any); len(ms) != 0 {
		t.Fatalf("mismatches on a clean day: %s", r.raw)
	}
	var usdCaptured, usdRefunded, usdNet, jpy int64
	if err := h.pool.QueryRow(h.ctx, `SELECT captured_minor, refunded_minor, net_minor FROM payments.daily_summaries WHERE day = $1 AND currency = 'USD'`, day).
		Scan(&usdCaptured, &usdRefunded, &usdNet); err != nil {
		t.Fatal(err)
	}
	if err := h.pool.QueryRow(h.ctx, `SELECT captured_minor FROM payments.daily_summaries WHERE day = $1 AND currency = 'JPY'`, day).Scan(&jpy); err != nil {
		t.Fatal(err)
	}
	if usdCaptured != 14000 || usdRefunded != 2500 || usdNet != 11500 || jpy != 5000 {
		t.Fatalf("summaries: USD captured %d refunded %d net %d, JPY %d", usdCaptured, usdRefunded, usdNet, jpy)
	}

	// Someone "fixes" a payment by hand; the ledger still says what happened.
	pgExec(t, h, `UPDATE payments.payments SET captured_minor = 9000, refunded_minor = 2500 WHERE id = $1`, a.str("id"))
	rec, err := h.core.reconcile(h.ctx, h.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, m := range rec.Mismatches {
		if m.PaymentID != nil && m.PaymentID.String() == a.str("id") && m.Field == "captured" && m.TableMinor == 9000 && m.LedgerMinor == 10000 {
			found["payment"] = true
		}
		if m.PaymentID == nil && m.Field == "day.captured" && m.Currency == "USD" {
			found["day"] = true
		}
	}
	if !found["payment"] || !found["day"] {
		t.Fatalf("mismatches = %+v; want the payment's captured amount and the day's total", rec.Mismatches)
	}
	var mismatches int
	if err := h.pool.QueryRow(h.ctx, `SELECT mismatches FROM payments.daily_summaries WHERE day = $1 AND currency = 'USD'`, day).Scan(&mismatches); err != nil || mismatches < 2 {
		t.Fatalf("daily summary mismatches = %d, %v", mismatches, err)
	}
	// The ledger itself cannot be "fixed" by hand.
	if _, err := h.pool.Exec(h.ctx, `UPDATE payments.journal_lines SET amount_minor = 1`); err == nil {
		t.Fatal("the ledger accepted an UPDATE")
	}
	if _, err := h.pool.Exec(h.ctx, `DELETE FROM payments.journal_entries`); err == nil {
		t.Fatal("the ledger accepted a DELETE")
	}
}

func TestUnbalancedEntryIsRefusedAtCommit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := h.mustDeposit(deposit("10.00", "USD", "pm_card_visa"))
	tx, err := h.pool.Begin(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(h.ctx)
	if _, err := tx.Exec(h.ctx, `INSERT INTO payments.journal_entries (id, kind, currency, payment_id, occurred_at)
		VALUES ('00000000-0000-4000-8000-000000000001', 'refund', 'USD', $1, now())`, a.str("id")); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(h.ctx, `INSERT INTO payments.journal_lines VALUES
		('00000000-0000-4000-8000-000000000001', 1, 'guest_deposits', 'D', 500),
		('00000000-0000-4000-8000-000000000001', 2, 'psp_balance', 'C', 400)`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(h.ctx); err == nil {
		t.Fatal("an unbalanced entry committed")
	}
	// And the Go side refuses one before a round trip.
	e := entry{kind: kindRefund, currency: "USD", lines: []line{{acctGuestDeposits, debit, 5}, {acctPSP, credit, 4}}}
	if err := e.check(); err == nil {
		t.Fatal("check passed an unbalanced entry")
	}
}

// A clean day's reconciliation lists no mismatch as an empty array: the document promises
// an array, and clients iterate it (it answered null before).
func TestReconcileAnswersAnEmptyMismatchList(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	day := h.clock.now().UTC().Format(time.DateOnly)
	r := h.call("POST", "/v1/daily-summaries/"+day+"/reconcile", CallerFinanceOps, "", nil)
	if r.status != http.StatusOK {
		t.Fatalf("reconcile = %d %s", r.status, r.raw)
	}
	if ms, ok := r.json["mismatches"].([]any); !ok || len(ms) != 0 {
		t.Fatalf("mismatches = %#v, want []: %s", r.json["mismatches"], r.raw)
	}
}
