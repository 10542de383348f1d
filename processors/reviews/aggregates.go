package reviews

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
	"github.com/novatrek/support/outbox"
	"github.com/novatrek/support/schemas"
)

// Rating targets.
const (
	targetTrip  = "TRIP"
	targetGuide = "GUIDE"
)

// vote is one star rating counted for one target.
type vote struct {
	Type, ID string
	Stars    int
}

// counted are the votes a review contributes to the aggregates: none unless it is
// published; its trip rating, and its guide rating when it has one.
func counted(r *review) []vote {
	if r == nil || r.Status != statusPublished {
		return nil
	}
	out := []vote{{targetTrip, r.TripID, r.Rating}}
	if r.GuideID != nil && r.GuideRating != nil {
		out = append(out, vote{targetGuide, *r.GuideID, *r.GuideRating})
	}
	return out
}

// aggregate is one target's rating.
type aggregate struct {
	Type, ID  string
	Count     int64
	Sum       int64
	Stars     [5]int64
	UpdatedAt time.Time
}

// Mean is the plain average; 0 without reviews.
func (g aggregate) Mean() float64 {
	if g.Count == 0 {
		return 0
	}
	return float64(g.Sum) / float64(g.Count)
}

// bayesian is the average shrunk towards prior by weight pseudo-reviews:
// (weight·prior + sum) / (weight + count). Without reviews it is the prior.
func bayesian(g aggregate, prior, weight float64) float64 {
	if weight+float64(g.Count) == 0 {
		return prior
	}
	return (weight*prior + float64(g.Sum)) / (weight + float64(g.Count))
}

// applyVotes moves the aggregates from what before counted to what after counts, in tx,
// and emits rating-aggregate.updated for each target whose rating changed. Targets are
// locked in one order (type, id), so concurrent reviews of the same trip and guide never
// deadlock.
func (a *app) applyVotes(ctx context.Context, tx pgx.Tx, before, after []vote) error {
	type key struct{ typ, id string }
	deltas := map[key]*[5]int64{}
	add := func(vs []vote, sign int64) {
		for _, v := range vs {
			k := key{v.Type, v.ID}
			if deltas[k] == nil {
				deltas[k] = &[5]int64{}
			}
			deltas[k][v.Stars-1] += sign
		}
	}
	add(before, -1)
	add(after, +1)
	keys := make([]key, 0, len(deltas))
	for k, d := range deltas {
		if *d != ([5]int64{}) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(x, y key) int { return cmp.Or(cmp.Compare(x.typ, y.typ), cmp.Compare(x.id, y.id)) })
	for _, k := range keys {
		g, err := addStars(ctx, tx, k.typ, k.id, *deltas[k], a.now())
		if err != nil {
			return err
		}
		ev := &schemas.RatingAggregateUpdated{TargetType: g.Type, TargetID: g.ID, ReviewCount: g.Count, AverageRating: g.Mean(),
			Histogram: schemas.RatingHistogram{OneStar: g.Stars[0], TwoStars: g.Stars[1], ThreeStars: g.Stars[2], FourStars: g.Stars[3], FiveStars: g.Stars[4]}}
		if err := a.emit.Emit(ctx, tx, ev, outbox.Key(g.Type+":"+g.ID)); err != nil {
			return fmt.Errorf("emit rating of %s %s: %w", g.Type, g.ID, err)
		}
	}
	return nil
}

// addStars adds d (a count per star) to the target's row, creating it, and returns the row.
func addStars(ctx context.Context, tx pgx.Tx, typ, id string, d [5]int64, now time.Time) (aggregate, error) {
	var count, sum int64
	for i, n := range d {
		count += n
		sum += int64(i+1) * n
	}
	// UPDATE first: PostgreSQL checks an INSERT's CHECK constraints on the proposed row even
	// when ON CONFLICT turns it into an update, and a delta may be negative. A target without
	// a row has nothing counted, so its first delta is never negative.
	args := []any{typ, id, count, sum, d[0], d[1], d[2], d[3], d[4], now}
	g, err := scanAggregate(tx.QueryRow(ctx, `UPDATE reviews.rating_aggregates SET review_count = review_count + $3,
	rating_sum = rating_sum + $4, stars_1 = stars_1 + $5, stars_2 = stars_2 + $6, stars_3 = stars_3 + $7,
	stars_4 = stars_4 + $8, stars_5 = stars_5 + $9, updated_at = $10
WHERE target_type = $1 AND target_id = $2 RETURNING `+aggregateCols, args...))
	if err != pgx.ErrNoRows {
		if err != nil {
			return g, fmt.Errorf("update the rating of %s %s: %w", typ, id, err)
		}
		return g, nil
	}
	row := tx.QueryRow(ctx, `INSERT INTO reviews.rating_aggregates AS g (target_type, target_id, review_count, rating_sum,
	stars_1, stars_2, stars_3, stars_4, stars_5, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (target_type, target_id) DO UPDATE SET review_count = g.review_count + EXCLUDED.review_count,
	rating_sum = g.rating_sum + EXCLUDED.rating_sum, stars_1 = g.stars_1 + EXCLUDED.stars_1,
	stars_2 = g.stars_2 + EXCLUDED.stars_2, stars_3 = g.stars_3 + EXCLUDED.stars_3,
	stars_4 = g.stars_4 + EXCLUDED.stars_4, stars_5 = g.stars_5 + EXCLUDED.stars_5, updated_at = EXCLUDED.updated_at
RETURNING `+aggregateCols, args...)
	g, err = scanAggregate(row)
	if err != nil {
		return g, fmt.Errorf("update the rating of %s %s: %w", typ, id, err)
	}
	return g, nil
}

const aggregateCols = `target_type, target_id, review_count, rating_sum, stars_1, stars_2, stars_3, stars_4, stars_5, updated_at`

func scanAggregate(row pgx.Row) (aggregate, error) {
	var g aggregate
	err := row.Scan(&g.Type, &g.ID, &g.Count, &g.Sum, &g.Stars[0], &g.Stars[1], &g.Stars[2], &g.Stars[3], &g.Stars[4], &g.UpdatedAt)
	return g, err
}

// rating reads one target's aggregate (zero when it has no row yet) and the prior, the mean
// of all targets of its type, in one round trip.
func rating(ctx context.Context, db store.DB, typ, id string) (aggregate, float64, error) {
	g := aggregate{Type: typ, ID: id}
	var prior float64
	var at *time.Time
	err := db.QueryRow(ctx, `SELECT coalesce(a.review_count, 0), coalesce(a.rating_sum, 0), coalesce(a.stars_1, 0),
	coalesce(a.stars_2, 0), coalesce(a.stars_3, 0), coalesce(a.stars_4, 0), coalesce(a.stars_5, 0), a.updated_at, p.prior
FROM (SELECT coalesce(sum(rating_sum)::float8 / nullif(sum(review_count), 0), 0) AS prior
	FROM reviews.rating_aggregates WHERE target_type = $1) AS p
LEFT JOIN reviews.rating_aggregates AS a ON a.target_type = $1 AND a.target_id = $2`, typ, id).
		Scan(&g.Count, &g.Sum, &g.Stars[0], &g.Stars[1], &g.Stars[2], &g.Stars[3], &g.Stars[4], &at, &prior)
	if err != nil {
		return g, 0, fmt.Errorf("read the rating of %s %s: %w", typ, id, err)
	}
	if at != nil {
		g.UpdatedAt = *at
	}
	return g, prior, nil
}
