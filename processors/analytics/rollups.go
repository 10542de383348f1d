package analytics

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// rollupSelect is the rule from facts to rollups that the incremental path applies
// (insertFacts, over the rows a batch inserted): per fact, a day and a month bucket (UTC),
// overall and for each of trip, guide and location it names. The full refresh
// (fillRollups) computes the same rollups set-based over whole tables; property_test.go
// checks that both agree. Its rows come in the order of the rollups' key, so concurrent
// batches (the partitions of several topics) lock the rollups they share in the same order
// and queue instead of deadlocking. Its verbs: %[1]s the fact table's name as a literal,
// %[2]s the relation to read.
const rollupSelect = `SELECT %[1]s, d.dim, d.val, g.grain, f.metric,
	date_trunc(g.grain, f.occurred_at AT TIME ZONE 'UTC')::date, coalesce(f.currency, ''), count(*), sum(f.value)
FROM %[2]s f
CROSS JOIN (VALUES ('day'), ('month')) g(grain)
CROSS JOIN LATERAL (VALUES ('all', ''), ('trip', f.trip_id), ('guide', f.guide_id), ('location', f.location_id)) d(dim, val)
WHERE d.val IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7
ORDER BY 1, 2, 4, 6, 3, 5, 7`

// daysFromFacts is what rollupSelect's day grain gives over a whole fact table (%[1]s its
// name as a literal, %[2]s the table), for the full refresh: the facts are first summed per
// metric, day, currency and the trip, guide and location they name (a few facts per
// group: the events of one trip's day), and only those sums are spread over the four
// dimensions and summed again, so each fact is read and grouped once instead of once per
// dimension it names. An exact numeric sum of sums is the sum, with the same scale (the
// largest of its terms).
const daysFromFacts = `INSERT INTO analytics.rollups (fact, dim, dim_value, grain, metric, bucket, currency, n, total)
SELECT %[1]s, d.dim, d.val, 'day', p.metric, p.day, p.currency, sum(p.n)::bigint, sum(p.total)
FROM (SELECT metric, date_trunc('day', occurred_at AT TIME ZONE 'UTC')::date AS day, coalesce(currency, '') AS currency,
		trip_id, guide_id, location_id, count(*) AS n, sum(value) AS total
	FROM %[2]s GROUP BY 1, 2, 3, 4, 5, 6) p
CROSS JOIN LATERAL (VALUES ('all', ''), ('trip', p.trip_id), ('guide', p.guide_id), ('location', p.location_id)) d(dim, val)
WHERE d.val IS NOT NULL
GROUP BY 2, 3, 5, 6, 7
ORDER BY 2, 6, 3, 5, 7`

// monthsFromDays sums the day rollups into the month rollups: the same totals as
// rollupSelect's month grain over the facts (a month's facts are its days' facts), from a
// table a fraction of the facts' size.
const monthsFromDays = `INSERT INTO analytics.rollups (fact, dim, dim_value, grain, metric, bucket, currency, n, total)
SELECT fact, dim, dim_value, 'month', metric, date_trunc('month', bucket::timestamp)::date, currency, sum(n)::bigint, sum(total)
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
// (daysFromFacts), then the months from the days (monthsFromDays). The incremental path
// applies rollupSelect instead; the property test shows both give the same rollups. Its
// sorts and hashes get the memory of one rebuild's end (64 MB, for this transaction only)
// instead of spilling to disk.
func fillRollups(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '64MB'`); err != nil {
		return fmt.Errorf("analytics: refresh rollups: %w", err)
	}
	for t := range tableCount {
		if _, err := tx.Exec(ctx, fmt.Sprintf(daysFromFacts, quote(t.String()), "analytics."+t.String())); err != nil {
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
