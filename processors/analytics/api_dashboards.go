package analytics

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/novatrek/support/internal/platform/httpedge"
)

// dashboardView is a dashboard answer: the rollups of one fact table in the window.
type dashboardView struct {
	Fact   string       `json:"fact"`
	From   string       `json:"from"`
	To     string       `json:"to"`
	Bucket string       `json:"bucket"`
	By     string       `json:"by"`
	Rows   []rollupView `json:"rows"`
	// Utilization is occupancy over capacity per bucket and key (utilization only).
	Utilization []ratioView `json:"utilization,omitempty"`
}

// rollupView is one rollup: how many facts of metric fell in bucket (for key, in
// currency) and the sum of their values, an exact decimal.
type rollupView struct {
	Bucket   string `json:"bucket"`
	Key      string `json:"key,omitempty"`
	Metric   string `json:"metric"`
	Currency string `json:"currency,omitempty"`
	Count    int64  `json:"count"`
	Total    string `json:"total"`
}

// ratioView is the utilization of one bucket and key: the sampled occupancy over the
// sampled capacity, and the seats booked and guests checked in beside them.
type ratioView struct {
	Bucket    string  `json:"bucket"`
	Key       string  `json:"key,omitempty"`
	Ratio     float64 `json:"ratio"`
	Occupancy string  `json:"occupancy"`
	Capacity  string  `json:"capacity"`
}

// dashboard serves the rollups of t: booking trends, utilization and safety metrics.
func dashboard(t table) func(*app, http.ResponseWriter, *http.Request) error {
	return func(a *app, w http.ResponseWriter, r *http.Request) error {
		win, err := parseWindow(r, a.now())
		if err != nil {
			return err
		}
		rows, err := a.facts.Rollups(r.Context(), t, win)
		if err != nil {
			return err
		}
		v := dashboardView{Fact: t.String(), From: win.from.Format(time.DateOnly), To: win.to.Format(time.DateOnly),
			Bucket: win.bucket, By: win.by, Rows: rows}
		if t == utilizationMetrics {
			v.Utilization, err = a.facts.Utilization(r.Context(), win)
			if err != nil {
				return err
			}
		}
		return httpedge.WriteJSON(w, http.StatusOK, v)
	}
}

// Rollups reads t's rollups in the window, ordered by bucket, key, metric and currency.
func (s *pgFacts) Rollups(ctx context.Context, t table, win window) ([]rollupView, error) {
	rows, err := s.db.Query(ctx, `SELECT bucket::text, dim_value, metric, currency, n, total::text
		FROM analytics.rollups
		WHERE fact = $1 AND dim = $2 AND grain = $3 AND bucket BETWEEN $4 AND $5 AND ($6 = '' OR dim_value = $6)
		ORDER BY bucket, dim_value, metric, currency`, t.String(), win.by, win.bucket, win.from, win.to, win.key)
	if err != nil {
		return nil, fmt.Errorf("analytics: read %s rollups: %w", t, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (rollupView, error) {
		var v rollupView
		err := r.Scan(&v.Bucket, &v.Key, &v.Metric, &v.Currency, &v.Count, &v.Total)
		return v, err
	})
	if out == nil {
		out = []rollupView{}
	}
	return out, err
}

// Utilization is occupancy over capacity per bucket and key, from the capacity samples.
func (s *pgFacts) Utilization(ctx context.Context, win window) ([]ratioView, error) {
	rows, err := s.db.Query(ctx, `SELECT bucket::text, dim_value,
			(coalesce(sum(total) FILTER (WHERE metric = 'occupancy'), 0) / sum(total) FILTER (WHERE metric = 'capacity'))::float8,
			coalesce(sum(total) FILTER (WHERE metric = 'occupancy'), 0)::text, sum(total) FILTER (WHERE metric = 'capacity')::text
		FROM analytics.rollups
		WHERE fact = 'utilization_metrics' AND metric IN ('occupancy', 'capacity') AND dim = $1 AND grain = $2
			AND bucket BETWEEN $3 AND $4 AND ($5 = '' OR dim_value = $5)
		GROUP BY bucket, dim_value
		HAVING sum(total) FILTER (WHERE metric = 'capacity') > 0
		ORDER BY bucket, dim_value`, win.by, win.bucket, win.from, win.to, win.key)
	if err != nil {
		return nil, fmt.Errorf("analytics: read utilization: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ratioView, error) {
		var v ratioView
		err := r.Scan(&v.Bucket, &v.Key, &v.Ratio, &v.Occupancy, &v.Capacity)
		return v, err
	})
}
