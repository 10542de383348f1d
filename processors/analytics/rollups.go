package analytics

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// rollupSelect is the one rule from facts to rollups, used by both the incremental path
// (insertFacts, over the rows a batch inserted) and the full refresh (over a whole table):
// per fact, a day and a month bucket (UTC), overall and for each of trip, guide and
// location it names. Being the same text is what makes "incremental == full" a property of
// the accumulation alone, which property_test.go checks. Its rows come in the order of the
// rollups' key, so concurrent batches (the partitions of several topics) lock the rollups
// they share in the same order and queue instead of deadlocking. Its verbs: %[1]s the fact table's
// name as a literal, %[2]s the relation to read, %[3]s the grains as VALUES rows
// (bothGrains, or only the day when the months are summed from the days: fillRollups).
const rollupSelect = `SELECT %[1]s, d.dim, d.val, g.grain, f.metric,
	date_trunc(g.grain, f.occurred_at AT TIME ZONE 'UTC')::date, coalesce(f.currency, ''), count(*), sum(f.value)
FROM %[2]s f
CROSS JOIN (VALUES %[3]s) g(grain)
CROSS JOIN LATERAL (VALUES ('all', ''), ('trip', f.trip_id), ('guide', f.guide_id), ('location', f.location_id)) d(dim, val)
WHERE d.val IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7
ORDER BY 1, 2, 4, 6, 3, 5, 7`

// bothGrains are rollupSelect's grains for the day and the month rollups.
const bothGrains = `('day'), ('month')`

// monthsFromDays sums the day rollups into the month rollups: the same totals as
// rollupSelect's month grain over the facts (a month's facts are its days' facts; an
// exact numeric sum, whose scale is the largest of its terms either way), from a table a
// fraction of the facts' size.
const monthsFromDays = `INSERT INTO analytics.rollups (fact, dim, dim_value, grain, metric, bucket, currency, n, total)
SELECT fact, dim, dim_value, 'month', metric, date_trunc('month', bucket)::date, currency, sum(n)::bigint, sum(total)
FROM analytics.rollups WHERE grain = 'day'
GROUP BY fact, dim, dim_value, metric, 6, currency
ORDER BY fact, dim, 6, dim_value, metric, currency`

// refreshRollups recomputes every rollup from the facts in tx: the full-refresh path, for
// after retention dropped months and for checking the incremental one.
func refreshRollups(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `TRUNCATE analytics.rollups`); err != nil {
		return fmt.Errorf("analytics: refresh rollups: %w", err)
	}
	return fillRollups(ctx, tx)
}

// fillRollups inserts into the empty rollups those of every fact: the days of each table
// by rollupSelect, then the months from the days (monthsFromDays), which halves the rows
// the facts expand into. The property test compares this with the incremental path. Its
// sorts get the memory of one rebuild's end (64 MB, for this transaction only) instead of
// spilling to disk.
func fillRollups(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '64MB'`); err != nil {
		return fmt.Errorf("analytics: refresh rollups: %w", err)
	}
	for t := range tableCount {
		q := `INSERT INTO analytics.rollups (fact, dim, dim_value, grain, metric, bucket, currency, n, total) ` +
			fmt.Sprintf(rollupSelect, quote(t.String()), "analytics."+t.String(), `('day')`)
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("analytics: refresh rollups from %s: %w", t, err)
		}
	}
	if _, err := tx.Exec(ctx, monthsFromDays); err != nil {
		return fmt.Errorf("analytics: refresh the month rollups: %w", err)
	}
	return nil
}

// quote is s as an SQL string literal (s is one of our constant table names).
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
