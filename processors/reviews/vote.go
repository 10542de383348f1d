package reviews

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/fault"
)

// castVote records guest's helpful vote on review id (one per guest; voting again replaces
// it) and keeps the review's counts, from which PostgreSQL derives the Wilson score. The
// review row is locked first, so concurrent votes count exactly. Votes do not change the
// review's revision: they are not edits of what its author wrote.
func (a *app) castVote(ctx context.Context, id, guest string, helpful bool) (*review, error) {
	var r *review
	err := pgx.BeginFunc(ctx, a.db, func(tx pgx.Tx) error {
		var err error
		if r, err = loadReview(ctx, tx, id, true); err != nil {
			return err
		}
		if r == nil || r.Status != statusPublished {
			return fault.NotFound("No published review " + id + ".")
		}
		if r.GuestID == guest {
			return fault.Unprocessable("own-review", "Own review", "Authors do not vote on their own reviews.")
		}
		var previous *bool
		err = tx.QueryRow(ctx, `SELECT helpful FROM reviews.review_helpful_votes WHERE review_id = $1 AND guest_id = $2`, id, guest).Scan(&previous)
		if err != nil && err != pgx.ErrNoRows {
			return fmt.Errorf("read the vote on review %s: %w", id, err)
		}
		yes, total := 0, 1
		if helpful {
			yes = 1
		}
		if previous != nil {
			total = 0
			if *previous {
				yes--
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO reviews.review_helpful_votes (review_id, guest_id, helpful, voted_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (review_id, guest_id) DO UPDATE SET helpful = EXCLUDED.helpful, voted_at = EXCLUDED.voted_at`, id, guest, helpful, a.now()); err != nil {
			return fmt.Errorf("record the vote on review %s: %w", id, err)
		}
		r, err = scanReview(tx.QueryRow(ctx, `UPDATE reviews.reviews SET helpful_yes = helpful_yes + $2, helpful_total = helpful_total + $3
WHERE review_id = $1 RETURNING `+reviewCols, id, yes, total))
		return err
	})
	return r, err
}
