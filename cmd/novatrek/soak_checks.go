package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novatrek/support/internal/dev/soak"
	"github.com/novatrek/support/processors/analytics"
	"github.com/novatrek/support/processors/loyalty"
	"github.com/novatrek/support/processors/notifications"
	"github.com/novatrek/support/processors/payments"
	"github.com/novatrek/support/processors/reviews"
)

// soakChecks are the services' own invariants the soak checks after its faults, each
// through the check the service exports.
func soakChecks() []soak.Check {
	return []soak.Check{
		{Service: payments.ServiceName, Name: "ledger balanced", Run: func(ctx context.Context, db *pgxpool.Pool) (int64, string, error) {
			c, err := payments.CheckLedger(ctx, db)
			if err != nil || c.OK() {
				return c.Lines, "", err
			}
			return c.Lines, fmt.Sprintf("unbalanced entries %v, negative balances %v, totals %+v", c.Unbalanced, c.Negative, c.Totals), nil
		}},
		{Service: loyalty.ServiceName, Name: "balance == sum of the ledger", Run: func(ctx context.Context, db *pgxpool.Pool) (int64, string, error) {
			c, err := loyalty.CheckLedger(ctx, db)
			return c.Entries, strings.Join(c.Problems, "; "), err
		}},
		{Service: reviews.ServiceName, Name: "aggregates == recomputation", Run: func(ctx context.Context, db *pgxpool.Pool) (int64, string, error) {
			n, differ, err := reviews.CheckAggregates(ctx, db)
			if len(differ) > 0 {
				return n, fmt.Sprintf("targets %v differ", differ), err
			}
			return n, "", err
		}},
		{Service: analytics.ServiceName, Name: "facts from applied events", Run: analyticsFactsApplied},
	}
}

// soakBacklogs are the services' work held in their stores that the soak's drain waits
// for, each through the count the service exports.
func soakBacklogs() []soak.Backlog {
	return []soak.Backlog{{Service: notifications.ServiceName, Count: notifications.Backlog}}
}

// analyticsFactsApplied checks svc-analytics' facts against the events it applied: every
// fact row's event is in its inbox (the soak has already checked that every event on its
// topics was applied or dead-lettered), so no fact exists without its event. The fact
// tables are those analytics.Checksums fingerprints.
func analyticsFactsApplied(ctx context.Context, db *pgxpool.Pool) (int64, string, error) {
	sums, err := analytics.Checksums(ctx, db)
	if err != nil {
		return 0, "", err
	}
	var rows int64
	var problems []string
	for _, c := range sums {
		if c.Table == "rollups" {
			continue
		}
		rows += c.Rows
		var orphans int64
		if err := db.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{"analytics", c.Table}.Sanitize()+` f
			WHERE NOT EXISTS (SELECT 1 FROM analytics.inbox i WHERE i.consumer_group = $1 AND i.event_id = f.event_id)`,
			analytics.ServiceName).Scan(&orphans); err != nil {
			return rows, "", err
		}
		if orphans > 0 {
			problems = append(problems, fmt.Sprintf("%s: %d facts whose event svc-analytics never applied", c.Table, orphans))
		}
	}
	return rows, strings.Join(problems, "; "), nil
}
