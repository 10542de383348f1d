package reviews

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/fault"
)

// edit is a validated change of a review's text or ratings (decode.go); nil fields stay.
type edit struct {
	Rating, GuideRating *int
	Title, Body         *string
	ClearTitle          bool
}

// decision is a moderator's verdict on a review.
type decision struct {
	Publish bool
	Reason  *string
}

// revise applies change to review id if its revision is still rev: under the row lock, so
// two editors who read the same revision cannot both write (the second gets 412 with the
// current revision and must re-read). owner is the guest who must have written it ("" for a
// moderator); another guest's review answers 404. change returns the review after (nil
// deletes it); the aggregates and events follow in the same transaction.
func (a *app) revise(ctx context.Context, id string, rev int, owner string, change func(r review) (*review, error)) (*review, error) {
	var after *review
	err := pgx.BeginFunc(ctx, a.db, func(tx pgx.Tx) error {
		before, err := loadReview(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if before == nil || (owner != "" && before.GuestID != owner) {
			return fault.NotFound("No review " + id + ".")
		}
		if before.Rev != rev {
			return fault.PreconditionFailed(fmt.Sprintf("Review %s is at revision %d, not %d: read it again and reapply your change.",
				id, before.Rev, rev)).With("_rev", before.Rev).With("etag", etag(before.Rev))
		}
		if after, err = change(*before); err != nil {
			return err
		}
		if after == nil {
			if _, err := tx.Exec(ctx, `DELETE FROM reviews.reviews WHERE review_id = $1`, id); err != nil {
				return fmt.Errorf("delete review %s: %w", id, err)
			}
			return a.changed(ctx, tx, before, nil)
		}
		after.Rev, after.UpdatedAt = before.Rev+1, a.now().UTC()
		_, err = tx.Exec(ctx, `UPDATE reviews.reviews SET rating = $2, guide_rating = $3, title = $4, body = $5, status = $6,
	moderation = $7, published_at = $8, rev = $9, updated_at = $10 WHERE review_id = $1`,
			id, after.Rating, after.GuideRating, after.Title, after.Body, after.Status, after.Moderation, after.PublishedAt,
			after.Rev, after.UpdatedAt)
		if err != nil {
			return fmt.Errorf("update review %s: %w", id, err)
		}
		return a.changed(ctx, tx, before, after)
	})
	return after, err
}

// applyEdit is the guest's edit of r: the text is checked again, so an edit can send a
// published review back to the moderator; a review a moderator rejected waits for one
// again whatever the check says.
func (a *app) applyEdit(r review, e edit) (*review, error) {
	if e.Rating != nil {
		r.Rating = *e.Rating
	}
	if e.GuideRating != nil {
		if r.GuideID == nil {
			return nil, fault.Invalid("The review names no guide; guide_rating needs one.")
		}
		r.GuideRating = e.GuideRating
	}
	if e.ClearTitle {
		r.Title = nil
	} else if e.Title != nil {
		r.Title = e.Title
	}
	if e.Body != nil {
		r.Body = *e.Body
	}
	rejected := r.Status == statusRejected
	a.moderate(&r, a.now().UTC())
	if rejected {
		reason := "edited after rejection"
		r.Status, r.Moderation, r.PublishedAt = statusPending, &reason, nil
	}
	return &r, nil
}

// applyDecision is a moderator's verdict: publish (keeping the first publication time) or
// reject.
func (a *app) applyDecision(r review, d decision) (*review, error) {
	r.Moderation = d.Reason
	if !d.Publish {
		r.Status, r.PublishedAt = statusRejected, nil
		return &r, nil
	}
	if r.Status != statusPublished {
		now := a.now().UTC()
		r.Status, r.PublishedAt = statusPublished, &now
	}
	return &r, nil
}

// etag is the ETag of revision rev: a strong validator, the revision quoted.
func etag(rev int) string { return `"` + strconv.Itoa(rev) + `"` }
