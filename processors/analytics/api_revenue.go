package analytics

import (
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
)

// revenueView is revenue per bucket and currency, never summed across currencies.
type revenueView struct {
	From   string        `json:"from"`
	To     string        `json:"to"`
	Bucket string        `json:"bucket"`
	Rows   []revenueLine `json:"rows"`
}

// revenueLine is one bucket's revenue in one currency: captured payments (gross), refunds
// and lost disputes (both negative), and their sum (net). Exact decimals.
type revenueLine struct {
	Bucket      string `json:"bucket"`
	Currency    string `json:"currency"`
	Gross       string `json:"gross"`
	Refunded    string `json:"refunded"`
	DisputeLost string `json:"dispute_lost"`
	Net         string `json:"net"`
}

// handleRevenue serves GET /v1/revenue: the revenue rollups of the window, refunds and
// lost disputes netted per currency.
func (a *app) handleRevenue(w http.ResponseWriter, r *http.Request) error {
	win, err := parseWindow(r, a.now())
	if err != nil {
		return err
	}
	rows, err := a.db.Query(r.Context(), `SELECT bucket::text, currency,
			coalesce(sum(total) FILTER (WHERE metric = $4), 0)::text,
			coalesce(sum(total) FILTER (WHERE metric = $5), 0)::text,
			coalesce(sum(total) FILTER (WHERE metric = $6), 0)::text,
			sum(total)::text
		FROM analytics.rollups
		WHERE fact = 'revenue_metrics' AND dim = 'all' AND grain = $1 AND bucket BETWEEN $2 AND $3
			AND metric IN ($4, $5, $6)
		GROUP BY bucket, currency
		ORDER BY bucket, currency`, win.bucket, win.from, win.to, metricCaptured, metricRefunded, metricDisputeLost)
	if err != nil {
		return fmt.Errorf("analytics: read revenue: %w", err)
	}
	lines, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (revenueLine, error) {
		var l revenueLine
		err := r.Scan(&l.Bucket, &l.Currency, &l.Gross, &l.Refunded, &l.DisputeLost, &l.Net)
		return l, err
	})
	if err != nil {
		return fmt.Errorf("analytics: read revenue: %w", err)
	}
	if lines == nil {
		lines = []revenueLine{}
	}
	return writeJSON(w, revenueView{From: win.from.Format(time.DateOnly), To: win.to.Format(time.DateOnly), Bucket: win.bucket, Rows: lines})
}
