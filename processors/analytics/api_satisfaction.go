package analytics

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/internal/platform/problem"
)

// satisfactionView is the satisfaction of one guest, trip or guide in a window: each
// satisfaction metric's count, total and average (the average of review_rating is the
// average rating).
type satisfactionView struct {
	TargetType string             `json:"target_type"`
	TargetID   string             `json:"target_id"`
	From       string             `json:"from"`
	To         string             `json:"to"`
	Metrics    []satisfactionLine `json:"metrics"`
}

type satisfactionLine struct {
	Metric  string  `json:"metric"`
	Count   int64   `json:"count"`
	Total   string  `json:"total"`
	Average float64 `json:"average"`
}

// satisfactionTarget is a query parameter naming whose scores are asked for, and the fact
// column it selects.
type satisfactionTarget struct{ param, targetType, column string }

// satisfactionTargets are the three kinds of target.
var satisfactionTargets = []satisfactionTarget{
	{"guest_id", "guest", "guest_id"},
	{"trip_id", "trip", "trip_id"},
	{"guide_id", "guide", "guide_id"},
}

// handleSatisfaction serves GET /v1/satisfaction-scores (svc-guest-profiles' "Get
// satisfaction scores"): exactly one of guest_id, trip_id, guide_id, and the window: the
// metrics of satisfaction_scores and the guides' ratings of guide_performance. A trip's or
// guide's come from the daily rollups; a guest's from the facts (guests have no rollup),
// pruned to the window's partitions.
func (a *app) handleSatisfaction(w http.ResponseWriter, r *http.Request) error {
	win, err := parseWindow(r, a.now())
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var target satisfactionTarget
	var id string
	for _, t := range satisfactionTargets {
		if v := q.Get(t.param); v != "" {
			if id != "" {
				return problem.Validation("Ask for one guest, trip or guide at a time.",
					problem.FieldError{Field: t.param, Reason: "only one of guest_id, trip_id, guide_id may be given"})
			}
			target, id = t, v
		}
	}
	if id == "" {
		return problem.Validation("Name whose scores to read.", problem.FieldError{Field: "guest_id", Reason: "one of guest_id, trip_id, guide_id is required"})
	}
	lines, err := a.facts.Satisfaction(r.Context(), target, id, win)
	if err != nil {
		return err
	}
	if lines == nil {
		lines = []satisfactionLine{}
	}
	return httpedge.WriteJSON(w, http.StatusOK, satisfactionView{TargetType: target.targetType, TargetID: id, From: win.from.Format(time.DateOnly), To: win.to.Format(time.DateOnly), Metrics: lines})
}

// Satisfaction reads a guest's scores from the facts and a trip's or guide's from the
// daily rollups.
func (s *pgFacts) Satisfaction(ctx context.Context, target satisfactionTarget, id string, win window) ([]satisfactionLine, error) {
	query, args := satisfactionQuery(target.column), []any{id, win.from, win.end()}
	if target.targetType != "guest" { // trips and guides have daily rollups; guests do not
		query, args = satisfactionRollupQuery, []any{target.targetType, id, win.from, win.end().AddDate(0, 0, -1)}
	}
	rows, err := s.db.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("analytics: read satisfaction: %w", err)
	}
	lines, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (satisfactionLine, error) {
		var l satisfactionLine
		err := r.Scan(&l.Metric, &l.Count, &l.Total, &l.Average)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("analytics: read satisfaction: %w", err)
	}
	return lines, nil
}

// satisfactionQuery is the satisfaction metrics of the target in column ($1) from $2 to
// before $3; column is one of satisfactionTargets' constants. The time bounds are on the
// partition key, so only the window's months are read.
func satisfactionQuery(column string) string {
	return fmt.Sprintf(`SELECT metric, count(*), sum(value)::text, avg(value)::float8 FROM (
			SELECT metric, value FROM analytics.satisfaction_scores WHERE %[1]s = $1 AND occurred_at >= $2 AND occurred_at < $3
			UNION ALL
			SELECT metric, value FROM analytics.guide_performance WHERE metric = 'guide_rating' AND %[1]s = $1 AND occurred_at >= $2 AND occurred_at < $3
		) s GROUP BY metric ORDER BY metric`, column)
}

// satisfactionRollupQuery is satisfactionQuery for a trip or guide ($1 the dimension, $2
// its id) over the daily rollups from $3 to $4 (both included).
const satisfactionRollupQuery = `SELECT metric, sum(n)::bigint, sum(total)::text, (sum(total) / sum(n))::float8
	FROM analytics.rollups
	WHERE fact IN ('satisfaction_scores', 'guide_performance') AND dim = $1 AND grain = 'day' AND bucket BETWEEN $3 AND $4
		AND dim_value = $2 AND (fact = 'satisfaction_scores' OR metric = 'guide_rating')
	GROUP BY metric ORDER BY metric`
