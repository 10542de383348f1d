package reviews

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/schemas"
)

// submission is a validated new review (decode.go).
type submission struct {
	ReservationID string
	GuideID       *string
	Rating        int
	GuideRating   *int
	Title         *string
	Body          string
	Language      string
}

// submit gates the submission (admit), checks its text and writes the review; a published
// one moves the aggregates and is announced, all in one transaction. A reservation already
// reviewed is a 409 naming the first review, also when two submissions race (the unique
// reservation_id decides).
func (a *app) submit(ctx context.Context, guest string, in submission) (*review, error) {
	if err := a.refuseSecond(ctx, guest, in.ReservationID); err != nil {
		return nil, err
	}
	res, learnt, err := a.admit(ctx, guest, in.ReservationID)
	if err != nil {
		return nil, err
	}
	now := a.now().UTC()
	r := &review{ID: uuid.NewString(), ReservationID: in.ReservationID, GuestID: guest, TripID: res.TripID,
		GuideID: in.GuideID, Rating: in.Rating, GuideRating: in.GuideRating, Title: in.Title, Body: in.Body,
		Language: in.Language, TripDate: tripDate(res), Rev: 1, CreatedAt: now, UpdatedAt: now}
	a.moderate(r, now)
	err = pgx.BeginFunc(ctx, a.db, func(tx pgx.Tx) error {
		if learnt != nil {
			if err := recordReservation(ctx, tx, *learnt); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO reviews.reviews (review_id, reservation_id, guest_id, trip_id, guide_id, rating, guide_rating,
	title, body, language, trip_date, status, moderation, rev, created_at, updated_at, published_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $14, $15)`,
			r.ID, r.ReservationID, r.GuestID, r.TripID, r.GuideID, r.Rating, r.GuideRating, r.Title, r.Body, r.Language,
			r.TripDate, r.Status, r.Moderation, now, r.PublishedAt)
		if err != nil {
			return err
		}
		return a.changed(ctx, tx, nil, r)
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "reviews_reservation_id_key" {
		return nil, a.refuseSecond(ctx, guest, in.ReservationID)
	}
	if err != nil {
		return nil, fmt.Errorf("submit a review of reservation %s: %w", in.ReservationID, err)
	}
	return r, nil
}

// refuseSecond is the 409 of a reservation that has a review already (nil when it has
// none). Another guest's review answers like an unknown reservation.
func (a *app) refuseSecond(ctx context.Context, guest, reservation string) error {
	id, author, err := reviewOfReservation(ctx, a.db, reservation)
	switch {
	case err != nil:
		return fmt.Errorf("look for the review of reservation %s: %w", reservation, err)
	case id == "":
		return nil
	case author != guest:
		return notYours(reservation)
	}
	return fault.Conflict("review-exists", "Already reviewed",
		"Reservation "+reservation+" already has your review "+id+"; edit it instead.").
		With("review_id", id).With("href", "/v1/reviews/"+id)
}

// tripDate is the reservation's departure date, else the day it was seen completed.
func tripDate(f reservationFact) time.Time {
	if f.DepartureDate != nil {
		return *f.DepartureDate
	}
	return f.At.UTC().Truncate(24 * time.Hour)
}

// moderate sets r's status from the automatic check: published when clean, pending with
// the reason otherwise.
func (a *app) moderate(r *review, now time.Time) {
	title := ""
	if r.Title != nil {
		title = *r.Title
	}
	if reason := a.check.flag(title, r.Body); reason != "" {
		r.Status, r.Moderation, r.PublishedAt = statusPending, &reason, nil
		return
	}
	r.Status, r.Moderation = statusPublished, nil
	if r.PublishedAt == nil {
		r.PublishedAt = &now
	}
}

// changed is what every change of a review does after writing it, in its transaction: the
// aggregates move from what before counted to what after counts, and a review that is
// published after the change is announced (again after an edit: consumers keep the latest).
func (a *app) changed(ctx context.Context, tx pgx.Tx, before, after *review) error {
	if err := a.applyVotes(ctx, tx, counted(before), counted(after)); err != nil {
		return err
	}
	if after == nil || after.Status != statusPublished {
		return nil
	}
	ev := &schemas.ReviewPublished{ReviewID: after.ID, ReservationID: after.ReservationID, GuestID: after.GuestID,
		TripID: after.TripID, GuideID: after.GuideID, Rating: after.Rating, GuideRating: after.GuideRating,
		Title: after.Title, Body: after.Body, Language: after.Language, TripDate: after.TripDate}
	if err := a.emit.Emit(ctx, tx, ev); err != nil {
		return fmt.Errorf("emit review.published %s: %w", after.ID, err)
	}
	return nil
}
