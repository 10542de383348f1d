package reviews

import (
	"time"

	"github.com/novatrek/support/internal/platform/apiauth"
)

// reviewView is a review as the API answers it (openapi.json's Review).
type reviewView struct {
	ReviewID      string      `json:"review_id"`
	ReservationID string      `json:"reservation_id"`
	GuestID       string      `json:"guest_id"`
	TripID        string      `json:"trip_id"`
	GuideID       *string     `json:"guide_id"`
	Rating        int         `json:"rating"`
	GuideRating   *int        `json:"guide_rating"`
	Title         *string     `json:"title"`
	Body          string      `json:"body"`
	Language      string      `json:"language"`
	TripDate      string      `json:"trip_date"`
	Status        string      `json:"status"`
	Moderation    *string     `json:"moderation,omitempty"`
	Rev           int         `json:"_rev"`
	Helpful       helpfulView `json:"helpful"`
	CreatedAt     time.Time   `json:"created_at"`
	UpdatedAt     time.Time   `json:"updated_at"`
	PublishedAt   *time.Time  `json:"published_at"`
	Rank          *float64    `json:"rank,omitempty"`
	Snippet       *string     `json:"snippet,omitempty"`
}

type helpfulView struct {
	Yes   int     `json:"yes"`
	Total int     `json:"total"`
	Score float64 `json:"score"`
}

type listView struct {
	Items      []reviewView `json:"items"`
	NextCursor *string      `json:"next_cursor"`
}

// view is r for c: the moderation note only to its author and moderators.
func view(r *review, c apiauth.Caller) reviewView {
	v := reviewView{ReviewID: r.ID, ReservationID: r.ReservationID, GuestID: r.GuestID, TripID: r.TripID, GuideID: r.GuideID,
		Rating: r.Rating, GuideRating: r.GuideRating, Title: r.Title, Body: r.Body, Language: r.Language,
		TripDate: r.TripDate.Format(time.DateOnly), Status: r.Status, Rev: r.Rev,
		Helpful:   helpfulView{Yes: r.HelpfulYes, Total: r.HelpfulTotal, Score: r.HelpfulScore},
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), PublishedAt: r.PublishedAt}
	if c.Name == CallerModeration || (c.Guest != "" && c.Guest == r.GuestID) {
		v.Moderation = r.Moderation
	}
	return v
}

// ratingView is a target's rating (openapi.json's Rating).
type ratingView struct {
	TargetType      string           `json:"target_type"`
	TargetID        string           `json:"target_id"`
	ReviewCount     int64            `json:"review_count"`
	Mean            *float64         `json:"mean"`
	BayesianAverage float64          `json:"bayesian_average"`
	PriorMean       float64          `json:"prior_mean"`
	PriorWeight     float64          `json:"prior_weight"`
	Histogram       map[string]int64 `json:"histogram"`
	UpdatedAt       *time.Time       `json:"updated_at"`
}

func ratingOf(g aggregate, prior, weight float64) ratingView {
	v := ratingView{TargetType: g.Type, TargetID: g.ID, ReviewCount: g.Count, BayesianAverage: bayesian(g, prior, weight),
		PriorMean: prior, PriorWeight: weight,
		Histogram: map[string]int64{"1": g.Stars[0], "2": g.Stars[1], "3": g.Stars[2], "4": g.Stars[3], "5": g.Stars[4]}}
	if g.Count > 0 {
		m := g.Mean()
		v.Mean = &m
		at := g.UpdatedAt.UTC()
		v.UpdatedAt = &at
	}
	return v
}
