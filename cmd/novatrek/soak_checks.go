package main

import (
	"context"
	"fmt"
	"slices"
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
		{Service: reviews.ServiceName, Name: "trip aggregates == recomputation", Run: reviewAggregates("TRIP")},
		{Service: reviews.ServiceName, Name: "guide aggregates == recomputation", Run: reviewAggregates("GUIDE")},
		{Service: analytics.ServiceName, Name: "facts from applied events", Run: analyticsFactsApplied},
	}
}

// reviewAggregates checks svc-reviews' rating aggregates of one target type (TRIP or
// GUIDE) against a recomputation from the published reviews (reviews.CheckAggregates): the
// effects are the aggregates of that type kept, the problem those of them that differ. The
// two types are two checks so the report says how many guides the soak's reviews rated: a
// soak whose reviews named no guide would leave the per-guide aggregates unchecked.
func reviewAggregates(targetType string) func(ctx context.Context, db *pgxpool.Pool) (int64, string, error) {
	return func(ctx context.Context, db *pgxpool.Pool) (int64, string, error) {
		_, differ, err := reviews.CheckAggregates(ctx, db)
		if err != nil {
			return 0, "", err
		}
		var kept int64
		if err := db.QueryRow(ctx, `SELECT count(*) FROM reviews.rating_aggregates WHERE target_type = $1 AND review_count > 0`,
			targetType).Scan(&kept); err != nil {
			return 0, "", fmt.Errorf("reviews: count the %s aggregates: %w", targetType, err)
		}
		differ = slices.DeleteFunc(differ, func(target string) bool { return !strings.HasPrefix(target, targetType+":") })
		if len(differ) > 0 {
			return kept, fmt.Sprintf("%d differ from the recomputation: %v", len(differ), differ), nil
		}
		return kept, "", nil
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
// tables are those the store lists itself (analytics.fact_tables()); each is read once,
// counting its rows and its orphans together.
func analyticsFactsApplied(ctx context.Context, db *pgxpool.Pool) (int64, string, error) {
	list, err := db.Query(ctx, `SELECT unnest(analytics.fact_tables())`)
	if err != nil {
		return 0, "", fmt.Errorf("analytics fact tables: %w", err)
	}
	tables, err := pgx.CollectRows(list, pgx.RowTo[string])
	if err != nil {
		return 0, "", fmt.Errorf("analytics fact tables: %w", err)
	}
	var rows int64
	var problems []string
	for _, table := range tables {
		var n, orphans int64
		if err := db.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE NOT EXISTS
			(SELECT 1 FROM analytics.inbox i WHERE i.consumer_group = $1 AND i.event_id = f.event_id))
			FROM `+pgx.Identifier{"analytics", table}.Sanitize()+` f`, analytics.ServiceName).Scan(&n, &orphans); err != nil {
			return rows, "", fmt.Errorf("analytics %s: %w", table, err)
		}
		rows += n
		if orphans > 0 {
			problems = append(problems, fmt.Sprintf("%s: %d facts whose event svc-analytics never applied", table, orphans))
		}
	}
	return rows, strings.Join(problems, "; "), nil
}
