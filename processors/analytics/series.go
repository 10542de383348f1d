package analytics

import (
	"context"
	"fmt"
	"time"
)

// point is one bucket of a metric's series.
type point struct {
	bucket time.Time
	value  float64
}

// series is the rollup total of metric in t per bucket from first to last (both
// included), overall or for win's key, in currency ("" for counts); buckets without facts
// are zeros.
func (a *app) series(ctx context.Context, t table, metric string, win window, currency string, first, last time.Time,
	step func(time.Time, int) time.Time) ([]point, error) {
	values, err := a.facts.Series(ctx, t, metric, win, currency, first, last)
	if err != nil {
		return nil, err
	}
	var out []point
	for b := first; !b.After(last); b = step(b, 1) {
		out = append(out, point{bucket: b, value: values[b]})
	}
	return out, nil
}

// Series reads the rollup totals of metric per bucket.
func (s *pgFacts) Series(ctx context.Context, t table, metric string, win window, currency string, first, last time.Time) (map[time.Time]float64, error) {
	rows, err := s.db.Query(ctx, `SELECT bucket, total::float8 FROM analytics.rollups
		WHERE fact = $1 AND dim = $2 AND dim_value = $3 AND grain = $4 AND metric = $5 AND currency = $6
			AND bucket BETWEEN $7 AND $8`, t.String(), win.by, win.key, win.bucket, metric, currency, first, last)
	if err != nil {
		return nil, fmt.Errorf("analytics: read the %s series: %w", metric, err)
	}
	defer rows.Close()
	values := map[time.Time]float64{}
	for rows.Next() {
		var b time.Time
		var v float64
		if err := rows.Scan(&b, &v); err != nil {
			return nil, fmt.Errorf("analytics: read the %s series: %w", metric, err)
		}
		values[b.UTC()] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("analytics: read the %s series: %w", metric, err)
	}
	return values, nil
}
