package analytics

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/internal/platform/problem"
)

// revenueView is revenue per bucket and currency, never summed across currencies.
type revenueView struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Bucket string `json:"bucket"`
	Group  string `json:"group"`
	// Rows are revenueLines (group=currency) or taxLines (group=jurisdiction).
	Rows any `json:"rows"`
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

// handleRevenue serves GET /v1/revenue: per currency (group=currency, the default) the
// revenue rollups with refunds and lost disputes netted; per jurisdiction and currency
// (group=jurisdiction) the financial report with tax. format=csv answers the same rows as
// CSV for finance's spreadsheets.
func (a *app) handleRevenue(w http.ResponseWriter, r *http.Request) error {
	win, err := parseWindow(r, a.now())
	if err != nil {
		return err
	}
	q := r.URL.Query()
	group, format := q.Get("group"), q.Get("format")
	var bad []problem.FieldError
	if group == "" {
		group = "currency"
	}
	if group != "currency" && group != "jurisdiction" && group != "reconciliation" {
		bad = append(bad, problem.FieldError{Field: "group", Reason: "must be currency, jurisdiction or reconciliation"})
	}
	if format != "" && format != "json" && format != "csv" {
		bad = append(bad, problem.FieldError{Field: "format", Reason: "must be json or csv"})
	}
	if len(bad) > 0 {
		return problem.Validation("The report parameters are not valid.", bad...)
	}
	view := revenueView{From: win.from.Format(time.DateOnly), To: win.to.Format(time.DateOnly), Bucket: win.bucket, Group: group}
	var table [][]string
	switch group {
	case "reconciliation":
		lines, err := a.mismatches(r.Context(), win)
		if err != nil {
			return err
		}
		view.Rows, table = orEmpty(lines), [][]string{{"day", "currency", "field", "payment_id", "ours_minor", "theirs_minor"}}
		for _, m := range lines {
			table = append(table, []string{m.Day, m.Currency, m.Field, m.PaymentID, fmt.Sprint(m.Ours), fmt.Sprint(m.Theirs)})
		}
	case "jurisdiction":
		lines, err := a.facts.TaxReport(r.Context(), win)
		if err != nil {
			return err
		}
		view.Rows, table = orEmpty(lines), [][]string{{"bucket", "jurisdiction", "currency", "gross", "tax", "net"}}
		for _, l := range lines {
			table = append(table, []string{l.Bucket, l.Jurisdiction, l.Currency, l.Gross, l.Tax, l.Net})
		}
	default:
		lines, err := a.facts.Revenue(r.Context(), win)
		if err != nil {
			return err
		}
		view.Rows, table = orEmpty(lines), [][]string{{"bucket", "currency", "gross", "refunded", "dispute_lost", "net"}}
		for _, l := range lines {
			table = append(table, []string{l.Bucket, l.Currency, l.Gross, l.Refunded, l.DisputeLost, l.Net})
		}
	}
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="revenue-%s-%s-%s.csv"`, group, view.From, view.To))
		return csv.NewWriter(w).WriteAll(table)
	}
	return httpedge.WriteJSON(w, http.StatusOK, view)
}

// orEmpty is s, or an empty slice for nil (a JSON [] rather than null).
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Revenue reads the revenue rollups of the window per bucket and currency.
func (s *pgFacts) Revenue(ctx context.Context, win window) ([]revenueLine, error) {
	rows, err := s.db.Query(ctx, `SELECT bucket::text, currency,
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
		return nil, fmt.Errorf("analytics: read revenue: %w", err)
	}
	lines, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (revenueLine, error) {
		var l revenueLine
		err := r.Scan(&l.Bucket, &l.Currency, &l.Gross, &l.Refunded, &l.DisputeLost, &l.Net)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("analytics: read revenue: %w", err)
	}
	return lines, nil
}
