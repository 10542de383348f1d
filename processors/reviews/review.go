package reviews

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/store"
)

// Review states.
const (
	statusPending   = "pending"
	statusPublished = "published"
	statusRejected  = "rejected"
)

// review is one row of reviews.
type review struct {
	ID, ReservationID, GuestID, TripID string
	GuideID                            *string
	Rating                             int
	GuideRating                        *int
	Title                              *string
	Body, Language                     string
	TripDate                           time.Time
	Status                             string
	Moderation                         *string
	Rev                                int
	HelpfulYes, HelpfulTotal           int
	HelpfulScore                       float64
	CreatedAt, UpdatedAt               time.Time
	PublishedAt                        *time.Time
}

const reviewCols = `review_id::text, reservation_id::text, guest_id::text, trip_id, guide_id, rating, guide_rating, title, body,
	language, trip_date, status, moderation, rev, helpful_yes, helpful_total, helpful_score, created_at, updated_at, published_at`

// scanReview scans reviewCols, then extra.
func scanReview(row pgx.Row, extra ...any) (*review, error) {
	var r review
	var rating int16
	var guideRating *int16
	err := row.Scan(append([]any{&r.ID, &r.ReservationID, &r.GuestID, &r.TripID, &r.GuideID, &rating, &guideRating, &r.Title, &r.Body,
		&r.Language, &r.TripDate, &r.Status, &r.Moderation, &r.Rev, &r.HelpfulYes, &r.HelpfulTotal, &r.HelpfulScore,
		&r.CreatedAt, &r.UpdatedAt, &r.PublishedAt}, extra...)...)
	if err != nil {
		return nil, err
	}
	r.Rating = int(rating)
	if guideRating != nil {
		g := int(*guideRating)
		r.GuideRating = &g
	}
	return &r, nil
}

// loadReview reads review id; nil when there is none. lock takes the row lock (FOR UPDATE)
// inside a transaction: the optimistic check and the write then see the same revision.
func loadReview(ctx context.Context, db store.DB, id string, lock bool) (*review, error) {
	q := `SELECT ` + reviewCols + ` FROM reviews.reviews WHERE review_id = $1`
	if lock {
		q += ` FOR UPDATE`
	}
	r, err := scanReview(db.QueryRow(ctx, q, id))
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read review %s: %w", id, err)
	}
	return r, nil
}

// reviewOfReservation is the id and author of the reservation's review, if it has one.
func reviewOfReservation(ctx context.Context, db store.DB, reservation string) (id, guest string, err error) {
	err = db.QueryRow(ctx, `SELECT review_id::text, guest_id::text FROM reviews.reviews WHERE reservation_id = $1`, reservation).Scan(&id, &guest)
	if err == pgx.ErrNoRows {
		return "", "", nil
	}
	return id, guest, err
}
