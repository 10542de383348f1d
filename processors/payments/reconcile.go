package payments

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Reconciliation is the result of rebuilding one day's summaries from the ledger.
type Reconciliation struct {
	Day        string         `json:"day"`
	Summaries  []DailySummary `json:"summaries"`
	Mismatches []Mismatch     `json:"mismatches"`
	// Ledger is the invariant check of the whole ledger, run in the same snapshot.
	Ledger LedgerCheck `json:"ledger"`
}

// DailySummary is a row of daily_summaries: one day (UTC) and currency, from the ledger.
type DailySummary struct {
	Currency            string `json:"currency"`
	CapturesCount       int32  `json:"captures_count"`
	CapturedMinor       int64  `json:"captured_minor"`
	RefundsCount        int32  `json:"refunds_count"`
	RefundedMinor       int64  `json:"refunded_minor"`
	CommissionsCount    int32  `json:"commissions_count"`
	CommissionsMinor    int64  `json:"commissions_minor"`
	DisputesOpenedMinor int64  `json:"disputes_opened_minor"`
	DisputesWonMinor    int64  `json:"disputes_won_minor"`
	DisputesLostMinor   int64  `json:"disputes_lost_minor"`
	NetMinor            int64  `json:"net_minor"`
	Mismatches          int32  `json:"mismatches"`
}

// Mismatch is one difference between the ledger and the operational tables. PaymentID is
// nil for a day-level total.
type Mismatch struct {
	PaymentID   *uuid.UUID `json:"payment_id,omitempty"`
	Currency    string     `json:"currency"`
	Field       string     `json:"field"`
	TableMinor  int64      `json:"table_minor"`
	LedgerMinor int64      `json:"ledger_minor"`
}

const summarySQL = `
SELECT e.currency,
	count(DISTINCT e.id) FILTER (WHERE e.kind = 'capture'),
	coalesce(sum(l.amount_minor) FILTER (WHERE e.kind = 'capture' AND l.account = 'guest_deposits' AND l.side = 'C'), 0),
	count(DISTINCT e.id) FILTER (WHERE e.kind = 'refund'),
	coalesce(sum(l.amount_minor) FILTER (WHERE e.kind = 'refund' AND l.account = 'guest_deposits' AND l.side = 'D'), 0),
	count(DISTINCT e.id) FILTER (WHERE e.kind = 'commission'),
	coalesce(sum(l.amount_minor) FILTER (WHERE e.kind = 'commission' AND l.account = 'commission_expense' AND l.side = 'D'), 0),
	coalesce(sum(l.amount_minor) FILTER (WHERE e.kind = 'dispute_opened' AND l.account = 'disputed_funds' AND l.side = 'D'), 0),
	coalesce(sum(l.amount_minor) FILTER (WHERE e.kind = 'dispute_won' AND l.account = 'disputed_funds' AND l.side = 'C'), 0),
	coalesce(sum(l.amount_minor) FILTER (WHERE e.kind = 'dispute_lost' AND l.account = 'disputed_funds' AND l.side = 'C'), 0)
FROM payments.journal_entries e JOIN payments.journal_lines l ON l.entry_id = e.id
WHERE e.occurred_at >= $1 AND e.occurred_at < $2
GROUP BY e.currency ORDER BY e.currency`

// capturedOnDay finds the payments captured (or paid) on the day [$1, $2). captured_at is
// not indexed (payment updates stay HOT), but a payment is captured within 8 days of its
// creation (authorizations lapse after 7), and created_at is.
const capturedOnDay = `SELECT id FROM payments.payments
	WHERE created_at >= $1::timestamptz - interval '8 days' AND created_at < $2 AND captured_at >= $1 AND captured_at < $2`

// perPaymentSQL compares, for every payment with activity on the day, the payments and
// refunds tables with the ledger over the payment's whole life.
const perPaymentSQL = `
WITH touched AS (
	SELECT payment_id AS id FROM payments.journal_entries WHERE occurred_at >= $1 AND occurred_at < $2
	UNION ` + capturedOnDay + `
	UNION SELECT payment_id FROM payments.refunds WHERE completed_at >= $1 AND completed_at < $2
), led AS (
	SELECT e.payment_id,
		coalesce(sum(l.amount_minor) FILTER (WHERE e.kind = 'capture' AND l.account = 'guest_deposits'), 0) AS captured,
		coalesce(sum(l.amount_minor) FILTER (WHERE e.kind = 'commission' AND l.account = 'commission_expense'), 0) AS commission,
		coalesce(sum(l.amount_minor) FILTER (WHERE e.kind = 'refund' AND l.account = 'guest_deposits'), 0) AS refunded,
		coalesce(sum(l.amount_minor) FILTER (WHERE e.kind = 'dispute_opened' AND l.account = 'disputed_funds'), 0)
		 - coalesce(sum(l.amount_minor) FILTER (WHERE e.kind IN ('dispute_won', 'dispute_lost') AND l.account = 'disputed_funds'), 0) AS disputed,
		coalesce(sum(l.amount_minor) FILTER (WHERE e.kind = 'dispute_lost' AND l.account = 'guest_deposits'), 0) AS charged_back,
		coalesce(sum(CASE WHEN l.account = 'card_authorizations' AND l.side = 'D' THEN l.amount_minor
		                  WHEN l.account = 'card_authorizations' THEN -l.amount_minor END), 0) AS auth_open
	FROM payments.journal_entries e JOIN payments.journal_lines l ON l.entry_id = e.id
	WHERE e.payment_id IN (SELECT id FROM touched)
	GROUP BY e.payment_id
), ref AS (
	SELECT payment_id,
		coalesce(sum(amount_minor) FILTER (WHERE status = 'succeeded'), 0) AS succeeded,
		coalesce(sum(amount_minor) FILTER (WHERE status IN ('succeeded', 'pending')), 0) AS reserved
	FROM payments.refunds WHERE payment_id IN (SELECT id FROM touched) GROUP BY payment_id
)
SELECT p.id, p.currency,
	CASE WHEN p.type = 'DEPOSIT' THEN p.captured_minor ELSE 0 END, coalesce(led.captured, 0),
	CASE WHEN p.type = 'COMMISSION' THEN p.captured_minor ELSE 0 END, coalesce(led.commission, 0),
	coalesce(ref.succeeded, 0), coalesce(led.refunded, 0),
	p.refunded_minor, coalesce(ref.reserved, 0),
	p.disputed_minor, coalesce(led.disputed, 0),
	p.charged_back_minor, coalesce(led.charged_back, 0),
	CASE WHEN p.status = 'authorized' THEN p.authorized_minor ELSE 0 END, coalesce(led.auth_open, 0)
FROM payments.payments p JOIN touched t ON t.id = p.id
LEFT JOIN led ON led.payment_id = p.id
LEFT JOIN ref ON ref.payment_id = p.id
ORDER BY p.id`

// dayTotalsSQL sums the operational tables for the day, to compare with the ledger's day.
const dayTotalsSQL = `
SELECT currency, field, sum(minor)::bigint FROM (
	SELECT currency, CASE type WHEN 'DEPOSIT' THEN 'captured' ELSE 'commissions' END AS field, captured_minor AS minor
	FROM payments.payments WHERE id IN (` + capturedOnDay + `)
	UNION ALL
	SELECT currency, 'refunded', amount_minor FROM payments.refunds
	WHERE status = 'succeeded' AND completed_at >= $1 AND completed_at < $2
) t GROUP BY currency, field`

const deleteSummariesSQL = `DELETE FROM payments.daily_summaries WHERE day = $1`

const insertSummarySQL = `INSERT INTO payments.daily_summaries (day, currency, captures_count, captured_minor,
	refunds_count, refunded_minor, commissions_count, commissions_minor, disputes_opened_minor,
	disputes_won_minor, disputes_lost_minor, net_minor, mismatches, rebuilt_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`

// reconcile rebuilds the daily_summaries of day (a UTC date) from the ledger and reports
// every mismatch with the payments and refunds tables, all in one repeatable-read snapshot
// so concurrent payments cannot make it report a mismatch that is not there.
func (c *core) reconcile(ctx context.Context, day time.Time) (*Reconciliation, error) {
	from := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 1)
	rec := &Reconciliation{Day: from.Format(time.DateOnly)}
	err := pgx.BeginTxFunc(ctx, c.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, summarySQL, from, to)
		if err != nil {
			return fmt.Errorf("summarize ledger: %w", err)
		}
		rec.Summaries, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (DailySummary, error) {
			var s DailySummary
			err := r.Scan(&s.Currency, &s.CapturesCount, &s.CapturedMinor, &s.RefundsCount, &s.RefundedMinor,
				&s.CommissionsCount, &s.CommissionsMinor, &s.DisputesOpenedMinor, &s.DisputesWonMinor, &s.DisputesLostMinor)
			s.NetMinor = s.CapturedMinor - s.RefundedMinor - s.CommissionsMinor - s.DisputesLostMinor
			return s, err
		})
		if err != nil {
			return fmt.Errorf("summarize ledger: %w", err)
		}
		paymentMs, err := perPaymentMismatches(ctx, tx, from, to)
		if err != nil {
			return err
		}
		dayMs, err := dayMismatches(ctx, tx, from, to, rec.Summaries)
		if err != nil {
			return err
		}
		// Never nil: a clean day answers "mismatches": [], as the API document says, not null.
		rec.Mismatches = append(append(make([]Mismatch, 0, len(paymentMs)+len(dayMs)), paymentMs...), dayMs...)
		if rec.Ledger, err = checkLedger(ctx, tx); err != nil {
			return err
		}
		return writeSummaries(ctx, tx, from, rec, c.now())
	})
	if err != nil {
		return nil, fmt.Errorf("reconcile %s: %w", rec.Day, err)
	}
	return rec, nil
}

func perPaymentMismatches(ctx context.Context, tx pgx.Tx, from, to time.Time) ([]Mismatch, error) {
	rows, err := tx.Query(ctx, perPaymentSQL, from, to)
	if err != nil {
		return nil, fmt.Errorf("compare payments with the ledger: %w", err)
	}
	defer rows.Close()
	fields := []string{"captured", "commission", "refunded", "refunds_reserved", "disputed", "charged_back", "authorization_open"}
	var out []Mismatch
	for rows.Next() {
		var id uuid.UUID
		var cur string
		v := make([]int64, 2*len(fields))
		dst := []any{&id, &cur}
		for i := range v {
			dst = append(dst, &v[i])
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, fmt.Errorf("compare payments with the ledger: %w", err)
		}
		for i, f := range fields {
			if v[2*i] != v[2*i+1] {
				pid := id
				out = append(out, Mismatch{PaymentID: &pid, Currency: cur, Field: f, TableMinor: v[2*i], LedgerMinor: v[2*i+1]})
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("compare payments with the ledger: %w", err)
	}
	return out, nil
}

func dayMismatches(ctx context.Context, tx pgx.Tx, from, to time.Time, sums []DailySummary) ([]Mismatch, error) {
	type key struct{ cur, field string }
	table := map[key]int64{}
	rows, err := tx.Query(ctx, dayTotalsSQL, from, to)
	if err != nil {
		return nil, fmt.Errorf("sum the day's payments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k key
		var v int64
		if err := rows.Scan(&k.cur, &k.field, &v); err != nil {
			return nil, fmt.Errorf("sum the day's payments: %w", err)
		}
		table[k] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sum the day's payments: %w", err)
	}
	ledger := map[key]int64{}
	for _, s := range sums {
		ledger[key{s.Currency, "captured"}] = s.CapturedMinor
		ledger[key{s.Currency, "commissions"}] = s.CommissionsMinor
		ledger[key{s.Currency, "refunded"}] = s.RefundedMinor
	}
	var out []Mismatch
	seen := map[key]bool{}
	for _, m := range []map[key]int64{table, ledger} {
		for k := range m {
			if seen[k] {
				continue
			}
			seen[k] = true
			if table[k] != ledger[k] {
				out = append(out, Mismatch{Currency: k.cur, Field: "day." + k.field, TableMinor: table[k], LedgerMinor: ledger[k]})
			}
		}
	}
	return out, nil
}

func writeSummaries(ctx context.Context, tx pgx.Tx, day time.Time, rec *Reconciliation, now time.Time) error {
	if _, err := tx.Exec(ctx, deleteSummariesSQL, day); err != nil {
		return fmt.Errorf("clear daily summaries: %w", err)
	}
	perCur := map[string]int32{}
	for _, m := range rec.Mismatches {
		perCur[m.Currency]++
	}
	for i := range rec.Summaries {
		s := &rec.Summaries[i]
		s.Mismatches = perCur[s.Currency]
		if _, err := tx.Exec(ctx, insertSummarySQL, day, s.Currency, s.CapturesCount, s.CapturedMinor, s.RefundsCount,
			s.RefundedMinor, s.CommissionsCount, s.CommissionsMinor, s.DisputesOpenedMinor, s.DisputesWonMinor,
			s.DisputesLostMinor, s.NetMinor, s.Mismatches, now); err != nil {
			return fmt.Errorf("write daily summary %s: %w", s.Currency, err)
		}
	}
	return nil
}
