package analytics

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// taxLine is one bucket's revenue in one jurisdiction and currency: the signed amounts as
// charged (gross: captured payments less refunds and lost disputes), the tax they include
// and the rest (net).
type taxLine struct {
	Bucket       string `json:"bucket"`
	Jurisdiction string `json:"jurisdiction"`
	Currency     string `json:"currency"`
	Gross        string `json:"gross"`
	Tax          string `json:"tax"`
	Net          string `json:"net"`
}

// TaxReport computes tax on every revenue fact of the window: its trip (through the
// reservation it paid for) gives the jurisdiction, the rate in force on the fact's day
// gives the tax, rounded per fact to the amount's own decimal places. It reads facts
// (pruned to the window's months), since a jurisdiction is known only through the
// reservation, which may arrive after its payment.
func (s *pgFacts) TaxReport(ctx context.Context, win window) ([]taxLine, error) {
	rows, err := s.db.Query(ctx, `WITH taxed AS (
			SELECT date_trunc($3, r.occurred_at AT TIME ZONE 'UTC')::date AS bucket,
				coalesce(j.jurisdiction, 'UNASSIGNED') AS jurisdiction, r.currency, r.value,
				round(r.value * coalesce(t.rate, 0) / (1 + coalesce(t.rate, 0)), scale(r.value)) AS tax
			FROM analytics.revenue_metrics r
			LEFT JOIN LATERAL (SELECT b.trip_id FROM analytics.booking_metrics b
				WHERE b.metric = 'reservations' AND b.reservation_id = r.reservation_id LIMIT 1) b ON true
			LEFT JOIN analytics.trip_jurisdictions j ON j.trip_id = b.trip_id
			LEFT JOIN LATERAL (SELECT rate FROM analytics.tax_rates tr
				WHERE tr.jurisdiction = j.jurisdiction AND tr.effective_from <= (r.occurred_at AT TIME ZONE 'UTC')::date
				ORDER BY tr.effective_from DESC LIMIT 1) t ON true
			WHERE r.metric = ANY ($4) AND r.occurred_at >= $1 AND r.occurred_at < $2)
		SELECT bucket::text, jurisdiction, currency, sum(value)::text, sum(tax)::text, (sum(value) - sum(tax))::text
		FROM taxed GROUP BY bucket, jurisdiction, currency ORDER BY bucket, jurisdiction, currency`,
		win.from, win.end(), win.bucket, netRevenueMetrics)
	if err != nil {
		return nil, fmt.Errorf("analytics: tax report: %w", err)
	}
	lines, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (taxLine, error) {
		var l taxLine
		err := r.Scan(&l.Bucket, &l.Jurisdiction, &l.Currency, &l.Gross, &l.Tax, &l.Net)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("analytics: tax report: %w", err)
	}
	return lines, nil
}
