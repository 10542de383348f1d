package analytics

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/money"
)

// The Oracle store's reads: the API's, the forecast's and the reconciliation's, in Oracle
// SQL over the rollup views (oracleView) and the facts, answering what the PostgreSQL
// store answers (the contract suite compares them when ORACLE_DSN is set).

// oracleDate reads a bound date ("2006-01-02").
const oracleDate = `TO_DATE(%s, 'YYYY-MM-DD')`

// dimColumn is the view's column of a window's by, "" for all.
func dimColumn(by string) string {
	switch by {
	case "trip", "guide", "location":
		return by + "_id"
	}
	return ""
}

// windowFilter is the WHERE clause of a view read for win (bucket range, slice, key) and
// its arguments, numbered from :1; key is the view's column of win.by, or NULL for all,
// and groupBy what a GROUP BY lists after the bucket for it (nothing for all).
func windowFilter(win window) (where, key, groupBy string, args []any) {
	where = fmt.Sprintf(`bucket BETWEEN `+oracleDate+` AND `+oracleDate, ":1", ":2")
	args = []any{win.from.Format(time.DateOnly), win.to.Format(time.DateOnly)}
	key = "NULL"
	if col := dimColumn(win.by); col != "" {
		key, groupBy, where = col, ", "+col, where+" AND "+col+" IS NOT NULL"
		if win.key != "" {
			where += " AND " + col + " = :3"
			args = append(args, win.key)
		}
	}
	return where, key, groupBy, args
}

// oracleNumber is an Oracle NUMBER's text as PostgreSQL's numeric gives it: a leading zero
// before the point, and money in its currency's decimal places.
func oracleNumber(s, currency string) string {
	if strings.HasPrefix(s, ".") {
		s = "0" + s
	} else if strings.HasPrefix(s, "-.") {
		s = "-0" + s[1:]
	}
	if currency != "" {
		if a, err := money.Parse(s, currency); err == nil {
			return a.Decimal()
		}
	}
	return s
}

// Rollups sums the view of t and win.bucket per bucket, key, metric and currency.
func (s *oracleFacts) Rollups(ctx context.Context, t table, win window) ([]rollupView, error) {
	where, key, groupBy, args := windowFilter(win)
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(`SELECT TO_CHAR(bucket, 'YYYY-MM-DD'), %[2]s, metric, currency, SUM(n), SUM(total)
		FROM %[1]s WHERE %[3]s
		GROUP BY bucket%[4]s, metric, currency
		ORDER BY 1, 2, 3, 4`, oracleView(t, win.bucket), key, where, groupBy), args...)
	if err != nil {
		return nil, fmt.Errorf("analytics: read %s rollups from Oracle: %w", t, err)
	}
	defer rows.Close()
	out := []rollupView{}
	for rows.Next() {
		var v rollupView
		var k, cur sql.NullString
		if err := rows.Scan(&v.Bucket, &k, &v.Metric, &cur, &v.Count, &v.Total); err != nil {
			return nil, fmt.Errorf("analytics: read %s rollups from Oracle: %w", t, err)
		}
		v.Key, v.Currency, v.Total = k.String, strings.TrimSpace(cur.String), oracleNumber(v.Total, strings.TrimSpace(cur.String))
		out = append(out, v)
	}
	return out, rows.Err()
}

// Utilization is occupancy over capacity per bucket and key from the utilization view.
func (s *oracleFacts) Utilization(ctx context.Context, win window) ([]ratioView, error) {
	where, key, groupBy, args := windowFilter(win)
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(`SELECT TO_CHAR(bucket, 'YYYY-MM-DD'), k, TO_BINARY_DOUBLE(occ / cap), occ, cap FROM (
			SELECT bucket, %[2]s AS k, NVL(SUM(CASE WHEN metric = 'occupancy' THEN total END), 0) AS occ,
				SUM(CASE WHEN metric = 'capacity' THEN total END) AS cap
			FROM %[1]s WHERE metric IN ('occupancy', 'capacity') AND %[3]s
			GROUP BY bucket%[4]s)
		WHERE cap > 0 ORDER BY 1, 2`, oracleView(utilizationMetrics, win.bucket), key, where, groupBy), args...)
	if err != nil {
		return nil, fmt.Errorf("analytics: read utilization from Oracle: %w", err)
	}
	defer rows.Close()
	var out []ratioView
	for rows.Next() {
		var v ratioView
		var k sql.NullString
		if err := rows.Scan(&v.Bucket, &k, &v.Ratio, &v.Occupancy, &v.Capacity); err != nil {
			return nil, fmt.Errorf("analytics: read utilization from Oracle: %w", err)
		}
		v.Key, v.Occupancy, v.Capacity = k.String, oracleNumber(v.Occupancy, ""), oracleNumber(v.Capacity, "")
		out = append(out, v)
	}
	return out, rows.Err()
}

// Revenue sums the revenue view per bucket and currency, refunds and lost disputes netted.
func (s *oracleFacts) Revenue(ctx context.Context, win window) ([]revenueLine, error) {
	where, _, _, args := windowFilter(window{from: win.from, to: win.to, bucket: win.bucket, by: "all"})
	// Positional binds count every occurrence: the three metrics twice.
	args = append(args, metricCaptured, metricRefunded, metricDisputeLost, metricCaptured, metricRefunded, metricDisputeLost)
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(`SELECT TO_CHAR(bucket, 'YYYY-MM-DD'), currency,
			NVL(SUM(CASE WHEN metric = :3 THEN total END), 0), NVL(SUM(CASE WHEN metric = :4 THEN total END), 0),
			NVL(SUM(CASE WHEN metric = :5 THEN total END), 0), SUM(total)
		FROM %s WHERE %s AND metric IN (:6, :7, :8)
		GROUP BY bucket, currency ORDER BY 1, 2`, oracleView(revenueMetrics, win.bucket), where), args...)
	if err != nil {
		return nil, fmt.Errorf("analytics: read revenue from Oracle: %w", err)
	}
	defer rows.Close()
	var out []revenueLine
	for rows.Next() {
		var l revenueLine
		if err := rows.Scan(&l.Bucket, &l.Currency, &l.Gross, &l.Refunded, &l.DisputeLost, &l.Net); err != nil {
			return nil, fmt.Errorf("analytics: read revenue from Oracle: %w", err)
		}
		l.Currency = strings.TrimSpace(l.Currency)
		for _, v := range []*string{&l.Gross, &l.Refunded, &l.DisputeLost, &l.Net} {
			*v = oracleNumber(*v, l.Currency)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// Satisfaction reads a guest's scores from the facts and a trip's or guide's from the
// daily views, like the PostgreSQL store.
func (s *oracleFacts) Satisfaction(ctx context.Context, target satisfactionTarget, id string, win window) ([]satisfactionLine, error) {
	var q string
	var args []any
	if target.targetType == "guest" {
		from, to := fmt.Sprintf(oracleTimeSQL, ":2"), fmt.Sprintf(oracleTimeSQL, ":3")
		from2, to2 := fmt.Sprintf(oracleTimeSQL, ":5"), fmt.Sprintf(oracleTimeSQL, ":6")
		q = fmt.Sprintf(`SELECT metric, COUNT(*), SUM(value), AVG(value) FROM (
				SELECT metric, value FROM satisfaction_scores WHERE %[1]s = :1 AND occurred_at >= %[2]s AND occurred_at < %[3]s
				UNION ALL
				SELECT metric, value FROM guide_performance WHERE metric = 'guide_rating' AND %[1]s = :4 AND occurred_at >= %[4]s AND occurred_at < %[5]s)
			GROUP BY metric ORDER BY metric`, target.column, from, to, from2, to2)
		f, e := win.from.UTC().Format(oracleTime), win.end().UTC().Format(oracleTime)
		args = []any{id, f, e, id, f, e}
	} else {
		q = fmt.Sprintf(`SELECT metric, SUM(n), SUM(total), SUM(total) / SUM(n) FROM (
				SELECT metric, n, total FROM %[2]s WHERE %[1]s = :1 AND bucket BETWEEN %[4]s AND %[5]s
				UNION ALL
				SELECT metric, n, total FROM %[3]s WHERE metric = 'guide_rating' AND %[1]s = :4 AND bucket BETWEEN %[6]s AND %[7]s)
			GROUP BY metric ORDER BY metric`, target.column, oracleView(satisfactionScores, "day"), oracleView(guidePerformance, "day"),
			fmt.Sprintf(oracleDate, ":2"), fmt.Sprintf(oracleDate, ":3"), fmt.Sprintf(oracleDate, ":5"), fmt.Sprintf(oracleDate, ":6"))
		f, e := win.from.Format(time.DateOnly), win.end().AddDate(0, 0, -1).Format(time.DateOnly)
		args = []any{id, f, e, id, f, e}
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("analytics: read satisfaction from Oracle: %w", err)
	}
	defer rows.Close()
	var out []satisfactionLine
	for rows.Next() {
		var l satisfactionLine
		if err := rows.Scan(&l.Metric, &l.Count, &l.Total, &l.Average); err != nil {
			return nil, fmt.Errorf("analytics: read satisfaction from Oracle: %w", err)
		}
		l.Total = oracleNumber(l.Total, "")
		out = append(out, l)
	}
	return out, rows.Err()
}

// Series sums the view of t and win.bucket per bucket for metric, win's key and currency.
func (s *oracleFacts) Series(ctx context.Context, t table, metric string, win window, currency string, first, last time.Time) (map[time.Time]float64, error) {
	where, _, _, args := windowFilter(window{from: first, to: last, bucket: win.bucket, by: win.by, key: win.key})
	if dimColumn(win.by) != "" && win.key == "" {
		where += " AND 1 = 0" // a slice without its key: PostgreSQL's dim_value = '' matches nothing either
	}
	n := len(args)
	where += fmt.Sprintf(" AND metric = :%d", n+1)
	args = append(args, metric)
	if currency == "" {
		where += " AND currency IS NULL"
	} else {
		where += fmt.Sprintf(" AND currency = :%d", n+2)
		args = append(args, currency)
	}
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(`SELECT TO_CHAR(bucket, 'YYYY-MM-DD'), TO_BINARY_DOUBLE(SUM(total))
		FROM %s WHERE %s GROUP BY bucket`, oracleView(t, win.bucket), where), args...)
	if err != nil {
		return nil, fmt.Errorf("analytics: read the %s series from Oracle: %w", metric, err)
	}
	defer rows.Close()
	values := map[time.Time]float64{}
	for rows.Next() {
		var b string
		var v float64
		if err := rows.Scan(&b, &v); err != nil {
			return nil, fmt.Errorf("analytics: read the %s series from Oracle: %w", metric, err)
		}
		d, err := time.Parse(time.DateOnly, b)
		if err != nil {
			return nil, fmt.Errorf("analytics: read the %s series from Oracle: %w", metric, err)
		}
		values[d] = v
	}
	return values, rows.Err()
}

// DayRevenue reads the day's revenue facts per currency and metric.
func (s *oracleFacts) DayRevenue(ctx context.Context, day time.Time) ([]dayRevenue, error) {
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(`SELECT currency, metric, ABS(SUM(value)), COUNT(*) FROM revenue_metrics
		WHERE occurred_at >= %s AND occurred_at < %s AND metric IN (:3, :4, :5) AND currency IS NOT NULL
		GROUP BY currency, metric`, fmt.Sprintf(oracleTimeSQL, ":1"), fmt.Sprintf(oracleTimeSQL, ":2")),
		day.UTC().Format(oracleTime), day.UTC().AddDate(0, 0, 1).Format(oracleTime), metricCaptured, metricRefunded, metricDisputeLost)
	if err != nil {
		return nil, fmt.Errorf("analytics: reconcile: our totals in Oracle: %w", err)
	}
	defer rows.Close()
	var out []dayRevenue
	for rows.Next() {
		var d dayRevenue
		if err := rows.Scan(&d.currency, &d.metric, &d.total, &d.n); err != nil {
			return nil, fmt.Errorf("analytics: reconcile: our totals in Oracle: %w", err)
		}
		d.currency = strings.TrimSpace(d.currency)
		d.total = oracleNumber(d.total, d.currency)
		out = append(out, d)
	}
	return out, rows.Err()
}

// DayCaptures reads each payment's captured total of the day in currency.
func (s *oracleFacts) DayCaptures(ctx context.Context, day time.Time, currency string) ([]capture, error) {
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(`SELECT reference_id, SUM(value) FROM revenue_metrics
		WHERE occurred_at >= %s AND occurred_at < %s AND metric = :3 AND currency = :4
		GROUP BY reference_id ORDER BY reference_id`, fmt.Sprintf(oracleTimeSQL, ":1"), fmt.Sprintf(oracleTimeSQL, ":2")),
		day.UTC().Format(oracleTime), day.UTC().AddDate(0, 0, 1).Format(oracleTime), metricCaptured, currency)
	if err != nil {
		return nil, fmt.Errorf("analytics: reconcile: our payments in Oracle: %w", err)
	}
	defer rows.Close()
	var out []capture
	for rows.Next() {
		var c capture
		if err := rows.Scan(&c.id, &c.total); err != nil {
			return nil, fmt.Errorf("analytics: reconcile: our payments in Oracle: %w", err)
		}
		c.total = oracleNumber(c.total, currency)
		out = append(out, c)
	}
	return out, rows.Err()
}

// TaxReport is not served from Oracle: it joins the revenue facts with the finance tables
// (tax_rates, trip_jurisdictions), which live in PostgreSQL; the answer says so.
func (s *oracleFacts) TaxReport(context.Context, window) ([]taxLine, error) {
	return nil, fault.Unavailable("tax-report-not-on-oracle", "Tax report not available on the Oracle store",
		"group=jurisdiction joins revenue facts with tax_rates and trip_jurisdictions, which are in PostgreSQL; with ANALYTICS_STORE=oracle it is not built yet.")
}
