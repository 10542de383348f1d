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
// name as a literal, %[2]s the relation to read.
const rollupSelect = `SELECT %[1]s, d.dim, d.val, g.grain, f.metric,
	date_trunc(g.grain, f.occurred_at AT TIME ZONE 'UTC')::date, coalesce(f.currency, ''), count(*), sum(f.value)
FROM %[2]s f
CROSS JOIN (VALUES ('day'), ('month')) g(grain)
CROSS JOIN LATERAL (VALUES ('all', ''), ('trip', f.trip_id), ('guide', f.guide_id), ('location', f.location_id)) d(dim, val)
WHERE d.val IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7
ORDER BY 1, 2, 4, 6, 3, 5, 7`

// refreshRollups recomputes every rollup from the facts in tx: the full-refresh path, for
// after retention dropped months and for checking the incremental one.
func refreshRollups(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `TRUNCATE analytics.rollups`); err != nil {
		return fmt.Errorf("analytics: refresh rollups: %w", err)
	}
	for t := range tableCount {
		q := `INSERT INTO analytics.rollups (fact, dim, dim_value, grain, metric, bucket, currency, n, total) ` +
			fmt.Sprintf(rollupSelect, quote(t.String()), "analytics."+t.String())
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("analytics: refresh rollups from %s: %w", t, err)
		}
	}
	return nil
}

// quote is s as an SQL string literal (s is one of our constant table names).
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
