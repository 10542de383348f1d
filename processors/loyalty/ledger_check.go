package loyalty

import (
	"context"
	"fmt"

	"github.com/novatrek/support/internal/platform/store"
)

// LedgerCheck is the result of the points ledger's invariant check.
type LedgerCheck struct {
	// Members were checked; Entries are the ledger's entries.
	Members, Entries int64
	// Problems lists, one line each, a member whose balance is not the sum of its entries
	// or whose open lots do not hold its (positive) balance, and the count of entries whose
	// balance_after is not the running sum.
	Problems []string
}

// CheckLedger verifies the ledger's invariants for every member: the balance is the sum of
// the entries (balance == Σ ledger), each entry's balance_after the running sum, and the
// lots hold the balance when it is positive and nothing when it is not. The tests run it
// after every scenario, the soak (novatrek soak) after its faults.
func CheckLedger(ctx context.Context, db store.DB) (LedgerCheck, error) {
	var c LedgerCheck
	rows, err := db.Query(ctx, `SELECT m.guest_id::text, m.balance,
			coalesce((SELECT sum(points) FROM loyalty.point_transactions e WHERE e.guest_id = m.guest_id), 0)::bigint,
			coalesce((SELECT sum(remaining) FROM loyalty.lots l WHERE l.guest_id = m.guest_id), 0)::bigint
		FROM loyalty.members m`)
	if err != nil {
		return c, fmt.Errorf("loyalty: check ledger: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var guest string
		var balance, sum, lots int64
		if err := rows.Scan(&guest, &balance, &sum, &lots); err != nil {
			return c, err
		}
		c.Members++
		if balance != sum || lots != max(balance, 0) {
			c.Problems = append(c.Problems, fmt.Sprintf("member %s: balance %d, sum of the ledger %d, lots hold %d", guest, balance, sum, lots))
		}
	}
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("loyalty: check ledger: %w", err)
	}
	var broken int64
	if err := db.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE balance_after <> running) FROM (SELECT balance_after,
			sum(points) OVER (PARTITION BY guest_id ORDER BY seq) AS running FROM loyalty.point_transactions) x`).Scan(&c.Entries, &broken); err != nil {
		return c, fmt.Errorf("loyalty: check ledger: %w", err)
	}
	if broken != 0 {
		c.Problems = append(c.Problems, fmt.Sprintf("%d entries have a balance_after other than the running sum", broken))
	}
	return c, nil
}
