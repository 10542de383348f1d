package payments

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
)

// LedgerCheck is the result of the ledger's invariant check.
type LedgerCheck struct {
	Entries int64 `json:"entries"`
	Lines   int64 `json:"lines"`
	// Unbalanced lists entries whose debits differ from their credits, or that have no
	// lines at all. The commit-time trigger makes this impossible; the check proves it.
	Unbalanced []uuid.UUID `json:"unbalanced"`
	// Totals are debits and credits per currency over the whole ledger; they must be equal.
	Totals []CurrencyTotals `json:"totals"`
	// Negative lists payments whose guest_deposits balance went below zero (more refunded or
	// charged back than captured) or whose authorization memo is negative.
	Negative []uuid.UUID `json:"negative"`
}

// CurrencyTotals are the debits and credits of one currency.
type CurrencyTotals struct {
	Currency     string `json:"currency"`
	DebitsMinor  int64  `json:"debits_minor"`
	CreditsMinor int64  `json:"credits_minor"`
}

// OK reports whether every invariant holds.
func (c LedgerCheck) OK() bool {
	if len(c.Unbalanced) > 0 || len(c.Negative) > 0 {
		return false
	}
	for _, t := range c.Totals {
		if t.DebitsMinor != t.CreditsMinor {
			return false
		}
	}
	return true
}

// checkLedger verifies the ledger's invariants: every entry balances, debits equal credits
// per currency overall, and no payment's deposit or authorization balance is negative.
func checkLedger(ctx context.Context, q store.DB) (LedgerCheck, error) {
	var c LedgerCheck
	if err := q.QueryRow(ctx, `SELECT (SELECT count(*) FROM payments.journal_entries), (SELECT count(*) FROM payments.journal_lines)`).
		Scan(&c.Entries, &c.Lines); err != nil {
		return c, fmt.Errorf("count ledger: %w", err)
	}
	var err error
	if c.Unbalanced, err = collectUUIDs(ctx, q, `
SELECT e.id FROM payments.journal_entries e
LEFT JOIN payments.journal_lines l ON l.entry_id = e.id
GROUP BY e.id
HAVING count(l.*) = 0 OR sum(CASE l.side WHEN 'D' THEN l.amount_minor ELSE -l.amount_minor END) <> 0`); err != nil {
		return c, fmt.Errorf("find unbalanced entries: %w", err)
	}
	rows, err := q.Query(ctx, `
SELECT e.currency,
       coalesce(sum(l.amount_minor) FILTER (WHERE l.side = 'D'), 0),
       coalesce(sum(l.amount_minor) FILTER (WHERE l.side = 'C'), 0)
FROM payments.journal_entries e JOIN payments.journal_lines l ON l.entry_id = e.id
GROUP BY e.currency ORDER BY e.currency`)
	if err != nil {
		return c, fmt.Errorf("sum ledger: %w", err)
	}
	c.Totals, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (CurrencyTotals, error) {
		var t CurrencyTotals
		err := r.Scan(&t.Currency, &t.DebitsMinor, &t.CreditsMinor)
		return t, err
	})
	if err != nil {
		return c, fmt.Errorf("sum ledger: %w", err)
	}
	if c.Negative, err = collectUUIDs(ctx, q, `
SELECT e.payment_id FROM payments.journal_entries e JOIN payments.journal_lines l ON l.entry_id = e.id
WHERE l.account IN ('guest_deposits', 'card_authorizations')
GROUP BY e.payment_id
HAVING sum(CASE WHEN l.account = 'guest_deposits' AND l.side = 'C' THEN l.amount_minor
                WHEN l.account = 'guest_deposits' THEN -l.amount_minor ELSE 0 END) < 0
    OR sum(CASE WHEN l.account = 'card_authorizations' AND l.side = 'D' THEN l.amount_minor
                WHEN l.account = 'card_authorizations' THEN -l.amount_minor ELSE 0 END) < 0`); err != nil {
		return c, fmt.Errorf("find negative balances: %w", err)
	}
	return c, nil
}

func collectUUIDs(ctx context.Context, q store.DB, sql string, args ...any) ([]uuid.UUID, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

// CheckLedger runs the ledger's invariant check for callers outside the service: the
// soak (novatrek soak) checks it after hours of faults.
func CheckLedger(ctx context.Context, q store.DB) (LedgerCheck, error) { return checkLedger(ctx, q) }
