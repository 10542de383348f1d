package reviews

import (
	"context"
	"fmt"

	"github.com/novatrek/support/internal/platform/store"
)

// keptAggregates are the rating_aggregates rows with reviews, as "TYPE:id" with count,
// sum and the five star counts.
const keptAggregates = `SELECT target_type || ':' || target_id AS target, review_count, rating_sum, stars_1, stars_2, stars_3, stars_4, stars_5
FROM reviews.rating_aggregates WHERE review_count > 0`

// recomputedAggregates are the same figures computed from the published reviews.
const recomputedAggregates = `SELECT target, count(*), sum(stars), count(*) FILTER (WHERE stars = 1), count(*) FILTER (WHERE stars = 2),
	count(*) FILTER (WHERE stars = 3), count(*) FILTER (WHERE stars = 4), count(*) FILTER (WHERE stars = 5)
FROM (SELECT 'TRIP:' || trip_id AS target, rating AS stars FROM reviews.reviews WHERE status = 'published'
	UNION ALL SELECT 'GUIDE:' || guide_id, guide_rating FROM reviews.reviews WHERE status = 'published' AND guide_rating IS NOT NULL) AS v
GROUP BY target`

// CheckAggregates compares the kept rating aggregates with a recomputation from the
// published reviews, in one snapshot: it returns how many targets it compared and those
// whose kept figures differ from the recomputed ones (or exist on one side only). The
// aggregates are kept in each review's transaction, so the list must be empty; the soak
// (novatrek soak) checks it after faults, the property test after random sequences.
func CheckAggregates(ctx context.Context, db store.DB) (targets int64, differ []string, err error) {
	rows, err := db.Query(ctx, `WITH kept AS (`+keptAggregates+`), recomputed AS (`+recomputedAggregates+`)
SELECT coalesce(k.target, r.target), k.target IS NOT NULL AND r.target IS NOT NULL
	AND (k.review_count, k.rating_sum, k.stars_1, k.stars_2, k.stars_3, k.stars_4, k.stars_5) =
	    (r.count, r.sum, r.count_1, r.count_2, r.count_3, r.count_4, r.count_5)
FROM kept k FULL JOIN (SELECT target, count, sum, c1 AS count_1, c2 AS count_2, c3 AS count_3, c4 AS count_4, c5 AS count_5
	FROM recomputed AS x(target, count, sum, c1, c2, c3, c4, c5)) r ON r.target = k.target`)
	if err != nil {
		return 0, nil, fmt.Errorf("reviews: check aggregates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var target string
		var same bool
		if err := rows.Scan(&target, &same); err != nil {
			return 0, nil, err
		}
		targets++
		if !same {
			differ = append(differ, target)
		}
	}
	return targets, differ, rows.Err()
}
